"""Schedules, budgets and the forecast over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from http_support import Api, data

TODAY = datetime.now(UTC).date()


def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def _schedule(api: Api, account_id: int, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Rent",
        "account_id": account_id,
        "amount": "-700.00",
        "category": "rent",
        "start_date": _day(-3),
        "freq": "weekly",
        **fields,
    }
    result = api.post("/api/schedules", body)
    assert result.status_code == 201, result.text
    return data(result)


class TestSchedules:
    def test_created_schedule_has_the_contract_fields_at_the_top(self, api: Api) -> None:
        """Template, recurrence and tolerances are top-level fields of the answer."""
        account = api.account()
        created = _schedule(
            api, account["id"], by_month_day=31, freq="monthly",
            amount_tolerance={"percent": Decimal("7.5")}, weekend="after",
        )  # fmt: skip
        assert created["by_month_day"] == [31]
        assert created["amount_tolerance"] == {"percent": Decimal("7.5")}
        assert created["date_tolerance_days"] == 2 and created["auto_post"] is False
        fetched = api.get(f"/api/schedules/{created['id']}")
        assert fetched.headers["ETag"] == '"1"'
        assert data(fetched)["name"] == "Rent"

    def test_bad_fields_are_all_named(self, api: Api) -> None:
        """Every bad field is listed in one 422, and nothing is stored."""
        account = api.account()
        result = api.post(
            "/api/schedules",
            {"name": "", "account_id": account["id"], "amount": "-1.234", "category": "x",
             "start_date": "soon", "freq": "hourly", "weekend": "sunday"},
        )  # fmt: skip
        assert result.status_code == 422
        fields = {e["field"] for e in data(result)["errors"]}
        assert {"name", "amount", "start_date", "freq", "weekend"} <= fields
        assert data(api.get("/api/schedules"))["total"] == 0

    def test_occurrences_have_statuses(self, api: Api) -> None:
        """Past occurrences of a manual schedule are missed or due; later ones upcoming."""
        account = api.account()
        created = _schedule(api, account["id"], start_date=_day(-14), freq="weekly")
        result = api.get(
            f"/api/schedules/{created['id']}/occurrences",
            params={"from": _day(-14), "to": _day(7)},
        )
        statuses = [o["status"] for o in data(result)["occurrences"]]
        assert statuses == ["missed", "missed", "due", "upcoming"]

    def test_post_due_posts_once(self, api: Api) -> None:
        """post-due posts today's occurrence once; a second call posts nothing."""
        account = api.account(initial_balance="1000.00")
        _schedule(api, account["id"], start_date=_day(0), freq="monthly", auto_post=True)
        first = data(api.post("/api/schedules/post-due"))
        again = data(api.post("/api/schedules/post-due"))
        assert (first["count"], again["count"]) == (1, 0)
        assert data(api.get(f"/api/accounts/{account['id']}"))["balance"] == Decimal("300.00")

    def test_an_imported_bank_line_settles_the_scheduled_bill(self, api: Api) -> None:
        """A bill both scheduled and in the bank file is counted once: the import matches it."""
        account = api.account(initial_balance="1000.00")
        created = _schedule(
            api, account["id"], start_date=_day(0), freq="monthly", amount="-61.30",
            auto_post=True,
        )  # fmt: skip
        csv = f"date,amount,description\n{_day(-1)},-61.30,Power company\n".encode()
        imported = api.request(
            "POST", "/api/imports", raw=csv, headers={"Content-Type": "text/csv"},
            params={"account_id": str(account["id"])},
        )  # fmt: skip
        assert imported.status_code == 201, imported.text
        assert data(api.post("/api/schedules/post-due"))["count"] == 0
        (occ,) = data(
            api.get(f"/api/schedules/{created['id']}/occurrences",
                    params={"from": _day(0), "to": _day(0)})
        )["occurrences"]  # fmt: skip
        assert occ["status"] == "matched"
        assert data(api.get(f"/api/accounts/{account['id']}"))["balance"] == Decimal("938.70")

    def test_skip_and_move_one_occurrence(self, api: Api) -> None:
        """A skipped occurrence is listed skipped; a moved one under its new date."""
        account = api.account()
        created = _schedule(api, account["id"], start_date=_day(10), freq="weekly")
        base = f"/api/schedules/{created['id']}/occurrences"
        skipped = api.post(f"{base}/{_day(10)}/skip")
        assert (skipped.status_code, data(skipped)["status"]) == (200, "skipped")
        moved = api.post(f"{base}/{_day(17)}/move", {"date": _day(19)})
        assert data(moved)["date"] == _day(19) and data(moved)["scheduled_date"] == _day(17)
        listed = data(api.get(base, params={"from": _day(18), "to": _day(20)}))["occurrences"]
        assert [o["date"] for o in listed] == [_day(19)]

    def test_change_from_a_date_keeps_earlier_occurrences(self, api: Api) -> None:
        """PATCH with effective_from changes only occurrences from that date on."""
        account = api.account()
        created = _schedule(api, account["id"], start_date=_day(1), freq="weekly")
        patched = api.patch(
            f"/api/schedules/{created['id']}",
            {"amount": "-750.00", "effective_from": _day(8)},
            headers={"If-Match": '"1"'},
        )
        assert patched.status_code == 200, patched.text
        listed = data(
            api.get(f"/api/schedules/{created['id']}/occurrences",
                    params={"from": _day(1), "to": _day(8)})
        )["occurrences"]  # fmt: skip
        assert [o["amount"] for o in listed] == [Decimal("-700.00"), Decimal("-750.00")]

    def test_a_stale_if_match_is_412(self, api: Api) -> None:
        """A PATCH with an old ETag is refused."""
        created = _schedule(api, api.account()["id"])
        path = f"/api/schedules/{created['id']}"
        assert api.patch(path, {"name": "A"}, headers={"If-Match": '"1"'}).status_code == 200
        assert api.patch(path, {"name": "B"}, headers={"If-Match": '"1"'}).status_code == 412

    def test_another_tenants_schedule_is_404(self, api: Api) -> None:
        """Another household's schedule id answers like a missing one."""
        created = _schedule(api, api.account()["id"])
        stranger = api.as_(sub="9", tenant="9")
        assert stranger.get(f"/api/schedules/{created['id']}").status_code == 404
        assert stranger.delete(f"/api/schedules/{created['id']}").status_code == 404

    def test_a_viewer_reads_but_cannot_write(self, api: Api) -> None:
        """Viewers list schedules; creating one is 403."""
        account = api.account()
        _schedule(api, account["id"])
        api.post("/api/tenants/me/members", {"auth_user_id": "5", "role": "viewer"})
        viewer = api.as_(sub="5", role="VIEWER")
        assert viewer.get("/api/schedules").status_code == 200
        body = {"name": "x", "account_id": account["id"], "amount": "1", "category": "c",
                "start_date": _day(0), "freq": "daily"}  # fmt: skip
        assert viewer.post("/api/schedules", body).status_code == 403
        assert viewer.post("/api/schedules/post-due").status_code == 403

    def test_suggestions_come_from_history(self, api: Api) -> None:
        """Three monthly payments to one payee make a suggestion."""
        account = api.account()
        for offset in (-92, -61, -31):
            api.transaction(account["id"], "-9.99", date=_day(offset), merchant="Streamly",
                            category="fun")  # fmt: skip
        found = data(api.get("/api/schedules/suggestions"))["suggestions"]
        assert [(s["name"], s["freq"], s["occurrences"]) for s in found] == [
            ("Streamly", "monthly", 3)
        ]


