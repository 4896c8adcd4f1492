from collections import Counter


def top_k_frequent(nums, k):
    # Bug: most_common orders equal counts by first appearance, not by value.
    return [value for value, _ in Counter(nums).most_common(k)]
