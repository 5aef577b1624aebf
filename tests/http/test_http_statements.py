"""Statements and reconciliations over HTTP: imports report the reconciliation, accounts
list their statements, and a reconciliation locks the books until it is deleted."""

from __future__ import annotations

import hashlib
from decimal import Decimal as D
from typing import Any

from http_support import Api, data

#: Opening 100.00 (the account's initial balance), two rows, closing 87.50.
CAMT = (
    b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04">'
    b"<BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr><Stmt><Id>1</Id>"
    b"<Acct><Id><IBAN>DE01</IBAN></Id></Acct>"
    b"<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>100.00</Amt>"
    b"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-02-29</Dt></Dt></Bal>"
    b"<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>87.50</Amt>"
    b"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-03-31</Dt></Dt></Bal>"
    b"<Ntry><Amt Ccy='EUR'>10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>"
    b"<BookgDt><Dt>2024-03-02</Dt></BookgDt><AcctSvcrRef>R1</AcctSvcrRef></Ntry>"
    b"<Ntry><Amt Ccy='EUR'>2.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>"
    b"<BookgDt><Dt>2024-03-05</Dt></BookgDt><AcctSvcrRef>R2</AcctSvcrRef></Ntry>"
    b"</Stmt></BkToCstmrStmt></Document>"
)


def import_file(api: Api, account_id: int, raw: bytes, **params: str) -> Any:
    return api.request(
        "POST",
        "/api/imports",
        raw=raw,
        headers={"Content-Type": "application/octet-stream"},
        params={"account_id": str(account_id), **params},
    )


def giro(api: Api) -> dict[str, Any]:
    return api.account("Giro", currency="EUR", initial_balance="100.00")


def reconcile(api: Api, account_id: int, day: str, balance: str) -> Any:
    return api.post(
        f"/api/accounts/{account_id}/reconciliations", {"date": day, "balance": balance}
    )


class TestImportReconciliation:
    def test_matching_camt_import_shows_a_zero_difference(self, api: Api) -> None:
        """The import result carries the reconciliation: CLBD against the books, 0 apart."""
        account = giro(api)
        result = import_file(api, account["id"], CAMT)
        assert result.status_code == 201, result.text
        assert data(result)["reconciliation"] == {
            "statement_balance": D("87.50"),
            "book_balance": D("87.50"),
            "difference": D(0),
        }

    def test_statements_are_listed_with_every_field(self, api: Api) -> None:
        """GET .../statements gives the recorded statement in the contract's shape."""
        account = giro(api)
        import_file(api, account["id"], CAMT)
        (statement,) = data(api.get(f"/api/accounts/{account['id']}/statements"))["statements"]
        assert statement == {
            "id": statement["id"],
            "account_id": account["id"],
            "file_hash": hashlib.sha256(CAMT).hexdigest(),
            "period_start": "2024-03-02",
            "period_end": "2024-03-31",
            "opening_balance": D("100.00"),
            "closing_balance": D("87.50"),
            "book_balance": D("87.50"),
            "difference": D(0),
        }

    def test_balance_chain_refusal_points_at_row_and_line(self, api: Api) -> None:
        """A CSV whose balances break is a 422 whose error names the row and line."""
        account = giro(api)
        raw = b"Date;Amount;Balance\n02.03.2024;-10,00;90,00\n03.03.2024;-1,00;80,00\n"
        result = import_file(api, account["id"], raw)
        assert result.status_code == 422
        (error,) = data(result)["errors"]
        assert (error["field"], error["row"], error["line"]) == ("file", 2, 3)

    def test_unsigned_amounts_option_is_accepted(self, api: Api) -> None:
        """unsigned_amounts=debit books a card export's unsigned amounts as money out."""
        account = giro(api)
        raw = b"Date;Amount\n02.03.2024;10,00\n"
        refused = import_file(api, account["id"], raw)
        assert refused.status_code == 422
        assert data(refused)["errors"][0]["field"] == "unsigned_amounts"
        done = import_file(api, account["id"], raw, unsigned_amounts="debit")
        assert done.status_code == 201, done.text
        assert data(done)["rows"][0]["amount"] == D("-10.00")

    def test_accounts_option_maps_a_second_statement(self, api: Api) -> None:
        """A camt.053 file of two accounts: accounts={"DE02": id} sends one statement there."""
        account, other = giro(api), api.account("Savings", currency="EUR")
        second = CAMT.split(b"<Stmt>")[1].split(b"</Stmt>")[0]
        second = second.replace(b"DE01", b"DE02").replace(b"R1", b"S1").replace(b"R2", b"S2")
        raw = CAMT.replace(b"</Stmt>", b"</Stmt><Stmt>" + second + b"</Stmt>", 1)
        refused = import_file(api, account["id"], raw)
        assert refused.status_code == 422
        assert data(refused)["errors"][0]["field"] == "accounts"
        done = import_file(api, account["id"], raw, accounts=f'{{"DE02": {other["id"]}}}')
        assert done.status_code == 201, done.text
        assert {r["account_id"] for r in data(done)["rows"]} == {account["id"], other["id"]}
        assert data(api.get(f"/api/accounts/{other['id']}"))["balance"] == D("-12.50")


