"""Hot reads run on the driver's cursor, past SQLAlchemy's per-statement work.

Running a built ``select`` through a SQLAlchemy ``Connection`` costs about four
times what the driver itself spends on a one-row read (execution context,
events, result set-up), and the reads every request makes (the caller, an
account, a page's tags and splits) are that small. A ``FetchPlan`` compiles
one such statement once per dialect with SQLAlchemy itself and keeps what a
run needs: the SQL text, the order of its parameters and each column's result
processor, so values come back exactly as SQLAlchemy would return them (dates
and timestamps included).

Only statements whose parameters are plain keys (texts and integers, which no
bind processor changes) belong here; a list parameter marked ``expanding`` is
written out to one placeholder per value. Result processors are taken without
the driver's column type, which suits the types these reads return (texts,
integers, dates, timestamps, JSON); a column whose processor needs that type
(``Numeric`` on psycopg) fails when its plan is first compiled, not silently.
Plans are kept by statement identity for the life of the storage, so only
statements built once (module constants) belong here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs
from sqlalchemy import Select
from sqlalchemy.engine import Dialect

#: How SQLAlchemy marks an expanding parameter in compiled SQL.
_EXPANDING: Final = re.compile(r"__\[POSTCOMPILE_(\w+)\]")

Processor = Callable[[Any], Any] | None


@attrs.frozen
class FetchPlan:
    """One statement compiled for one dialect, ready for the driver."""

    sql: str
    #: Parameter names in placeholder order (positional drivers); None for named ones.
    order: tuple[str, ...] | None
    keys: tuple[str, ...]
    processors: tuple[Processor, ...]
    expanding: frozenset[str]
    positional_mark: str
    #: Values the statement itself carries (a literal compared with a column).
    fixed: dict[str, Any]

    @classmethod
    def compile(cls, statement: Select[Any], dialect: Dialect) -> FetchPlan:
        compiled = statement.compile(dialect=dialect)
        for bind in compiled.binds.values():
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise TypeError(f"parameter {bind.key!r} needs conversion; run it with execute()")
        columns = list(statement.selected_columns)
        return cls(
            sql=compiled.string,
            order=tuple(compiled.positiontup) if compiled.positiontup is not None else None,
            keys=tuple(str(column.key) for column in columns),
            processors=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            ),
            expanding=frozenset(name for name, bind in compiled.binds.items() if bind.expanding),
            positional_mark="?" if dialect.paramstyle == "qmark" else "%s",
            fixed={name: bind.value for name, bind in compiled.binds.items() if not bind.required},
        )

    def bind(self, parameters: Mapping[str, Any]) -> tuple[str, Sequence[Any] | dict[str, Any]]:
        """The SQL text and driver parameters for one run."""
        if self.fixed:
            parameters = {**self.fixed, **parameters}
        for name in self.expanding:
            if not parameters[name]:
                raise ValueError(f"parameter {name!r} lists no values; skip the statement")
        if not self.expanding:
            if self.order is None:
                return self.sql, dict(parameters)
            return self.sql, [parameters[name] for name in self.order]
        if self.order is None:
            named = dict(parameters)

            def spread(match: re.Match[str]) -> str:
                name = match.group(1)
                values = named.pop(name)
                for i, value in enumerate(values):
                    named[f"{name}_{i}"] = value
                return ", ".join(f"%({name}_{i})s" for i in range(len(values)))

            return _EXPANDING.sub(spread, self.sql), named
        positional: list[Any] = []
        for name in self.order:
            value = parameters[name]
            if name in self.expanding:
                positional.extend(value)
            else:
                positional.append(value)

        def marks(match: re.Match[str]) -> str:
            return ", ".join(self.positional_mark for _ in parameters[match.group(1)])

        return _EXPANDING.sub(marks, self.sql), positional

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """Driver rows as SQLAlchemy would give them, keyed by column name."""
        keys, processors = self.keys, self.processors
        if not any(processors):
            return [dict(zip(keys, row, strict=True)) for row in raw]
        return [
            {
                key: (value if process is None else process(value))
                for key, process, value in zip(keys, processors, row, strict=True)
            }
            for row in raw
        ]


class FetchPlans:
    """The plans of one storage's dialect, made on first use of each statement."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        # Keyed by identity: the statements are module constants, built once.
        self._plans: dict[int, tuple[Select[Any], FetchPlan]] = {}

    def plan(self, statement: Select[Any]) -> FetchPlan:
        found = self._plans.get(id(statement))
        if found is None or found[0] is not statement:
            found = (statement, FetchPlan.compile(statement, self._dialect))
            self._plans[id(statement)] = found
        return found[1]
