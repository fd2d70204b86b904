"""Data: the :class:`Dataset` record, seeded teaching sets, CSV loading, splitting and scaling.

The public face is :mod:`pyffnn.datasets`; this package holds one module per job.
"""
from .csv_reader import MAX_INTEGER_CLASSES, MISSING_TOKENS, load_csv, read_csv_features
from .dataset import DataError, Dataset
from .generators import (BUILTIN, SURFACE_KINDS, DatasetInfo, load_builtin, make_blobs, make_circle, make_moons,
                         make_sine, make_spirals, make_surface, make_xor)
from .scaling import StandardScaler
from .split import train_val_test_split

__all__ = [
    "DataError", "Dataset", "DatasetInfo", "BUILTIN", "SURFACE_KINDS", "MAX_INTEGER_CLASSES", "MISSING_TOKENS",
    "make_circle", "make_xor", "make_blobs", "make_spirals", "make_moons", "make_sine", "make_surface",
    "load_builtin", "load_csv", "read_csv_features", "train_val_test_split", "StandardScaler",
]
