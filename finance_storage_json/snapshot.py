"""A tenant's snapshot file: its whole state at one journal generation.

Layout, chosen so that ``diff`` shows changes record by record::

    {"format": "finance-planner/tenant", "version": 1, "tenant_id": "...", "generation": 3,
    "tenant": {...},
    "counters": {"account": 2, "transaction": 5},
    "accounts": [
    {...one account per line...}
    ],
    ...}

The file is one JSON document, so any JSON tool reads it; this program reads it
whether or not the layout was kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import cattrs

from finance_core.errors import StorageError
from finance_core.memory import TenantState
from finance_storage_json.codec import (
    FORMAT_VERSION,
    TABLES,
    check_version,
    corrupt,
    dumps,
    loads,
    structure,
)

FORMAT_NAME: Final = "finance-planner/tenant"
_HEADER: Final = ("format", "version", "tenant_id", "generation")
#: Tables stored as lists of records, in file order.
_LISTS: Final = (
    "members", "accounts", "transactions", "transfers", "idempotency",
    "schedules", "schedule_links", "schedule_changes", "budgets",
    "statements", "reconciliations",
)  # fmt: skip
#: Lists written only when they hold records, so stores without them keep the
#: layout that earlier releases read.
_OPTIONAL_LISTS: Final = ("rules",)
#: Lists that format version 1 did not have.
_SINCE_2: Final = frozenset(
    {"schedules", "schedule_links", "schedule_changes", "budgets", "statements", "reconciliations"}
)


def encode_snapshot(
    converter: cattrs.Converter, state: TenantState, tenant_id: str, generation: int
) -> Iterator[bytes]:
    """The snapshot's bytes, in chunks (records sorted by key, so rewrites diff well)."""
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "tenant_id": tenant_id,
        "generation": generation,
    }
    yield (dumps(header)[:-1] + ",\n").encode("utf-8")
    tenant = (
        None
        if state.tenant is None
        else converter.unstructure(state.tenant, TABLES["tenant"].value_type)
    )
    yield f'"tenant": {dumps(tenant)},\n'.encode()
    yield f'"counters": {dumps(dict(sorted(state.counters.items())))}'.encode()
    for name in _LISTS:
        table = TABLES[name]
        rows: dict[Any, Any] = getattr(state, name)
        lines = ",\n".join(
            dumps(converter.unstructure(rows[key], table.value_type)) for key in sorted(rows)
        )
        yield f',\n"{name}": [\n{lines}\n]'.encode() if lines else f',\n"{name}": []'.encode()
    for name in _OPTIONAL_LISTS:
        table = TABLES[name]
        rows = getattr(state, name)
        if rows:
            lines = ",\n".join(
                dumps(converter.unstructure(rows[key], table.value_type)) for key in sorted(rows)
            )
            yield f',\n"{name}": [\n{lines}\n]'.encode()
    yield b"}\n"


def decode_snapshot(
    converter: cattrs.Converter, data: bytes, path: Path, tenant_id: str, generation: int
) -> TenantState:
    """Rebuild a ``TenantState`` (indexes included) from a snapshot's bytes."""
    obj = check_version(loads(data, path, None), "version", path, None)
    lists = [n for n in _LISTS if obj["version"] >= 2 or n not in _SINCE_2]
    expected = {*_HEADER, "tenant", "counters", *lists}
    if not expected <= set(obj) <= expected | set(_OPTIONAL_LISTS) or obj["format"] != FORMAT_NAME:
        missing = ", ".join(sorted(expected - set(obj))) or "none"
        extra = ", ".join(sorted(set(obj) - expected)) or "none"
        raise corrupt(
            path, None, f"not a {FORMAT_NAME} snapshot (missing keys: {missing}; unknown: {extra})"
        )
    if obj["tenant_id"] != tenant_id or obj["generation"] != generation:
        raise StorageError(
            f"{path}: holds tenant {obj['tenant_id']!r} generation {obj['generation']!r}, "
            f"but its name and place say tenant {tenant_id!r} generation {generation}; "
            "a file was copied or renamed by hand: put it back where it came from"
        )
    state = TenantState()
    if obj["tenant"] is not None:
        tenant_type = TABLES["tenant"].value_type
        state.put(
            "tenant", None, structure(converter, obj["tenant"], tenant_type, path, None, "$.tenant")
        )
    counters = structure(converter, obj["counters"], dict[str, int], path, None, "$.counters")
    for kind, value in counters.items():
        state.put("counters", kind, value)
    for name in (*lists, *(n for n in _OPTIONAL_LISTS if n in obj)):
        table = TABLES[name]
        rows = obj[name]
        if not isinstance(rows, list):
            raise corrupt(path, None, f"not a valid record: $.{name} must be a list")
        assert table.key_of is not None
        stored: dict[Any, Any] = getattr(state, name)
        for index, raw in enumerate(rows):
            at = f"$.{name}[{index}]"
            value = structure(converter, raw, table.value_type, path, None, at)
            key = table.key_of(value)
            if key in stored:
                raise corrupt(path, None, f"not a valid record: {at} repeats the key {key!r}")
            state.put(name, key, value)
    return state
