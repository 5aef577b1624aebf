"""A full disk is ``StorageFullError`` on both databases (SQLite on a real full disk is in
``tests/faults``; PostgreSQL's disk_full is mapped from the error the driver raises)."""

from __future__ import annotations

import psycopg.errors
import pytest
from sqlalchemy.exc import OperationalError

from finance_core.errors import StorageError, StorageFullError
from finance_storage_sql.faults import storage_error


def _wrapped(orig: Exception) -> OperationalError:
    return OperationalError("INSERT INTO transactions ...", {}, orig)


class TestDiskFullMapping:
    @pytest.mark.parametrize("committing", [False, True])
    def test_postgresql_disk_full_is_storage_full(self, committing: bool) -> None:
        """SQLSTATE 53100 becomes StorageFullError, at a statement or at commit."""
        error = storage_error(
            _wrapped(psycopg.errors.DiskFull("could not extend file")),
            "committing",
            committing=committing,
        )
        assert isinstance(error, StorageFullError)
        assert "no space left" in str(error)
        assert "nothing of this unit of work was stored" in str(error)

    def test_other_operational_errors_stay_storage_errors(self) -> None:
        """A different fault is not mistaken for a full disk."""
        error = storage_error(
            _wrapped(psycopg.errors.QueryCanceled("canceling statement")), "running a statement"
        )
        assert isinstance(error, StorageError)
        assert not isinstance(error, StorageFullError)
