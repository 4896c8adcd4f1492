def first_bad(versions):
    # Bug: assumes some build is bad; all-good and empty lists give a wrong index.
    lo, hi = 0, len(versions) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if versions[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo
