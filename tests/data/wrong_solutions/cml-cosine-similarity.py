import numpy as np


def cosine_similarity_matrix(A, B):
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    # Bug: no zero-norm guard, so zero rows give NaN.
    na = np.linalg.norm(A, axis=1, keepdims=True)
    nb = np.linalg.norm(B, axis=1, keepdims=True)
    return (A @ B.T) / (na * nb.T)
