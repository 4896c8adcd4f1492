import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=int)
    # Bug: buffered fancy indexing counts repeated (true, pred) pairs only once.
    cm[np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)] += 1
    return cm
