"""Imports, exports and reports over HTTP (routes added by the import plugin's hook)."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal as D
from typing import Any

from http_support import Api, data

#: Files in the layouts of real exports, small enough to read: an Austrian giro
#: export without a header (Latin-1, CRLF, signed decimal-comma amounts) ...
GIRO = (
    "AT123456789012345678;Zinsen HABEN      BG/000000002 ;01.01.2014;31.12.2013;+1,23;EUR\r\n"
    "AT123456789012345678;Abbuchung Einzugserm\u00e4chtigung ;08.01.2014;08.01.2014;-32,00;EUR\r\n"
    "AT123456789012345678;Miete         ;04.02.2014;04.02.2014;-1.001,00;EUR\r\n"
).encode("latin-1")
#: ... a Brazilian card statement in OFX 1.x SGML with time-zoned dates ...
CARD = (
    b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n<OFX><CREDITCARDMSGSRSV1>"
    b"<CCSTMTTRNRS><CCSTMTRS><CURDEF>BRL<CCACCTFROM><ACCTID>1111-UUID</CCACCTFROM>"
    b"<BANKTRANLIST><DTSTART>20240224000000[-3:GMT]<DTEND>20240326000000[-3:GMT]"
    b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240323000000[-3:GMT]<TRNAMT>-80.00<FITID>a1"
    b"<MEMO>Padaria</STMTTRN>"
    b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240322000000[-3:GMT]<TRNAMT>-20.91<FITID>a2"
    b"<MEMO>Mercado</STMTTRN>"
    b"</BANKTRANLIST><LEDGERBAL><BALAMT>-100.91<DTASOF>20240325000000[-3:GMT]</LEDGERBAL>"
    b"</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>"
)
#: ... and a French Windows-1252 export with quoted fields.
FRENCH = '"Date","Remarque","Montant"\n"2012/3/22","D\u00c9P\u00d4T","50.00"\n'.encode("cp1252")
FRENCH += '"2012/3/24","CAF\u00c9 \u2014 \u20ac20","-20.00"'.encode("cp1252")
FILES = {"giro.csv": GIRO, "card.ofx": CARD, "french.csv": FRENCH}


def multipart(fields: dict[str, str], file_bytes: bytes, filename: str) -> tuple[bytes, str]:
    """A multipart/form-data body with a ``file`` part and plain fields."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + file_bytes
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(api: Api, fields: dict[str, str], name: str) -> Any:
    body, content_type = multipart(fields, FILES[name], name)
    return api.request("POST", "/api/imports", raw=body, headers={"Content-Type": content_type})


class TestImportUpload:
    def test_multipart_upload_creates_every_row(self, api: Api) -> None:
        """The file part named 'file' and form fields import a real bank export."""
        account = api.account("Giro", currency="EUR")
        result = upload(api, {"account_id": str(account["id"])}, "giro.csv")
        assert result.status_code == 201, result.text
        body = data(result)
        assert (body["created"], body["duplicates"], body["rejected"]) == (3, 0, 0)
        assert body["rows"][0]["status"] == "created" and body["rows"][0]["transaction_id"]
        assert data(api.get(f"/api/accounts/{account['id']}"))["balance"] == D("-1031.77")

    def test_reupload_reports_duplicates_of_the_first_rows(self, api: Api) -> None:
        """A second upload creates nothing and says which transaction each row repeats."""
        account = api.account("Giro", currency="EUR")
        fields = {"account_id": str(account["id"])}
        first = data(upload(api, fields, "giro.csv"))
        again = data(upload(api, fields, "giro.csv"))
        assert again["created"] == 0 and again["duplicates"] == 3
        assert [r["duplicate_of"] for r in again["rows"]] == [
            r["transaction_id"] for r in first["rows"]
        ]

    def test_raw_body_with_query_parameters(self, api: Api) -> None:
        """The file may be the whole body, with options in the query string."""
        account = api.account("Card", currency="BRL", account_type="credit_card")
        result = api.request(
            "POST", "/api/imports", raw=CARD,
            headers={"Content-Type": "application/octet-stream"},
            params={"account_id": str(account["id"]), "format": "ofx"},
        )  # fmt: skip
        assert result.status_code == 201, result.text
        assert data(result)["created"] == 2
        assert data(result)["reconciliation"]["difference"] == D(0)

    def test_dry_run_answers_200_and_writes_nothing(self, api: Api) -> None:
        """dry_run reports the statuses a real run would give."""
        account = api.account("Giro", currency="EUR")
        fields = {"account_id": str(account["id"]), "dry_run": "true"}
        result = upload(api, fields, "giro.csv")
        assert result.status_code == 200 and data(result)["created"] == 3
        assert data(api.get("/api/transactions"))["total"] == 0

    def test_a_file_with_a_bad_row_is_rejected_whole(self, api: Api) -> None:
        """422 lists every row; nothing is stored unless skip_bad_rows is set."""
        account = api.account("Main")
        raw = b"Date,Amount,Description\n2026-01-02,-5.00,Bus\nnot a date,-1.00,Bad\n"
        params = {"account_id": str(account["id"]), "format": "csv"}
        headers = {"Content-Type": "text/csv"}
        result = api.request("POST", "/api/imports", raw=raw, headers=headers, params=params)
        assert result.status_code == 422
        problem = data(result)
        assert problem["rejected"] == 1 and "skip_bad_rows" in problem["detail"]
        assert data(api.get("/api/transactions"))["total"] == 0
        params["skip_bad_rows"] = "true"
        result = api.request("POST", "/api/imports", raw=raw, headers=headers, params=params)
        assert result.status_code == 201 and data(result)["created"] == 1

    def test_bank_file_without_account_is_a_validation_error(self, api: Api) -> None:
        """account_id is required for bank files and named in the error."""
        result = upload(api, {}, "french.csv")
        assert result.status_code == 422
        assert data(result)["errors"][0]["field"] == "account_id"

    def test_another_tenants_account_is_not_found(self, api: Api) -> None:
        """Importing into an account of another tenant answers 404."""
        theirs = api.as_("2", "2").account("Theirs")
        result = upload(api, {"account_id": str(theirs["id"] + 1000)}, "french.csv")
        assert result.status_code == 404

    def test_viewer_cannot_import(self, api: Api) -> None:
        """Imports are writes."""
        account = api.account("Main")
        api.post("/api/tenants/me/members", {"auth_user_id": "v", "role": "viewer"})
        viewer = api.as_("v", "1", None)
        result = upload(viewer, {"account_id": str(account["id"])}, "french.csv")
        assert result.status_code == 403


