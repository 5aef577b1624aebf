"""Per-tenant id counters, allocated inside the unit of work so they roll back with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects import postgresql, sqlite

from finance_storage_sql.schema import id_counters

if TYPE_CHECKING:
    from finance_storage_sql.unit_of_work import SqlUnitOfWork


def allocate(uow: SqlUnitOfWork, kind: str, count: int) -> range:
    """Reserve ``count`` ids of ``kind``: one atomic upsert, no read-then-write race.

    The row lock the upsert takes is held until the unit of work ends, so two
    writers never receive the same id; a rollback returns the ids unused.
    """
    insert: Any = postgresql.insert if uow.dialect == "postgresql" else sqlite.insert
    statement = (
        insert(id_counters)
        .values(tenant_id=uow.tenant_id, kind=kind, last=count)
        .on_conflict_do_update(
            index_elements=[id_counters.c.tenant_id, id_counters.c.kind],
            set_={"last": id_counters.c.last + count},
        )
        .returning(id_counters.c.last)
    )
    last: int = uow.execute(statement).scalar_one()
    return range(last - count + 1, last + 1)
