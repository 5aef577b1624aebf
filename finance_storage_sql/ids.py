"""Per-tenant id counters, allocated inside the unit of work so they roll back with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sqlalchemy import BigInteger, text

if TYPE_CHECKING:
    from finance_storage_sql.unit_of_work import SqlUnitOfWork

# Written out because SQLAlchemy cannot cache a compiled ON CONFLICT DO UPDATE
# construct, and every write allocates ids; SQLite and PostgreSQL share this
# upsert syntax word for word.
_ALLOCATE: Final = text(
    "INSERT INTO id_counters (tenant_id, kind, last) VALUES (:tenant_id, :kind, :count) "
    "ON CONFLICT (tenant_id, kind) DO UPDATE SET last = id_counters.last + :count "
    "RETURNING last"
).columns(last=BigInteger)


def allocate(uow: SqlUnitOfWork, kind: str, count: int) -> range:
    """Reserve ``count`` ids of ``kind``: one atomic upsert, no read-then-write race.

    The row lock the upsert takes is held until the unit of work ends, so two
    writers never receive the same id; a rollback returns the ids unused.
    """
    parameters = {"tenant_id": uow.tenant_id, "kind": kind, "count": count}
    last: int = uow.execute(_ALLOCATE, parameters).scalar_one()
    return range(last - count + 1, last + 1)
