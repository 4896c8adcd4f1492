def max_window_sum(nums, k):
    if k > len(nums):
        return None
    # Bug: starting from 0 is wrong when every window sum is negative.
    best = 0
    window = 0
    for i, value in enumerate(nums):
        window += value
        if i >= k:
            window -= nums[i - k]
        if i >= k - 1:
            best = max(best, window)
    return best
