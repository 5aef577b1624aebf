"""``finance-planner migrate``: upgrade any supported database to the current schema."""

from __future__ import annotations

import os

from sqlalchemy.exc import SQLAlchemyError

from finance_storage_sql.engine import create_database_engine
from finance_storage_sql.faults import storage_error
from finance_storage_sql.migrations import Upgrade, upgrade
from finance_storage_sql.urls import parse_database_url


def migrate_url(url: str) -> Upgrade:
    """Open ``url`` just long enough to upgrade it; safe to run from several places at once."""
    db = parse_database_url(url)
    engine = create_database_engine(db, os.environ)
    try:
        with engine.connect() as connection:
            return upgrade(connection, db)
    except SQLAlchemyError as exc:
        raise storage_error(exc, f"migrating {db.display()}") from exc
    finally:
        engine.dispose()


def describe(url: str, result: Upgrade) -> str:
    """One line for people: what the upgrade did."""
    shown = parse_database_url(url).display()
    if not result.changed:
        return f"{shown} is already at the current schema ({result.after}); nothing to do."
    before = "an empty database" if result.before is None else f"revision {result.before}"
    return f"upgraded {shown} from {before} to revision {result.after}."
