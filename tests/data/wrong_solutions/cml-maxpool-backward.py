import numpy as np


def maxpool_backward(x, dout, pool, stride):
    x = np.asarray(x, dtype=float)
    dout = np.asarray(dout, dtype=float)
    H, W = x.shape
    Ho = (H - pool) // stride + 1
    Wo = (W - pool) // stride + 1
    dx = np.zeros_like(x)
    for i in range(Ho):
        for j in range(Wo):
            win = x[i * stride : i * stride + pool, j * stride : j * stride + pool]
            # Bug: every tied maximum receives the full gradient.
            mask = win == win.max()
            dx[i * stride : i * stride + pool, j * stride : j * stride + pool] += mask * dout[i, j]
    return dx
