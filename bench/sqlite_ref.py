"""The hand-written references on SQLite, through Python's own ``sqlite3``.

They work on the very tables the project created (the schema is copied from
the project's database file), so a reference differs from the project only in
the code in between, never in the physical layout.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

#: Tables that must hold rows before transactions can reference them.
_PARENTS = ("tenants", "users", "members", "accounts", "id_counters")


def connect(path: Path) -> sqlite3.Connection:
    """A connection set up as the project sets up its own (foreign keys, WAL)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    return connection


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def clone_schema(source: Path, target: Path) -> None:
    """Create every table and index of ``source`` in a new ``target``, with the parent rows."""
    remove_database(target)
    with sqlite3.connect(source) as src:
        ddl = [
            sql
            for (sql,) in src.execute(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
                "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            )
        ]
        parents = {table: src.execute(f"SELECT * FROM {table}").fetchall() for table in _PARENTS}
    dst = connect(target)
    try:
        for statement in ddl:
            dst.execute(statement)
        dst.execute("BEGIN")
        for table, rows in parents.items():
            if rows:
                marks = ",".join("?" * len(rows[0]))
                dst.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        dst.execute("COMMIT")
    finally:
        dst.close()


def read_rows(path: Path) -> list[tuple[Any, ...]]:
    """Every stored transaction row, exactly as the project wrote it."""
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT * FROM transactions ORDER BY rowid").fetchall()


def insert_rows(path: Path, rows: list[tuple[Any, ...]]) -> None:
    """The physical reference: one transaction, one ``executemany``."""
    connection = connect(path)
    try:
        marks = ",".join("?" * len(rows[0]))
        connection.execute("BEGIN")
        connection.executemany(f"INSERT INTO transactions VALUES ({marks})", rows)
        connection.execute("COMMIT")
    finally:
        connection.close()


SPENDING_SQL = """
SELECT substr(date, 1, 7) AS month, category, currency,
       -SUM(amount_minor) AS spent, COUNT(*) AS n
FROM transactions
WHERE tenant_id = ? AND account_id = ? AND amount_minor < 0 AND transfer_id IS NULL
GROUP BY month, category, currency
ORDER BY month, currency, category
"""


def spending_by_month(
    connection: sqlite3.Connection, tenant_id: str, account_id: int
) -> list[tuple[str, str, str, int, int]]:
    """Money out per month and category, as a person would write it by hand."""
    return connection.execute(SPENDING_SQL, (tenant_id, account_id)).fetchall()


def position(
    connection: sqlite3.Connection, tenant_id: str, account_id: int, offset: int
) -> tuple[str, int]:
    """(date, id) of the row ``offset`` rows into the account in (date desc, id desc) order."""
    row = connection.execute(
        "SELECT date, id FROM transactions WHERE tenant_id = ? AND account_id = ? "
        "ORDER BY date DESC, id DESC LIMIT 1 OFFSET ?",
        (tenant_id, account_id, offset),
    ).fetchone()
    if row is None:
        raise ValueError(f"account {account_id} has no row {offset} deep")
    return row[0], row[1]


def count_rows(path: Path, tenant_id: str, account_id: int) -> int:
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM transactions WHERE tenant_id = ? AND account_id = ?",
            (tenant_id, account_id),
        ).fetchone()
    return int(count)
