"""Use cases behind idempotent requests: reserve a key, remember the answer, forget it.

Each step is its own unit of work on purpose: a reservation must be visible to
a concurrent request with the same key while the first one still runs, so it
is committed before that request's own unit of work opens.
"""

from __future__ import annotations

from datetime import timedelta

from finance_core.errors import DuplicateError
from finance_core.ledger_base import LedgerBase
from finance_core.ports import IdempotencyRecord


class IdempotencyServices(LedgerBase):
    """Idempotency keys of one tenant (adapters pass the tenant of the verified caller)."""

    def reserve_request(
        self,
        tenant_id: str,
        key: str,
        fingerprint: str,
        *,
        retention: timedelta,
        purge: bool = False,
    ) -> IdempotencyRecord | None:
        """Reserve ``key`` for a new request: None when reserved; else the record that holds it.

        A record older than ``retention`` is taken over. ``purge`` also forgets
        every expired key of the tenant. When a concurrent request wins the
        race for the key, its record is returned (``response_body`` None while
        it runs); a record that vanished in between reads as in flight.
        """
        if self.scopes.current is not None:
            # The reservation must be committed before the request's own unit opens.
            raise RuntimeError(
                "reserve_request runs in a unit of its own; call it outside any scope"
            )
        now = self._now()
        cutoff = now - retention
        try:
            with self._unit(tenant_id) as uow:
                if purge:
                    uow.idempotency.purge_before(cutoff)
                existing = uow.idempotency.get(key)
                if existing is None or existing.created_at < cutoff:
                    record = IdempotencyRecord(key, fingerprint, now)
                    if existing is None:
                        uow.idempotency.add(record)
                    else:
                        uow.idempotency.update(record)
                    uow.commit()
                    return None
                if purge:
                    uow.commit()
                return existing
        except DuplicateError:
            with self._unit(tenant_id, readonly=True) as uow:
                raced = uow.idempotency.get(key)
            return raced if raced is not None else IdempotencyRecord(key, fingerprint, now)

    def complete_request(
        self, tenant_id: str, key: str, fingerprint: str, status: int, body: str
    ) -> None:
        """Remember the answer a reserved request gave, for replays."""
        with self._unit(tenant_id) as uow:
            record = uow.idempotency.get(key)
            created = record.created_at if record is not None else self._now()
            uow.idempotency.update(IdempotencyRecord(key, fingerprint, created, status, body))
            uow.commit()

    def release_request(self, tenant_id: str, key: str) -> None:
        """Forget a reservation whose request failed on the server side, so it can be retried."""
        with self._unit(tenant_id) as uow:
            uow.idempotency.delete(key)
            uow.commit()
