def climb_stairs(n):
    # Bug: the base case returns n, which is wrong for n = 0.
    if n <= 2:
        return n
    a, b = 1, 2
    for _ in range(n - 2):
        a, b = b, a + b
    return b
