"""The sql storage backend: SQLite (embedded default) and PostgreSQL via SQLAlchemy 2.x.

The plugin module registers it; ``finance_storage_sql.storage.SqlStorage`` is
the backend itself. Nothing heavy is imported here, so listing plugins is cheap.
"""
