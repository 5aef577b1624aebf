"""Bytes on disk <-> records: JSON lines, format versions, and errors that name the file.

Every file carries a format version. A version this program does not know, a
line that is not JSON, or JSON that is not a valid record raises
``StorageError`` naming the file (and line), and the file is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import attrs
import cattrs

from finance_core.accounts import Account
from finance_core.budgets import Budget
from finance_core.categorize.model import Rule
from finance_core.errors import StorageError
from finance_core.memory import Change
from finance_core.ports import IdempotencyRecord
from finance_core.schedules import OccurrenceChange, Schedule, ScheduleLink
from finance_core.statements import Reconciliation, Statement
from finance_core.tenancy import Member, Tenant
from finance_core.transactions import Transaction, Transfer

#: The version this program writes. Version 2 added the planning tables
#: (schedules, their occurrence links and changes, budgets) and statements and
#: reconciliations; version 1 files, which have none, are read as they are.
FORMAT_VERSION: Final = 2
READABLE_VERSIONS: Final = frozenset({1, 2})

_FIX: Final = (
    "the file was left as it is; restore it from a backup, or repair it by hand "
    "(see the README's 'JSON storage' section)"
)


@attrs.frozen
class Table:
    """How one table of ``TenantState`` looks on disk."""

    name: str
    key_type: type | None
    value_type: type
    key_of: Callable[[Any], object] | None


TABLES: Final[dict[str, Table]] = {
    t.name: t
    for t in (
        Table("tenant", None, Tenant, None),
        Table("counters", str, int, None),
        Table("members", int, Member, lambda m: m.user_id),
        Table("accounts", int, Account, lambda a: a.id),
        Table("transactions", int, Transaction, lambda t: t.id),
        Table("transfers", int, Transfer, lambda t: t.id),
        Table("idempotency", str, IdempotencyRecord, lambda r: r.key),
        Table("rules", int, Rule, lambda r: r.id),
        Table("schedules", int, Schedule, lambda s: s.id),
        Table("schedule_links", str, ScheduleLink, lambda link: link.key),
        Table("schedule_changes", str, OccurrenceChange, lambda c: c.key),
        Table("budgets", int, Budget, lambda b: b.id),
        Table("statements", int, Statement, lambda s: s.id),
        Table("reconciliations", int, Reconciliation, lambda r: r.id),
    )
}


def where(path: Path, line: int | None) -> str:
    return f"{path}" if line is None else f"{path}, line {line}"


def corrupt(path: Path, line: int | None, problem: str) -> StorageError:
    return StorageError(f"{where(path, line)}: {problem}; {_FIX}")


def dumps(value: object) -> str:
    """JSON text, readable: non-ASCII stays as written unless it cannot be UTF-8."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (possible in text that came in as JSON escapes) has no
        # UTF-8 form; ASCII escapes keep it exact.
        text = json.dumps(value, ensure_ascii=True)
    return text


def loads(data: bytes, path: Path, line: int | None) -> Any:
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise corrupt(path, line, f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        at = exc.lineno + (line - 1 if line is not None else 0)
        raise corrupt(path, at, f"not valid JSON: {exc.msg} at column {exc.colno}") from None


def check_version(obj: object, field: str, path: Path, line: int | None) -> dict[str, Any]:
    """The decoded object, once it is a JSON object of the version this program reads."""
    if not isinstance(obj, dict):
        raise corrupt(path, line, f"expected a JSON object, found {type(obj).__name__}")
    version = obj.get(field)
    if type(version) is int and version in READABLE_VERSIONS:
        return obj
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise StorageError(
            f"{where(path, line)}: written in format version {version}, but this program "
            f"reads version {FORMAT_VERSION}; upgrade finance-planner to open this store "
            "(the file was left as it is)"
        )
    raise corrupt(
        path, line, f"the format version {field!r} is {version!r}, not one of {READABLE_VERSIONS}"
    )


def _format_problem(exc: BaseException, kind: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    return str(exc) or f"invalid value for {getattr(kind, '__name__', kind)}"


def structure(
    converter: cattrs.Converter, obj: object, cls: type, path: Path, line: int | None, at: str
) -> Any:
    """``converter.structure`` with every problem turned into one readable ``StorageError``."""
    try:
        return converter.structure(obj, cls)
    except Exception as exc:
        problems = cattrs.transform_error(exc, at, _format_problem)
        raise corrupt(path, line, "not a valid record: " + "; ".join(problems)) from None


def encode_changes(converter: cattrs.Converter, changes: list[Change]) -> list[dict[str, Any]]:
    out = []
    for table, key, value in changes:
        if table not in TABLES:
            raise StorageError(
                f"the json store has no table {table!r}; this finance_core is newer "
                "than its json storage plugin, so upgrade the plugin"
            )
        spec = TABLES[table]
        out.append(
            {
                "table": table,
                "key": key,
                "value": None if value is None else converter.unstructure(value, spec.value_type),
            }
        )
    return out


def decode_change(
    converter: cattrs.Converter, obj: object, path: Path, line: int, at: str
) -> Change:
    if not isinstance(obj, dict) or set(obj) != {"table", "key", "value"}:
        raise corrupt(path, line, f"not a valid record: {at} must have table, key and value")
    spec = TABLES.get(obj["table"])
    if spec is None:
        known = ", ".join(TABLES)
        raise corrupt(
            path, line, f"not a valid record: {at}.table is {obj['table']!r}, not one of {known}"
        )
    key = obj["key"]
    if spec.key_type is None:
        if key is not None:
            raise corrupt(path, line, f"not a valid record: {at}.key must be null for {spec.name}")
    else:
        key = structure(converter, key, spec.key_type, path, line, f"{at}.key")
    raw = obj["value"]
    if raw is None:
        if spec.key_type is None:
            raise corrupt(
                path, line, f"not a valid record: {at}.value: the {spec.name} cannot be deleted"
            )
        return (spec.name, key, None)
    value = structure(converter, raw, spec.value_type, path, line, f"{at}.value")
    if spec.key_of is not None and spec.key_of(value) != key:
        raise corrupt(
            path, line, f"not a valid record: {at}.key {key!r} does not match its value's key"
        )
    return (spec.name, key, value)


def encode_commit(converter: cattrs.Converter, changes: list[Change]) -> bytes:
    """One journal line: a whole unit of work, applied all at once or not at all."""
    record = {"v": FORMAT_VERSION, "changes": encode_changes(converter, changes)}
    return (dumps(record) + "\n").encode("utf-8")


def decode_commit(converter: cattrs.Converter, data: bytes, path: Path, line: int) -> list[Change]:
    obj = check_version(loads(data, path, line), "v", path, line)
    changes = obj.get("changes")
    if set(obj) != {"v", "changes"} or not isinstance(changes, list):
        raise corrupt(path, line, 'not a valid record: a commit is {"v": 1, "changes": [...]}')
    return [
        decode_change(converter, item, path, line, f"$.changes[{index}]")
        for index, item in enumerate(changes)
    ]
