"""Alembic environment: migrations run on the connection the caller hands over.

There is no alembic.ini: ``finance_storage_sql.migrations`` configures Alembic
in code and passes an open connection in ``config.attributes["connection"]``,
already inside the transaction (and lock) the whole upgrade runs in.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from finance_core.errors import ConfigurationError
from finance_storage_sql.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise ConfigurationError(
        "these migrations run through the application, not the alembic command; "
        "use: finance-planner migrate --database-url URL"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters tables by copying them; batch mode does that for later migrations.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
