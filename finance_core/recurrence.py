"""Recurrences: when a schedule falls, as a pure function of its rule and a date range.

python-dateutil's ``rrule`` (RFC 5545) generates the periods. Two rules of
this product differ from RFC 5545 and are applied on top of it:

- A month day that a month lacks falls on that month's last day: a monthly
  schedule on the 31st is paid on 30 April and 28 (or 29) February, where
  RFC 5545 would skip those months. ``-1`` is always the last day.
- Leap days: a yearly schedule started on 29 February falls on 28 February in
  common years and on 29 February in leap years; a monthly one on the 29th
  falls on 28 February in common years.

``count`` counts nominal occurrences from ``start_date``; ``until`` is the last
nominal date allowed (inclusive). The weekend rule moves a nominal date that
falls on a Saturday or Sunday to the Friday before (``before``) or the Monday
after (``after``), across a month end when it must; the nominal date stays the
occurrence's identity.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final, Literal

import attrs
from dateutil import rrule

from finance_core.errors import FieldError, ValidationError, gather
from finance_core.transactions import check_date

FREQUENCIES: Final = ("daily", "weekly", "monthly", "yearly")
WEEKEND_RULES: Final = ("keep", "before", "after")
WEEKDAY_NAMES: Final = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
MAX_INTERVAL: Final = 1000
MAX_COUNT: Final = 100_000
_RRULE_FREQ: Final[dict[str, Literal[0, 1, 2, 3, 4, 5, 6]]] = {
    "daily": rrule.DAILY,
    "weekly": rrule.WEEKLY,
    "monthly": rrule.MONTHLY,
    "yearly": rrule.YEARLY,
}


@attrs.frozen
class Recurrence:
    """When a schedule falls. Weekdays are 1 (Monday) to 7 (Sunday)."""

    start_date: date
    freq: str
    interval: int = 1
    by_weekday: tuple[int, ...] = ()
    by_month_day: tuple[int, ...] = ()
    count: int | None = None
    until: date | None = None
    weekend: str = "keep"


def _check_choice(value: object, field: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError.of(field, f"{value!r} is not one of: {', '.join(allowed)}")
    return value


def _check_int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError.of(field, f"{field} must be a whole number from {low} to {high}")
    return value


def _int_list(value: object, field: str, check: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, (list, tuple)) else [value]
    cleaned = tuple(sorted({check(item) for item in items}))
    return cleaned


def _weekday(value: object) -> int:
    if isinstance(value, str) and value.strip().lower() in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.index(value.strip().lower()) + 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7:
        raise ValidationError.of(
            "by_weekday", f"{value!r} is not a weekday: use 1 (Monday) to 7 (Sunday) or its name"
        )
    return value


_MONTH_DAYS: Final = frozenset({-1, *range(1, 32)})


def _month_day(value: object) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (1 <= value <= 31 or value == -1)
    ):
        raise ValidationError.of(
            "by_month_day", f"{value!r} is not a month day: use 1 to 31, or -1 for the last day"
        )
    return value


def parse_recurrence(fields: Mapping[str, Any]) -> Recurrence:
    """A ``Recurrence`` from raw fields; every bad field is reported at once."""
    checks = {
        "start_date": lambda: check_date(fields.get("start_date"), "start_date"),
        "freq": lambda: _check_choice(fields.get("freq"), "freq", FREQUENCIES),
        "interval": lambda: _check_int(fields.get("interval", 1), "interval", 1, MAX_INTERVAL),
        "by_weekday": lambda: _int_list(fields.get("by_weekday"), "by_weekday", _weekday),
        "by_month_day": lambda: _int_list(fields.get("by_month_day"), "by_month_day", _month_day),
        "count": lambda: (
            None
            if fields.get("count") is None
            else _check_int(fields["count"], "count", 1, MAX_COUNT)
        ),
        "until": lambda: (
            None if fields.get("until") is None else check_date(fields["until"], "until")
        ),
        "weekend": lambda: _check_choice(fields.get("weekend", "keep"), "weekend", WEEKEND_RULES),
    }
    cleaned, errors = gather(checks)
    if not errors:
        if cleaned["count"] is not None and cleaned["until"] is not None:
            errors.append(FieldError("until", "give count or until, not both"))
        if cleaned["until"] is not None and cleaned["until"] < cleaned["start_date"]:
            errors.append(FieldError("until", "until is before start_date"))
        if cleaned["by_weekday"] and cleaned["by_month_day"]:
            errors.append(FieldError("by_month_day", "give by_weekday or by_month_day, not both"))
        if cleaned["by_month_day"] and cleaned["freq"] not in ("monthly", "yearly"):
            errors.append(FieldError("by_month_day", "by_month_day needs freq monthly or yearly"))
        if cleaned["by_weekday"] and cleaned["freq"] not in ("weekly", "monthly"):
            errors.append(FieldError("by_weekday", "by_weekday needs freq weekly or monthly"))
    if errors:
        raise ValidationError(errors)
    return Recurrence(**cleaned)


def clamp_day(year: int, month: int, day: int) -> date:
    """Day ``day`` of the month, or its last day when the month is shorter (``-1``: last)."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if day == -1 else min(day, last))


def shift_weekend(day: date, rule: str) -> date:
    """Move a Saturday or Sunday to the Friday before or the Monday after."""
    weekday = day.weekday()
    if weekday < 5 or rule == "keep":
        return day
    if rule == "before":
        return day - timedelta(days=weekday - 4)
    return day + timedelta(days=7 - weekday)


def _nominal(rec: Recurrence) -> Iterator[date]:
    """Every nominal date from ``start_date`` on, in order, without count or until."""
    start = datetime(rec.start_date.year, rec.start_date.month, rec.start_date.day)
    freq = _RRULE_FREQ[rec.freq]
    if rec.freq in ("daily", "weekly") or rec.by_weekday:
        weekdays = [rrule.weekdays[d - 1] for d in rec.by_weekday] or None
        for moment in rrule.rrule(freq, dtstart=start, interval=rec.interval, byweekday=weekdays):
            yield moment.date()
        return
    # Months and years: rrule names each period by its first day, and the month
    # days are clamped here so that short months keep their occurrence.
    days = rec.by_month_day or (rec.start_date.day,)
    first = start.replace(day=1)
    for period in rrule.rrule(freq, dtstart=first, interval=rec.interval):
        dates = sorted({clamp_day(period.year, period.month, d) for d in days})
        for day in dates:
            if day >= rec.start_date:
                yield day


def nominal_dates(rec: Recurrence, through: date) -> list[date]:
    """Nominal dates up to and including ``through``, honouring count and until."""
    out: list[date] = []
    last = through if rec.until is None else min(through, rec.until)
    for day in _nominal(rec):
        if day > last or (rec.count is not None and len(out) >= rec.count):
            break
        out.append(day)
    return out


def occurrence_dates(rec: Recurrence, start: date, end: date) -> list[tuple[date, date]]:
    """(nominal date, date after the weekend rule) for shifted dates in ``[start, end]``."""
    # A weekend shift moves a date by at most two days either way.
    pairs = [(d, shift_weekend(d, rec.weekend)) for d in nominal_dates(rec, end + timedelta(2))]
    return [(n, s) for n, s in pairs if start <= s <= end]
