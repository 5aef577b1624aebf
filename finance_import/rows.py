"""Collecting a file's rows, and the two rules every format shares.

Rows a rule leaves out (pending rows unless ``include_pending``, amount-0 rows
when ``include_zero`` is off) are simply not in ``ParsedFile.rows``; they still
keep their record number, so the numbers of the rows that remain match the file.
"""

from __future__ import annotations

import attrs

from finance_core.importing import ImportOptions, ParsedFile, ParsedRow, RejectedRow


@attrs.define
class RowCollector:
    """Gathers good and rejected rows in file order and applies the options' rules."""

    format: str
    options: ImportOptions
    rows: list[ParsedRow] = attrs.field(factory=list)
    rejected: list[RejectedRow] = attrs.field(factory=list)

    def add(self, row: ParsedRow) -> None:
        if row.pending and not self.options.include_pending:
            return
        if not row.amount and not self.options.include_zero:
            return
        self.rows.append(row)

    def reject(self, row: int, reason: str) -> None:
        self.rejected.append(RejectedRow(row, reason))

    def result(self, currency: str | None = None) -> ParsedFile:
        """The parsed file; without a stated ``currency``, the rows' own if they agree."""
        if currency is None:
            found = {r.currency for r in self.rows}
            if len(found) == 1:
                currency = found.pop()
        return ParsedFile(self.format, tuple(self.rows), tuple(self.rejected), currency)
