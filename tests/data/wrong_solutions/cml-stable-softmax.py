import numpy as np


def softmax(x):
    # Bug: exponentiates raw scores, overflowing for large inputs.
    e = np.exp(np.asarray(x, dtype=float))
    return e / e.sum(axis=1, keepdims=True)
