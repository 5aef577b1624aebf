"""Transactions and transfers over HTTP."""

from __future__ import annotations

from decimal import Decimal

from http_support import Api, data


class TestPostTransaction:
    def test_returns_201_and_moves_the_balance(self, api: Api) -> None:
        """A posted amount changes the account balance exactly."""
        account = api.account(initial_balance="100.00")
        result = api.post(
            "/api/transactions",
            raw=f'{{"account_id": {account["id"]}, "amount": -12.5, "date": "2024-01-02", '
            '"category": "food"}',
        )
        assert result.status_code == 201
        assert data(result)["amount"] == Decimal("-12.5")
        balance = data(api.get(f"/api/accounts/{account['id']}"))["balance"]
        assert balance == Decimal("87.50")

    def test_response_has_every_contract_field(self, api: Api) -> None:
        """A transaction carries all contract fields."""
        txn = api.transaction(
            api.account()["id"],
            tags=["a"],
            splits=[{"category": "x", "amount": "-4.00"}, {"category": "y", "amount": "-6.00"}],
        )
        assert set(txn) == {
            "id", "account_id", "amount", "date", "category", "description", "merchant",
            "location", "tags", "der_category", "der_merchant", "external_id", "splits",
            "transfer_id", "created_at", "updated_at", "rule_fields", "reconciled",
        }  # fmt: skip
        assert txn["splits"][0] == {"category": "x", "amount": Decimal("-4.00")}

    def test_missing_fields_are_all_reported(self, api: Api) -> None:
        """account_id, amount, date and category are each reported missing."""
        result = api.post("/api/transactions", {"description": "x"})
        fields = {e["field"] for e in data(result)["errors"]}
        assert fields == {"account_id", "amount", "date", "category"}

    def test_duplicate_external_id_is_409(self, api: Api) -> None:
        """A second transaction with one account's external_id conflicts."""
        account = api.account()
        api.transaction(account["id"], external_id="bank-1")
        body = {
            "account_id": account["id"],
            "amount": "1.00",
            "date": "2024-01-01",
            "category": "x",
            "external_id": "bank-1",
        }
        assert api.post("/api/transactions", body).status_code == 409

    def test_overdraft_below_floor_is_422_and_stores_nothing(self, api: Api) -> None:
        """A min_balance violation is 422 and the balance stays."""
        account = api.account(initial_balance="10.00", min_balance="0")
        body = {
            "account_id": account["id"],
            "amount": "-11.00",
            "date": "2024-01-01",
            "category": "x",
        }
        assert api.post("/api/transactions", body).status_code == 422
        assert data(api.get(f"/api/accounts/{account['id']}"))["balance"] == Decimal("10.00")

    def test_account_id_must_be_an_integer(self, api: Api) -> None:
        """A string account_id is a 422 naming the field."""
        body = {"account_id": "1", "amount": "1.00", "date": "2024-01-01", "category": "x"}
        result = api.post("/api/transactions", body)
        assert result.status_code == 422
        assert data(result)["errors"][0]["field"] == "account_id"


class TestBatch:
    def test_batch_returns_transactions_balance_total_and_count(self, api: Api) -> None:
        """A batch answers 201 with transactions, account_balance, total_amount, count."""
        account = api.account(initial_balance="1.00")
        items = [{"amount": "0.10", "date": "2024-01-01", "category": "x"}] * 3
        result = api.post(
            "/api/transactions/batch", {"account_id": account["id"], "transactions": items}
        )
        body = data(result)
        assert result.status_code == 201
        assert (body["account_balance"], body["total_amount"], body["count"]) == (
            Decimal("1.30"),
            Decimal("0.30"),
            3,
        )

    def test_one_bad_item_stores_nothing(self, api: Api) -> None:
        """All or nothing: one bad item rejects the batch, naming its index."""
        account = api.account()
        items = [
            {"amount": "1.00", "date": "2024-01-01", "category": "x"},
            {"amount": "1.00", "date": "bad", "category": "x"},
        ]
        result = api.post(
            "/api/transactions/batch", {"account_id": account["id"], "transactions": items}
        )
        assert result.status_code == 422
        assert data(result)["errors"][0]["field"] == "transactions[1].date"
        assert data(api.get("/api/transactions"))["total"] == 0

    def test_more_than_1000_items_is_422(self, api: Api) -> None:
        """A batch of 1001 items is refused with a message saying to split it."""
        account = api.account()
        items = [{"amount": "1.00", "date": "2024-01-01", "category": "x"}] * 1001
        result = api.post(
            "/api/transactions/batch", {"account_id": account["id"], "transactions": items}
        )
        assert result.status_code == 422
        assert "split it" in data(result)["detail"]

    def test_item_with_account_id_is_rejected(self, api: Api) -> None:
        """Batch items do not carry account_id; the batch names it once."""
        account = api.account()
        items = [{"account_id": 1, "amount": "1.00", "date": "2024-01-01", "category": "x"}]
        result = api.post(
            "/api/transactions/batch", {"account_id": account["id"], "transactions": items}
        )
        assert data(result)["errors"][0]["field"] == "transactions[0].account_id"


