"""Options from the query string and, for uploads, from form fields.

Unknown names and control characters are refused up front, so a typo never
passes silently as "option not given". Values are parsed with the HTTP
adapter's own parsers, so an id or a date reads the same here as on every
other route.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from finance_core.errors import FieldError, ValidationError
from finance_core.text import text_problem
from finance_http.context import FinanceRequest
from finance_http.reading import MAX_ID, parse_bool, parse_id


def query_values(req: FinanceRequest) -> dict[str, str]:
    """The query string as one value per name (the last one wins)."""
    return {k: v if isinstance(v, str) else v[-1] for k, v in req.params.items()}


class Params:
    """Named string options, checked against the documented names."""

    def __init__(self, values: Mapping[str, str], allowed: Sequence[str]) -> None:
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise ValidationError(
                [
                    FieldError(name, f"unknown parameter; the parameters are: {', '.join(allowed)}")
                    for name in unknown
                ]
            )
        bad = [
            FieldError(name, f"{name} {problem}")
            for name, value in sorted(values.items())
            if (problem := text_problem(value)) is not None
        ]
        if bad:
            raise ValidationError(bad)
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
            name, parse_id, f"{name} must be an integer from 1 to {MAX_ID}"
        )
        return value

    def day(self, name: str) -> date | None:
        value: date | None = self.parse(
            name, date.fromisoformat, f"{name} must be a date in YYYY-MM-DD form"
        )
        return value

    def flag(self, name: str) -> bool:
        value = self.parse(name, parse_bool, f"{name} must be true or false")
        return bool(value)
