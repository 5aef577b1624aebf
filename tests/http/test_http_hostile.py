"""Hostile input over HTTP, in process: every client mistake is a 4xx naming the field."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from falcon import testing
from http_support import Api, data, make_settings, token

from finance_core.bootstrap import utc_now
from finance_core.errors import StorageError, StorageFullError
from finance_core.memory import MemoryStorage, MemoryUnitOfWork
from finance_core.reports import MAX_REPORT_PERIODS
from finance_core.services import Ledger
from finance_http.app import Dependencies, build_dependencies, create_app
from finance_http.jsonio import MAX_DEPTH
from finance_http.limits import TenantSlots, process_slot_dir


def _fields(result: testing.Result) -> set[str]:
    assert result.status_code == 422, result.text
    return {e["field"] for e in data(result)["errors"]}


def _txn(account_id: int, **fields: Any) -> dict[str, Any]:
    return {"account_id": account_id, "amount": "1.00", "date": "2024-01-01", "category": "x"} | (
        fields
    )


class TestJsonReader:
    @pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000])
    def test_deep_nesting_is_400_before_parsing(self, api: Api, depth: int) -> None:
        """Arrays nested past the limit are a 400 naming the limit, never a 500."""
        result = api.post("/api/accounts", raw="[" * depth + "]" * depth)
        assert result.status_code == 400
        assert data(result)["type"].endswith("json-limits")
        assert f"{MAX_DEPTH} levels" in data(result)["detail"]

    def test_nesting_at_the_limit_is_read(self, api: Api) -> None:
        """A body exactly at the limit parses and meets the ordinary validation."""
        body = '{"name": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
        assert _fields(api.post("/api/accounts", raw=body)) == {"name"}

    def test_brackets_inside_strings_do_not_count(self, api: Api) -> None:
        """Text full of brackets is text, escaped quotes and backslashes included."""
        assert api.post("/api/accounts", {"name": '\\"' + "[" * 200}).status_code == 201

    @pytest.mark.parametrize(
        "number", ["1e999999999", "-1e999999999", "9" * 101, "1e-999999999", "1.5e+00000000401"]
    )
    def test_oversize_numbers_are_400(self, api: Api, number: str) -> None:
        """Numbers beyond 100 digits or 10^±400 are refused before any arithmetic."""
        account = api.account()
        result = api.post(
            "/api/transactions", raw=f'{{"account_id": {account["id"]}, "amount": {number}}}'
        )
        assert result.status_code == 400
        assert "too large a number" in data(result)["detail"]

    @pytest.mark.parametrize("number", ["1e308", "5e-324", "1e30", "123456789012345678901234"])
    def test_large_but_readable_numbers_are_validated_by_field(self, api: Api, number: str) -> None:
        """Any float64 is read; the amount then fails the domain's own range, by name."""
        account = api.account()
        body = f'{{"account_id": {account["id"]}, "amount": {number}, "date": "2024-01-01", '
        body += '"category": "x"}'
        assert _fields(api.post("/api/transactions", raw=body)) == {"amount"}

    @pytest.mark.parametrize("value", ["1e999999999", "1" * 200])
    def test_oversize_numbers_in_the_query_string_are_422(self, api: Api, value: str) -> None:
        """min_amount is held to the same number limits as bodies."""
        assert _fields(api.get("/api/transactions", params={"min_amount": value})) == {"min_amount"}

    @pytest.mark.parametrize("number", ["1e999999999", "1e30", "9223372036854775808"])
    def test_oversize_ids_in_bodies_are_refused(self, api: Api, number: str) -> None:
        """An id beyond 2**63-1 is never turned into a huge integer or sent to storage."""
        result = api.post(
            "/api/transactions",
            raw=f'{{"account_id": {number}, "amount": 1, "date": "2024-01-01", "category": "x"}}',
        )
        assert result.status_code in (400, 422)
        if result.status_code == 422:
            assert _fields(result) == {"account_id"}


