"""A bank file and its import options, from a multipart form or a raw body."""

from __future__ import annotations

import io
from typing import Final

import falcon

from finance_core.errors import ValidationError
from finance_core.importing import ImportOptions
from finance_http.context import FinanceRequest
from finance_http.jsonio import JsonSyntaxError, loads
from finance_http.problems import HttpProblem
from finance_import.http.params import Params, query_values

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
    "unsigned_amounts",
    "check_balances",
    "accounts",
)
#: Options read from the query string only (a restore's): ``format=json`` bodies are files.
QUERY_ONLY: Final = ("apply_rules",)


def read_upload(req: FinanceRequest) -> tuple[bytes, Params]:
    """The file's bytes and every option, from a multipart form or a raw body."""
    raw = req.context.raw_body or b""
    values = query_values(req)
    content_type = req.content_type or ""
    if not content_type.lower().startswith("multipart/form-data"):
        return raw, Params(values, FORM_FIELDS + QUERY_ONLY)
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
                    values[part.name] = value
    except falcon.MediaMalformedError as exc:
        raise HttpProblem(
            400, "Malformed upload", f"the multipart body is broken: {exc.description}"
        ) from None
    if data is None:
        raise ValidationError.of("file", "the upload has no part named 'file'")
    return data, Params(values, FORM_FIELDS + QUERY_ONLY)


def _field_text(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError.of(name, f"form field {name!r} is not UTF-8 text") from None


def import_accounts(params: Params) -> dict[str, int] | None:
    """The ``accounts`` option: the file's account ids mapped to account ids, as JSON."""
    raw = params.text("accounts")
    if raw is None:
        return None
    try:
        decoded = loads(raw)
    except JsonSyntaxError:
        decoded = None
    if not isinstance(decoded, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in decoded.values()
    ):
        raise ValidationError.of(
            "accounts", 'accounts must be a JSON object such as {"NL91ABNA0417164300": 3}'
        )
    return decoded


def import_options(params: Params) -> ImportOptions:
    """What the parser cannot detect by itself, from the upload's options."""
    mapping = None
    raw_mapping = params.text("mapping")
    if raw_mapping is not None:
        try:
            decoded = loads(raw_mapping)
        except JsonSyntaxError:
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
        unsigned_amounts=params.choice("unsigned_amounts", ("debit", "credit")),
        check_balances=params.values.get("check_balances") is None or params.flag("check_balances"),
    )
