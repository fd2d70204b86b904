"""Seeded 2-D teaching sets (circle, XOR, blobs, spirals, moons, regression surfaces) and the built-in table.

Generators return ``(X, y)`` with ``X`` float64.  Classification sets have int class labels ``y`` of shape ``(n,)``
and are balanced (class sizes differ by at most one); regression sets have float ``y`` of shape ``(n,)``.
The same ``random_state`` always gives the same data, bit for bit.
"""
import math
import numbers
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from .dataset import DataError, Dataset, _rng

SURFACE_KINDS = ("plane", "gaussian", "ripple")


def _check_n_samples(n_samples, minimum):
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise DataError(f"n_samples must be an integer, got {n_samples!r}")
    if n_samples < minimum:
        raise DataError(f"n_samples must be at least {minimum}, got {n_samples}")
    return int(n_samples)


def _check_noise(noise):
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not math.isfinite(noise) or noise < 0:
        raise DataError(f"noise must be a finite number >= 0, got {noise!r}")
    return float(noise)


def _check_n_classes(n_classes):
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise DataError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    return int(n_classes)


def _class_sizes(n_samples, n_classes):
    """Balanced class sizes: they differ by at most one."""
    return [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]


def _shuffled(rng, X, y):
    order = rng.permutation(len(y))
    return np.ascontiguousarray(X[order], dtype=np.float64), y[order]


def _labels(sizes):
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def make_circle(n_samples=200, noise=0.1, random_state=None):
    """A disk of class 1 (radius 0.5) inside a ring of class 0 (radii 0.7 to 1), plus Gaussian noise.

    Points are uniform over each region's area; ``noise`` is the standard deviation added to every coordinate.
    """
    n = _check_n_samples(n_samples, 2)
    noise = _check_noise(noise)
    rng = _rng(random_state)
    n_out, n_in = _class_sizes(n, 2)
    # Uniform over an annulus r0 <= r <= r1: r = sqrt(r0^2 + U (r1^2 - r0^2)).
    r = np.concatenate([np.sqrt(0.49 + rng.random(n_out) * 0.51), 0.5 * np.sqrt(rng.random(n_in))])
    angle = rng.random(n) * 2.0 * np.pi
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)]) + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, _labels([n_out, n_in]))


def make_xor(n_samples=200, noise=0.1, random_state=None):
    """The XOR problem: class 1 where the two coordinates have different signs, class 0 where they agree.

    Each quadrant gets a quarter of the points, uniform with coordinates 0.1 to 1 away from the axes; ``noise`` is
    the standard deviation of Gaussian noise added afterwards (labels keep the noise-free quadrant).
    """
    n = _check_n_samples(n_samples, 4)
    noise = _check_noise(noise)
    rng = _rng(random_state)
    quadrant = np.arange(n) % 4
    signs = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])[quadrant]
    X = signs * rng.uniform(0.1, 1.0, size=(n, 2)) + noise * rng.standard_normal((n, 2))
    y = (signs[:, 0] != signs[:, 1]).astype(np.int64)
    return _shuffled(rng, X, y)


def _multiclass_setup(n_samples, noise, n_classes, random_state):
    """Checked (n_classes, n_samples, noise), a seeded generator and balanced labels, for k-class generators."""
    k = _check_n_classes(n_classes)
    n = _check_n_samples(n_samples, k)
    return k, n, _check_noise(noise), _rng(random_state), _labels(_class_sizes(n, k))


def make_blobs(n_samples=300, noise=0.3, n_classes=3, random_state=None):
    """``n_classes`` Gaussian blobs with centres evenly spaced on a circle; ``noise`` is each blob's std.

    The circle has radius 1, grown for many classes so neighbouring centres stay at least 1 apart.
    """
    k, n, noise, rng, y = _multiclass_setup(n_samples, noise, n_classes, random_state)
    radius = max(1.0, 0.5 / math.sin(math.pi / k))
    angles = 2.0 * np.pi * np.arange(k) / k + np.pi / 2
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    X = centres[y] + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


def make_spirals(n_samples=300, noise=0.05, n_classes=2, random_state=None):
    """``n_classes`` interleaved spiral arms of 1.5 turns each, radius growing from 0.05 to 1, plus noise."""
    k, n, noise, rng, y = _multiclass_setup(n_samples, noise, n_classes, random_state)
    t = rng.uniform(0.05, 1.0, size=n)  # position along the arm
    angle = 2.0 * np.pi * (1.5 * t + y / k)
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)]) + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