class TestUploadsUseTheSameLimits:
    def test_a_deeply_nested_export_document_is_422(self, api: Api) -> None:
        """Restoring a JSON document of 3,000 nested arrays names the file and the limit."""
        result = api.post(
            "/api/imports",
            raw=b"[" * 3000,
            headers={"Content-Type": "application/octet-stream"},
            params={"format": "json"},
        )
        assert _fields(result) == {"file"}
        assert f"{MAX_DEPTH} levels" in data(result)["errors"][0]["message"]

    @pytest.mark.parametrize("mapping", ["[" * 3000, '{"amount": ' + "9" * 5000 + "}"])
    def test_a_hostile_mapping_option_is_422(self, api: Api, mapping: str) -> None:
        """The CSV column mapping option is JSON too, read with the same limits."""
        account = api.account()
        result = api.post(
            "/api/imports",
            raw=b"date,amount\n2024-01-01,1.00\n",
            headers={"Content-Type": "text/csv"},
            params={"account_id": str(account["id"]), "mapping": mapping},
        )
        assert _fields(result) == {"mapping"}


class TestEveryBadFieldIsListed:
    def test_amount_date_and_missing_category_together(self, api: Api) -> None:
        """The issue's example: three problems, one 422 naming all three."""
        account = api.account()
        body = {"account_id": account["id"], "amount": "abc", "date": "not-a-date"}
        assert _fields(api.post("/api/transactions", body)) == {"amount", "date", "category"}

    def test_missing_account_with_bad_values(self, api: Api) -> None:
        """A missing account_id does not hide the bad values beside it."""
        body = {"amount": "abc", "date": "2024-13-01", "category": "x", "merchant": "a\x00"}
        assert _fields(api.post("/api/transactions", body)) == {
            "account_id",
            "amount",
            "date",
            "merchant",
        }

    def test_batch_items_are_listed_by_index(self, api: Api) -> None:
        """Each bad item field of a batch is named with its index."""
        account = api.account()
        items = [{"amount": "abc", "date": "x"}, {"amount": "1", "date": "2024-01-01"}]
        result = api.post(
            "/api/transactions/batch", {"account_id": account["id"], "transactions": items}
        )
        assert _fields(result) == {
            "transactions[0].amount",
            "transactions[0].date",
            "transactions[0].category",
            "transactions[1].category",
        }

    def test_account_without_name_and_with_a_bad_balance(self, api: Api) -> None:
        """Opening an account lists the missing name and the bad balance and type."""
        body = {"initial_balance": "lots", "account_type": "piggy"}
        assert _fields(api.post("/api/accounts", body)) == {
            "name",
            "initial_balance",
            "account_type",
        }

    def test_report_parameters_are_listed_together(self, api: Api) -> None:
        """A report with four bad parameters names all four."""
        params = {"period": "x", "start_date": "bad", "group_by": "y", "account_id": "0"}
        assert _fields(api.get("/api/reports/spending", params=params)) == {
            "period",
            "start_date",
            "group_by",
            "account_id",
        }

    def test_query_parameters_are_listed_together(self, api: Api) -> None:
        """Every bad query parameter, from parsing or from the core, in one answer."""
        params = {"offset": str(10**20), "limit": "0", "q": "a\x00", "cursor": "x" * 300}
        assert _fields(api.get("/api/transactions", params=params)) == {
            "offset",
            "limit",
            "q",
            "cursor",
        }


class TestIntegersAndText:
    def test_offset_beyond_any_database_is_422(self, api: Api) -> None:
        """The issue's offset of 10^20 is a validation error on every backend."""
        result = api.get("/api/transactions", params={"offset": "100000000000000000000"})
        assert _fields(result) == {"offset"}
        assert "1,000,000,000" in data(result)["errors"][0]["message"]

    def test_nul_is_refused_and_nothing_is_stored(self, api: Api) -> None:
        """Text with NUL is a 422 naming the field; the account stays as it was."""
        account = api.account()
        result = api.post("/api/transactions", _txn(account["id"], description="a\x00b"))
        assert _fields(result) == {"description"}
        assert data(api.get("/api/transactions"))["total"] == 0

    def test_an_escaped_lone_surrogate_is_refused(self, api: Api) -> None:
        """JSON can spell an unpaired surrogate; no backend could store it."""
        result = api.post("/api/accounts", raw='{"name": "a\\ud800b"}')
        assert _fields(result) == {"name"}

    def test_a_description_keeps_its_line_breaks(self, api: Api) -> None:
        """Tabs and line breaks are documented as allowed in descriptions."""
        account = api.account()
        result = api.post("/api/transactions", _txn(account["id"], description="a\r\n\tb"))
        assert data(result)["description"] == "a\r\n\tb"


