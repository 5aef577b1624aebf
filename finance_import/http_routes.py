"""HTTP routes for imports, exports and reports, added through the HTTP adapter's hook.

``POST /api/imports`` takes a multipart upload (file part ``file``) or the raw
file as the body, with its options as form fields or query parameters.
Reports answer JSON, or an SVG chart for ``Accept: image/svg+xml`` or
``?format=svg``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Final

import falcon

from finance_core.errors import FieldError, ValidationError
from finance_core.importing import ImportOptions, ImportResult, RowOutcome, import_parsed
from finance_core.portability import dump, restore
from finance_core.reports import ReportRow
from finance_core.services import Ledger
from finance_http.app import Dependencies
from finance_http.context import FinanceRequest
from finance_http.jsonio import dumps
from finance_http.problems import HttpProblem
from finance_http.reading import MAX_ID
from finance_http.routing import Operation, Param, Route
from finance_import.charts import render_svg
from finance_import.commands import REPORTS, run_report

ID: Final = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE: Final = {"type": "string", "format": "date"}
BOOL: Final = {"type": "boolean"}
SVG: Final = "image/svg+xml"
#: Options an upload may carry as form fields (or as query parameters).
FORM_FIELDS: Final = (
    "account_id",
    "format",
    "dry_run",
    "skip_bad_rows",
    "mapping",
    "date_format",
    "decimal_separator",
    "delimiter",
    "encoding",
    "include_pending",
    "skip_zero",
)


class Params:
    """Options from the query string and, for uploads, the form fields.

    Unknown names and control characters are refused up front, so a typo never
    passes silently as "option not given".
    """

    def __init__(self, values: Mapping[str, str], allowed: Sequence[str]) -> None:
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise ValidationError(
                [
                    FieldError(name, f"unknown parameter; the parameters are: {', '.join(allowed)}")
                    for name in unknown
                ]
            )
        for name, value in values.items():
            if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
                raise ValidationError.of(name, f"{name} holds control characters")
        self.values = dict(values)

    def text(self, name: str) -> str | None:
        """A free-text option; empty counts as not given."""
        value = self.values.get(name)
        return value or None

    def choice(self, name: str, allowed: Sequence[str]) -> str | None:
        """An option from a fixed list; present but empty is an error like any other value."""
        value = self.values.get(name)
        if value is None:
            return None
        if value not in allowed:
            raise ValidationError.of(name, f"{name} is one of: {', '.join(allowed)}")
        return value

    def parse(self, name: str, parse: Callable[[str], Any], message: str) -> Any:
        raw = self.values.get(name)
        if raw is None:
            return None
        try:
            return parse(raw)
        except (ValueError, ArithmeticError):
            raise ValidationError.of(name, message) from None

    def ident(self, name: str) -> int | None:
        value: int | None = self.parse(
            name, _parse_id, f"{name} must be an integer from 1 to {MAX_ID}"
        )
        return value

    def day(self, name: str) -> date | None:
        value: date | None = self.parse(
            name, date.fromisoformat, f"{name} must be a date in YYYY-MM-DD form"
        )
        return value

    def flag(self, name: str) -> bool:
        value = self.parse(name, _parse_bool, f"{name} must be true or false")
        return bool(value)


def _parse_id(raw: str) -> int:
    value = int(raw) if raw.isdigit() else 0
    if not 1 <= value <= MAX_ID:
        raise ValueError(raw)
    return value


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _query(req: FinanceRequest) -> dict[str, str]:
    return {k: v if isinstance(v, str) else v[-1] for k, v in req.params.items()}


# -- imports -----------------------------------------------------------------------
def _upload(req: FinanceRequest) -> tuple[bytes, dict[str, str]]:
    """The file's bytes and every option, from a multipart form or a raw body."""
    raw = req.context.raw_body or b""
    params = _query(req)
    content_type = req.content_type or ""
    if not content_type.lower().startswith("multipart/form-data"):
        return raw, params
    handler = falcon.media.MultipartFormHandler()
    try:
        form = handler.deserialize(io.BytesIO(raw), content_type, len(raw))
        data: bytes | None = None
        for part in form:
            if part.name == "file":
                data = part.stream.read()
            elif part.name:
                value = _field_text(part.name, part.stream.read())
                # An empty form field leaves a query parameter of the same name in force.
                if value:
                    params[part.name] = value
    except falcon.MediaMalformedError as exc:
        raise HttpProblem(
            400, "Malformed upload", f"the multipart body is broken: {exc.description}"
        ) from None
    if data is None:
        raise ValidationError.of("file", "the upload has no part named 'file'")
    return data, params


