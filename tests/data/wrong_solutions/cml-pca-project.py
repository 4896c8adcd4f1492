import numpy as np


def pca(X, k):
    X = np.asarray(X, dtype=float)
    # Bug: forgets to centre the data.
    _, s, vt = np.linalg.svd(X, full_matrices=False)
    components = vt[:k].copy()
    idx = np.argmax(np.abs(components), axis=1)
    components *= np.sign(components[np.arange(k), idx])[:, None]
    variances = s**2
    return [X @ components.T, components, variances[:k] / variances.sum()]
