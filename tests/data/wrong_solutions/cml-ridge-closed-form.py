import numpy as np


def ridge_fit(X, y, alpha):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    A = np.hstack([np.ones((X.shape[0], 1)), X])
    # Bug: the penalty also shrinks the intercept.
    return np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)
