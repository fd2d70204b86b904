"""From a learning task to a network's output layer and targets: one rule for the library, the CLI and the app.

The lecture pairs each task with an output activation and a loss: regression → linear units and squared error,
two classes → one sigmoid unit and binary cross-entropy, K classes → K softmax units and cross-entropy.
"""
import numpy as np

from ..errors import FFNNError

TASKS = ("regression", "binary", "multiclass", "multilabel")


def output_for_task(task, n_classes=0, n_targets=1, activation="auto"):
    """``(units, activation)`` of the output layer for ``task`` ("regression", "binary", "multiclass" or
    "multilabel": ``n_targets`` sigmoid units, one per label).

    ``activation="auto"`` follows the lecture; an explicit ``"linear"``, ``"sigmoid"`` or ``"softmax"`` overrides
    it (a softmax over two classes has two units; sigmoid outputs for K > 2 classes are one per class).
    """
    if task not in TASKS:
        raise FFNNError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if task == "regression":
        act = "linear" if activation == "auto" else activation
        if act == "softmax":
            raise FFNNError("a softmax output needs class labels; this is a regression task")
        return int(n_targets), act
    if task == "multilabel":
        act = "sigmoid" if activation == "auto" else activation
        if act == "softmax":
            raise FFNNError("a softmax output picks one class; several labels (multi-label) need sigmoid outputs")
        return int(n_targets), act
    if int(n_classes) < 2 and task == "multiclass":
        raise FFNNError(f"a multiclass task needs at least 2 classes, got {n_classes}")
    if task == "binary":
        act = "sigmoid" if activation == "auto" else activation
        return (2 if act == "softmax" else 1), act
    act = "softmax" if activation == "auto" else activation
    return int(n_classes), act


def label_targets(labels, n_outputs, output_activation):
    """Integer class labels ``0..K-1`` as targets for an output layer: labels as they are for softmax, a 0/1
    column for one output, one-hot rows for several sigmoid/linear outputs."""
    y = np.asarray(labels)
    if y.ndim != 1:
        raise FFNNError(f"class labels must be a 1-D array, got shape {y.shape}")
    y = y.astype(np.int64)
    if output_activation == "softmax":
        return y
    if n_outputs == 1:
        return y.astype(np.float64)
    if y.size and (y.min() < 0 or y.max() >= n_outputs):
        raise FFNNError(f"class labels must be in [0, {n_outputs - 1}], got {y.min()}..{y.max()}")
    onehot = np.zeros((len(y), n_outputs))
    onehot[np.arange(len(y)), y] = 1.0
    return onehot
