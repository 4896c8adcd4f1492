from bisect import bisect_right


def lis_length(nums):
    tails = []
    for x in nums:
        # Bug: bisect_right lets equal values extend the sequence (non-decreasing).
        pos = bisect_right(tails, x)
        if pos == len(tails):
            tails.append(x)
        else:
            tails[pos] = x
    return len(tails)
