"""``class_weight`` for ``Network.fit``: per-class loss weights turned into per-sample weights, with
scikit-learn's semantics (``sklearn.utils.class_weight.compute_sample_weight``):

* ``"balanced"``: class ``c`` weighs ``n_samples / (n_classes * count(c))`` over the classes present in ``y``;
* a dict ``{class: weight}``: the listed classes get their weight, the others 1.

Classes are the network's class indices: ``0..K-1`` for a K-unit softmax (labels or one-hot rows), ``0``/``1`` for
one sigmoid output.  Several sigmoid outputs (multi-label) and regression outputs have no classes.
"""
import numbers

import numpy as np

from ..errors import FFNNError


def class_indices(Y, output_activation):
    """The class index of every row of encoded targets ``Y`` (argmax for softmax, ``y > 0.5`` for one sigmoid)."""
    if output_activation == "softmax":
        return Y.argmax(axis=1), Y.shape[1]
    if output_activation == "sigmoid" and Y.shape[1] == 1:
        return (Y[:, 0] > 0.5).astype(np.int64), 2
    if output_activation == "sigmoid":
        raise FFNNError("class_weight needs one class per sample, but this network has "
                        f"{Y.shape[1]} sigmoid outputs (multi-label); give sample_weight instead")
    raise FFNNError(f"class_weight needs a classification output (sigmoid or softmax), but the output layer is "
                    f"{output_activation}; give sample_weight instead")


def class_sample_weight(class_weight, Y, output_activation, dtype):
    """Per-sample weights for ``class_weight`` ("balanced", a dict or None) on encoded targets ``Y``."""
    if class_weight is None:
        return None
    labels, n_classes = class_indices(Y, output_activation)
    counts = np.bincount(labels, minlength=n_classes)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise FFNNError(f"class_weight must be 'balanced', a dict {{class: weight}} or None, got "
                            f"{class_weight!r}")
        present = np.flatnonzero(counts)
        per_class = np.zeros(n_classes, dtype=np.float64)
        per_class[present] = labels.size / (present.size * counts[present].astype(np.float64))
    elif isinstance(class_weight, dict):
        per_class = np.ones(n_classes, dtype=np.float64)
        for key, weight in class_weight.items():
            if isinstance(key, (bool, np.bool_)) or not isinstance(key, numbers.Integral) \
                    or not 0 <= key < n_classes:
                raise FFNNError(f"class_weight key {key!r} is not a class of this network; the classes are the "
                                f"integers 0..{n_classes - 1}")
            if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, numbers.Real) \
                    or not np.isfinite(weight) or weight < 0:
                raise FFNNError(f"class_weight[{key!r}] must be a finite number >= 0, got {weight!r}")
            per_class[int(key)] = float(weight)
    else:
        raise FFNNError(f"class_weight must be 'balanced', a dict {{class: weight}} or None, got {class_weight!r}")
    weights = per_class[labels].astype(dtype)
    if not weights.sum() > 0:
        raise FFNNError("class_weight gives every sample a weight of zero")
    return weights
