"""After-commit notifications: what happened, told to plugins once it is durable."""

from __future__ import annotations

import enum

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
