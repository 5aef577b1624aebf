"""The core depends on the standard library, attrs and pluggy only."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("sqlalchemy", "falcon", "jwt", "cattrs", "psycopg", "alembic")

SCRIPT = """
import sys
from datetime import date
from decimal import Decimal
from finance_core import open_ledger
ledger = open_ledger("memory://")
owner = ledger.create_tenant("t", "T", owner="u")
account = ledger.open_account(owner, "A", "checking", initial_balance=Decimal("10"))
ledger.post_transaction(owner, account.id, amount=Decimal(-1), date=date(2026, 1, 1), category="c")
ledger.list_transactions(owner)
print(",".join(sorted(m.split(".")[0] for m in sys.modules)))
"""


class TestCorePurity:
    def test_core_runs_without_adapter_dependencies(self) -> None:
        """Importing finance_core and using it in memory loads no adapter library."""
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT], check=True, capture_output=True, text=True
        ).stdout
        loaded = set(out.strip().split(","))
        assert loaded.isdisjoint(FORBIDDEN), loaded & set(FORBIDDEN)
