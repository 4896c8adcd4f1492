def compress(s):
    if not s:
        return s
    pieces, count = [], 1
    for prev, ch in zip(s, s[1:]):
        if ch == prev:
            count += 1
        else:
            pieces.append(prev + str(count))
            count = 1
    pieces.append(s[-1] + str(count))
    packed = "".join(pieces)
    # Bug: <= returns the compressed form even when it is not shorter.
    return packed if len(packed) <= len(s) else s
