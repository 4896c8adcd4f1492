def two_sum(nums, target):
    # Bug: builds the map up front, so an element can pair with itself,
    # and later duplicates overwrite earlier indices.
    where = {v: i for i, v in enumerate(nums)}
    for i, v in enumerate(nums):
        if target - v in where:
            j = where[target - v]
            return [min(i, j), max(i, j)]
    return []
