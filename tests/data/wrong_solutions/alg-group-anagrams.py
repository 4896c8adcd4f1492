def group_anagrams(words):
    # Bug: a set of letters ignores how many times each letter occurs.
    buckets = {}
    for word in words:
        buckets.setdefault(frozenset(word), []).append(word)
    groups = [sorted(group) for group in buckets.values()]
    groups.sort(key=lambda group: group[0])
    return groups
