"""Exact JSON: numbers read as ``Decimal`` and written from their decimal text.

The standard encoder can only write a ``Decimal`` by way of ``float`` (or as a
string), so the writer here walks the value itself; it is small because wire
shapes only ever hold dicts, lists, strings, ints, bools, None and Decimals.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, NoReturn

import falcon
from falcon.media import BaseHandler

from finance_core.money import MAX_NUMBER_DIGITS, NUMBER_TOO_LARGE, number_size_problem

# What json.dumps(ensure_ascii=False) writes for a string, without its per-call checks.
_encode_string: Callable[[str], str] = json.encoder.encode_basestring


#: Deepest nesting of arrays and objects a document may have. Request bodies
#: need 4 levels; the limit stops a body of thousands of ``[`` long before the
#: parser's recursion could fail.
MAX_DEPTH: Final = 32

# A JSON string (escapes included), and the brackets left once strings are gone.
_STRING: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET: Final = re.compile(r"[^\[\]{}]+")
_NUMBER: Final = re.compile(r"-?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?")


class JsonSyntaxError(ValueError):
    """The body is not valid JSON (or uses NaN/Infinity, which JSON does not have)."""


class JsonLimitError(JsonSyntaxError):
    """Valid JSON beyond what this service reads: nesting too deep or a number too large."""


def _no_constants(name: str) -> NoReturn:
    raise JsonSyntaxError(f"{name} is not a JSON number")


def number_text_problem(literal: str) -> str | None:
    """Why a number as written is too large to read, judged before any arithmetic.

    Only the digit counts are looked at until they are known to be small, so
    ``1e999999999`` is refused at once; the value then meets the core's limits.
    """
    match = _NUMBER.fullmatch(literal.strip())
    if match is None:
        return None
    whole, fraction, exponent = match.group(1), match.group(2) or "", match.group(3)
    too_large = len(whole) + len(fraction) > MAX_NUMBER_DIGITS or (
        exponent is not None and len(exponent.lstrip("+-").lstrip("0")) > 4
    )
    if too_large or number_size_problem(Decimal(literal.strip())) is not None:
        return f"{_preview(literal)} {NUMBER_TOO_LARGE}"
    return None


def _preview(literal: str) -> str:
    return literal if len(literal) <= 24 else literal[:20] + "..."


def _read_float(literal: str) -> Decimal:
    problem = number_text_problem(literal)
    if problem is not None:
        raise JsonLimitError(problem)
    return Decimal(literal)


def _read_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise JsonLimitError(f"{_preview(literal)} {NUMBER_TOO_LARGE}")
    return int(literal)


def check_depth(text: str) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` without recursing."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise JsonLimitError(
                    f"the JSON nests arrays and objects more than {MAX_DEPTH} levels deep"
                )
        else:
            depth -= 1


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as an exact ``Decimal``.

    Nesting deeper than ``MAX_DEPTH`` and numbers of more than 100 digits or
    beyond powers of ten from -400 to 400 raise ``JsonLimitError`` before the
    parser recurses or any arithmetic sees them.
    """
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig" if text.startswith(b"\xef\xbb\xbf") else "utf-8")
        check_depth(text)
        return json.loads(
            text, parse_float=_read_float, parse_int=_read_int, parse_constant=_no_constants
        )
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
