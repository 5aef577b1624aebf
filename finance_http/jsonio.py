"""Exact JSON: numbers read as ``Decimal`` and written from their decimal text.

The standard encoder can only write a ``Decimal`` by way of ``float`` (or as a
string), so the writer here walks the value itself; it is small because wire
shapes only ever hold dicts, lists, strings, ints, bools, None and Decimals.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NoReturn

import falcon
from falcon.media import BaseHandler

# What json.dumps(ensure_ascii=False) writes for a string, without its per-call checks.
_encode_string: Callable[[str], str] = json.encoder.encode_basestring


class JsonSyntaxError(ValueError):
    """The body is not valid JSON (or uses NaN/Infinity, which JSON does not have)."""


def _no_constants(name: str) -> NoReturn:
    raise JsonSyntaxError(f"{name} is not a JSON number")


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as an exact ``Decimal``."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise JsonSyntaxError(str(exc)) from None


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """Serialise ``value``; a ``Decimal`` becomes a JSON number with its exact digits."""
    parts: list[str] = []
    _write(value, parts, sort_keys)
    return "".join(parts)


def _write(value: Any, out: list[str], sort_keys: bool) -> None:
    # A page of transactions is thousands of values, so the common exact types
    # are written inline, without a call each; anything else takes _write_any.
    kind = type(value)
    if kind is dict:
        append = out.append
        append("{")
        items = sorted(value.items()) if sort_keys else value.items()
        separator = ""
        for key, item in items:
            append(separator)
            separator = ","
            append(_encode_string(key if type(key) is str else str(key)))
            append(":")
            item_kind = type(item)
            if item_kind is str:
                append(_encode_string(item))
            elif item is None:
                append("null")
            elif item_kind is int or (item_kind is Decimal and item.is_finite()):
                append(str(item))
            else:
                _write(item, out, sort_keys)
        append("}")
    elif kind is list:
        append = out.append
        append("[")
        separator = ""
        for item in value:
            append(separator)
            separator = ","
            if type(item) is str:
                append(_encode_string(item))
            else:
                _write(item, out, sort_keys)
        append("]")
    else:
        _write_any(value, out, sort_keys)


def _write_any(value: Any, out: list[str], sort_keys: bool) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as a JSON number")
        out.append(str(value))
    elif isinstance(value, Mapping):
        out.append("{")
        items = sorted(value.items()) if sort_keys else value.items()
        for index, (key, item) in enumerate(items):
            if index:
                out.append(",")
            out.append(_encode_string(str(key)))
            out.append(":")
            _write(item, out, sort_keys)
        out.append("}")
    elif isinstance(value, Sequence):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out, sort_keys)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not a wire value")


class ExactJSONHandler(BaseHandler):
    """Falcon media handler for responses (requests are read by the body middleware)."""

    def serialize(self, media: object, content_type: str | None = None) -> bytes:
        return dumps(media).encode()

    def deserialize(
        self,
        stream: Any,
        content_type: str | None = None,
        content_length: int | None = None,
    ) -> object:
        try:
            return loads(stream.read())
        except JsonSyntaxError as exc:
            raise falcon.MediaMalformedError("application/json") from exc
