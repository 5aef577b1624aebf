"""JSON Schemas of the planning wire shapes, for the OpenAPI document's components."""

from __future__ import annotations

from typing import Any, Final

from finance_core.budgets import MODES, PERIODS
from finance_core.recurrence import FREQUENCIES, WEEKDAY_NAMES, WEEKEND_RULES
from finance_core.schedules import STATUSES
from finance_http.schemas import (
    CURRENCY,
    DATE,
    ID,
    MONEY_IN,
    MONEY_OUT,
    NAME,
    TIMESTAMP,
    Schema,
    nullable,
    ref,
)

_INT: Final = {"type": "integer"}
_TEXT_OUT: Final = {"type": ["string", "null"]}
_MONTH_DAY: Final = {"type": "integer", "minimum": -1, "maximum": 31, "not": {"const": 0}}
_WEEKDAY: Final = {
    "anyOf": [
        {"type": "integer", "minimum": 1, "maximum": 7},
        {"type": "string", "enum": list(WEEKDAY_NAMES)},
    ]
}
_TOLERANCE_IN: Final = {
    "anyOf": [
        {"type": "null"},
        {
            "type": "object",
            "properties": {"percent": MONEY_IN},
            "required": ["percent"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"amount": MONEY_IN},
            "required": ["amount"],
            "additionalProperties": False,
        },
    ],
    "description": 'Exact when null; {"percent": 7.5} or {"amount": 5.00}.',
}
_TOLERANCE_OUT: Final = {
    "type": ["object", "null"],
    "properties": {"percent": MONEY_OUT, "amount": MONEY_OUT},
}

SCHEDULE_FIELDS_IN: Final[Schema] = {
    "name": NAME,
    "account_id": ID,
    "amount": MONEY_IN,
    "category": {"type": ["string", "null"], "maxLength": 100},
    "merchant": {"type": ["string", "null"], "maxLength": 255},
    "description": {"type": ["string", "null"], "maxLength": 1000},
    "tags": {"type": ["array", "null"], "items": {"type": "string"}},
    "to_account_id": nullable(ID),
    "start_date": DATE,
    "freq": {"type": "string", "enum": list(FREQUENCIES)},
    "interval": {"type": "integer", "minimum": 1, "maximum": 1000},
    "by_weekday": {"anyOf": [_WEEKDAY, {"type": "array", "items": _WEEKDAY}, {"type": "null"}]},
    "by_month_day": {
        "anyOf": [_MONTH_DAY, {"type": "array", "items": _MONTH_DAY}, {"type": "null"}],
        "description": "A day or days of the month; -1 is the last day; a day a month "
        "lacks falls on its last day.",
    },
    "count": nullable({"type": "integer", "minimum": 1}),
    "until": nullable(DATE),
    "weekend": {"type": "string", "enum": list(WEEKEND_RULES)},
    "amount_tolerance": _TOLERANCE_IN,
    "date_tolerance_days": {"type": "integer", "minimum": 0, "maximum": 31},
    "auto_post": {"type": "boolean"},
}

_TERMS_OUT: Final[Schema] = {
    "effective_from": nullable(DATE),
    "account_id": _INT,
    "amount": MONEY_OUT,
    "category": _TEXT_OUT,
    "merchant": _TEXT_OUT,
    "description": _TEXT_OUT,
    "tags": {"type": "array", "items": {"type": "string"}},
    "to_account_id": {"type": ["integer", "null"]},
    "start_date": DATE,
    "freq": {"type": "string"},
    "interval": _INT,
    "by_weekday": {"type": "array", "items": _INT},
    "by_month_day": {"type": "array", "items": _INT},
    "count": {"type": ["integer", "null"]},
    "until": nullable(DATE),
    "weekend": {"type": "string"},
    "amount_tolerance": _TOLERANCE_OUT,
    "date_tolerance_days": _INT,
    "auto_post": {"type": "boolean"},
}


