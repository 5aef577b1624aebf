"""Registers the built-in bank-file formats and the ``import-formats`` command.

The formats register exactly like a third-party plugin's would. CSV sniffs
last (a high ``sniff_order``) because its sniffer is the broadest: every other
format is also text, and a plugin's specific format should get the first word.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from finance_core.cli import CliCommand, plugins_of
from finance_core.importing import Importer
from finance_core.plugins import hookimpl
from finance_import.camt053 import parse_camt053, sniff_camt053
from finance_import.csv_format import parse_csv, sniff_csv
from finance_import.ofx import parse_ofx, sniff_ofx
from finance_import.qif import parse_qif, sniff_qif

#: After the default order (100) that other plugins' formats get.
GENERIC_SNIFF_ORDER = 1000

IMPORTERS: tuple[Importer, ...] = (
    Importer(
        "camt053",
        (".xml",),
        parse_camt053,
        sniff_camt053,
        "ISO 20022 camt.053 bank statement (XML, schema versions 001.02 to 001.08)",
    ),
    Importer(
        "ofx",
        (".ofx", ".qfx"),
        parse_ofx,
        sniff_ofx,
        "OFX/QFX bank or credit-card statement (1.x SGML and 2.x XML)",
    ),
    Importer(
        "qif",
        (".qif",),
        parse_qif,
        sniff_qif,
        "Quicken Interchange Format: bank, cash and credit-card registers",
    ),
    Importer(
        "csv",
        (".csv", ".txt"),
        parse_csv,
        sniff_csv,
        "bank CSV export: columns, separator, dates and decimal comma detected",
        sniff_order=GENERIC_SNIFF_ORDER,
    ),
)


@hookimpl
def finance_importers() -> Sequence[Importer]:
    return IMPORTERS


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    return None


def list_formats(args: argparse.Namespace) -> int:
    """Print every installed format, whichever plugin brought it."""
    importers = plugins_of(args).importers
    rows = [
        (i.name, " ".join(i.extensions), i.description)
        for i in sorted(importers.values(), key=lambda i: i.name)
    ]
    name_width = max([len("FORMAT"), *(len(r[0]) for r in rows)])
    ext_width = max([len("EXTENSIONS"), *(len(r[1]) for r in rows)])
    print(f"{'FORMAT':<{name_width}}  {'EXTENSIONS':<{ext_width}}  DESCRIPTION")
    for name, extensions, description in rows:
        print(f"{name:<{name_width}}  {extensions:<{ext_width}}  {description}".rstrip())
    return 0


@hookimpl
def finance_cli_commands() -> Sequence[CliCommand]:
    return [
        CliCommand(
            "import-formats",
            "list the bank-file formats that can be imported",
            _no_arguments,
            list_formats,
        )
    ]


@hookimpl(optionalhook=True)
def finance_http_routes(deps: Any) -> Sequence[Any]:
    """The import, export and report routes, built only when the HTTP adapter asks."""
    from finance_import.http import routes

    return routes(deps)
