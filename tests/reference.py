"""An independent numpy implementation of the forward pass and losses, used only by the tests."""
import numpy as np


def activation(name, z, pieces=1):
    if name == "linear":
        return z
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "softplus":
        return np.log1p(np.exp(z))
    if name == "leaky_relu":  # Keras/PyTorch default slope
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":  # alpha = 1
        return np.where(z > 0, z, np.exp(np.minimum(z, 0.0)) - 1.0)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if name == "maxout":
        n, rows = z.shape
        return z.reshape(n, rows // pieces, pieces).max(axis=2)
    raise ValueError(name)


def forward(net, X):
    a = np.asarray(X, dtype=np.float64)
    for W, b, layer in zip(net.weights, net.biases, net.layers):
        z = a @ np.asarray(W, dtype=np.float64).T + b
        a = activation(layer.activation, z, layer.pieces)
    return a


def loss(kind, a, Y):
    if kind == "mse":
        return np.mean(0.5 * np.sum((a - Y) ** 2, axis=1))
    if kind == "bce":
        return np.mean(-np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a), axis=1))
    if kind == "ce":
        return np.mean(-np.sum(Y * np.log(a), axis=1))
    raise ValueError(kind)


def numeric_gradient(f, p, h=1e-6):
    """Central differences of the scalar function ``f`` at the flat parameters ``p``."""
    g = np.empty_like(p)
    for i in range(p.size):
        e = np.zeros_like(p)
        e[i] = h
        g[i] = (f(p + e) - f(p - e)) / (2 * h)
    return g
