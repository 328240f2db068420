"""A small bounded mapping for rendered fragments and generated objects.

``functools.lru_cache`` would key on ``self`` and keep whole states alive; this one lives
inside the object that owns it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()

    def get_or(self, key: K, make: Callable[[], V]) -> V:
        data = self._data
        try:
            value = data[key]
        except KeyError:
            value = make()
            data[key] = value
            if len(data) > self.size:
                data.popitem(last=False)
            return value
        data.move_to_end(key)
        return value

    def clear(self) -> None:
        self._data.clear()
