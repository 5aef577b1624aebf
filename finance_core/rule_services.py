"""Use cases of categorization rules: keep them, order them, run them.

The steps other use cases share (compiling with a cache, running rules over
new transactions) are in ``finance_core.rule_steps``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from finance_core.categorize.actions import ActionKind
from finance_core.categorize.bodies import clean_body
from finance_core.categorize.engine import RuleBook, Vocabulary, chosen_fields
from finance_core.categorize.model import (
    STAGES,
    ApplyResult,
    FieldChange,
    Rule,
    Suggestion,
)
from finance_core.categorize.ops import ConditionOp
from finance_core.categorize.suggest import suggest
from finance_core.errors import DuplicateError, NotFoundError, ValidationError
from finance_core.events import EventKind
from finance_core.ledger_base import BalanceWrite, LedgerBase, check_version
from finance_core.ports import UnitOfWork
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.rule_steps import forget_compiled, rule_book, rules_changed, vocabulary_of
from finance_core.tenancy import Principal
from finance_core.transactions import Transaction


class RuleServices(LedgerBase):
    """Categorization rules of a tenant (see ``finance_core.categorize``)."""

    @property
    def rule_vocabulary(self) -> Vocabulary:
        return vocabulary_of(self)

    def use_rule_extensions(
        self, ops: Sequence[ConditionOp] = (), actions: Sequence[ActionKind] = ()
    ) -> None:
        """Let rules use plugin condition ops and action kinds besides the built-ins."""
        self.__dict__["_rule_vocabulary"] = Vocabulary.of(ops, actions)
        forget_compiled(self)

    def rule_book(self, uow: UnitOfWork) -> RuleBook:
        return rule_book(self, uow)

    # -- reading -----------------------------------------------------------------
    def list_rules(self, principal: Principal) -> list[Rule]:
        """Every rule of the tenant in run order: stage, then position."""
        with self._unit(principal.tenant_id, readonly=True) as uow:
            return uow.rules.list()

    def get_rule(self, principal: Principal, rule_id: int) -> Rule:
        with self._unit(principal.tenant_id, readonly=True) as uow:
            rule = uow.rules.get(rule_id)
        if rule is None:
            raise NotFoundError("rule", rule_id)
        return rule

    # -- writing -----------------------------------------------------------------
    def create_rule(self, principal: Principal, body: Mapping[str, Any]) -> Rule:
        """Save a rule; without a position it goes last in its stage."""
        principal.require_write()
        cleaned = clean_body(body, self.rule_vocabulary)
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            rules = uow.rules.list()
            _check_free_name(rules, cleaned["name"], None)
            stage = cleaned.get("stage", "default")
            ident = uow.allocate_ids("rule")[0]
            rule = new_rule(principal, ident, cleaned, now)
            placed = _place(rules, rule, stage, cleaned.get("position"), now)
            new = placed.pop(ident)
            uow.rules.add(new)
            if placed:
                uow.rules.update_many(list(placed.values()))
            rules_changed(self, uow)
            uow.commit()
        return new

    def update_rule(
        self,
        principal: Principal,
        rule_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> Rule:
        """Change any part; a new position moves the rule and shifts the others.

        A new stage puts the rule last there unless a position is given.
        """
        principal.require_write()
        cleaned = clean_body(changes, self.rule_vocabulary, partial_body=True)
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            rules = uow.rules.list()
            old = _existing(rules, rule_id, expected_version)
            if "name" in cleaned:
                _check_free_name(rules, cleaned["name"], rule_id)
            position = cleaned.pop("position", None)
            edited = attrs.evolve(old, **cleaned)
            if edited == old and position in (None, old.position):
                return old
            stage_moved = edited.stage != old.stage
            placed = _place(
                [r for r in rules if r.id != rule_id],
                edited,
                edited.stage,
                position if position is not None or stage_moved else old.position,
                now,
            )
            placed[rule_id] = attrs.evolve(placed[rule_id], updated_at=now, version=old.version + 1)
            uow.rules.update_many(list(placed.values()))
            rules_changed(self, uow)
            uow.commit()
        return placed[rule_id]

    def delete_rule(
        self, principal: Principal, rule_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete a rule; the ones after it in its stage move up."""
        principal.require_write()
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            rules = uow.rules.list()
            old = _existing(rules, rule_id, expected_version)
            uow.rules.delete(rule_id)
            shifted = [
                attrs.evolve(r, position=r.position - 1, updated_at=now, version=r.version + 1)
                for r in rules
                if r.stage == old.stage and r.position > old.position
            ]
            if shifted:
                uow.rules.update_many(shifted)
            rules_changed(self, uow)
            uow.commit()

    # -- running -----------------------------------------------------------------
    def apply_rules(
        self,
        principal: Principal,
        *,
        rule_ids: Sequence[int] | None = None,
        flt: TransactionFilter | None = None,
        dry_run: bool = False,
        override: bool = False,
    ) -> ApplyResult:
        """Run the enabled rules (or the named ones, enabled or not) over stored transactions.

        Fields a person set are kept unless ``override``. A dry run reports
        exactly what a real run would change and writes nothing; a real run
        changes everything or, on any error, nothing.
        """
        principal.require_write()
        now = self._now()
        with self._unit(principal.tenant_id, readonly=dry_run) as uow:
            if rule_ids is None:
                book = self.rule_book(uow)
            else:
                book = RuleBook.compile(_named(uow, rule_ids), self.rule_vocabulary)
            return self._run_book(uow, book, flt, dry_run=dry_run, override=override, now=now)

    def preview_rule(
        self,
        principal: Principal,
        body: Mapping[str, Any],
        *,
        flt: TransactionFilter | None = None,
        override: bool = False,
    ) -> ApplyResult:
        """What an unsaved rule would match and change; nothing is stored."""
        now = self._now()
        rule = self._unsaved(principal, {"name": "preview", **body}, now)
        book = RuleBook.compile([rule], self.rule_vocabulary)
        with self._unit(principal.tenant_id, readonly=True) as uow:
            return self._run_book(uow, book, flt, dry_run=True, override=override, now=now)

    def suggest_rules(self, principal: Principal) -> list[Suggestion]:
        """Rules that reproduce at least three hand-made categories and contradict none."""
        now = self._now()
        with self._unit(principal.tenant_id, readonly=True) as uow:
            accounts = {a.id: a.currency for a in uow.accounts.list()}
            rows = [
                (txn, accounts[txn.account_id])
                for txn in every_transaction(uow, TransactionFilter())
            ]
            existing = uow.rules.list()
        return suggest(
            rows,
            existing,
            self.rule_vocabulary,
            lambda body: self._unsaved(principal, body, now),
        )

    def _unsaved(self, principal: Principal, body: Mapping[str, Any], now: datetime) -> Rule:
        cleaned = clean_body(body, self.rule_vocabulary)
        # An unsaved rule has no id; changes credit it as rule 0 (null on the wire).
        return attrs.evolve(new_rule(principal, 0, cleaned, now), enabled=True, position=1)

    def _run_book(
        self,
        uow: UnitOfWork,
        book: RuleBook,
        flt: TransactionFilter | None,
        *,
        dry_run: bool,
        override: bool,
        now: datetime,
    ) -> ApplyResult:
        flt = flt or TransactionFilter()
        write = None if dry_run else BalanceWrite(self, uow)
        accounts = {a.id: a.currency for a in uow.accounts.list()}
        if flt.account_id is not None and flt.account_id not in accounts:
            raise NotFoundError("account", flt.account_id)
        if write is not None:
            # Every write of a transaction locks its account first, so holding the
            # locks makes the rows read below the ones this run overwrites.
            write.lock(*accounts)
        changes: list[FieldChange] = []
        updated: list[Transaction] = []
        matched = 0
        for txn in every_transaction(uow, flt):
            outcome = book.run(
                txn, accounts[txn.account_id], () if override else chosen_fields(txn)
            )
            matched += outcome.matched
            if outcome.changes:
                changes.extend(outcome.changes)
                updated.append(outcome.transaction)
        if write is not None and updated:
            for txn in updated:
                uow.transactions.update(attrs.evolve(txn, updated_at=now, version=txn.version + 1))
                write.event(EventKind.TRANSACTION_CHANGED, txn.id)
            write.finish()
        return ApplyResult(len(changes), len(updated), tuple(changes), dry_run, matched)


