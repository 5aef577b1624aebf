"""The import command's CSV path: the file streamed from disk into one account.

The file is read a chunk at a time (``CsvFileSource``) and imported by
``Ledger.import_stream``, so a file of millions of rows takes no more memory
than one of thousands, and no row cap applies. Created rows are counted, not
listed; the rows that were not created are listed up to the stream's
examples. On a terminal, standard error shows the rows read so far.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TextIO

from finance_core.import_stream import RowChunk
from finance_core.importing import ImportOptions
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_import.csv_format import NAME
from finance_import.csv_stream import CsvFileSource
from finance_import.import_output import (
    finish,
    print_rows,
    show_progress,
)


class _Progress:
    """A ``RowSource`` that shows, on a terminal, how many rows each reading has passed."""

    def __init__(self, source: CsvFileSource, stream: TextIO) -> None:
        self.source = source
        self.stream = stream
        #: Rows in the file, known once it has been read through.
        self.total = 0

    @property
    def currency(self) -> str | None:
        return self.source.currency

    def chunks(self) -> Iterator[RowChunk]:
        first = self.total == 0
        done = 0
        for chunk in self.source.chunks():
            done += len(chunk.rows) + len(chunk.rejected)
            if first:
                self._checking(done)
            else:
                show_progress(min(done, self.total), self.total, self.stream)
            yield chunk
        if first:
            self.total = done
            self._checking(done, end=True)

    def _checking(self, done: int, *, end: bool = False) -> None:
        if self.stream.isatty():
            self.stream.write(f"\rchecked {done:,} rows" + ("\n" if end else ""))
            self.stream.flush()


def run_csv_import(
    args: argparse.Namespace, ledger: Ledger, principal: Principal, options: ImportOptions
) -> int:
    """Stream ``args.file`` into ``args.account``; 1 when rejected rows stopped it."""
    source = CsvFileSource(args.file, options)
    result = ledger.import_stream(
        principal,
        args.account,
        _Progress(source, sys.stderr),
        dry_run=args.dry_run,
        skip_bad_rows=args.skip_bad_rows,
        file_hash=source.file_hash(),
    )
    not_created = result.duplicates + result.rejected
    if result.examples:
        if len(result.examples) < not_created:
            print(f"the first {len(result.examples)} of {not_created:,} rows not created:")
        print_rows(result.examples)
    return finish(NAME, result)
