import numpy as np


def logistic_gd_step(X, y, w, b, lr, l2):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    n = X.shape[0]
    p = 0.5 * (1.0 + np.tanh(0.5 * (X @ w + b)))
    residual = p - y
    grad_w = X.T @ residual / n + l2 * w
    grad_b = residual.mean() + l2 * b  # Bug: the bias is regularised too.
    return [w - lr * grad_w, float(b - lr * grad_b)]
