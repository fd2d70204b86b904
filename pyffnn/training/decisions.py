"""The one class-decision rule, and the accuracy that follows from it.

Used by ``Network.predict_classes``, the accuracy in ``evaluate`` and in fit's logs (the C core counts correct
samples by the same rule), the command line and the app.

* **softmax** output: the class is the argmax of the outputs (the first one on a tie);
* **sigmoid** outputs: each output is on when ``a > 0.5``.  One output gives the class 0 or 1; several outputs are
  *multi-label*: a 0/1 row per sample, one column per label;
* other outputs are scores, not probabilities: one output gives class 1 when ``a > 0``, several the argmax.

**Accuracy** is the fraction of samples whose decision equals the target's (for multi-label, every label of the
sample must be right: exact match, as scikit-learn's ``accuracy_score``), for sigmoid and softmax outputs only.
"""
import numpy as np

from ..registry import activations


def is_classifier_output(output_activation):
    """True for outputs that are probabilities (sigmoid, softmax): they have classes and an accuracy."""
    return activations.get(output_activation).probability


def decide(outputs, output_activation):
    """Class decisions for a (n, K) array of outputs: (n,) class indices, or (n, K) 0/1 labels for several sigmoid
    outputs (see the module docstring)."""
    outputs = np.asarray(outputs)
    if output_activation == "softmax":
        return outputs.argmax(axis=1)
    threshold = 0.5 if output_activation == "sigmoid" else 0.0
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > threshold).astype(np.int64)
    if output_activation == "sigmoid":
        return (outputs > threshold).astype(np.int64)
    return outputs.argmax(axis=1)


def accuracy(outputs, Y, output_activation):
    """Fraction of samples whose decision matches the target rows ``Y`` (one-hot or 0/1, as the loss sees them);
    None for outputs that are not probabilities."""
    if not is_classifier_output(output_activation):
        return None
    hit = decide(outputs, output_activation) == decide(Y, output_activation)
    return float(np.mean(hit if hit.ndim == 1 else hit.all(axis=1)))
