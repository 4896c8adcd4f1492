from collections import deque


def course_order(n, prerequisites):
    unlocks = [[] for _ in range(n)]
    indegree = [0] * n
    for course, before in prerequisites:
        unlocks[before].append(course)
        indegree[course] += 1
    # Bug: a FIFO queue does not always take the smallest available course.
    available = deque(c for c in range(n) if indegree[c] == 0)
    order = []
    while available:
        c = available.popleft()
        order.append(c)
        for nxt in unlocks[c]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                available.append(nxt)
    return order if len(order) == n else []
