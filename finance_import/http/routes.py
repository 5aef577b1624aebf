"""The route table of imports, exports and reports; the OpenAPI document is built from it."""

from __future__ import annotations

from finance_core.report_services import REPORTS
from finance_http.app import Dependencies
from finance_http.routing import Operation, Param, Route
from finance_http.schemas import ID
from finance_import.http.export import Export
from finance_import.http.imports import Imports
from finance_import.http.reports import Report
from finance_import.http.schemas import EXPORT_QUERY, IMPORT_QUERY, SCHEMAS, SVG, report_query
from finance_import.http.wire import register_wire_hooks

_SUMMARIES = {
    "spending": "Money out by group",
    "cashflow": "Income and expenses",
    "net-worth": "Sum of balances",
    "balance-history": "An account's balance at the end of each period",
}


def _report_route(deps: Dependencies, name: str) -> Route:
    periods = REPORTS[name]
    query = report_query(name, periods)
    op = Operation(
        "GET", name.replace("-", "_") + "_report", _SUMMARIES[name],
        {200: ("Report rows (JSON) or a chart (SVG).", "ReportRows")},
        query=query, media_types=("application/json", SVG), expensive=True,
    )  # fmt: skip
    resource = Report(deps.ledger, deps.converter, name, query)
    if name == "balance-history":
        return Route(
            "/api/accounts/{account_id}/balance-history",
            resource,
            (op,),
            tag="reports",
            path_params=(
                Param("account_id", ID, "The account's id.", location="path", required=True),
            ),
            schemas=SCHEMAS,
        )
    return Route(f"/api/reports/{name}", resource, (op,), tag="reports", schemas=SCHEMAS)


def routes(deps: Dependencies) -> list[Route]:
    """Every route of this package, for the HTTP adapter's ``finance_http_routes`` hook."""
    register_wire_hooks(deps.converter)
    imports = Operation(
        "POST", "import_file", "Import a bank file or restore a JSON export",
        {200: ("Dry run: what a real run would do.", "ImportResult"),
         201: ("Imported: the result of every row.", "ImportResult")},
        body="ImportUpload", query=IMPORT_QUERY,
        body_media_types=("multipart/form-data", "application/octet-stream", "text/csv"),
        expensive=True,
    )  # fmt: skip
    export = Operation(
        "GET", "export_books", "Export every account and transaction",
        {200: ("The export file: the JSON document, or CSV text.", "ExportDocument")},
        query=EXPORT_QUERY, media_types=("application/json", "text/csv"), expensive=True,
    )  # fmt: skip
    return [
        Route(
            "/api/imports",
            Imports(deps.ledger, deps.plugins, deps.converter),
            (imports,),
            tag="imports",
            schemas=SCHEMAS,
        ),
        Route("/api/export", Export(deps.ledger), (export,), tag="imports", schemas=SCHEMAS),
        *(_report_route(deps, name) for name in REPORTS),
    ]
