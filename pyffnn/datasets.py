"""Data for pyffnn: seeded 2-D teaching sets, CSV loading, train/validation/test splits and standard scaling.

Generators return ``(X, y)`` with ``X`` float64.  Classification sets have int class labels ``y`` of shape ``(n,)``
and are balanced (class sizes differ by at most one); regression sets have float ``y`` of shape ``(n,)``.
The same ``random_state`` always gives the same data, bit for bit.

``load_csv`` turns a delimited text file into a :class:`Dataset`; every problem in the file is reported as a
:class:`DataError` that names the line and the column.

This module is the public name (``pyffnn.datasets``); the code lives in :mod:`pyffnn.data`, one module per job.
"""
from .data import *  # noqa: F401,F403  (the public names, listed in pyffnn.data.__all__)
from .data import __all__  # noqa: F401
