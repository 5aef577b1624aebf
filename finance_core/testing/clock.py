"""A controllable clock for deterministic tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs


@attrs.define
class FakeClock:
    """Returns ``now`` until told to move; every call is a valid UTC time."""

    now: datetime = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