def every_transaction(uow: UnitOfWork, flt: TransactionFilter) -> Iterator[Transaction]:
    """Every row ``flt`` selects, a keyset page at a time."""
    cursor: Cursor | None = None
    while True:
        page = uow.transactions.query(flt, PageRequest(1000, cursor=cursor, with_total=False))
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = Cursor.decode(page.next_cursor)


def _named(uow: UnitOfWork, rule_ids: Collection[int]) -> list[Rule]:
    if not rule_ids:
        raise ValidationError.of("rule_ids", "name at least one rule, or leave rule_ids out")
    rules = []
    for ident in rule_ids:
        rule = uow.rules.get(ident)
        if rule is None:
            raise NotFoundError("rule", ident)
        rules.append(rule)
    return rules


def _existing(rules: Sequence[Rule], rule_id: int, expected_version: int | None) -> Rule:
    old = next((r for r in rules if r.id == rule_id), None)
    if old is None:
        raise NotFoundError("rule", rule_id)
    check_version("rule", rule_id, expected_version, old.version)
    return old


def new_rule(principal: Principal, ident: int, cleaned: Mapping[str, Any], now: datetime) -> Rule:
    """A rule from a cleaned body; its position is set when it is placed in its stage."""
    return Rule(
        id=ident,
        tenant_id=principal.tenant_id,
        name=cleaned["name"],
        enabled=cleaned.get("enabled", True),
        stage=cleaned.get("stage", "default"),
        position=cleaned.get("position") or 1,
        stop=cleaned.get("stop", False),
        conditions=cleaned["conditions"],
        actions=cleaned["actions"],
        created_at=now,
        updated_at=now,
    )


