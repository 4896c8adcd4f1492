import numpy as np


def batchnorm_train(x, gamma, beta, running_mean, running_var, momentum, eps):
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    out = np.asarray(gamma, dtype=float) * (x - mean) / np.sqrt(var + eps) + np.asarray(beta, dtype=float)
    new_mean = (1 - momentum) * np.asarray(running_mean, dtype=float) + momentum * mean
    # Bug: the running variance uses the biased batch variance.
    new_var = (1 - momentum) * np.asarray(running_var, dtype=float) + momentum * var
    return [out, new_mean, new_var]
