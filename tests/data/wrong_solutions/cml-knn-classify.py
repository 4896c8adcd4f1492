import numpy as np


def knn_predict(X_train, y_train, X_test, k):
    Xtr = np.asarray(X_train, dtype=float)
    Xte = np.asarray(X_test, dtype=float)
    y = np.asarray(y_train, dtype=int)
    d2 = ((Xte[:, None, :] - Xtr[None, :, :]) ** 2).sum(axis=2)
    nearest = np.argsort(d2, axis=1, kind="stable")[:, :k]
    # Bug: bincount argmax breaks vote ties toward the smallest label.
    return [int(np.bincount(y[row]).argmax()) for row in nearest]
