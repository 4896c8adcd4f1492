def bst_lca(values, p, q):
    root = values[0]
    left, right = {}, {}
    for v in values[1:]:
        node = root
        while True:
            children = left if v < node else right
            if node in children:
                node = children[node]
            else:
                children[node] = v
                break
    node = root
    # Bug: assumes p <= q.
    while True:
        if node > q:
            node = left[node]
        elif node < p:
            node = right[node]
        else:
            return node
