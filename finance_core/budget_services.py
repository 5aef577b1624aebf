"""Use cases of budgets: create, read, change (from a period on), delete, status."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

import attrs

from finance_core.budgets import (
    MODES,
    PERIODS,
    Budget,
    BudgetAmount,
    PeriodStatus,
    budget_status,
    period_start,
)
from finance_core.errors import FieldError, NotFoundError, ValidationError, gather
from finance_core.ledger_base import LedgerBase, check_version, positive_id
from finance_core.money import check_amount, check_currency
from finance_core.ports import UnitOfWork
from finance_core.queries import TransactionFilter
from finance_core.schedule_input import check_account_ref, check_name, unknown_fields
from finance_core.tenancy import Principal
from finance_core.text import check_chars
from finance_core.transactions import check_category, check_date

BUDGET_FIELDS: Final = frozenset(
    {"name", "category", "tag", "amount", "currency", "period", "start_day", "start", "mode",
     "account_id"}
)  # fmt: skip
MAX_STATUS_DAYS: Final = 3660


@attrs.frozen
class BudgetReport:
    """One budget's status over a range of dates."""

    budget: Budget
    periods: list[PeriodStatus]


def _choice(value: object, field: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError.of(field, f"{value!r} is not one of: {', '.join(allowed)}")
    return value


def _start_day(value: object, period: object) -> int:
    high = 7 if period == "weekly" else 31
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        what = "1 (Monday) to 7 (Sunday)" if period == "weekly" else "a day of the month, 1 to 31"
        raise ValidationError.of("start_day", f"start_day must be {what}")
    return value


def _tag(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 50:
        raise ValidationError.of("tag", "tag must be 1 to 50 characters")
    return check_chars(value, "tag")


def clean_budget(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Checked budget fields; every bad field is named at once."""
    errors = unknown_fields(fields, BUDGET_FIELDS)
    errors += [
        FieldError(name, f"{name} is required")
        for name in ("name", "amount", "currency", "period", "start")
        if fields.get(name) is None
    ]
    has_category, has_tag = fields.get("category") is not None, fields.get("tag") is not None
    if has_category == has_tag:
        errors.append(FieldError("category", "give a category or a tag (exactly one)"))
    currency = fields.get("currency")
    period = fields.get("period")
    checks: dict[str, Callable[[], Any]] = {
        "name": lambda: check_name(fields.get("name")),
        "currency": lambda: check_currency(currency),
        "period": lambda: _choice(period, "period", PERIODS),
        "start_day": lambda: _start_day(fields.get("start_day", 1), period),
        "start": lambda: check_date(fields.get("start"), "start"),
        "mode": lambda: _choice(fields.get("mode", "limit"), "mode", MODES),
        "account_id": lambda: (
            None
            if fields.get("account_id") is None
            else check_account_ref(fields["account_id"], "account_id")
        ),
    }
    if has_category:
        checks["category"] = lambda: check_category(fields["category"])
    if has_tag:
        checks["tag"] = lambda: _tag(fields["tag"])
    cleaned, failed = gather({k: v for k, v in checks.items() if fields.get(k) is not None
                              or k in ("start_day", "mode", "account_id")})  # fmt: skip
    errors += failed
    if "currency" in cleaned and fields.get("amount") is not None:
        try:
            cleaned["amount"] = _positive(fields["amount"], cleaned["currency"])
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _positive(value: object, currency: str) -> Decimal:
    amount = check_amount(value, currency)
    if amount <= 0:
        raise ValidationError.of("amount", "a budget's amount is positive (money out allowed)")
    return amount


class BudgetServices(LedgerBase):
    """Budgets per category or tag."""

    def _check_account(self, uow: UnitOfWork, account_id: int | None, currency: str) -> None:
        if account_id is None:
            return
        account = uow.accounts.get(account_id)
        if account is None:
            raise NotFoundError("account", account_id)
        if account.currency != currency:
            raise ValidationError.of(
                "account_id",
                f"account {account_id} is in {account.currency}; the budget is in {currency}",
            )

    def create_budget(self, principal: Principal, **fields: Any) -> Budget:
        principal.require_write()
        cleaned = clean_budget(fields)
        now = self._now()
        amount = cleaned.pop("amount")
        with self._unit(principal.tenant_id) as uow:
            self._check_account(uow, cleaned["account_id"], cleaned["currency"])
            (ident,) = uow.allocate_ids("budget")
            budget = Budget(
                id=ident,
                tenant_id=principal.tenant_id,
                amounts=(BudgetAmount(cleaned["start"], amount),),
                created_at=now,
                updated_at=now,
                **cleaned,
            )
            uow.budgets.add(budget)
            uow.commit()
        return budget

    def get_budget(self, principal: Principal, budget_id: int) -> Budget:
        with self._unit(principal.tenant_id, readonly=True) as uow:
            return _budget(uow, budget_id)

    def list_budgets(self, principal: Principal) -> list[Budget]:
        with self._unit(principal.tenant_id, readonly=True) as uow:
            return uow.budgets.list()

    def update_budget(
        self,
        principal: Principal,
        budget_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> Budget:
        """Change a budget; with ``effective_from`` a new amount applies from that period on.

        Without ``effective_from`` a new amount replaces every period's amount.
        """
        principal.require_write()
        changes = dict(changes)
        effective: date | None = None
        if changes.get("effective_from") is not None:
            effective = check_date(changes["effective_from"], "effective_from")
        changes.pop("effective_from", None)
        if effective is not None and set(changes) - {"amount"}:
            raise ValidationError.of(
                "effective_from", "effective_from changes only the amount; send other fields alone"
            )
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            old = _budget(uow, budget_id)
            check_version("budget", budget_id, expected_version, old.version)
            current = {
                f.name: getattr(old, f.name)
                for f in attrs.fields(Budget)
                if f.name in BUDGET_FIELDS and f.name != "amount"
            }
            merged = {**current, "amount": old.amount, **changes}
            if "tag" in changes and changes["tag"] is not None and "category" not in changes:
                merged["category"] = None
            if "category" in changes and changes["category"] is not None and "tag" not in changes:
                merged["tag"] = None
            cleaned = clean_budget(merged)
            amount = cleaned.pop("amount")
            self._check_account(uow, cleaned["account_id"], cleaned["currency"])
            if effective is None:
                # Only a new amount rewrites the history of amounts; other changes keep it.
                amounts = old.amounts
                if "amount" in changes:
                    amounts = (BudgetAmount(cleaned["start"], amount),)
                elif cleaned["start"] != old.start:
                    amounts = (attrs.evolve(amounts[0], effective_from=cleaned["start"]),
                               *amounts[1:])  # fmt: skip
            else:
                probe = attrs.evolve(old, **cleaned)
                first = period_start(probe, effective)
                kept = tuple(a for a in old.amounts if a.effective_from < first)
                amounts = (
                    (*kept, BudgetAmount(first, amount))
                    if kept
                    else (BudgetAmount(old.amounts[0].effective_from, amount),)
                )
            budget = attrs.evolve(
                old, **cleaned, amounts=amounts, updated_at=now, version=old.version + 1
            )
            uow.budgets.update(budget)
            uow.commit()
        return budget

    def delete_budget(
        self, principal: Principal, budget_id: int, *, expected_version: int | None = None
    ) -> None:
        principal.require_write()
        with self._unit(principal.tenant_id) as uow:
            old = _budget(uow, budget_id)
            check_version("budget", budget_id, expected_version, old.version)
            uow.budgets.delete(budget_id)
            uow.commit()

    def budget_statuses(
        self, principal: Principal, start: date | None = None, end: date | None = None
    ) -> list[BudgetReport]:
        """Every budget's periods overlapping ``[start, end]`` (default: the current period).

        ``spent`` is money out in the budget's category (split lines by their
        own category) or tag, in its currency, refunds subtracted and transfers
        left out; it is read from storage's daily totals, so no job runs at the
        start of a period.
        """
        today = self._now().date()
        start = today if start is None else check_date(start, "from")
        end = today if end is None else check_date(end, "to")
        if start > end:
            raise ValidationError.of("to", "to is before from")
        if (end - start).days > MAX_STATUS_DAYS:
            raise ValidationError.of("to", f"a range covers at most {MAX_STATUS_DAYS} days")
        with self._unit(principal.tenant_id, readonly=True) as uow:
            budgets = uow.budgets.list()
            spent = spending_by_day(uow, budgets, end)
        return [
            BudgetReport(b, budget_status(b, spent.get(spending_key(b), {}), start, end))
            for b in budgets
        ]


def spending_key(budget: Budget) -> tuple[str, str, str]:
    if budget.category is not None:
        return ("category", budget.category, budget.currency)
    assert budget.tag is not None
    return ("tag", budget.tag, budget.currency)


def spending_by_day(
    uow: UnitOfWork, budgets: list[Budget], end: date
) -> dict[tuple[str, str, str], dict[date, Decimal]]:
    """Money out per ``spending_key`` and day, from each kind's earliest budget to ``end``."""
    out: dict[tuple[str, str, str], dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for kind in ("category", "tag"):
        wanted = {spending_key(b) for b in budgets if spending_key(b)[0] == kind}
        if not wanted:
            continue
        first = min(period_start(b, b.start) for b in budgets if spending_key(b)[0] == kind)
        flt = TransactionFilter(start_date=first, end_date=end)
        for row in uow.transactions.daily_totals(flt, kind, include_transfers=False):
            key = (kind, row.group or "", row.currency)
            if key in wanted:
                out[key][row.day] -= row.income + row.expenses
    return out


def _budget(uow: UnitOfWork, budget_id: int) -> Budget:
    budget = uow.budgets.get(positive_id(budget_id, "budget_id"))
    if budget is None:
        raise NotFoundError("budget", budget_id)
    return budget
