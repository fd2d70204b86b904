"""Data: the :class:`Dataset` record, seeded teaching sets, reading tables (CSV files, DataFrames) through one
preprocessing object (with optional derived inputs such as x1², x1·x2, sin x1), splitting and scaling.

The public face is :mod:`pyffnn.datasets`; this package holds one module per job.
"""
from .arrays import Shards, is_memmap, open_npy
from .columns import KINDS
from .dataset import DataError, Dataset
from .derived import OPERATIONS as DERIVED_OPERATIONS, playground as playground_features
from .preprocessor import MAX_INTEGER_CLASSES, DataWarning, Preprocessor
from .report import ColumnReport, DataReport
from .table_reader import MISSING_TOKENS, Table, read_frame
from .tables import dataset_from, load_csv, read_table
from .generators import (BUILTIN, SURFACE_KINDS, DatasetInfo, load_builtin, make_blobs, make_circle, make_moons,
                         make_sine, make_spirals, make_surface, make_xor)
from .scaling import StandardScaler
from .split import train_val_test_split
from .table_split import TableSplit, split_table

__all__ = [
    "DataError", "DataWarning", "Dataset", "Preprocessor", "DataReport", "ColumnReport", "KINDS", "Table",
    "read_frame", "read_table", "dataset_from", "DatasetInfo", "BUILTIN", "SURFACE_KINDS", "MAX_INTEGER_CLASSES",
    "MISSING_TOKENS", "DERIVED_OPERATIONS", "playground_features",
    "make_circle", "make_xor", "make_blobs", "make_spirals", "make_moons", "make_sine", "make_surface",
    "load_builtin", "load_csv", "train_val_test_split", "split_table", "TableSplit", "StandardScaler",
    "open_npy", "Shards", "is_memmap",
]
