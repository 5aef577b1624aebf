"""OpenAPI documentation of the import, export and report routes: parameters and shapes.

Built from the HTTP adapter's own building blocks (``ID``, ``DATE``), so ids
and dates are documented the same way on every route.
"""

from __future__ import annotations

from typing import Any, Final

from finance_core.reports import GROUPS
from finance_http.routing import Param
from finance_http.schemas import DATE, ID
from finance_import.http.upload import FORM_FIELDS

BOOL: Final = {"type": "boolean"}
SVG: Final = "image/svg+xml"

_PERIOD: Final = {"type": ["string", "null"]}

SCHEMAS: Final[dict[str, Any]] = {
    "ReportRows": {
        "type": "object",
        "required": ["rows"],
        "properties": {
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["period", "currency"],
                    "properties": {
                        "period": _PERIOD,
                        "group": {"type": ["string", "null"]},
                        "currency": {"type": "string"},
                        "total": {"type": "number"},
                        "count": {"type": "integer"},
                        "income": {"type": "number"},
                        "expenses": {"type": "number"},
                        "net": {"type": "number"},
                        "balance": {"type": "number"},
                    },
                },
            }
        },
    },
    "ExportDocument": {
        "type": "object",
        "required": ["format", "version", "accounts", "transactions", "transfers"],
        "properties": {
            "format": {"const": "finance-planner-export"},
            "version": {"type": "integer"},
            "tenant": {"type": ["string", "null"]},
            "accounts": {"type": "array", "items": {"type": "object"}},
            "transactions": {"type": "array", "items": {"type": "object"}},
            "transfers": {"type": "array", "items": {"type": "object"}},
            "statements": {"type": "array", "items": {"type": "object"}},
            "reconciliations": {"type": "array", "items": {"type": "object"}},
        },
    },
    "ImportUpload": {
        "type": "object",
        "required": ["file"],
        "additionalProperties": False,
        "properties": {
            # An empty file is refused (422), so the document asks for a byte at least.
            "file": {"type": "string", "format": "binary", "minLength": 1},
            **{
                name: {"type": "string", "pattern": "^[^\\x00-\\x1f\\x7f]*$"}
                for name in FORM_FIELDS
            },
        },
    },
    "ImportResult": {
        "type": "object",
        "required": ["created", "duplicates", "rejected", "rows"],
        "properties": {
            "format": {"type": "string"},
            "created": {"type": "integer"},
            "duplicates": {"type": "integer"},
            "rejected": {"type": "integer"},
            "dry_run": {"type": "boolean"},
            "committed": {"type": "boolean"},
            "accounts": {"type": "integer"},
            "transfers": {"type": "integer"},
            "reconciliation": {
                "type": ["object", "null"],
                "required": ["statement_balance", "book_balance", "difference"],
                "properties": {
                    "statement_balance": {"type": "number"},
                    "book_balance": {"type": "number"},
                    "difference": {"type": "number"},
                },
            },
            "statements": {"type": "array", "items": {"$ref": "#/components/schemas/Statement"}},
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["row", "status"],
                    "properties": {
                        "row": {"type": "integer"},
                        "status": {"enum": ["created", "duplicate", "rejected"]},
                        "account_id": {"type": "integer"},
                    },
                },
            },
        },
    },
}

IMPORT_QUERY: Final = (
    Param("account_id", ID, "The account to import into (leave out for format=json)."),
    Param("format", {"type": "string"}, "csv, ofx, qif, camt053 or json; detected when left out."),
    Param("dry_run", BOOL, "Report what would happen and write nothing."),
    Param("skip_bad_rows", BOOL, "Import the good rows of a file with bad ones."),
    Param("mapping", {"type": "string"}, 'CSV columns as JSON, e.g. {"date": "Datum"}.'),
    Param("date_format", {"type": "string"}, "strptime format of the dates, e.g. %d.%m.%Y."),
    Param("decimal_separator", {"type": "string", "enum": [".", ","]}, "CSV decimal separator."),
    Param("delimiter", {"type": "string"}, "CSV field separator."),
    Param("encoding", {"type": "string"}, "Text encoding; detected when left out."),
    Param("include_pending", BOOL, "Keep rows the bank marks as pending."),
    Param("skip_zero", BOOL, "Leave out amount-0 rows."),
    Param("apply_rules", BOOL, "format=json: run the restored rules over the restored rows."),
    Param(
        "unsigned_amounts",
        {"type": "string", "enum": ["debit", "credit"]},
        "Which way CSV amounts go when none carries a sign and no column says.",
    ),
    Param("check_balances", BOOL, "Check a CSV running-balance column (default true)."),
    Param(
        "accounts",
        {"type": "string"},
        'Accounts of a multi-account file as JSON, e.g. {"NL91ABNA0417164300": 3}.',
    ),
)

EXPORT_QUERY: Final = (
    Param("format", {"type": "string", "enum": ["json", "csv"]}, "json or csv."),
)


def report_query(name: str, periods: tuple[str, ...]) -> tuple[Param, ...]:
    """The documented (and so the accepted) query parameters of one report."""
    query: tuple[Param, ...] = (
        Param("start_date", DATE, "First day (inclusive)."),
        Param("end_date", DATE, "Last day (inclusive)."),
        Param("format", {"type": "string", "enum": ["json", "svg"]}, "svg for a chart."),
        Param("period", {"type": "string", "enum": list(periods)}, "Length of each period."),
    )
    if name != "balance-history":
        query = (*query, Param("account_id", ID, "Only this account."))
    if name == "spending":
        query = (
            *query,
            Param("group_by", {"type": "string", "enum": list(GROUPS)}, "What to total by."),
        )
    return query