def make_moons(n_samples=200, noise=0.1, random_state=None):
    """Two interleaving half circles (class 0 on top, class 1 below), centred on the origin, plus noise."""
    n = _check_n_samples(n_samples, 2)
    noise = _check_noise(noise)
    rng = _rng(random_state)
    sizes = _class_sizes(n, 2)
    y = _labels(sizes)
    t = rng.uniform(0.0, np.pi, size=n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where(y[:, None] == 0, upper, lower) - np.array([0.5, 0.25])
    X = X + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


def make_sine(n_samples=200, noise=0.1, random_state=None):
    """Regression of ``y = sin(x) + noise`` with ``x`` uniform on [-pi, pi]; ``X`` has shape ``(n, 1)``."""
    n = _check_n_samples(n_samples, 1)
    noise = _check_noise(noise)
    rng = _rng(random_state)
    x = rng.uniform(-np.pi, np.pi, size=n)
    y = np.sin(x) + noise * rng.standard_normal(n)
    return x.reshape(n, 1), y


def _surface(kind, X):
    r2 = X[:, 0] ** 2 + X[:, 1] ** 2
    if kind == "plane":
        return 0.6 * X[:, 0] - 0.4 * X[:, 1] + 0.2
    if kind == "gaussian":
        return np.exp(-2.0 * r2)
    return np.cos(2.0 * np.pi * np.sqrt(r2)) * np.exp(-r2)  # ripple


def make_surface(kind="plane", n_samples=300, noise=0.05, random_state=None):
    """Regression on a surface over the square [-1, 1]^2: ``X`` is ``(n, 2)``, ``y`` is ``(n,)``.

    ``kind``: ``"plane"`` (0.6 x1 - 0.4 x2 + 0.2), ``"gaussian"`` (exp(-2 r^2)) or ``"ripple"``
    (cos(2 pi r) exp(-r^2)), with ``r`` the distance to the origin; ``noise`` is the std added to ``y``.
    """
    if kind not in SURFACE_KINDS:
        raise DataError(f"unknown surface kind {kind!r}; expected one of {', '.join(SURFACE_KINDS)}")
    n = _check_n_samples(n_samples, 1)
    noise = _check_noise(noise)
    rng = _rng(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    return X, _surface(kind, X) + noise * rng.standard_normal(n)


def _surface_generator(kind):
    def generate(n_samples=300, noise=0.05, random_state=None):
        return make_surface(kind, n_samples=n_samples, noise=noise, random_state=random_state)

    generate.__name__ = f"make_surface_{kind}"
    generate.__doc__ = f"``make_surface('{kind}', ...)``."
    return generate


@dataclass(frozen=True)
class DatasetInfo:
    """A built-in data set: ``generator(n_samples=..., noise=..., random_state=...)`` returns ``(X, y)``."""

    name: str
    generator: Callable
    task: str  # "binary", "multiclass" or "regression"
    description: str
    n_classes: Optional[int] = None  # None for regression


#: The built-in data sets by name.
BUILTIN = {
    "circle": DatasetInfo("circle", make_circle, "binary", "a disk inside a ring (2 classes)", 2),
    "xor": DatasetInfo("xor", make_xor, "binary", "the XOR quadrants (2 classes)", 2),
    "blobs": DatasetInfo("blobs", make_blobs, "multiclass", "three Gaussian blobs (3 classes)", 3),
    "spiral": DatasetInfo("spiral", make_spirals, "binary", "two interleaved spirals (2 classes)", 2),
    "moons": DatasetInfo("moons", make_moons, "binary", "two interleaving half moons (2 classes)", 2),
    "sine": DatasetInfo("sine", make_sine, "regression", "y = sin(x) on [-pi, pi] (1 input)"),
    "plane": DatasetInfo("plane", _surface_generator("plane"), "regression", "a tilted plane over [-1, 1]^2"),
    "gaussian": DatasetInfo("gaussian", _surface_generator("gaussian"), "regression",
                            "a Gaussian bump over [-1, 1]^2"),
    "ripple": DatasetInfo("ripple", _surface_generator("ripple"), "regression",
                          "circular ripples over [-1, 1]^2"),
}


def load_builtin(name, n_samples=None, noise=None, random_state=None):
    """Generate the built-in data set ``name`` as a :class:`Dataset` (defaults of its generator for ``None``)."""
    info = BUILTIN.get(name) if isinstance(name, str) else None
    if info is None:
        raise DataError(f"unknown data set {name!r}; expected one of {', '.join(BUILTIN)}")
    kwargs = {"random_state": random_state}
    if n_samples is not None:
        kwargs["n_samples"] = n_samples
    if noise is not None:
        kwargs["noise"] = noise
    X, y = info.generator(**kwargs)
    names = ("x1",) if X.shape[1] == 1 else tuple(f"x{j + 1}" for j in range(X.shape[1]))
    classes = None if info.task == "regression" else np.arange(info.n_classes, dtype=np.int64)
    return Dataset(X, y, names, "y", classes, info.task)
