"""One table per concept: :mod:`~pyffnn.registry.activations`, :mod:`~pyffnn.registry.losses` and
:mod:`~pyffnn.registry.optimizers`.

Every part of pyffnn (binding, layer parser, training, estimators, ONNX and torch interop, command line, app) reads
these rows instead of keeping its own list of names.  The C core has the mirror tables (``csrc/ffnn.h``); the test
``tests/test_registry.py`` checks them against each other.  ``docs/DEVELOPING.md`` says how to add a row.
"""
from . import activations, losses  # noqa: F401  (first: the binding reads them)
from . import optimizers  # noqa: F401
