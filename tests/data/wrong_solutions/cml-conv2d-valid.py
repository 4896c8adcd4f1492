import numpy as np


def conv2d(image, kernel, stride):
    img = np.asarray(image, dtype=float)
    ker = np.asarray(kernel, dtype=float)
    H, W = img.shape
    kh, kw = ker.shape
    # Bug: range stops one window early when the last window ends exactly at the edge.
    rows = range(0, H - kh, stride)
    cols = range(0, W - kw, stride)
    return [[float((img[i : i + kh, j : j + kw] * ker).sum()) for j in cols] for i in rows]
