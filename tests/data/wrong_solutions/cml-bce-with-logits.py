import numpy as np


def bce_with_logits(logits, labels):
    # Bug: sigmoid then log with clipping; caps the loss for confident wrong predictions.
    z = np.asarray(logits, dtype=float)
    y = np.asarray(labels, dtype=float)
    p = np.clip(1.0 / (1.0 + np.exp(-z)), 1e-12, 1 - 1e-12)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