class TestReconciliations:
    def test_agreeing_balance_is_201_and_locks_the_days(self, api: Api) -> None:
        """201 with the reconciliation; rows up to the day read reconciled and are locked."""
        account = giro(api)
        txn = api.transaction(account["id"], "-10.00", date="2024-03-01")
        made = reconcile(api, account["id"], "2024-03-01", "90.00")
        assert made.status_code == 201, made.text
        body = data(made)
        assert set(body) == {"id", "account_id", "date", "balance", "created_at", "created_by"}
        assert (body["date"], body["balance"]) == ("2024-03-01", D("90.00"))
        assert data(api.get(f"/api/transactions/{txn['id']}"))["reconciled"] is True
        listed = data(api.get("/api/transactions"))["transactions"]
        assert [t["reconciled"] for t in listed] == [True]
        changed = api.patch(f"/api/transactions/{txn['id']}", {"category": "other"})
        assert changed.status_code == 409
        assert f"reconciliation {body['id']}" in data(changed)["detail"]
        assert data(changed)["reconciliation"] == {
            "id": body["id"],
            "account_id": account["id"],
            "date": "2024-03-01",
        }
        assert api.delete(f"/api/transactions/{txn['id']}").status_code == 409
        added = api.post(
            "/api/transactions",
            {"account_id": account["id"], "amount": "-1", "date": "2024-02-01", "category": "c"},
        )
        assert added.status_code == 409

    def test_disagreeing_balance_is_422_with_difference_and_rows(self, api: Api) -> None:
        """422: the difference and the unreconciled rows up to the day; nothing recorded."""
        account = giro(api)
        txn = api.transaction(account["id"], "-10.00", date="2024-03-01")
        refused = reconcile(api, account["id"], "2024-03-01", "95.00")
        assert refused.status_code == 422
        body = data(refused)
        assert (body["book_balance"], body["difference"]) == (D("90.00"), D("5.00"))
        assert [t["id"] for t in body["transactions"]] == [txn["id"]]
        assert body["errors"][0]["field"] == "balance"
        listed = data(api.get(f"/api/accounts/{account['id']}/reconciliations"))
        assert listed == {"reconciliations": []}

    def test_deleting_the_reconciliation_unlocks(self, api: Api) -> None:
        """DELETE answers 204 and the rows can change again."""
        account = giro(api)
        txn = api.transaction(account["id"], "-10.00", date="2024-03-01")
        made = data(reconcile(api, account["id"], "2024-03-01", "90.00"))
        path = f"/api/accounts/{account['id']}/reconciliations/{made['id']}"
        assert api.delete(path).status_code == 204
        assert api.delete(f"/api/transactions/{txn['id']}").status_code == 204

    def test_members_cannot_delete_a_reconciliation(self, api: Api) -> None:
        """A member gets 403; the reconciliation stays."""
        account = giro(api)
        made = data(reconcile(api, account["id"], "2024-03-01", "100.00"))
        api.post("/api/tenants/me/members", {"auth_user_id": "m", "role": "member"})
        member = api.as_("m", "1", None)
        path = f"/api/accounts/{account['id']}/reconciliations/{made['id']}"
        assert member.delete(path).status_code == 403
        listed = data(api.get(f"/api/accounts/{account['id']}/reconciliations"))
        assert [r["id"] for r in listed["reconciliations"]] == [made["id"]]

    def test_bad_body_names_every_field(self, api: Api) -> None:
        """A bad date and a bad balance are both listed."""
        account = giro(api)
        refused = reconcile(api, account["id"], "1.3.2024", "abc")
        assert refused.status_code == 422
        assert sorted(e["field"] for e in data(refused)["errors"]) == ["balance", "date"]

    def test_unknown_account_is_404(self, api: Api) -> None:
        """Another tenant's account, or none, is not found."""
        assert reconcile(api, 999, "2024-03-01", "0").status_code == 404
        assert api.get("/api/accounts/999/statements").status_code == 404