def _out(properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


_OCCURRENCE: Final[Schema] = {
    "date": DATE,
    "scheduled_date": DATE,
    "status": {"type": "string", "enum": list(STATUSES)},
    "transaction_id": {"type": ["integer", "null"]},
    "amount": MONEY_OUT,
    "account_id": _INT,
    "to_account_id": {"type": ["integer", "null"]},
}

_BUDGET_IN: Final[Schema] = {
    "name": NAME,
    "category": {"type": ["string", "null"], "maxLength": 100},
    "tag": {"type": ["string", "null"], "maxLength": 50},
    "amount": MONEY_IN,
    "currency": CURRENCY,
    "period": {"type": "string", "enum": list(PERIODS)},
    "start_day": {"type": "integer", "minimum": 1, "maximum": 31},
    "start": DATE,
    "mode": {"type": "string", "enum": list(MODES)},
    "account_id": nullable(ID),
}

PLANNING_SCHEMAS: Final[dict[str, Any]] = {
    "ScheduleCreate": {
        "type": "object",
        "properties": SCHEDULE_FIELDS_IN,
        "required": ["name", "account_id", "amount", "start_date", "freq"],
        "additionalProperties": False,
    },
    "SchedulePatch": {
        "type": "object",
        "properties": {**SCHEDULE_FIELDS_IN, "effective_from": DATE},
        "additionalProperties": False,
        "description": "With effective_from, occurrences before that date keep the old values.",
    },
    "Schedule": _out(
        {
            **_TERMS_OUT,
            "id": _INT,
            "name": {"type": "string"},
            "revisions": {"type": "array", "items": _out(_TERMS_OUT)},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        }
    ),
    "ScheduleList": _out({"schedules": {"type": "array", "items": ref("Schedule")}, "total": _INT}),
    "Occurrence": _out(_OCCURRENCE),
    "OccurrenceList": _out(
        {"schedule_id": _INT, "occurrences": {"type": "array", "items": ref("Occurrence")}}
    ),
    "OccurrenceMove": {
        "type": "object",
        "properties": {"date": DATE},
        "required": ["date"],
        "additionalProperties": False,
    },
    "PostDue": _out(
        {
            "posted": {"type": "array", "items": _out({**_OCCURRENCE, "schedule_id": _INT})},
            "count": _INT,
        }
    ),
    "SuggestionList": _out(
        {
            "suggestions": {
                "type": "array",
                "items": _out(
                    {
                        "name": {"type": "string"},
                        "account_id": _INT,
                        "amount": MONEY_OUT,
                        "category": {"type": "string"},
                        "merchant": _TEXT_OUT,
                        "freq": {"type": "string"},
                        "interval": _INT,
                        "start_date": DATE,
                        "by_month_day": {"type": ["integer", "null"]},
                        "occurrences": _INT,
                        "last_date": DATE,
                    }
                ),
            }
        }
    ),
    "BudgetCreate": {
        "type": "object",
        "properties": _BUDGET_IN,
        "required": ["name", "amount", "currency", "period", "start"],
        "additionalProperties": False,
        "description": "Exactly one of category and tag.",
    },
    "BudgetPatch": {
        "type": "object",
        "properties": {**_BUDGET_IN, "effective_from": DATE},
        "additionalProperties": False,
        "description": "With effective_from, only amount: it applies from that period on.",
    },
    "Budget": _out(
        {
            "id": _INT,
            "name": {"type": "string"},
            "category": _TEXT_OUT,
            "tag": _TEXT_OUT,
            "amount": MONEY_OUT,
            "currency": {"type": "string"},
            "period": {"type": "string"},
            "start_day": _INT,
            "start": DATE,
            "mode": {"type": "string"},
            "account_id": {"type": ["integer", "null"]},
            "amounts": {
                "type": "array",
                "items": _out({"effective_from": DATE, "amount": MONEY_OUT}),
            },
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        }
    ),
    "BudgetList": _out({"budgets": {"type": "array", "items": ref("Budget")}, "total": _INT}),
    "BudgetStatus": _out(
        {
            "budgets": {
                "type": "array",
                "items": _out(
                    {
                        "budget_id": _INT,
                        "name": {"type": "string"},
                        "currency": {"type": "string"},
                        "periods": {
                            "type": "array",
                            "items": _out(
                                {
                                    "start": DATE,
                                    "end": DATE,
                                    "budgeted": MONEY_OUT,
                                    "spent": MONEY_OUT,
                                    "rollover": MONEY_OUT,
                                    "available": MONEY_OUT,
                                    "over": {"type": "boolean"},
                                }
                            ),
                        },
                    }
                ),
            }
        }
    ),
    "Forecast": _out(
        {
            "accounts": {
                "type": "array",
                "items": _out(
                    {
                        "account_id": _INT,
                        "currency": {"type": "string"},
                        "min_balance": {"type": ["number", "null"]},
                        "first_below_min": nullable(DATE),
                        "days": {
                            "type": "array",
                            "items": _out({"date": DATE, "balance": MONEY_OUT}),
                        },
                    }
                ),
            }
        }
    ),
}
