"""Routes of schedules and budgets (the forecast route comes with its chart renderer)."""

from __future__ import annotations

from typing import Final

import cattrs

from finance_core.services import Ledger
from finance_http.planning_schemas import PLANNING_SCHEMAS
from finance_http.resources.budgets import Budgets
from finance_http.resources.forecast import SVG, ChartRenderer, Forecast
from finance_http.resources.schedules import Schedules
from finance_http.routing import Operation, Param, Route
from finance_http.schemas import DATE, ID

Op = Operation
RANGE: Final = (
    Param("from", DATE, "First day (default: 30 days ago for occurrences, else today)."),
    Param("to", DATE, "Last day, inclusive (default: 90 days ahead for occurrences, else today)."),
)


def _id(name: str, what: str) -> Param:
    return Param(name, ID, f"The {what}'s id.", location="path", required=True)


_SCHEDULE = _id("schedule_id", "schedule")
_DATE = Param(
    "date", DATE, "The occurrence's listed date (or its nominal date).", location="path",
    required=True,
)  # fmt: skip


def _item_ops(kind: str, title: str) -> tuple[Operation, ...]:
    return (
        Op("GET", f"get{title}", f"Get a {kind}", {200: (f"The {kind}.", title)}, conditional=True),
        Op(
            "PATCH", f"update{title}", f"Change a {kind} (from effective_from on, when given)",
            {200: (f"The changed {kind}.", title)}, body=f"{title}Patch", conditional=True,
        ),
        Op(
            "DELETE", f"delete{title}", f"Delete a {kind}", {204: ("Deleted.", None)},
            conditional=True,
        ),
    )  # fmt: skip


def planning_routes(ledger: Ledger, converter: cattrs.Converter) -> list[Route]:
    """Schedules and budgets under ``/api``."""
    schedules = Schedules(ledger, converter)
    budgets = Budgets(ledger, converter)
    s = PLANNING_SCHEMAS
    return [
        Route(
            "/api/schedules", schedules, tag="schedules", schemas=s,
            operations=(
                Op("GET", "listSchedules", "List the tenant's schedules",
                   {200: ("The schedules, by id.", "ScheduleList")}),
                Op("POST", "createSchedule", "Create a schedule (a recurring transaction)",
                   {201: ("The new schedule.", "Schedule")}, body="ScheduleCreate",
                   conditional=True),
            ),
        ),
        Route(
            "/api/schedules/post-due", schedules, suffix="due", tag="schedules", schemas=s,
            operations=(
                Op("POST", "postDueOccurrences",
                   "Post every due occurrence of the auto-post schedules, exactly once",
                   {200: ("What this call posted (nothing when all was posted before).",
                          "PostDue")},
                   description="Safe to run any number of times from any number of "
                   "processes; a concurrent run may answer 409."),
            ),
        ),
        Route(
            "/api/schedules/suggestions", schedules, suffix="suggestions", tag="schedules",
            schemas=s,
            operations=(
                Op("GET", "suggestSchedules", "Schedules that the history suggests",
                   {200: ("Suggested schedules not yet covered by one.", "SuggestionList")},
                   expensive=True),
            ),
        ),
        Route(
            "/api/schedules/{schedule_id}", schedules, suffix="item", tag="schedules",
            path_params=(_SCHEDULE,), schemas=s, operations=_item_ops("schedule", "Schedule"),
        ),
        Route(
            "/api/schedules/{schedule_id}/occurrences", schedules, suffix="occurrences",
            tag="schedules", path_params=(_SCHEDULE,), schemas=s,
            operations=(
                Op("GET", "listOccurrences", "A schedule's occurrences in a range, with status",
                   {200: ("The occurrences, by date.", "OccurrenceList")}, query=RANGE),
            ),
        ),
        Route(
            "/api/schedules/{schedule_id}/occurrences/{date}/skip", schedules, suffix="skip",
            tag="schedules", path_params=(_SCHEDULE, _DATE), schemas=s,
            operations=(
                Op("POST", "skipOccurrence", "Skip one occurrence",
                   {200: ("The skipped occurrence.", "Occurrence")}),
            ),
        ),
        Route(
            "/api/schedules/{schedule_id}/occurrences/{date}/move", schedules, suffix="move",
            tag="schedules", path_params=(_SCHEDULE, _DATE), schemas=s,
            operations=(
                Op("POST", "moveOccurrence", "Move one occurrence to another date",
                   {200: ("The moved occurrence, under its new date.", "Occurrence")},
                   body="OccurrenceMove"),
            ),
        ),
        Route(
            "/api/budgets", budgets, tag="budgets", schemas=s,
            operations=(
                Op("GET", "listBudgets", "List the tenant's budgets",
                   {200: ("The budgets, by id.", "BudgetList")}),
                Op("POST", "createBudget", "Create a budget for a category or a tag",
                   {201: ("The new budget.", "Budget")}, body="BudgetCreate", conditional=True),
            ),
        ),
        Route(
            "/api/budgets/status", budgets, suffix="status", tag="budgets", schemas=s,
            operations=(
                Op("GET", "budgetStatus", "Every budget's periods in a range",
                   {200: ("Budgeted, spent, rollover and available per period.",
                          "BudgetStatus")}, query=RANGE, expensive=True),
            ),
        ),
        Route(
            "/api/budgets/{budget_id}", budgets, suffix="item", tag="budgets",
            path_params=(_id("budget_id", "budget"),), schemas=s,
            operations=_item_ops("budget", "Budget"),
        ),
    ]  # fmt: skip


FORECAST_QUERY: Final = (
    Param("days", {"type": "integer", "minimum": 1, "maximum": 3660}, "Days from today (90)."),
    Param("account_id", ID, "Only this account (404 if it is not yours)."),
    Param("include_budgets", {"type": "boolean"}, "Also project unspent budgets."),
    Param("format", {"type": "string", "enum": ["json", "svg"]}, "svg for a chart."),
)


def forecast_route(ledger: Ledger, converter: cattrs.Converter, chart: ChartRenderer) -> Route:
    """``/api/forecast``, answering JSON or, with ``chart``, an SVG chart."""
    return Route(
        "/api/forecast",
        Forecast(ledger, converter, chart),
        tag="forecast",
        schemas=PLANNING_SCHEMAS,
        operations=(
            Op(
                "GET",
                "getForecast",
                "Projected end-of-day balances per account",
                {200: ("Balances per account and day (JSON), or a chart (SVG).", "Forecast")},
                query=FORECAST_QUERY,
                media_types=("application/json", SVG),
                expensive=True,
            ),
        ),
    )
