"""The categorization rule record, its limits, and what running rules reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import attrs

#: Stages run in this order; inside a stage rules run by position.
STAGES: Final = ("pre", "default", "post")
#: The category an importer gives a row that has none; it never counts as chosen.
PLACEHOLDER_CATEGORY: Final = "uncategorized"
#: How deep ``all``/``any``/``not`` nodes may nest (a leaf at the top is depth 1).
MAX_DEPTH: Final = 8
#: Leaves in one condition tree, and actions in one rule.
MAX_LEAVES: Final = 100
MAX_ACTIONS: Final = 20
#: Longest pattern, and most values in a ``one_of`` list.
MAX_PATTERN: Final = 1000
MAX_CHOICES: Final = 500
MAX_NAME: Final = 100

#: Text fields a condition can test (``currency`` is the account's).
TEXT_FIELDS: Final = (
    "description",
    "merchant",
    "category",
    "der_category",
    "der_merchant",
    "location",
    "currency",
)
#: Every field a condition can test.
CONDITION_FIELDS: Final = (*TEXT_FIELDS, "tags", "amount", "date", "account_id")
#: Fields an action may set; rules never touch amounts, dates, accounts or splits.
SETTABLE_FIELDS: Final = (
    "category",
    "merchant",
    "der_category",
    "der_merchant",
    "description",
    "location",
)
#: Fields whose value rules may change, and so whose origin is tracked.
RULE_FIELDS: Final = (*SETTABLE_FIELDS, "tags")


@attrs.frozen
class Rule:
    """One tenant's rule: when ``conditions`` match, ``actions`` run in order.

    ``conditions`` and ``actions`` are kept in their canonical JSON form (plain
    dicts, lists, strings, numbers and booleans), exactly as the API shows them.
    """

    id: int
    tenant_id: str
    name: str
    enabled: bool
    stage: str
    position: int
    stop: bool
    conditions: Any
    actions: tuple[Any, ...]
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def run_order(self) -> tuple[int, int, int]:
        return (STAGES.index(self.stage), self.position, self.id)


@attrs.frozen
class FieldChange:
    """One field of one transaction, changed (or, in a dry run, to be changed) by a rule."""

    transaction_id: int
    rule_id: int
    field: str
    before: Any
    after: Any


@attrs.frozen
class ApplyResult:
    """What an on-demand run changed: ``changed`` field changes on ``transactions`` rows."""

    changed: int
    transactions: int
    changes: tuple[FieldChange, ...]
    dry_run: bool
    matched: int = 0


@attrs.frozen
class Suggestion:
    """A rule body ready to create, with what it would do to the stored transactions."""

    rule: dict[str, Any]
    matches: int
    changes: int
