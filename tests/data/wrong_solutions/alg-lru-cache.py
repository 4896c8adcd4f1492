from collections import OrderedDict


def lru_cache(capacity, operations):
    cache = OrderedDict()
    results = []
    for op in operations:
        if op[0] == "get":
            # Bug: reading a key does not refresh its recency.
            results.append(cache.get(op[1], -1))
        else:
            key, value = op[1], op[2]
            if key in cache:
                cache.move_to_end(key)
            elif len(cache) >= capacity:
                cache.popitem(last=False)
            cache[key] = value
    return results
