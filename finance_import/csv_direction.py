"""Which way unsigned amounts go: a direction column, the caller's word, or a refusal.

When no amount in the file carries a sign, something else must say which
rows are money out: a column of debit/credit markers (named, or found from its
values), a running balance the amounts chain with as credits, or the
``unsigned_amounts`` option. Otherwise the file is refused, since reading
every debit as a credit is exactly the silent mistake an importer must not make.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import attrs

from finance_core.errors import ValidationError
from finance_import.csv_columns import Columns
from finance_import.csv_detect import column_values, label, marker_columns
from finance_import.csv_rows import explicitly_signed
from finance_import.csv_table import Table

UNSIGNED_CHOICES: Final = ("debit", "credit")
#: A column with at most this many distinct short values may be a direction column.
_FEW: Final = 4


@attrs.frozen
class Direction:
    columns: Columns
    #: -1 or 1 for amounts the caller says are all money out or in.
    unsigned: Literal[-1, 1] | None = None
    #: No sign and no direction column: only a chaining balance column can save the file.
    undecided: bool = False
    #: Columns that might say the direction, for the refusal's message.
    candidates: tuple[int, ...] = ()


def check_unsigned(value: str | None) -> Literal[-1, 1] | None:
    if value is None:
        return None
    if value not in UNSIGNED_CHOICES:
        raise ValidationError.of(
            "unsigned_amounts",
            f"{value!r} is not a direction; use 'debit' (every unsigned amount is money out) "
            "or 'credit' (money in)",
        )
    return -1 if value == "debit" else 1


def settle_direction(table: Table, unsigned_amounts: str | None) -> Direction:
    """The columns with any direction column found, and what decides unsigned amounts."""
    columns = table.columns
    unsigned = check_unsigned(unsigned_amounts)
    if "amount" not in columns.index or "sign" in columns.index:
        return Direction(columns)
    if any(explicitly_signed(v) for v in column_values(table.body, columns.index["amount"])):
        return Direction(columns)
    markers = marker_columns(columns.index, table.body, table.width)
    if len(markers) == 1 and unsigned is None:
        return Direction(attrs.evolve(columns, index={**columns.index, "sign": markers[0]}))
    if unsigned is not None:
        return Direction(columns, unsigned=unsigned)
    if len(markers) > 1:
        raise unsigned_refusal(table, tuple(markers), balances=False)
    return Direction(columns, undecided=True, candidates=_few_valued(table))


def _few_valued(table: Table) -> tuple[int, ...]:
    """Columns no field holds with a handful of distinct short values."""
    taken = set(table.columns.index.values())
    found = []
    for at in range(table.width):
        values = {v.casefold() for v in column_values(table.body, at)}
        if at not in taken and values and len(values) <= _FEW and max(map(len, values)) <= 12:
            found.append(at)
    return tuple(found)


def unsigned_refusal(table: Table, candidates: Sequence[int], *, balances: bool) -> ValidationError:
    header = table.columns.header
    amount = table.columns.label("amount")
    if len(candidates) > 1 and all(
        c in marker_columns(table.columns.index, table.body, table.width) for c in candidates
    ):
        found = (
            f"{' and '.join(label(header, c) for c in candidates)} each hold debit/credit "
            "markers, so it is unclear which says the direction"
        )
    elif candidates:
        found = (
            "no column holds debit/credit markers (candidates for the direction: "
            f"{', '.join(label(header, c) for c in candidates)})"
        )
    else:
        found = "no column holds debit/credit markers"
    if balances:
        found += ", and read as money in they do not add up with the balance column"
    if candidates and header and candidates[0] < len(header) and header[candidates[0]].strip():
        example = repr(header[candidates[0]].strip())
    elif candidates:
        example = str(candidates[0])
    else:
        example = repr("Af Bij")
    return ValidationError.of(
        "unsigned_amounts",
        f"no amount in {amount} carries a sign and {found}. Name the direction column with "
        f"mapping={{'sign': {example}}}, or set unsigned_amounts='debit' (every amount is "
        "money out, as on many card statements) or unsigned_amounts='credit' (money in)",
    )
