"""After-commit notifications: what happened, told to plugins once it is durable."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from typing import overload

import attrs


class EventKind(enum.Enum):
    ACCOUNT_OPENED = "account_opened"
    ACCOUNT_CHANGED = "account_changed"
    ACCOUNT_DELETED = "account_deleted"
    TRANSACTION_POSTED = "transaction_posted"
    TRANSACTION_CHANGED = "transaction_changed"
    TRANSACTION_DELETED = "transaction_deleted"
    TRANSFER_MADE = "transfer_made"
    TRANSFER_DELETED = "transfer_deleted"


@attrs.frozen
class Event:
    """One change to one entity of one tenant."""

    kind: EventKind
    tenant_id: str
    entity_id: int


class EventRun(Sequence[Event]):
    """Events of one kind for consecutive ids, each made only when it is read.

    A bulk import posts a million transactions; a million ``Event`` objects
    held until the commit would be most of its memory. A run of ids is a
    ``range``, so the events of a chunk cost a few bytes until someone reads them.
    """

    __slots__ = ("ids", "kind", "tenant_id")

    def __init__(self, kind: EventKind, tenant_id: str, ids: range) -> None:
        self.kind = kind
        self.tenant_id = tenant_id
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Event: ...
    @overload
    def __getitem__(self, index: slice) -> EventRun: ...
    def __getitem__(self, index: int | slice) -> Event | EventRun:
        if isinstance(index, slice):
            return EventRun(self.kind, self.tenant_id, self.ids[index])
        return Event(self.kind, self.tenant_id, self.ids[index])

    def __repr__(self) -> str:
        return f"EventRun({self.kind}, {self.tenant_id!r}, {self.ids!r})"


class EventLog(Sequence[Event]):
    """Events queued until a commit: single events and runs, kept as they came."""

    def __init__(self) -> None:
        self._parts: list[Sequence[Event]] = []
        self._length = 0

    def extend(self, events: Sequence[Event]) -> None:
        if isinstance(events, EventLog):
            self._parts.extend(events._parts)
            self._length += len(events)
        elif len(events):
            # Runs stay runs; anything else is copied, so later changes to it do not show.
            self._parts.append(events if isinstance(events, EventRun) else tuple(events))
            self._length += len(events)

    def clear(self) -> None:
        self._parts.clear()
        self._length = 0

    def frozen(self) -> Sequence[Event]:
        """What listeners get: the events so far, unchanged by later queueing."""
        frozen = EventLog()
        frozen._parts = list(self._parts)
        frozen._length = self._length
        return frozen

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Event]:
        for part in self._parts:
            yield from part

    @overload
    def __getitem__(self, index: int) -> Event: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Event]: ...
    def __getitem__(self, index: int | slice) -> Event | Sequence[Event]:
        if isinstance(index, slice):
            return tuple(self)[index]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("event index out of range")
        for part in self._parts:
            if index < len(part):
                return part[index]
            index -= len(part)
        raise IndexError("event index out of range")
