"""``POST /api/imports``: a bank file into one account, or a JSON export into the tenant."""

from __future__ import annotations

import cattrs
import falcon

from finance_core.errors import ValidationError
from finance_core.import_statements import file_hash
from finance_core.plugins.manager import FinancePlugins
from finance_core.services import Ledger
from finance_http.context import FinanceRequest
from finance_http.jsonio import loads
from finance_http.problems import HttpProblem
from finance_import.http.params import Params
from finance_import.http.upload import import_accounts, import_options, read_upload
from finance_import.http.wire import ImportResultOut


class Imports:
    accepts_raw_body = True
    # The file is read and parsed before the request's unit of work opens.
    resolves_caller_late = True

    def __init__(
        self, ledger: Ledger, plugins: FinancePlugins | None, converter: cattrs.Converter
    ) -> None:
        self.ledger = ledger
        self.plugins = plugins
        self.converter = converter

    def on_post(self, req: FinanceRequest, resp: falcon.Response) -> None:
        data, params = read_upload(req)
        if not data.strip():
            raise ValidationError.of("file", "the file is empty; send it as the body or as 'file'")
        dry_run = params.flag("dry_run")
        fmt = (params.text("format") or "").lower()
        out = (
            self._restore(req, data, params, dry_run)
            if fmt == "json"
            else self._import(req, data, params, fmt, dry_run)
        )
        resp.media = self.converter.unstructure(out)
        resp.status = 200 if dry_run else 201

    def _import(
        self, req: FinanceRequest, data: bytes, params: Params, fmt: str, dry_run: bool
    ) -> ImportResultOut:
        account_id = params.ident("account_id")
        if account_id is None:
            raise ValidationError.of("account_id", "account_id is required for bank files")
        if self.plugins is None:
            raise ValidationError.of("format", "no importers are installed")
        options = import_options(params)
        importer = self.plugins.importer_for(data, fmt or None)
        parsed = importer.parse(data, options)
        result = self.ledger.import_file(
            req.require_caller().principal,
            account_id,
            parsed,
            dry_run=dry_run,
            skip_bad_rows=params.flag("skip_bad_rows"),
            file_hash=file_hash(data),
            accounts=import_accounts(params),
        )
        out = ImportResultOut.of(importer.name, result)
        if not result.committed and not result.dry_run:
            raise HttpProblem(
                422,
                "Import rejected",
                f"{result.rejected} row(s) could not be imported, so nothing was; fix them "
                "or send skip_bad_rows=true to import the rest",
                slug="import-rejected",
                extra=self.converter.unstructure(out),
            )
        return out

    def _restore(
        self, req: FinanceRequest, data: bytes, params: Params, dry_run: bool
    ) -> ImportResultOut:
        from finance_import.export_document import from_json

        if params.ident("account_id") is not None:
            raise ValidationError.of(
                "account_id", "a JSON export restores a whole tenant; leave account_id out"
            )
        books = from_json(data, loads=loads)
        stored = self.ledger.restore(
            req.require_caller().principal,
            books,
            dry_run=dry_run,
            apply_rules=params.flag("apply_rules"),
        )
        return ImportResultOut.restored(stored, dry_run=dry_run)
