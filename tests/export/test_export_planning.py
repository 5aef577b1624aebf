"""Schedules and budgets travel with a tenant's export and come back on restore."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest

from finance_core import ValidationError, open_ledger
from finance_core.planning_portability import PlanningData
from finance_core.schedules import ScheduleLink
from finance_core.testing.clock import FakeClock
from finance_import.export_document import from_json, to_json


def _strip(data: PlanningData) -> PlanningData:
    return attrs.evolve(
        data,
        schedules=tuple(attrs.evolve(s, tenant_id="") for s in data.schedules),
        budgets=tuple(attrs.evolve(b, tenant_id="") for b in data.budgets),
    )


class TestPlanningExport:
    def test_round_trip_keeps_schedules_links_changes_and_budgets(self) -> None:
        """Export then restore into a new tenant gives the same planning data."""
        clock = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))
        ledger = open_ledger("memory://", clock=clock)
        who = ledger.create_tenant("a", "A", owner="alice")
        account = ledger.open_account(who, "Checking", initial_balance=Decimal(900))
        rent = ledger.create_schedule(
            who, name="Rent", account_id=account.id, amount="-500", category="rent",
            start_date="2026-03-01", freq="monthly", auto_post=True,
            amount_tolerance={"percent": "2.5"},
        )  # fmt: skip
        ledger.post_due(who)
        ledger.skip_occurrence(who, rent.id, date(2026, 4, 1))
        ledger.update_schedule(who, rent.id, {"amount": "-520", "effective_from": "2026-05-01"})
        ledger.create_budget(
            who, name="Food", tag="food", amount="80", currency="USD", period="weekly",
            start_day=3, start="2026-03-04", mode="envelope", account_id=account.id,
        )  # fmt: skip
        document = to_json(ledger.export_data(who))
        other = ledger.create_tenant("b", "B", owner="bob")
        ledger.restore(other, from_json(document))
        assert _strip(ledger.export_data(other).planning) == _strip(
            ledger.export_data(who).planning
        )

    def test_a_deleted_posted_transaction_does_not_break_the_export(self) -> None:
        """The link of a transaction deleted since is left out, so the export restores."""
        clock = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))
        ledger = open_ledger("memory://", clock=clock)
        who = ledger.create_tenant("a", "A", owner="alice")
        account = ledger.open_account(who, "Checking", initial_balance=Decimal(900))
        ledger.create_schedule(
            who, name="Rent", account_id=account.id, amount="-500", category="rent",
            start_date="2026-03-01", freq="monthly", auto_post=True,
        )  # fmt: skip
        (posted,) = ledger.post_due(who)
        assert posted.transaction_id is not None
        ledger.delete_transaction(who, posted.transaction_id)
        other = ledger.create_tenant("b", "B", owner="bob")
        ledger.restore(other, from_json(to_json(ledger.export_data(who))))
        assert ledger.export_data(other).planning.schedule_links == ()

    def test_a_document_without_planning_still_reads(self) -> None:
        """Documents from before schedules existed restore with none."""
        raw = b'{"format": "finance-planner-export", "version": 1, "accounts": []}'
        assert from_json(raw).planning == PlanningData()

    def test_a_link_to_a_missing_transaction_is_refused(self) -> None:
        """Restoring checks that every occurrence link names a transaction of the file."""
        ledger = open_ledger("memory://")
        who = ledger.create_tenant("a", "A", owner="alice")
        account = ledger.open_account(who, "Checking")
        ledger.create_schedule(
            who, name="Rent", account_id=account.id, amount="-5", category="rent",
            start_date="2026-03-01", freq="monthly",
        )  # fmt: skip
        data = ledger.export_data(who)
        bad = attrs.evolve(
            data,
            planning=attrs.evolve(
                data.planning,
                schedule_links=(
                    attrs.evolve(
                        _link(), schedule_id=data.planning.schedules[0].id, transaction_id=99
                    ),
                ),
            ),
        )
        other = ledger.create_tenant("b", "B", owner="bob")
        with pytest.raises(ValidationError, match="transaction 99"):
            ledger.restore(other, bad)


def _link() -> ScheduleLink:
    return ScheduleLink(1, date(2026, 3, 1), 1, "posted", datetime(2026, 3, 1, tzinfo=UTC))