class TestTokenClaims:
    def test_a_long_sub_without_tenant_is_401(self, anonymous: Api) -> None:
        """The personal tenant's name must fit, so its sub is limited to 246 characters."""
        bearer = token(sub="u" * 247, tenant=None)
        result = anonymous.get("/api/accounts", headers={"Authorization": f"Bearer {bearer}"})
        assert result.status_code == 401
        assert "at most 246" in data(result)["detail"]
        bearer = token(sub="u" * 246, tenant=None)
        assert (
            anonymous.get(
                "/api/accounts", headers={"Authorization": f"Bearer {bearer}"}
            ).status_code
            == 200
        )


class _Failing(MemoryStorage):
    """A backend failing with a message full of internals."""

    message = (
        "connection to postgresql://admin:hunter2@db.internal.example:5432/books failed; "
        "SELECT * FROM accounts; see /srv/finance/data/books.db"
    )

    def unit_of_work(self, tenant_id: str, *, readonly: bool = False) -> MemoryUnitOfWork:
        raise StorageError(self.message)


class TestErrorBodiesHideInternals:
    @pytest.fixture
    def failing(self) -> Api:
        deps = Dependencies(Ledger(_Failing(), clock=utc_now), make_settings("memory://"))
        return Api(testing.TestClient(create_app(deps)), token())

    def test_503_names_no_url_host_user_sql_or_path(self, failing: Api) -> None:
        """The body says what happened to the request and nothing of the storage."""
        result = failing.get("/api/accounts")
        assert result.status_code == 503
        for secret in ("postgresql", "admin", "hunter2", "db.internal", "5432", "SELECT", "/srv"):
            assert secret not in result.text

    def test_the_log_has_the_cause_under_the_request_id(
        self, failing: Api, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The body's request id finds the full cause in the log."""
        with caplog.at_level(logging.ERROR, logger="finance_http.errors"):
            result = failing.get("/api/accounts", headers={"X-Request-ID": "req-503"})
        assert data(result)["request_id"] == "req-503"
        assert "req-503" in data(result)["detail"]
        (line,) = [r.getMessage() for r in caplog.records if "req-503" in r.getMessage()]
        assert _Failing.message in line

    def test_a_full_disk_says_so_without_the_path(self) -> None:
        """507 says there is no space and nothing was stored; the path stays in the log."""

        class _Full(MemoryStorage):
            def unit_of_work(self, tenant_id: str, *, readonly: bool = False) -> MemoryUnitOfWork:
                raise StorageFullError("/srv/finance/books: no space left on device")

        deps = Dependencies(Ledger(_Full(), clock=utc_now), make_settings("memory://"))
        result = Api(testing.TestClient(create_app(deps)), token()).get("/api/accounts")
        assert result.status_code == 507
        assert "no space left" in data(result)["detail"] and "/srv" not in result.text

    def test_every_problem_names_its_request_id(self, api: Api) -> None:
        """4xx problems carry the request id too, equal to the X-Request-ID header."""
        result = api.post("/api/accounts", raw="{")
        assert data(result)["request_id"] == result.headers["X-Request-ID"]


class TestReportBounds:
    @pytest.mark.parametrize(
        "path", ["/api/reports/net-worth", "/api/accounts/{id}/balance-history"]
    )
    def test_the_issue_range_by_day_is_refused_at_once(self, api: Api, path: str) -> None:
        """0001-01-01 to 9999-12-31 by day is a 422 naming the limit, not a runaway."""
        account = api.account()
        params = {"start_date": "0001-01-01", "end_date": "9999-12-31", "period": "day"}
        result = api.get(path.format(id=account["id"]), params=params)
        assert _fields(result) == {"end_date"}
        assert f"{MAX_REPORT_PERIODS:,}" in data(result)["errors"][0]["message"]

    @pytest.mark.parametrize("period", ["day", "week", "month"])
    def test_the_last_days_of_the_calendar_are_drawn(self, api: Api, period: str) -> None:
        """A range ending 9999-12-31 ends there, in every period."""
        account = api.account()
        params = {"start_date": "9999-01-01", "end_date": "9999-12-31", "period": period}
        result = api.get(f"/api/accounts/{account['id']}/balance-history", params=params)
        assert result.status_code == 200, result.text
        assert data(result)["rows"][-1]["period"].startswith("9999")

    def test_the_widest_range_allowed_is_answered(self, api: Api) -> None:
        """Exactly the maximum number of days is a report."""
        account = api.account()
        params = {"start_date": "2000-01-01", "end_date": "2010-12-13", "period": "day"}
        result = api.get(f"/api/accounts/{account['id']}/balance-history", params=params)
        assert len(data(result)["rows"]) == MAX_REPORT_PERIODS


def _busy(tenant: str, count: int) -> list[int]:
    slots = TenantSlots(process_slot_dir(), count)
    taken = [slots.acquire(tenant) for _ in range(count)]
    assert None not in taken
    return [fd for fd in taken if fd is not None]


class TestConcurrentExpensiveRequests:
    def test_a_tenant_at_its_cap_gets_429_with_retry_after(self, api: Api) -> None:
        """With both slots of the tenant in use, a report is 429 and says when to retry."""
        held = _busy("1", 2)
        try:
            result = api.get("/api/reports/cashflow")
        finally:
            for fd in held:
                TenantSlots.release(fd)
        assert result.status_code == 429
        assert result.headers["Retry-After"] == "2"
        assert "EXPENSIVE_REQUESTS_PER_TENANT" in data(result)["detail"]

    def test_other_tenants_and_cheap_routes_are_not_held_up(self, api: Api) -> None:
        """A busy tenant does not block another tenant's reports or its own reads."""
        held = _busy("1", 2)
        try:
            other = api.as_(sub="2", tenant="2").get("/api/reports/cashflow")
            cheap = api.get("/api/accounts")
        finally:
            for fd in held:
                TenantSlots.release(fd)
        assert (other.status_code, cheap.status_code) == (200, 200)

    def test_a_freed_slot_is_used_again(self, api: Api) -> None:
        """Slots come back when requests finish: the next report runs."""
        for fd in _busy("1", 2):
            TenantSlots.release(fd)
        for _ in range(3):
            assert api.get("/api/reports/spending").status_code == 200

    def test_the_cap_is_a_setting(self, storage_url: str) -> None:
        """EXPENSIVE_REQUESTS_PER_TENANT=1: one request in flight is enough to refuse the next."""
        settings = make_settings(storage_url, EXPENSIVE_REQUESTS_PER_TENANT="1")
        caller = Api(testing.TestClient(create_app(build_dependencies(settings))), token())
        (held,) = _busy("1", 1)
        try:
            assert caller.get("/api/export").status_code == 429
        finally:
            TenantSlots.release(held)
        assert caller.get("/api/export").status_code == 200

    def test_slots_held_by_another_process_count(self, api: Api) -> None:
        """The cap spans processes: slots locked by another process refuse this one's request."""
        script = textwrap.dedent(
            f"""
            import sys, time
            from pathlib import Path
            from finance_http.limits import TenantSlots
            slots = TenantSlots(Path({str(process_slot_dir())!r}), 2)
            held = [slots.acquire("1"), slots.acquire("1")]
            print("held" if None not in held else "failed", flush=True)
            sys.stdin.readline()
            """
        )
        child = subprocess.Popen(
            [sys.executable, "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "held"
            refused = api.get("/api/reports/net-worth")
        finally:
            child.communicate("\n", timeout=30)
        assert refused.status_code == 429
        assert api.get("/api/reports/net-worth").status_code == 200