class TestBudgets:
    def test_status_has_the_contract_shape(self, api: Api) -> None:
        """Budget status lists each period with budgeted, spent, rollover, available, over."""
        account = api.account()
        created = api.post(
            "/api/budgets",
            {"name": "Groceries", "category": "food", "amount": "50", "currency": "USD",
             "period": "weekly", "start_day": 1, "start": _day(-7), "mode": "envelope",
             "account_id": account["id"]},
        )  # fmt: skip
        assert created.status_code == 201, created.text
        api.transaction(account["id"], "-60.00", date=_day(0), category="food")
        status = data(api.get("/api/budgets/status", params={"from": _day(0), "to": _day(0)}))
        (budget,) = status["budgets"]
        assert set(budget) == {"budget_id", "name", "currency", "periods"}
        (period,) = budget["periods"]
        assert set(period) == {"start", "end", "budgeted", "spent", "rollover", "available",
                               "over"}  # fmt: skip
        assert period["spent"] == Decimal("60.00")
        assert period["over"] is (period["available"] < 0)

    def test_category_and_tag_together_are_refused(self, api: Api) -> None:
        """A budget is for a category or a tag, not both."""
        result = api.post(
            "/api/budgets",
            {"name": "X", "category": "a", "tag": "b", "amount": "5", "currency": "USD",
             "period": "monthly", "start": _day(0)},
        )  # fmt: skip
        assert result.status_code == 422
        assert "category" in {e["field"] for e in data(result)["errors"]}

    def test_patch_from_a_period_on(self, api: Api) -> None:
        """A new amount from a period on keeps the earlier amounts."""
        created = data(
            api.post(
                "/api/budgets",
                {"name": "Fun", "tag": "fun", "amount": "100", "currency": "USD",
                 "period": "monthly", "start": "2024-01-01"},
            )
        )  # fmt: skip
        patched = data(
            api.patch(
                f"/api/budgets/{created['id']}", {"amount": "120", "effective_from": "2024-03-15"}
            )
        )
        assert [(a["effective_from"], a["amount"]) for a in patched["amounts"]] == [
            ("2024-01-01", Decimal("100.00")),
            ("2024-03-01", Decimal("120.00")),
        ]


class TestForecast:
    def test_forecast_projects_schedules_and_names_the_first_day_below_the_floor(
        self, api: Api
    ) -> None:
        """A weekly outflow drives the balance below the floor on a named day."""
        account = api.account(initial_balance="1000.00", min_balance="300")
        _schedule(api, account["id"], start_date=_day(1), freq="weekly", amount="-400.00")
        result = data(api.get("/api/forecast", params={"days": "10"}))
        (projected,) = result["accounts"]
        assert set(projected) == {
            "account_id", "currency", "min_balance", "first_below_min", "days",
        }  # fmt: skip
        assert len(projected["days"]) == 10
        assert projected["days"][0] == {"date": _day(0), "balance": Decimal("1000.00")}
        assert projected["first_below_min"] == _day(8)

    def test_forecast_chart_is_svg(self, api: Api) -> None:
        """format=svg answers an SVG chart."""
        api.account(initial_balance="10.00")
        result = api.get("/api/forecast", params={"format": "svg", "days": "5"})
        assert result.headers["Content-Type"].startswith("image/svg+xml")
        assert result.text.startswith("<svg")

    def test_bad_days_is_named(self, api: Api) -> None:
        """days outside 1..3660 is a 422 naming days."""
        result = api.get("/api/forecast", params={"days": "0"})
        assert result.status_code == 422
        assert [e["field"] for e in data(result)["errors"]] == ["days"]
