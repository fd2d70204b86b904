"""pyffnn: feedforward neural networks with a fast C core.

>>> import pyffnn
>>> net = pyffnn.Network("2-8tanh-1sigmoid", random_state=0)
>>> history = net.fit(X, y, optimizer="adam", lr=0.05, epochs=200)

See docs/API.md for the whole public API.
"""
from .training.callbacks import Callback, CallbackList, EarlyStopping, History, LambdaCallback, MonitorCallback
from .errors import FFNNError, ModelFileError, TrainingDiverged
from .layers import ACTIVATIONS, Dense, Maxout, parse_spec
from .network import Network
from .training.lbfgs import LBFGS
from .training.optimizers import RPROP, SGD, Adam, Optimizer
from .registry.optimizers import NAMES as OPTIMIZER_NAMES, make_optimizer
from .training.progress import ProgressBar
from .training.schedules import (CosineDecay, ExponentialDecay, LearningRateScheduler, ReduceLROnPlateau,
                                 StepDecay)
from .perceptron import Perceptron
from .experiments.logger import RunLogger
from .experiments.mpi import fit_mpi
from .experiments.space import LogUniform, Uniform
from .experiments.sweep import Sweep, SweepResult, sweep
from .training.tasks import label_targets, output_for_task
from .runtime import get_simd, get_threads, set_simd, set_threads
from .fileio import atomic_path, atomic_write, check_writable

__version__ = "0.1.0"

__all__ = [
    "Network", "Dense", "Maxout", "ACTIVATIONS", "SGD", "Adam", "RPROP", "Optimizer", "make_optimizer",
    "OPTIMIZER_NAMES", "LBFGS", "Callback", "CallbackList", "LambdaCallback", "EarlyStopping", "History",
    "MonitorCallback", "ProgressBar", "LearningRateScheduler", "StepDecay", "ExponentialDecay", "CosineDecay",
    "ReduceLROnPlateau", "Perceptron", "FFNNError",
    "ModelFileError", "TrainingDiverged", "FFNNClassifier", "FFNNRegressor", "datasets", "to_torch", "from_torch",
    "atomic_path", "atomic_write", "check_writable", "set_threads", "get_threads", "set_simd", "get_simd",
    "RunLogger", "fit_mpi", "sweep", "Sweep", "SweepResult", "LogUniform", "Uniform", "parse_spec",
    "output_for_task", "label_targets",
]

_LAZY = {"FFNNClassifier": "sklearn.estimators", "FFNNRegressor": "sklearn.estimators",
         "to_torch": "interop.torch_interop", "from_torch": "interop.torch_interop"}


def __getattr__(name):
    # scikit-learn is optional: the estimators are imported only when asked for.
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name == "datasets":
        import importlib
        return importlib.import_module(".datasets", __name__)
    raise AttributeError(f"module 'pyffnn' has no attribute {name!r}")