def _field_text(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError.of(name, f"form field {name!r} is not UTF-8 text") from None


def _options(params: Params) -> ImportOptions:
    mapping = None
    raw_mapping = params.text("mapping")
    if raw_mapping is not None:
        try:
            decoded = json.loads(raw_mapping)
        except json.JSONDecodeError:
            decoded = None
        if not isinstance(decoded, dict) or not all(
            isinstance(v, (str, int)) and not isinstance(v, bool) for v in decoded.values()
        ):
            raise ValidationError.of(
                "mapping", 'mapping must be a JSON object such as {"date": "Datum", "amount": 3}'
            )
        mapping = decoded
    decimal = params.choice("decimal_separator", (".", ","))
    return ImportOptions(
        mapping=mapping,
        date_format=params.text("date_format"),
        decimal_separator=decimal,
        delimiter=params.text("delimiter"),
        encoding=params.text("encoding"),
        include_pending=params.flag("include_pending"),
        include_zero=not params.flag("skip_zero"),
    )


def _row(outcome: RowOutcome) -> dict[str, Any]:
    row: dict[str, Any] = {"row": outcome.row, "status": outcome.status}
    for name in ("date", "amount", "description", "external_id", "transaction_id"):
        value = getattr(outcome, name)
        if value is not None:
            row[name] = value.isoformat() if isinstance(value, date) else value
    if outcome.duplicate_of is not None:
        row["duplicate_of"] = outcome.duplicate_of
    if outcome.reason is not None:
        row["reason"] = outcome.reason
    return row


def _summary(result: ImportResult) -> dict[str, Any]:
    return {
        "created": result.created,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
        "dry_run": result.dry_run,
        "committed": result.committed,
        "rows": [_row(o) for o in result.rows],
    }


class Imports:
    accepts_raw_body = True

    def __init__(self, deps: Dependencies) -> None:
        self.ledger = deps.ledger
        self.plugins = deps.plugins

    def on_post(self, req: FinanceRequest, resp: falcon.Response) -> None:
        data, values = _upload(req)
        params = Params(values, FORM_FIELDS)
        if not data.strip():
            raise ValidationError.of("file", "the file is empty; send it as the body or as 'file'")
        principal = req.require_caller().principal
        dry_run = params.flag("dry_run")
        fmt = (params.text("format") or "").lower()
        account_id = params.ident("account_id")
        if fmt == "json":
            resp.media = self._restore(principal, data, dry_run, account_id)
            resp.status = 200 if dry_run else 201
            return
        if account_id is None:
            raise ValidationError.of("account_id", "account_id is required for bank files")
        if self.plugins is None:
            raise ValidationError.of("format", "no importers are installed")
        options = _options(params)
        importer = self.plugins.importer_for(data, fmt or None)
        result = import_parsed(
            self.ledger,
            principal,
            account_id,
            importer.parse(data, options),
            dry_run=dry_run,
            skip_bad_rows=params.flag("skip_bad_rows"),
        )
        body = {"format": importer.name, **_summary(result)}
        if not result.committed and not result.dry_run:
            raise HttpProblem(
                422,
                "Import rejected",
                f"{result.rejected} row(s) could not be imported, so nothing was; fix them "
                "or send skip_bad_rows=true to import the rest",
                slug="import-rejected",
                extra=body,
            )
        resp.media = body
        resp.status = 200 if result.dry_run else 201

    def _restore(
        self, principal: Any, data: bytes, dry_run: bool, account_id: int | None
    ) -> dict[str, Any]:
        from finance_import.export_document import from_json

        if account_id is not None:
            raise ValidationError.of(
                "account_id", "a JSON export restores a whole tenant; leave account_id out"
            )
        books = from_json(data)
        if not dry_run:
            restore(self.ledger, principal, books)
        return {
            "format": "json",
            "created": len(books.transactions),
            "duplicates": 0,
            "rejected": 0,
            "dry_run": dry_run,
            "committed": not dry_run,
            "accounts": len(books.accounts),
            "transfers": len(books.transfers),
            "rows": [
                {"row": n, "status": "created", "transaction_id": t.id, "amount": t.amount}
                for n, t in enumerate(books.transactions, 1)
            ],
        }


# -- export ------------------------------------------------------------------------
class Export:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        from finance_import.export_csv import to_csv
        from finance_import.export_document import to_json

        fmt = Params(_query(req), ("format",)).choice("format", ("json", "csv")) or "json"
        principal = req.require_caller().principal
        books = dump(self.ledger, principal)
        if fmt == "json":
            resp.data = to_json(books, tenant_name=self.ledger.get_tenant(principal).name)
            resp.content_type = "application/json"
        else:
            resp.data = to_csv(books)
            resp.content_type = "text/csv; charset=utf-8"
        resp.downloadable_as = f"finance-export.{fmt}"


# -- reports -----------------------------------------------------------------------
def _report_row(row: ReportRow) -> dict[str, Any]:
    out: dict[str, Any] = {"period": row.period}
    if row.group is not None or row.total is not None:
        out["group"] = row.group
    out["currency"] = row.currency
    for name in ("total", "count", "income", "expenses", "net", "balance"):
        value = getattr(row, name)
        if value is not None:
            out[name] = value
    return out


class Report:
    def __init__(self, ledger: Ledger, name: str, query: Sequence[Param]) -> None:
        self.ledger = ledger
        self.name = name
        # The documented parameters are the accepted ones: one list for both.
        self.allowed = tuple(p.name for p in query)

    def on_get(
        self, req: FinanceRequest, resp: falcon.Response, account_id: int | None = None
    ) -> None:
        params = Params(_query(req), self.allowed)
        fmt = params.choice("format", ("json", "svg")) or ""
        rows = run_report(
            self.ledger,
            req.require_caller().principal,
            self.name,
            period=params.choice("period", ("day", "week", "month", "year", "none")),
            group_by=params.choice("group_by", ("category", "der_category", "merchant", "tag")),
            start_date=params.day("start_date"),
            end_date=params.day("end_date"),
            account_id=account_id if account_id is not None else params.ident("account_id"),
        )
        wants_svg = fmt == "svg" or (
            not fmt and req.client_prefers(["application/json", SVG]) == SVG
        )
        if wants_svg:
            resp.content_type = SVG
            resp.text = render_svg(self.name, rows, self.name.replace("-", " "))
            return
        resp.content_type = "application/json"
        resp.text = dumps({"rows": [_report_row(r) for r in rows]})


REPORT_QUERY: Final = (
    Param("start_date", DATE, "First day (inclusive)."),
    Param("end_date", DATE, "Last day (inclusive)."),
    Param("format", {"type": "string", "enum": ["json", "svg"]}, "svg for a chart."),
)


def _report_route(name: str, ledger: Ledger, periods: Sequence[str], summary: str) -> Route:
    query: tuple[Param, ...] = (
        *REPORT_QUERY,
        Param("period", {"type": "string", "enum": list(periods)}, "Length of each period."),
        Param("account_id", ID, "Only this account."),
    )
    if name == "spending":
        query = (
            *query,
            Param(
                "group_by",
                {"type": "string", "enum": ["category", "der_category", "merchant", "tag"]},
                "What to total by.",
            ),
        )
    op = Operation(
        "GET", name.replace("-", "_") + "_report", summary,
        {200: ("Report rows (JSON) or a chart (SVG).", "ReportRows")},
        query=query, media_types=("application/json", SVG),
    )  # fmt: skip
    return Route(
        f"/api/reports/{name}", Report(ledger, name, query), (op,), tag="reports", schemas=SCHEMAS
    )


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
                        "period": {"type": ["string", "null"]},
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
        },
    },
    "ImportUpload": {
        "type": "object",
        "required": ["file"],
        "additionalProperties": False,
        "properties": {
            "file": {"type": "string", "format": "binary"},
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
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["row", "status"],
                    "properties": {
                        "row": {"type": "integer"},
                        "status": {"enum": ["created", "duplicate", "rejected"]},
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
)


def routes(deps: Dependencies) -> list[Route]:
    """Every route of this module, for the HTTP adapter's ``finance_http_routes`` hook."""
    ledger = deps.ledger
    imports = Operation(
        "POST", "import_file", "Import a bank file or restore a JSON export",
        {200: ("Dry run: what a real run would do.", "ImportResult"),
         201: ("Imported: the result of every row.", "ImportResult")},
        body="ImportUpload", query=IMPORT_QUERY,
        body_media_types=("multipart/form-data", "application/octet-stream", "text/csv"),
    )  # fmt: skip
    export = Operation(
        "GET", "export_books", "Export every account and transaction",
        {200: ("The export file: the JSON document, or CSV text.", "ExportDocument")},
        query=(Param("format", {"type": "string", "enum": ["json", "csv"]}, "json or csv."),),
        media_types=("application/json", "text/csv"),
    )  # fmt: skip
    history = Operation(
        "GET", "balance_history_report", "An account's balance at the end of each period",
        {200: ("Report rows (JSON) or a chart (SVG).", "ReportRows")},
        query=(*REPORT_QUERY,
               Param("period", {"type": "string", "enum": ["day", "week", "month"]}, "Period.")),
        media_types=("application/json", SVG),
    )  # fmt: skip
    return [
        Route("/api/imports", Imports(deps), (imports,), tag="imports", schemas=SCHEMAS),
        Route("/api/export", Export(ledger), (export,), tag="imports", schemas=SCHEMAS),
        _report_route("spending", ledger, ("week", "month", "year", "none"), "Money out by group"),
        _report_route("cashflow", ledger, ("week", "month", "year", "none"), "Income and expenses"),
        _report_route("net-worth", ledger, ("day", "week", "month", "year"), "Sum of balances"),
        Route(
            "/api/accounts/{account_id}/balance-history",
            Report(ledger, "balance-history", history.query),
            (history,),
            tag="reports",
            path_params=(
                Param("account_id", ID, "The account's id.", location="path", required=True),
            ),
            schemas=SCHEMAS,
        ),
    ]


__all__ = ["REPORTS", "routes"]
