"""Plain-data description of an experiment (architecture, data source, training settings).

These dataclasses are what the panels edit, what a project file stores (as JSON) and what the session builds a
``pyffnn.Network`` from. They hold no Qt objects and no arrays.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Dict, List

from pyffnn.registry import activations, losses, optimizers

# The choices come from pyffnn's tables (pyffnn.registry), so a new activation, loss or optimizer appears here too.
HIDDEN_ACTIVATIONS = activations.HIDDEN_NAMES
OUTPUT_ACTIVATIONS = ("auto",) + tuple(losses.AUTO_PAIRS)   # the outputs the lecture pairs with a loss
LOSSES = (losses.AUTO,) + losses.NAMES
# (label shown to the user, pyffnn optimizer name): the table's optimizers that take the app's learning rate
# (L-BFGS chooses its own steps and is not offered here yet)
OPTIMIZERS = tuple((row.label, row.name) for row in optimizers.OPTIMIZERS if row.lr_name is not None)
MODES = ("network", "perceptron")
# Ranges the training panel accepts (and the command line checks against): (minimum, maximum).
LIMITS = {"lr": (1e-6, 1000.0), "l2": (0.0, 10.0), "batch_size": (0, 1_000_000), "epochs": (0, 10_000_000),
          "seed": (0, 2**31 - 1)}

# Playground's optional extra inputs for 2-D data: (name stored in projects, label on the checkbox), in the order of
# pyffnn.datasets.playground_features; x1 and x2 stand for the data's first and second feature.
INPUT_TRANSFORMS = (("x1^2", "x1²"), ("x2^2", "x2²"), ("x1*x2", "x1·x2"), ("sin(x1)", "sin x1"),
                    ("sin(x2)", "sin x2"))

# the largest dropout rate the layer editor offers (the library takes any rate below 1)
MAX_DROPOUT = 0.9

# painted (custom) data sets hold at most this many points (they are stored in the project's JSON)
MAX_CUSTOM_POINTS = 100_000


class ConfigError(ValueError):
    """A project/config value is missing or out of range."""


@dataclass
class LayerSpec:
    """One hidden layer: ``units`` neurons with ``activation`` (``pieces`` only matters for maxout); ``dropout`` is
    the fraction of its outputs dropped while training (0 = none; prediction never drops)."""

    units: int = 8
    activation: str = "tanh"
    pieces: int = 2
    dropout: float = 0.0

    def validate(self) -> None:
        if not (isinstance(self.units, int) and 1 <= self.units <= 4096):
            raise ConfigError(f"layer units must be an integer in 1..4096, got {self.units!r}")
        if self.activation not in HIDDEN_ACTIVATIONS:
            raise ConfigError(f"hidden activation must be one of {HIDDEN_ACTIVATIONS}, got {self.activation!r}")
        if not (isinstance(self.pieces, int) and 2 <= self.pieces <= 16):
            raise ConfigError(f"maxout pieces must be an integer in 2..16, got {self.pieces!r}")
        if (isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float))
                or not 0.0 <= self.dropout <= MAX_DROPOUT):
            raise ConfigError(f"layer dropout must be a rate in 0..{MAX_DROPOUT} (the fraction of the layer's outputs "
                              f"dropped while training), got {self.dropout!r}")


@dataclass
class NetworkConfig:
    """Hidden layer stack plus optional output-activation / loss overrides (``"auto"`` follows the task)."""

    # 2 × 16 tanh learns every built-in set (two spirals included) within the default 200 epochs, and stays small
    # enough (337 parameters on 2-D data) that an epoch of a few hundred rows takes well under a millisecond.
    hidden: List[LayerSpec] = field(default_factory=lambda: [LayerSpec(16, "tanh"), LayerSpec(16, "tanh")])
    output_activation: str = "auto"
    loss: str = "auto"

    def validate(self) -> None:
        for layer in self.hidden:
            layer.validate()
        if self.output_activation not in OUTPUT_ACTIVATIONS:
            raise ConfigError(f"output activation must be one of {OUTPUT_ACTIVATIONS}, "
                              f"got {self.output_activation!r}")
        if self.loss not in LOSSES:
            raise ConfigError(f"loss must be one of {LOSSES}, got {self.loss!r}")


@dataclass
class DataConfig:
    """Where the data comes from (a built-in generator, a CSV file, or points painted in the app) and how it is
    split and scaled."""

    source: str = "builtin"          # "builtin", "csv" or "custom" (the points below)
    builtin: str = "circle"
    n_samples: int = 400
    noise: float = 0.1               # the generator's own default for each set (data_source.default_noise)
    seed: int = 0
    csv_path: str = ""
    target: int = -1                 # column index of the target in the CSV (negative counts from the end)
    # the import dialog's choices (pyffnn.datasets.read_table's options); targets, when given, win over `target`
    header: str = "auto"             # "auto", "yes" or "no"
    skip_rows: int = 0
    missing: str = "impute"          # "impute", "drop" or "error"
    task: str = "auto"               # "auto", "classification" or "regression"
    targets: List[str] = field(default_factory=list)
    drop: List[str] = field(default_factory=list)
    features: List[str] = field(default_factory=list)
    kinds: Dict[str, str] = field(default_factory=dict)
    val: float = 0.15
    test: float = 0.15
    standardize: bool = True
    # with standardize: a regression target is standardised too (as the command line does), so a target in
    # grams or dollars trains at the usual learning rates; projects saved before this setting existed trained on
    # targets in data units, and keep doing so (project_schema)
    scale_target: bool = True
    # extra network inputs computed from 2-D data (INPUT_TRANSFORMS names), e.g. ["x1^2", "x1*x2"]
    transforms: List[str] = field(default_factory=list)
    # source "custom": the data set painted in the app, rows [x1, x2, target] (class index or value), and the
    # names of those three columns; task is then "classification" or "regression"
    points: List[List[float]] = field(default_factory=list)
    point_columns: List[str] = field(default_factory=list)

    def validate(self) -> None:
        known = [name for name, _ in INPUT_TRANSFORMS]
        for name in self.transforms:
            if name not in known:
                raise ConfigError(f"unknown input transform {name!r}; choose from {', '.join(known)}")
        if len(set(self.transforms)) != len(self.transforms):
            raise ConfigError(f"an input transform is listed twice: {self.transforms}")
        if self.source not in ("builtin", "csv", "custom"):
            raise ConfigError(f"data source must be 'builtin', 'csv' or 'custom', got {self.source!r}")
        if self.source == "custom":
            self._validate_points()
        for name, value, choices in (("header", self.header, ("auto", "yes", "no")),
                                     ("missing", self.missing, ("impute", "drop", "error")),
                                     ("task", self.task, ("auto", "classification", "regression"))):
            if value not in choices:
                raise ConfigError(f"data {name} must be one of {choices}, got {value!r}")
        if not 0 <= self.skip_rows <= 1_000_000:
            raise ConfigError(f"skip rows must be in 0..1000000, got {self.skip_rows}")
        if not (0.0 <= self.val < 1.0 and 0.0 <= self.test < 1.0 and self.val + self.test < 0.9):
            raise ConfigError("validation and test ratios must be in [0, 1) and together below 0.9, "
                              f"got val={self.val}, test={self.test}")
        if self.source == "builtin" and not (10 <= int(self.n_samples) <= 1_000_000):
            raise ConfigError(f"sample count must be in 10..1000000, got {self.n_samples}")


    def _validate_points(self) -> None:
        import math

        if not self.points:
            raise ConfigError("a custom data set needs points; paint some on a 2-D data set")
        if len(self.points) > MAX_CUSTOM_POINTS:
            raise ConfigError(f"a custom data set holds at most {MAX_CUSTOM_POINTS} points, got {len(self.points)}")
        for i, row in enumerate(self.points):
            if (not isinstance(row, (list, tuple)) or len(row) != 3 or
                    not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                            for v in row)):
                raise ConfigError(f"custom point {i + 1} must be three finite numbers [x1, x2, target], "
                                  f"got {row!r:.60}")
        if self.point_columns and (len(self.point_columns) != 3 or len(set(self.point_columns)) != 3):
            raise ConfigError(f"custom data: point_columns must name three different columns, "
                              f"got {self.point_columns}")
        if self.task not in ("classification", "regression"):
            raise ConfigError("custom data: task must be 'classification' or 'regression'")
        if self.task == "classification":
            bad = [i for i, row in enumerate(self.points) if row[2] < 0 or row[2] != int(row[2])]
            if bad:
                raise ConfigError(f"custom point {bad[0] + 1}: a class must be a whole number >= 0, "
                                  f"got {self.points[bad[0]][2]!r}")


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run. ``batch_size=0`` means full batch; 1 is per-example back-prop."""

    mode: str = "network"
    optimizer: str = "adam"
    lr: float = 0.01                 # with batch 16 a smooth loss curve; 0.03 learns faster but jumps about
    batch_size: int = 16
    l2: float = 0.0
    epochs: int = 200                # epochs per Play; 0 = train until Pause
    seed: int = 0

    def validate(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}, got {self.mode!r}")
        names = [name for _, name in OPTIMIZERS]
        if self.optimizer not in names:
            raise ConfigError(f"optimizer must be one of {names}, got {self.optimizer!r}")
        if not self.lr > 0:
            raise ConfigError(f"learning rate must be positive, got {self.lr}")
        if self.batch_size < 0 or self.epochs < 0 or self.l2 < 0:
            raise ConfigError("batch size must be >= 0, epochs >= 0 (0 = until Pause) and L2 >= 0")


@dataclass
class ExperimentConfig:
    """Everything needed to rebuild an experiment."""

    network: NetworkConfig = field(default_factory=NetworkConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def validate(self) -> None:
        self.network.validate()
        self.data.validate()
        self.train.validate()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ExperimentConfig":
        """Rebuild from :meth:`to_dict` output; unknown keys are an error so typos do not pass silently."""
        try:
            net = dict(d["network"])
            hidden = [LayerSpec(**layer) for layer in net.pop("hidden")]
            cfg = cls(network=NetworkConfig(hidden=hidden, **net), data=DataConfig(**d["data"]),
                      train=TrainConfig(**d["train"]))
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"project settings are incomplete or have unknown fields: {exc}") from exc
        cfg.validate()
        return cfg
