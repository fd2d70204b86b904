"""Train/validation/test splits (optionally stratified)."""
import numbers

import numpy as np

from .dataset import DataError, _rng


def _split_count(size, n, what):
    """Number of samples for a split given as a fraction in [0, 1) or a count."""
    if isinstance(size, bool) or not isinstance(size, numbers.Real):
        raise DataError(f"{what} must be a fraction in [0, 1) or a sample count, got {size!r}")
    if isinstance(size, numbers.Integral):
        if not 0 <= size < n:
            raise DataError(f"{what}={size} samples must be in [0, {n}) for {n} samples")
        return int(size)
    if not (0.0 <= size < 1.0):
        raise DataError(f"{what}={size} must be a fraction in [0, 1)")
    return round(size * n)


def _allocate(total, available):
    """Split ``total`` over groups in proportion to ``available`` (largest remainder), never above availability."""
    available = np.asarray(available, dtype=np.int64)
    share = total * available / available.sum()
    counts = np.floor(share).astype(np.int64)
    for g in np.argsort(-(share - counts), kind="stable"):
        if counts.sum() >= total:
            break
        if counts[g] < available[g]:
            counts[g] += 1
    return counts


def train_val_test_split(X, y, val=0.15, test=0.15, random_state=None, stratify=None):
    """Shuffle and split into ``X_train, X_val, X_test, y_train, y_val, y_test``.

    ``val`` and ``test`` are fractions in [0, 1) (rounded to whole samples) or sample counts; a zero size gives
    empty arrays.  ``stratify``: None, True (keep the class proportions of ``y`` in every split) or an array of
    labels to stratify on.  The same ``random_state`` gives the same split.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    n = len(X)
    if X.ndim == 0 or y.ndim == 0 or len(y) != n:
        raise DataError(f"X and y must have the same number of samples, got {X.shape} and {y.shape}")
    n_val = _split_count(val, n, "val")
    n_test = _split_count(test, n, "test")
    if n - n_val - n_test < 1:
        raise DataError(f"val={val} and test={test} leave no training samples out of {n}")
    rng = _rng(random_state)
    if stratify is None or stratify is False:
        order = rng.permutation(n)
        test_idx, val_idx, train_idx = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    else:
        labels = y if stratify is True else np.asarray(stratify)
        if labels.ndim != 1 or len(labels) != n:
            raise DataError(f"stratify must be True or labels of shape ({n},), got shape {labels.shape}")
        try:
            _, groups = np.unique(labels, return_inverse=True)
        except TypeError:
            raise DataError("stratify labels must be comparable values of one type (all numbers or all "
                            "strings)") from None
        members = [rng.permutation(np.flatnonzero(groups == g)) for g in range(groups.max() + 1)]
        sizes = [len(m) for m in members]
        test_counts = _allocate(n_test, sizes)
        val_counts = _allocate(n_val, [s - c for s, c in zip(sizes, test_counts)])
        test_idx = np.concatenate([m[:c] for m, c in zip(members, test_counts)])
        val_idx = np.concatenate([m[t:t + c] for m, t, c in zip(members, test_counts, val_counts)])
        train_idx = np.concatenate([m[t + c:] for m, t, c in zip(members, test_counts, val_counts)])
        # Undo the grouping by class so every split is in random order.
        test_idx, val_idx, train_idx = (rng.permutation(i) for i in (test_idx, val_idx, train_idx))
    return X[train_idx], X[val_idx], X[test_idx], y[train_idx], y[val_idx], y[test_idx]
