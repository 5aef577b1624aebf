"""Verified tokens remembered until they expire, so each is verified once.

The key is the whole token text: a token that differs in any byte (another
signature, another claim) is a different key and is verified in full. An
entry is trusted only while the token itself would still verify (its ``exp``
plus the configured leeway), so an expired token is refused exactly as the
verifier would refuse it. The cache is bounded; the oldest entry leaves first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Final

#: Tokens remembered per worker process: far more than the active callers of a
#: household service, and a few megabytes at most.
DEFAULT_MAX_ENTRIES: Final = 4096


class TokenExpired(Exception):
    """A remembered token's ``exp`` (plus leeway) has passed."""


class VerifiedTokens:
    """A bounded map from token text to its verified claims, valid until ``exp``."""

    def __init__(
        self,
        *,
        leeway_seconds: float,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.leeway = leeway_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, Mapping[str, Any]]] = OrderedDict()
        # Threaded workers share one cache; reordering an OrderedDict is not atomic.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> Mapping[str, Any] | None:
        """The claims of ``token`` if it was verified here, else None.

        Raises ``TokenExpired`` (and forgets the token) once its lifetime is over.
        """
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            valid_until, claims = entry
            if self.clock() >= valid_until:
                del self._entries[token]
                raise TokenExpired(token)
            self._entries.move_to_end(token)
            return claims

    def put(self, token: str, claims: Mapping[str, Any]) -> None:
        """Remember ``token``'s verified claims until its ``exp`` (plus leeway)."""
        exp = claims.get("exp")
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            return
        valid_until = float(exp) + self.leeway
        with self._lock:
            self._entries[token] = (valid_until, claims)
            self._entries.move_to_end(token)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
