"""The camt.053 importer: every schema version, entry fields, pending entries, refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance_core.errors import ValidationError
from finance_core.importing import ImportOptions, ParsedFile
from finance_import.camt053 import parse_camt053, sniff_camt053

VERSIONS = ["02", "03", "04", "05", "06", "07", "08"]


def entry(
    amount: str = "12.50",
    sign: str = "DBIT",
    booked: str = "<Dt>2024-03-01</Dt>",
    status: str = "BOOK",
    version: str = "04",
    extra: str = "",
) -> str:
    # From 001.08 on, the status is a code inside <Sts>.
    sts = f"<Sts><Cd>{status}</Cd></Sts>" if int(version) >= 8 else f"<Sts>{status}</Sts>"
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd>{sts}'
        f"<BookgDt>{booked}</BookgDt>{extra}</Ntry>"
    )


def document(entries: str, version: str = "04", account: str = "DE001") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr>{statement(entries, account)}"
        f"</BkToCstmrStmt></Document>"
    ).encode()


def statement(entries: str, account: str = "DE001") -> str:
    return f"<Stmt><Id>S</Id><Acct><Id><IBAN>{account}</IBAN></Id></Acct>{entries}</Stmt>"


def parse(data: bytes, **options: object) -> ParsedFile:
    return parse_camt053(data, ImportOptions(**options))  # type: ignore[arg-type]


class TestVersions:
    @pytest.mark.parametrize("version", VERSIONS)
    def test_every_schema_version_reads_the_same(self, version: str) -> None:
        """001.02 to 001.08: sign, date, amount and currency of an entry."""
        data = document(entry(version=version) + entry("3", "CRDT", version=version), version)
        parsed = parse(data)
        assert [(r.date, r.amount, r.currency) for r in parsed.rows] == [
            (date(2024, 3, 1), Decimal("-12.50"), "EUR"),
            (date(2024, 3, 1), Decimal("3"), "EUR"),
        ]
        assert parsed.currency == "EUR"

    @pytest.mark.parametrize("version", VERSIONS)
    def test_every_schema_version_is_sniffed(self, version: str) -> None:
        """The namespace alone identifies the format."""
        assert sniff_camt053(document(entry(version=version), version))


class TestEntries:
    def test_time_zone_suffix_is_dropped(self) -> None:
        """'2017-04-01+02:00' is the 1st of April."""
        row = parse(document(entry(booked="<Dt>2017-04-01+02:00</Dt>"))).rows[0]
        assert row.date == date(2017, 4, 1)

    def test_booking_timestamps(self) -> None:
        """A DtTm booking date keeps its calendar day."""
        row = parse(document(entry(booked="<DtTm>2024-03-01T23:30:00-05:00</DtTm>"))).rows[0]
        assert row.date == date(2024, 3, 1)

    def test_value_date_stands_in_for_a_missing_booking_date(self) -> None:
        """Without BookgDt, ValDt dates the entry."""
        xml = entry().replace("<BookgDt><Dt>2024-03-01</Dt></BookgDt>", "")
        xml = xml.replace("</Ntry>", "<ValDt><Dt>2024-03-04</Dt></ValDt></Ntry>")
        assert parse(document(xml)).rows[0].date == date(2024, 3, 4)

    def test_bank_reference_is_the_file_id(self) -> None:
        """AcctSvcrRef wins over NtryRef; NtryRef serves when it is alone."""
        both = entry(extra="<NtryRef>N1</NtryRef><AcctSvcrRef>A1</AcctSvcrRef>")
        alone = entry(extra="<NtryRef>N2</NtryRef>")
        assert [r.file_id for r in parse(document(both + alone)).rows] == ["A1", "N2"]

    def test_description_joins_entry_info_and_remittance_lines(self) -> None:
        """AddtlNtryInf and every Ustrd line make one single-spaced text."""
        extra = (
            "<NtryDtls><TxDtls><RmtInf><Ustrd>Invoice 42</Ustrd><Ustrd> May\n</Ustrd>"
            "</RmtInf></TxDtls></NtryDtls><AddtlNtryInf>SEPA   transfer</AddtlNtryInf>"
        )
        row = parse(document(entry(extra=extra))).rows[0]
        assert row.description == "SEPA transfer / Invoice 42 May"

    def test_counterparty_is_the_merchant(self) -> None:
        """A debit's creditor (and a credit's debtor) names the other side."""
        debit = entry(
            extra="<NtryDtls><TxDtls><RltdPties><Cdtr><Nm>Power Co</Nm></Cdtr>"
            "<Dbtr><Nm>Me</Nm></Dbtr></RltdPties></TxDtls></NtryDtls>"
        )
        credit = entry(
            sign="CRDT",
            version="08",
            extra="<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>Employer</Nm></Pty></Dbtr>"
            "</RltdPties></TxDtls></NtryDtls>",
        )
        merchants = [r.merchant for r in parse(document(debit + credit, "08")).rows]
        assert merchants == ["Power Co", "Employer"]


class TestRules:
    DATA = document(entry("1") + entry("2", status="PDNG") + entry("0", status="BOOK"))

    def test_pending_entries_are_left_out_by_default(self) -> None:
        """A PDNG entry is not in the rows; the others keep their numbers."""
        assert [r.row for r in parse(self.DATA).rows] == [1, 3]

    def test_pending_entries_are_kept_on_request(self) -> None:
        """include_pending keeps it, flagged."""
        rows = parse(self.DATA, include_pending=True).rows
        assert [(r.row, r.pending) for r in rows] == [(1, False), (2, True), (3, False)]

    def test_zero_entries_follow_the_option(self) -> None:
        """include_zero=False drops the amount-0 entry."""
        assert [r.row for r in parse(self.DATA, include_zero=False).rows] == [1]


class TestRejected:
    def test_unreadable_entries_carry_numbers_and_reasons(self) -> None:
        """Missing direction, bad amount and a bad date are each named."""
        data = document(
            entry() + entry(sign="NONE") + entry(amount="1,5") + entry(booked="<Dt>2024-02-30</Dt>")
        )
        parsed = parse(data)
        assert [r.row for r in parsed.rows] == [1]
        assert [(r.row, r.reason.split(" ")[0]) for r in parsed.rejected] == [
            (2, "CdtDbtInd"),
            (3, "Amt:"),
            (4, "'2024-02-30'"),
        ]


def balance(code: str, amount: str, day: str, sign: str = "CRDT") -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>'
    )


class TestStatements:
    def test_opening_and_closing_balances_are_stated(self) -> None:
        """OPBD and CLBD give the balances; the closing day ends the period."""
        entries = balance("OPBD", "100.00", "2024-02-29") + balance("CLBD", "12.50", "2024-03-02")
        entries += balance("CLBD", "1.00", "2024-03-02", "DBIT").replace("CLBD", "CLAV")
        (stated,) = parse(document(entries + entry())).statements
        assert (stated.opening_balance, stated.closing_balance) == (
            Decimal("100.00"),
            Decimal("12.50"),
        )
        assert (stated.account, stated.period_start, stated.period_end) == (
            "DE001",
            date(2024, 3, 1),
            date(2024, 3, 2),
        )

    def test_debit_balances_are_negative(self) -> None:
        """A balance marked DBIT is below zero."""
        entries = balance("CLBD", "40.00", "2024-03-02", "DBIT") + entry()
        assert parse(document(entries)).statements[0].closing_balance == Decimal("-40.00")

    def test_statement_period_is_taken_from_from_to_dates(self) -> None:
        """FrToDt states the period when present."""
        period = (
            "<FrToDt><FrDtTm>2024-02-01T00:00:00+01:00</FrDtTm>"
            "<ToDtTm>2024-02-29T23:59:59+01:00</ToDtTm></FrToDt>"
        )
        data = document(entry()).replace(b"<Acct>", period.encode() + b"<Acct>")
        (stated,) = parse(data).statements
        assert (stated.period_start, stated.period_end) == (date(2024, 2, 1), date(2024, 2, 29))

    def test_statements_of_two_accounts_keep_their_rows(self) -> None:
        """Each Stmt is its own statement; its entries point at it."""
        data = document(entry()).replace(
            b"</BkToCstmrStmt>", statement(entry(), "DE002").encode() + b"</BkToCstmrStmt>"
        )
        parsed = parse(data)
        assert [s.account for s in parsed.statements] == ["DE001", "DE002"]
        assert [r.statement for r in parsed.rows] == [0, 1]

    def test_unreadable_balance_is_refused(self) -> None:
        """A balance that is no amount is refused, naming its type."""
        with pytest.raises(ValidationError, match="balance CLBD Amt: 'x'"):
            parse(document(balance("CLBD", "x", "2024-03-02") + entry()))


class TestRefused:
    def test_a_dtd_is_refused(self) -> None:
        """Entity declarations are never expanded."""
        data = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document/>'
        with pytest.raises(ValidationError, match="DTD"):
            parse(data)

    def test_broken_xml_is_explained(self) -> None:
        """Malformed XML says so."""
        with pytest.raises(ValidationError, match="not well-formed XML"):
            parse(b"<Document><BkToCstmrStmt>")

    def test_other_iso_messages_are_refused(self) -> None:
        """A camt.054 notification is not a statement."""
        data = (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">'
            b"<BkToCstmrDbtCdtNtfctn/></Document>"
        )
        with pytest.raises(ValidationError, match=r"not a camt\.053 bank statement"):
            parse(data)


class TestSniff:
    def test_ofx_is_not_camt(self) -> None:
        """OFX 2 XML does not name camt.053."""
        assert not sniff_camt053(b'<?xml version="1.0"?><?OFX OFXHEADER="200"?><OFX></OFX>')
