"""In-memory caches. Both are keyed by stored *versions*, which never change, so no entry goes stale.

- :class:`ScenarioCache`: validated scenarios by ``(id, version)`` (validation costs more than a run).
- :class:`ResponseCache`: finished answers of the deterministic endpoints (simulations, comparisons,
  charts, exports, solve) by endpoint and request body, the body's ``scenario_id``s pinned to the version
  they resolved to. Bounded by total bytes; the least recently used answers go first.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass


class _LRU:
    def __init__(self):
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value


class ScenarioCache(_LRU):
    """Validated scenarios by ``(id, version)``, at most ``size`` of them."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def put(self, key: tuple[str, int], scenario) -> None:
        with self._lock:
            self._entries[key] = scenario
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


@dataclass(frozen=True)
class CachedResponse:
    data: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...] = ()


class ResponseCache(_LRU):
    """Answers by request, at most ``max_bytes`` in all (0 turns the cache off)."""

    def __init__(self, max_bytes: int):
        super().__init__()
        self.max_bytes = max_bytes
        self.size = 0
        self._computing: dict[str, threading.Lock] = {}

    def key_lock(self, key: str) -> threading.Lock:
        """One lock per request key: identical requests arriving together compute once (single flight)."""
        with self._lock:
            lock = self._computing.get(key)
            if lock is None:
                lock = self._computing[key] = threading.Lock()
            return lock

    def release_key(self, key: str) -> None:
        with self._lock:
            self._computing.pop(key, None)

    @staticmethod
    def key(endpoint: str, body: dict) -> str:
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return endpoint + ":" + hashlib.sha256(text.encode()).hexdigest()

    def put(self, key: str, response: CachedResponse) -> None:
        if len(response.data) > self.max_bytes // 4:  # one answer may not evict most of the others
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = response
            self.size += len(response.data)
            while self.size > self.max_bytes:
                _, old = self._entries.popitem(last=False)
                self.size -= len(old.data)
