"""Planning on the command line (``schedules post-due``, ``forecast``) and the forecast route.

The forecast route is registered here because its SVG chart is drawn by this
package's chart renderer, the one the reports use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from finance_core.cli import CliCommand
from finance_core.plugins import hookimpl
from finance_import.charts import render_forecast_svg
from finance_import.cli_support import add_common, open_books, print_table


def _add_schedules(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    post_due = sub.add_parser(
        "post-due",
        help="post every due occurrence of the auto-post schedules, exactly once",
        description="Post every due occurrence of the auto-post schedules up to today (UTC), "
        "exactly once however often and from however many processes it runs.",
    )
    add_common(post_due)


def _run_schedules(args: argparse.Namespace) -> int:
    ledger, principal = open_books(args)
    posted = ledger.post_due(principal)
    print_table(
        ("SCHEDULE", "DATE", "AMOUNT", "TRANSACTION"),
        [(str(o.schedule_id), o.date.isoformat(), str(o.amount), str(o.transaction_id))
         for o in posted],
    )  # fmt: skip
    print(f"posted {len(posted)} occurrence(s)", file=sys.stderr)
    return 0


def _add_forecast(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--days", type=int, default=90, help="days from today (default: 90)")
    parser.add_argument("--account", type=int, help="only this account")
    parser.add_argument(
        "--include-budgets", action="store_true", help="also project unspent budgets"
    )
    parser.add_argument("--chart", type=Path, help="write an SVG chart to this file")


def _run_forecast(args: argparse.Namespace) -> int:
    ledger, principal = open_books(args)
    result = ledger.forecast(
        principal, args.days, account_id=args.account, include_budgets=args.include_budgets
    )
    rows = []
    for f in result:
        end = f.days[-1]
        rows.append(
            (
                str(f.account_id), f.name, f.currency, str(f.days[0].balance), str(end.balance),
                "-" if f.min_balance is None else str(f.min_balance),
                "-" if f.first_below_min is None else f.first_below_min.isoformat(),
            )
        )  # fmt: skip
    print_table(
        ("ACCOUNT", "NAME", "CURRENCY", "TODAY", "LAST DAY", "FLOOR", "BELOW FLOOR ON"), rows
    )
    if args.chart is not None:
        args.chart.write_text(render_forecast_svg(result, f"forecast ({args.tenant})"))
        print(f"chart written to {args.chart}", file=sys.stderr)
    return 0


@hookimpl
def finance_cli_commands() -> Sequence[CliCommand]:
    return [
        CliCommand("schedules", "work with schedules: post-due", _add_schedules, _run_schedules),
        CliCommand(
            "forecast",
            "project each account's balance day by day, optionally as an SVG chart",
            _add_forecast,
            _run_forecast,
        ),
    ]


@hookimpl
def finance_http_routes(deps: Any) -> Sequence[Any]:
    from finance_http.planning_routes import forecast_route

    return [forecast_route(deps.ledger, deps.converter, render_forecast_svg)]
