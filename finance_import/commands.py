"""Command-line import, export and reports: each parses its arguments and calls one service."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Final

from finance_core.cli import CliCommand, plugins_of
from finance_core.errors import ValidationError
from finance_core.import_statements import file_hash
from finance_core.importing import ImportOptions
from finance_core.plugins import hookimpl
from finance_core.report_services import REPORTS
from finance_import.cli_support import add_common, open_books, print_table
from finance_import.csv_format import NAME
from finance_import.csv_import_command import run_csv_import
from finance_import.import_output import (
    finish,
    print_rows,
    show_progress,
)
from finance_import.reconcile_command import COMMAND as RECONCILE
from finance_import.reconcile_command import parse_accounts

#: The top of a bank file, from which its format is told before it is read whole.
HEAD_BYTES: Final = 1 << 20


# -- import ----------------------------------------------------------------------
def _add_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the bank file, or a JSON export")
    add_common(parser)
    parser.add_argument("--account", type=int, help="account id (not for a JSON export)")
    parser.add_argument("--format", help="csv, ofx, qif, camt053 or json (default: detected)")
    parser.add_argument("--dry-run", action="store_true", help="report what would happen")
    parser.add_argument(
        "--apply-rules",
        action="store_true",
        help="JSON export: run its categorization rules over the restored transactions",
    )
    parser.add_argument("--skip-bad-rows", action="store_true", help="import the good rows")
    parser.add_argument("--date-format", help="strptime format for CSV/QIF dates")
    parser.add_argument("--decimal", choices=(".", ","), help="decimal separator in CSV")
    parser.add_argument("--delimiter", help="CSV field separator")
    parser.add_argument("--encoding", help="text encoding (default: detected)")
    parser.add_argument(
        "--map", action="append", default=[], metavar="FIELD=COLUMN",
        help="CSV column for a field (date, amount, debit, credit, description, ...)",
    )  # fmt: skip
    parser.add_argument("--include-pending", action="store_true", help="keep pending rows")
    parser.add_argument("--skip-zero", action="store_true", help="leave out amount-0 rows")
    parser.add_argument(
        "--unsigned-amounts", choices=("debit", "credit"),
        help="which way CSV amounts go when none carries a sign and no column says",
    )  # fmt: skip
    parser.add_argument(
        "--no-check-balances", action="store_true",
        help="import a CSV whose running balances do not add up (without its balances)",
    )  # fmt: skip
    parser.add_argument(
        "--account-map", action="append", default=[], metavar="FILE_ACCOUNT=ACCOUNT_ID",
        help="the account a statement of a multi-account file goes to",
    )  # fmt: skip


def parse_mapping(items: Sequence[str]) -> dict[str, str | int] | None:
    """``["date=Buchungstag", "amount=4"]`` -> ``{"date": "Buchungstag", "amount": 4}``."""
    mapping: dict[str, str | int] = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise ValidationError.of("map", f"{item!r} is not FIELD=COLUMN")
        mapping[field.strip()] = int(column) if column.isdigit() else column
    return mapping or None


def _run_import(args: argparse.Namespace) -> int:
    if (args.format or "").lower() == "json":
        from finance_import.export_document import from_json

        books = from_json(args.file.read_bytes())
        ledger, principal = open_books(args)
        if args.dry_run:
            ledger.restore(principal, books, dry_run=True, apply_rules=args.apply_rules)
            accounts, txns = len(books.accounts), len(books.transactions)
            print(f"would restore {accounts} accounts and {txns} transactions")
            return 0
        restored = ledger.restore(principal, books, apply_rules=args.apply_rules)
        print(
            f"restored {len(restored.accounts)} accounts, {len(restored.transactions)} "
            f"transactions and {len(restored.transfers)} transfers into {args.tenant}"
        )
        return 0
    if args.account is None:
        raise ValidationError.of("account", "--account is required for bank files")
    options = ImportOptions(
        mapping=parse_mapping(args.map),
        date_format=args.date_format,
        decimal_separator=args.decimal,
        delimiter=args.delimiter,
        encoding=args.encoding,
        include_pending=args.include_pending,
        include_zero=not args.skip_zero,
        unsigned_amounts=args.unsigned_amounts,
        check_balances=not args.no_check_balances,
    )
    account_map = parse_accounts(args.account_map)
    plugins = plugins_of(args)
    with args.file.open("rb") as raw:
        head = raw.read(HEAD_BYTES)
    if plugins.importer_for(head, args.format).name == NAME:
        # A CSV file is streamed: no row cap, and memory does not grow with the file.
        ledger, principal = open_books(args)
        return run_csv_import(args, ledger, principal, options)
    data = args.file.read_bytes()
    ledger, principal = open_books(args)
    importer = plugins.importer_for(data, args.format)
    parsed = importer.parse(data, options)
    total = len(parsed.rows) + len(parsed.rejected)
    show_progress(0, total, sys.stderr)
    result = ledger.import_file(
        principal,
        args.account,
        parsed,
        dry_run=args.dry_run,
        skip_bad_rows=args.skip_bad_rows,
        file_hash=file_hash(data),
        accounts=account_map,
    )
    show_progress(total, total, sys.stderr)
    print_rows(result.rows)
    return finish(importer.name, result)


# -- export ----------------------------------------------------------------------
def _add_export(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")


def _run_export(args: argparse.Namespace) -> int:
    from finance_import.export_csv import to_csv
    from finance_import.export_document import to_json

    ledger, principal = open_books(args)
    books = ledger.export_data(principal)
    body = (
        to_json(books, tenant_name=ledger.get_tenant(principal).name)
        if args.format == "json"
        else to_csv(books)
    )
    if args.output is None:
        sys.stdout.buffer.write(body)
    else:
        args.output.write_bytes(body)
        print(f"wrote {len(books.transactions)} transactions to {args.output}", file=sys.stderr)
    return 0


# -- reports ---------------------------------------------------------------------
def _add_report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=REPORTS)
    add_common(parser)
    parser.add_argument("--period", help="day, week, month, year or none (as the report allows)")
    parser.add_argument(
        "--group-by", default="category", help="category, der_category, merchant or tag"
    )
    parser.add_argument("--start-date", type=date.fromisoformat)
    parser.add_argument("--end-date", type=date.fromisoformat)
    parser.add_argument(
        "--account", type=int, help="limit to one account (required for balance-history)"
    )
    parser.add_argument("--chart", type=Path, help="write an SVG chart to this file")


def _run_report(args: argparse.Namespace) -> int:
    ledger, principal = open_books(args)
    rows = ledger.run_report(
        principal, args.name, period=args.period, group_by=args.group_by,
        start_date=args.start_date, end_date=args.end_date, account_id=args.account,
    )  # fmt: skip
    figures = ("group", "total", "count", "income", "expenses", "net", "balance")
    used = [f for f in figures if any(getattr(r, f) is not None for r in rows)]
    print_table(
        ("period", "currency", *used),
        [(r.period or "", r.currency, *(_cell(getattr(r, f)) for f in used)) for r in rows],
    )
    if args.chart is not None:
        from finance_import.charts import render_svg

        args.chart.write_text(render_svg(args.name, rows, f"{args.name} ({args.tenant})"))
        print(f"chart written to {args.chart}", file=sys.stderr)
    return 0


def _cell(value: object) -> str:
    return "" if value is None else str(value)


@hookimpl
def finance_cli_commands() -> Sequence[CliCommand]:
    return [
        CliCommand(
            "import", "import a bank file (or restore a JSON export)", _add_import, _run_import
        ),
        CliCommand("export", "export a tenant's books as JSON or CSV", _add_export, _run_export),
        CliCommand(
            "report", "print a report, optionally as an SVG chart", _add_report, _run_report
        ),
        RECONCILE,
    ]