class TestListTransactions:
    def test_newest_first_with_total_and_cursor(self, api: Api) -> None:
        """Listing is newest first; next_cursor pages on to the rest."""
        account = api.account()
        for day in ("2024-01-01", "2024-01-03", "2024-01-02"):
            api.transaction(account["id"], date=day)
        first = data(api.get("/api/transactions", params={"limit": "2"}))
        assert [t["date"] for t in first["transactions"]] == ["2024-01-03", "2024-01-02"]
        assert first["total"] == 3
        rest = data(api.get("/api/transactions", params={"cursor": first["next_cursor"]}))
        assert [t["date"] for t in rest["transactions"]] == ["2024-01-01"]
        assert rest["next_cursor"] is None

    def test_filters_combine(self, api: Api) -> None:
        """Tags (any-of), amounts and text filters all apply."""
        account = api.account()
        api.transaction(account["id"], "-5.00", tags=["a"], merchant="Corner Shop")
        api.transaction(account["id"], "-50.00", tags=["b"], merchant="Corner Shop")
        api.transaction(account["id"], "-7.00", tags=["c"], merchant="Other")
        params = {"tags": "a,b", "min_amount": "-10", "q": "corner"}
        body = data(api.get("/api/transactions", params=params))
        assert [t["amount"] for t in body["transactions"]] == [Decimal("-5.00")]

    def test_unknown_account_filter_is_404(self, api: Api) -> None:
        """An account_id the tenant does not have answers 404."""
        assert api.get("/api/transactions", params={"account_id": "77"}).status_code == 404

    def test_limit_over_1000_is_422(self, api: Api) -> None:
        """An oversized limit is refused, naming limit."""
        result = api.get("/api/transactions", params={"limit": "1001"})
        assert result.status_code == 422
        assert data(result)["errors"][0]["field"] == "limit"

    def test_bad_parameters_are_all_reported(self, api: Api) -> None:
        """Every malformed query parameter is listed."""
        params = {"start_date": "x", "min_amount": "y", "offset": "-1"}
        fields = {e["field"] for e in data(api.get("/api/transactions", params=params))["errors"]}
        assert fields == {"start_date", "min_amount", "offset"}


class TestChangeTransaction:
    def test_patch_moves_to_another_account(self, api: Api) -> None:
        """PATCH account_id moves the amount between balances."""
        a, b = api.account("A"), api.account("B")
        txn = api.transaction(a["id"], "-10.00")
        api.patch(f"/api/transactions/{txn['id']}", {"account_id": b["id"]})
        assert data(api.get(f"/api/accounts/{a['id']}"))["balance"] == Decimal("0.00")
        assert data(api.get(f"/api/accounts/{b['id']}"))["balance"] == Decimal("-10.00")

    def test_null_clears_an_optional_field(self, api: Api) -> None:
        """null clears merchant."""
        txn = api.transaction(api.account()["id"], merchant="Shop")
        body = data(api.patch(f"/api/transactions/{txn['id']}", {"merchant": None}))
        assert body["merchant"] is None

    def test_null_category_is_refused(self, api: Api) -> None:
        """category cannot be cleared."""
        txn = api.transaction(api.account()["id"])
        result = api.patch(f"/api/transactions/{txn['id']}", {"category": None})
        assert result.status_code == 422

    def test_delete_is_204_and_restores_the_balance(self, api: Api) -> None:
        """Deleting a transaction takes its amount back out of the balance."""
        account = api.account(initial_balance="5.00")
        txn = api.transaction(account["id"], "-2.00")
        assert api.delete(f"/api/transactions/{txn['id']}").status_code == 204
        assert data(api.get(f"/api/accounts/{account['id']}"))["balance"] == Decimal("5.00")


class TestTransfers:
    def test_create_returns_both_legs(self, api: Api) -> None:
        """A transfer answers 201 with its outgoing and incoming legs."""
        a, b = api.account("A", initial_balance="10.00"), api.account("B")
        transfer = api.transfer(a["id"], b["id"], "4.00")
        assert transfer["from_transaction"]["amount"] == Decimal("-4.00")
        assert transfer["to_transaction"]["amount"] == Decimal("4.00")

    def test_get_and_delete(self, api: Api) -> None:
        """A transfer can be read, then deleted with both legs."""
        a, b = api.account("A"), api.account("B")
        transfer = api.transfer(a["id"], b["id"])
        assert data(api.get(f"/api/transfers/{transfer['id']}"))["id"] == transfer["id"]
        assert api.delete(f"/api/transfers/{transfer['id']}").status_code == 204
        assert data(api.get("/api/transactions"))["total"] == 0

    def test_same_account_is_422(self, api: Api) -> None:
        """A transfer needs two different accounts."""
        a = api.account()
        body = {
            "from_account_id": a["id"],
            "to_account_id": a["id"],
            "amount": "1.00",
            "date": "2024-01-01",
        }
        assert api.post("/api/transfers", body).status_code == 422
