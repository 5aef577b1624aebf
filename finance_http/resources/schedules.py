"""``/api/schedules``: recurring transactions, their occurrences, post-due and suggestions."""

from __future__ import annotations

import datetime as dt

import attrs
import falcon

from finance_core.errors import FieldError, ValidationError
from finance_http.context import FinanceRequest
from finance_http.planning_wire import (
    MoveIn,
    OccurrenceListOut,
    OccurrenceOut,
    PostDueOut,
    PostedOccurrenceOut,
    ScheduleIn,
    ScheduleListOut,
    ScheduleOut,
    SuggestionListOut,
    SuggestionOut,
)
from finance_http.reading import if_match, query_value, read_body
from finance_http.resources.base import Resource


def path_date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError.of("date", f"{raw!r} is not a date in YYYY-MM-DD form") from None


class Schedules(Resource):
    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        schedules = self.ledger.list_schedules(self.principal(req))
        self.write(
            resp, ScheduleListOut([ScheduleOut.of_schedule(s) for s in schedules], len(schedules))
        )

    def on_post(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, ScheduleIn, self.converter)
        schedule = self.ledger.create_schedule(self.principal(req), **body.fields())
        self.write(
            resp,
            ScheduleOut.of_schedule(schedule),
            status=201,
            version=schedule.version,
            location=f"/api/schedules/{schedule.id}",
        )

    def on_get_item(self, req: FinanceRequest, resp: falcon.Response, schedule_id: int) -> None:
        schedule = self.ledger.get_schedule(self.principal(req), schedule_id)
        self.write(resp, ScheduleOut.of_schedule(schedule), version=schedule.version)

    def on_patch_item(self, req: FinanceRequest, resp: falcon.Response, schedule_id: int) -> None:
        principal = self.principal(req)
        body = read_body(req, ScheduleIn, self.converter)
        expected = if_match(req, lambda: self.ledger.get_schedule(principal, schedule_id).version)
        schedule = self.ledger.update_schedule(
            principal, schedule_id, body.fields(), expected_version=expected
        )
        self.write(resp, ScheduleOut.of_schedule(schedule), version=schedule.version)

    def on_delete_item(self, req: FinanceRequest, resp: falcon.Response, schedule_id: int) -> None:
        principal = self.principal(req)
        expected = if_match(req, lambda: self.ledger.get_schedule(principal, schedule_id).version)
        self.ledger.delete_schedule(principal, schedule_id, expected_version=expected)
        self.no_content(resp)

    def on_get_occurrences(
        self, req: FinanceRequest, resp: falcon.Response, schedule_id: int
    ) -> None:
        errors: list[FieldError] = []
        bounds = []
        for name in ("from", "to"):
            try:
                bounds.append(
                    query_value(req, name, dt.date.fromisoformat, f"{name} must be YYYY-MM-DD")
                )
            except ValidationError as exc:
                errors.extend(exc.errors)
        if errors:
            raise ValidationError(errors)
        found = self.ledger.schedule_occurrences(self.principal(req), schedule_id, *bounds)
        self.write(resp, OccurrenceListOut(schedule_id, [OccurrenceOut.of(o) for o in found]))

    def on_post_skip(
        self, req: FinanceRequest, resp: falcon.Response, schedule_id: int, date: str
    ) -> None:
        occ = self.ledger.skip_occurrence(self.principal(req), schedule_id, path_date(date))
        self.write(resp, OccurrenceOut.of(occ))

    def on_post_move(
        self, req: FinanceRequest, resp: falcon.Response, schedule_id: int, date: str
    ) -> None:
        body = read_body(req, MoveIn, self.converter)
        occ = self.ledger.move_occurrence(
            self.principal(req), schedule_id, path_date(date), body.date
        )
        self.write(resp, OccurrenceOut.of(occ))

    def on_post_due(self, req: FinanceRequest, resp: falcon.Response) -> None:
        posted = self.ledger.post_due(self.principal(req))
        out = [
            PostedOccurrenceOut(
                **attrs.asdict(OccurrenceOut.of(o), recurse=False), schedule_id=o.schedule_id
            )
            for o in posted
        ]
        self.write(resp, PostDueOut(out, len(out)))

    def on_get_suggestions(self, req: FinanceRequest, resp: falcon.Response) -> None:
        found = self.ledger.schedule_suggestions(self.principal(req))
        self.write(resp, SuggestionListOut([SuggestionOut.of(s) for s in found]))