class TestExportAndRestore:
    def test_json_export_restores_into_an_empty_tenant(self, api: Api) -> None:
        """GET /api/export then POST /api/imports format=json reproduces the books."""
        a = api.account("Main", initial_balance="100.00")
        b = api.account("Savings")
        api.transaction(a["id"], "-12.34", tags=["x", "y"], merchant="Shop")
        api.transfer(a["id"], b["id"], "50.00")
        exported = api.get("/api/export", params={"format": "json"})
        assert exported.status_code == 200
        assert "attachment" in exported.headers["content-disposition"]
        other = api.as_("7", "77")
        result = other.request(
            "POST", "/api/imports", raw=exported.content,
            headers={"Content-Type": "application/json"}, params={"format": "json"},
        )  # fmt: skip
        assert result.status_code == 201, result.text
        assert data(result)["accounts"] == 2
        copy = json.loads(other.get("/api/export").content)
        original = json.loads(exported.content)
        for doc in (copy, original):
            doc.pop("tenant")
            for account in doc["accounts"]:
                account.pop("created_by")
        assert copy == original

    def test_csv_export_is_spreadsheet_ready(self, api: Api) -> None:
        """text/csv with a header and one row per transaction."""
        account = api.account("Main")
        api.transaction(account["id"], "-3.00")
        result = api.get("/api/export", params={"format": "csv"})
        assert result.headers["content-type"].startswith("text/csv")
        assert result.content.decode("utf-8-sig").count("\r\n") == 2


class TestReports:
    def test_spending_rows(self, api: Api) -> None:
        """Rows carry period, group, currency, total and count."""
        account = api.account("Main")
        api.transaction(account["id"], "-10.00", date="2024-01-05", category="food")
        api.transaction(account["id"], "-2.50", date="2024-01-09", category="food")
        rows = data(api.get("/api/reports/spending", params={"period": "month"}))["rows"]
        assert rows == [
            {
                "period": "2024-01",
                "group": "food",
                "currency": "USD",
                "total": D("12.50"),
                "count": 2,
            }
        ]

    def test_cashflow_and_net_worth(self, api: Api) -> None:
        """Cash flow per year; net worth at the end of each month."""
        account = api.account("Main", initial_balance="100.00")
        api.transaction(account["id"], "25.00", date="2024-02-01", category="pay")
        flow = data(api.get("/api/reports/cashflow", params={"period": "year"}))["rows"]
        assert flow[0]["income"] == 25 and flow[0]["net"] == 25
        worth = data(
            api.get(
                "/api/reports/net-worth",
                params={"period": "month", "start_date": "2024-01-01", "end_date": "2024-02-29"},
            )
        )["rows"]
        assert [(r["period"], r["balance"]) for r in worth] == [
            ("2024-01", D("100.00")),
            ("2024-02", D("125.00")),
        ]

    def test_balance_history_of_one_account(self, api: Api) -> None:
        """The balance at the end of each day in the range."""
        account = api.account("Main", initial_balance="1.00")
        api.transaction(account["id"], "-0.50", date="2024-03-02")
        rows = data(
            api.get(
                f"/api/accounts/{account['id']}/balance-history",
                params={"start_date": "2024-03-01", "end_date": "2024-03-03"},
            )
        )["rows"]
        assert [r["balance"] for r in rows] == [D("1.00"), D("0.50"), D("0.50")]

    def test_svg_by_accept_header_and_by_format(self, api: Api) -> None:
        """Accept: image/svg+xml or ?format=svg returns a chart."""
        account = api.account("Main")
        api.transaction(account["id"], "-4.00", date="2024-01-05")
        by_header = api.get("/api/reports/spending", headers={"Accept": "image/svg+xml"})
        by_param = api.get("/api/reports/cashflow", params={"format": "svg"})
        for result in (by_header, by_param):
            assert result.headers["content-type"].startswith("image/svg+xml")
            assert result.text.startswith("<svg")

    def test_bad_report_parameters_are_422(self, api: Api) -> None:
        """Unknown groupings and periods name the parameter."""
        result = api.get("/api/reports/spending", params={"group_by": "colour"})
        assert result.status_code == 422 and data(result)["errors"][0]["field"] == "group_by"

    def test_unknown_parameters_are_named_not_ignored(self, api: Api) -> None:
        """A misspelt option is a 422 naming it, never silently dropped."""
        result = api.get("/api/reports/cashflow", params={"perod": "year"})
        assert result.status_code == 422
        assert data(result)["errors"][0]["field"] == "perod"

    def test_another_tenants_account_history_is_not_found(self, api: Api) -> None:
        """Balance history of a foreign account id answers 404."""
        theirs = api.as_("2", "2").account("Theirs")
        result = api.get(f"/api/accounts/{theirs['id'] + 1000}/balance-history")
        assert result.status_code == 404
