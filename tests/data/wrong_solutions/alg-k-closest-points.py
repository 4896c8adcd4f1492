import heapq


def k_closest(points, k):
    # Bug: ranks by distance only, so ties keep input order instead of x, then y.
    return heapq.nsmallest(k, points, key=lambda p: p[0] * p[0] + p[1] * p[1])
