"""Idempotency keys and optimistic concurrency (ETag / If-Match)."""

from __future__ import annotations

from datetime import timedelta

from http_support import Api, data

from finance_core.services import Ledger
from finance_http.app import Dependencies
from finance_http.idempotency import IdempotencyService, request_hash


def _create(api: Api, key: str, name: str = "Main") -> tuple[int, dict[str, object], str]:
    result = api.post("/api/accounts", {"name": name}, headers={"Idempotency-Key": key})
    return result.status_code, data(result), result.headers.get("Idempotent-Replayed", "")


class TestIdempotencyKey:
    def test_retry_replays_the_first_response(self, api: Api) -> None:
        """The same key and body answer the same 201 and body again."""
        first = _create(api, "k1")
        second = _create(api, "k1")
        assert second[:2] == first[:2]
        assert second[2] == "true"

    def test_retry_writes_nothing(self, api: Api) -> None:
        """A replay creates no second account."""
        _create(api, "k1")
        _create(api, "k1")
        assert data(api.get("/api/accounts"))["total"] == 1

    def test_same_key_different_body_is_422(self, api: Api) -> None:
        """Reusing a key for another request is refused."""
        _create(api, "k1", "A")
        status, body, _ = _create(api, "k1", "B")
        assert status == 422
        assert "different request" in str(body["detail"])

    def test_keys_are_per_tenant(self, api: Api) -> None:
        """Another tenant may use the same key for its own request."""
        _create(api, "shared")
        other = api.as_(sub="9", tenant="9")
        assert _create(other, "shared")[0] == 201
        assert data(other.get("/api/accounts"))["total"] == 1

    def test_errors_are_replayed_too(self, api: Api) -> None:
        """A 422 answer is remembered like a success."""
        bad = {"name": "a", "currency": "ZZZ"}
        first = api.post("/api/accounts", bad, headers={"Idempotency-Key": "k"})
        second = api.post("/api/accounts", bad, headers={"Idempotency-Key": "k"})
        assert (
            (first.status_code, first.text)
            == (second.status_code, second.text)
            == (422, first.text)
        )

    def test_a_non_member_cannot_take_a_key_of_the_tenant(self, api: Api) -> None:
        """A stranger's refused request leaves no key behind, so the member's own request runs."""
        api.get("/api/tenants/me")
        stranger = api.as_(sub="stranger", tenant="1", role=None)
        assert _create(stranger, "k-1")[0] == 403
        status, body, replayed = _create(api, "k-1")
        assert (status, replayed) == (201, "")
        assert "stranger" not in str(body)

    def test_overlong_key_is_400(self, api: Api) -> None:
        """Keys are 1 to 255 characters."""
        assert _create(api, "k" * 256)[0] == 400

    def test_in_flight_key_is_409(self, api: Api, deps: Dependencies) -> None:
        """A key reserved by a request still running answers 409."""
        api.get("/api/tenants/me")
        service = IdempotencyService(deps.ledger)
        service.begin("1", "busy", request_hash("POST", "/api/accounts", {"name": "Main"}))
        assert _create(api, "busy")[0] == 409

    def test_keys_expire_after_retention(self, api: Api, deps: Dependencies) -> None:
        """A key older than the retention may be used afresh."""
        _create(api, "old")
        later = IdempotencyService(
            Ledger(deps.ledger.storage, clock=lambda: deps.ledger.clock() + timedelta(hours=25))
        )
        assert later.begin("1", "old", request_hash("POST", "/api/accounts", {"x": 1})) is None


class TestConditionalWrites:
    def test_patch_with_current_etag_succeeds(self, api: Api) -> None:
        """If-Match with the current ETag lets the write through and bumps the tag."""
        account = api.account()
        tag = api.get(f"/api/accounts/{account['id']}").headers["ETag"]
        result = api.patch(
            f"/api/accounts/{account['id']}", {"name": "B"}, headers={"If-Match": tag}
        )
        assert result.status_code == 200
        assert result.headers["ETag"] != tag

    def test_patch_with_stale_etag_is_412_and_changes_nothing(self, api: Api) -> None:
        """A stale If-Match is 412 and the account keeps its name."""
        account = api.account()
        tag = api.get(f"/api/accounts/{account['id']}").headers["ETag"]
        api.patch(f"/api/accounts/{account['id']}", {"name": "B"})
        result = api.patch(
            f"/api/accounts/{account['id']}", {"name": "C"}, headers={"If-Match": tag}
        )
        assert result.status_code == 412
        assert data(api.get(f"/api/accounts/{account['id']}"))["name"] == "B"

    def test_delete_transaction_with_stale_etag_is_412(self, api: Api) -> None:
        """DELETE honours If-Match as well."""
        txn = api.transaction(api.account()["id"])
        api.patch(f"/api/transactions/{txn['id']}", {"description": "x"})
        result = api.delete(f"/api/transactions/{txn['id']}", headers={"If-Match": '"1"'})
        assert result.status_code == 412

    def test_delete_transfer_with_stale_etag_is_412(self, api: Api) -> None:
        """A transfer's tag changes when a leg changes."""
        a, b = api.account("A"), api.account("B")
        transfer = api.transfer(a["id"], b["id"])
        tag = api.get(f"/api/transfers/{transfer['id']}").headers["ETag"]
        leg = transfer["from_transaction"]["id"]
        api.patch(f"/api/transactions/{leg}", {"description": "moved"})
        result = api.delete(f"/api/transfers/{transfer['id']}", headers={"If-Match": tag})
        assert result.status_code == 412

    def test_star_matches_any_version(self, api: Api) -> None:
        """If-Match: * only asks that the resource exists."""
        account = api.account()
        headers = {"If-Match": "*"}
        assert api.delete(f"/api/accounts/{account['id']}", headers=headers).status_code == 204

    def test_without_if_match_the_write_proceeds(self, api: Api) -> None:
        """Existing clients that send no If-Match keep working."""
        account = api.account()
        api.patch(f"/api/accounts/{account['id']}", {"name": "B"})
        assert api.patch(f"/api/accounts/{account['id']}", {"name": "C"}).status_code == 200
