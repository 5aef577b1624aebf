"""Accounts over HTTP."""

from __future__ import annotations

from decimal import Decimal

from http_support import Api, data


class TestCreateAccount:
    def test_returns_201_with_the_account(self, api: Api) -> None:
        """POST /api/accounts answers 201 with every field of the contract."""
        result = api.post("/api/accounts", {"name": "Main", "account_type": "savings"})
        assert result.status_code == 201
        assert set(data(result)) == {
            "id", "user_id", "name", "account_type", "currency", "balance",
            "initial_balance", "min_balance", "created_at", "updated_at",
        }  # fmt: skip

    def test_user_id_is_the_creators_integer_id(self, api: Api) -> None:
        """user_id is the integer id the service gave the token's sub."""
        account = api.account()
        members = data(api.get("/api/tenants/me/members"))
        assert account["user_id"] == members[0]["user_id"]
        assert isinstance(account["user_id"], int)

    def test_float_amount_is_read_exactly(self, api: Api) -> None:
        """A JSON float such as 2857.37 is taken as the exact decimal it spells."""
        result = api.post("/api/accounts", raw='{"name": "Main", "initial_balance": 2857.37}')
        assert data(result)["balance"] == Decimal("2857.37")
        assert '"balance":2857.37,' in result.text

    def test_string_amount_is_accepted(self, api: Api) -> None:
        """A decimal in a string is accepted as well."""
        assert api.account(initial_balance="10.05")["initial_balance"] == Decimal("10.05")

    def test_default_currency_applies(self, api: Api) -> None:
        """Without a currency the service's DEFAULT_CURRENCY is used."""
        assert api.account()["currency"] == "USD"

    def test_balance_in_body_is_read_only(self, api: Api) -> None:
        """Sending balance is a 422 that says the field is read-only."""
        result = api.post("/api/accounts", {"name": "Main", "balance": 5})
        assert result.status_code == 422
        assert data(result)["errors"] == [
            {"field": "balance", "message": "balance is read-only and cannot be sent"}
        ]

    def test_unknown_fields_are_listed(self, api: Api) -> None:
        """Every unknown field is named in errors, not ignored."""
        result = api.post("/api/accounts", {"name": "Main", "colour": "red", "icon": 1})
        assert [e["field"] for e in data(result)["errors"]] == ["colour", "icon"]

    def test_every_bad_field_is_reported(self, api: Api) -> None:
        """Validation lists all bad fields at once."""
        result = api.post("/api/accounts", {"name": " ", "account_type": "piggy", "currency": "X"})
        fields = {e["field"] for e in data(result)["errors"]}
        assert fields == {"name", "account_type", "currency"}

    def test_collection_answers_without_trailing_slash(self, api: Api) -> None:
        """POST /api/accounts (no slash) creates, with no redirect."""
        assert api.post("/api/accounts", {"name": "A"}).status_code == 201

    def test_collection_answers_with_trailing_slash(self, api: Api) -> None:
        """POST /api/accounts/ creates too, with no redirect."""
        assert api.post("/api/accounts/", {"name": "A"}).status_code == 201

    def test_failed_create_stores_nothing(self, api: Api) -> None:
        """A rejected create leaves the account list as it was."""
        api.post("/api/accounts", {"name": "Main", "initial_balance": "1.001"})
        assert data(api.get("/api/accounts")) == {"accounts": [], "total": 0}


class TestReadAccounts:
    def test_list_has_accounts_and_total(self, api: Api) -> None:
        """GET /api/accounts gives accounts and their count."""
        api.account("A")
        api.account("B")
        body = data(api.get("/api/accounts/"))
        assert [a["name"] for a in body["accounts"]] == ["A", "B"]
        assert body["total"] == 2

    def test_get_carries_an_etag(self, api: Api) -> None:
        """A single account comes with a strong ETag quoting its version."""
        account = api.account()
        assert api.get(f"/api/accounts/{account['id']}").headers["ETag"] == '"1"'

    def test_as_of_adds_the_balance_at_the_end_of_that_day(self, api: Api) -> None:
        """?as_of=YYYY-MM-DD adds balance_as_of, counting transactions up to that day."""
        account = api.account(initial_balance="100.00")
        api.transaction(account["id"], "-30.00", date="2024-01-10")
        api.transaction(account["id"], "-5.00", date="2024-01-11")
        body = data(api.get(f"/api/accounts/{account['id']}", params={"as_of": "2024-01-10"}))
        assert body["balance_as_of"] == Decimal("70.00")
        assert body["balance"] == Decimal("65.00")

    def test_bad_as_of_is_422(self, api: Api) -> None:
        """A malformed as_of names the parameter."""
        account = api.account()
        result = api.get(f"/api/accounts/{account['id']}", params={"as_of": "yesterday"})
        assert result.status_code == 422
        assert data(result)["errors"][0]["field"] == "as_of"

    def test_unknown_id_is_404(self, api: Api) -> None:
        """An id that does not exist is a 404 problem."""
        result = api.get("/api/accounts/999")
        assert result.status_code == 404
        assert result.headers["Content-Type"] == "application/problem+json"


class TestUpdateAccount:
    def test_patch_changes_given_fields_only(self, api: Api) -> None:
        """PATCH changes the name and keeps the rest."""
        account = api.account(account_type="savings")
        body = data(api.patch(f"/api/accounts/{account['id']}", {"name": "Renamed"}))
        assert (body["name"], body["account_type"]) == ("Renamed", "savings")

    def test_patch_balance_is_read_only(self, api: Api) -> None:
        """balance cannot be patched either."""
        account = api.account()
        result = api.patch(f"/api/accounts/{account['id']}", {"balance": 1})
        assert result.status_code == 422
        assert "read-only" in data(result)["errors"][0]["message"]

    def test_null_min_balance_clears_it(self, api: Api) -> None:
        """min_balance: null removes the floor."""
        account = api.account(min_balance="0")
        body = data(api.patch(f"/api/accounts/{account['id']}", {"min_balance": None}))
        assert body["min_balance"] is None

    def test_floor_above_balance_is_a_balance_rule_violation(self, api: Api) -> None:
        """A floor above the balance is 422 naming rule, account and balance."""
        account = api.account(initial_balance="10.00")
        result = api.patch(f"/api/accounts/{account['id']}", {"min_balance": "20.00"})
        body = data(result)
        assert result.status_code == 422
        assert (body["rule"], body["account_id"], body["balance"]) == (
            "min_balance",
            account["id"],
            Decimal("10.00"),
        )


class TestDeleteAccount:
    def test_delete_is_204_and_removes_transactions(self, api: Api) -> None:
        """DELETE answers 204 and the account's transactions are gone."""
        account = api.account()
        txn = api.transaction(account["id"])
        assert api.delete(f"/api/accounts/{account['id']}").status_code == 204
        assert api.get(f"/api/transactions/{txn['id']}").status_code == 404
