"""A small thread-safe memory of the last few assessments, shared by every browser session."""

from __future__ import annotations

import threading
from collections import OrderedDict


class Recent:
    """The last `size` values by key, oldest forgotten first; safe to share between threads."""

    def __init__(self, size: int):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        """The value kept for key, or None."""
        with self._lock:
            return self._items.get(key)

    def put(self, key, value) -> None:
        """Keep value for key, forgetting the oldest beyond the size."""
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
