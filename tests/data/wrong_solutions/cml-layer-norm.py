import numpy as np


def layer_norm(x, gamma, beta, eps):
    x = np.asarray(x, dtype=float)
    # Bug: statistics over the batch axis (that is batch norm, not layer norm).
    mu = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    return np.asarray(gamma, dtype=float) * (x - mu) / np.sqrt(var + eps) + np.asarray(beta, dtype=float)
