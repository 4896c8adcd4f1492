import numpy as np


def kmeans_step(X, centroids):
    X = np.asarray(X, dtype=float)
    C = np.asarray(centroids, dtype=float)
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    labels = d2.argmin(axis=1)
    inertia = float(d2[np.arange(X.shape[0]), labels].sum())
    # Bug: an empty cluster's mean is NaN instead of keeping the old centroid.
    new_c = np.array([X[labels == j].mean(axis=0) for j in range(C.shape[0])])
    return [labels.tolist(), new_c, inertia]
