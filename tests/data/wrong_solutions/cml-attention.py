import numpy as np


def attention(Q, K, V, mask):
    Q = np.asarray(Q, dtype=float)
    K = np.asarray(K, dtype=float)
    V = np.asarray(V, dtype=float)
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    scores = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=1, keepdims=True)
    if mask is not None:
        # Bug: masks after the softmax, so the remaining weights no longer sum to 1.
        weights = weights * np.asarray(mask, dtype=float)
    return weights @ V