def _check_free_name(rules: Sequence[Rule], name: str, own_id: int | None) -> None:
    for rule in rules:
        if rule.name == name and rule.id != own_id:
            raise DuplicateError(f"a rule named {name!r} already exists (rule {rule.id})")


def _place(
    others: Sequence[Rule], rule: Rule, stage: str, position: int | None, now: datetime
) -> dict[int, Rule]:
    """Put ``rule`` at ``position`` (or last) in ``stage``, renumbering 1..n.

    Returns every rule whose stored form changes, ``rule`` included; the others
    keep their version unless their position moved.
    """
    assert stage in STAGES
    lane = [r for r in others if r.stage == stage]
    if position is not None and not 1 <= position <= len(lane) + 1:
        raise ValidationError.of(
            "position", f"position must be from 1 to {len(lane) + 1} in stage {stage!r}"
        )
    index = len(lane) if position is None else position - 1
    lane.insert(index, rule)
    out: dict[int, Rule] = {}
    for number, item in enumerate(lane, start=1):
        if item.id == rule.id:
            out[item.id] = attrs.evolve(item, position=number)
        elif item.position != number:
            out[item.id] = attrs.evolve(
                item, position=number, updated_at=now, version=item.version + 1
            )
    # Leaving a stage closes the gap behind it.
    old_lane = [r for r in others if r.stage != stage]
    by_stage: dict[str, list[Rule]] = {}
    for item in old_lane:
        by_stage.setdefault(item.stage, []).append(item)
    for lane_rules in by_stage.values():
        for number, item in enumerate(sorted(lane_rules, key=lambda r: r.position), start=1):
            if item.position != number:
                out[item.id] = attrs.evolve(
                    item, position=number, updated_at=now, version=item.version + 1
                )
    return out
