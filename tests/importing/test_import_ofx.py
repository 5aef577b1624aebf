"""The OFX importer: SGML and XML markup, statement fields and what it refuses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance_core.errors import ValidationError
from finance_core.importing import ImportOptions, ParsedFile
from finance_import.ofx import parse_ofx, sniff_ofx
from finance_import.ofx_markup import read_tree

SGML_HEADER = "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n"


def statement(transactions: str, currency: str = "EUR", account: str = "1") -> str:
    return (
        f"<STMTRS><CURDEF>{currency}<BANKACCTFROM><ACCTID>{account}</BANKACCTFROM>"
        f"<BANKTRANLIST>{transactions}</BANKTRANLIST></STMTRS>"
    )


def transaction(
    posted: str = "20240105", amount: str = "-1.00", extra: str = "", fitid: str = "F1"
) -> str:
    return (
        f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>{posted}<TRNAMT>{amount}<FITID>{fitid}{extra}</STMTTRN>"
    )


def parse(body: str, options: ImportOptions | None = None, header: str = SGML_HEADER) -> ParsedFile:
    text = f"{header}<OFX><BANKMSGSRSV1><STMTTRNRS>{body}</STMTTRNRS></BANKMSGSRSV1></OFX>"
    return parse_ofx(text.encode("cp1252"), options or ImportOptions())


class TestMarkup:
    def test_unclosed_sgml_leaves_end_at_the_next_tag(self) -> None:
        """<TRNAMT>-1.00 followed by <FITID> is two leaves, not nesting."""
        tree = read_tree("<OFX><A><B>1<C>2</A></OFX>")
        assert tree is not None
        assert [(e.tag, e.text) for e in tree.iter() if e.text] == [("B", "1"), ("C", "2")]

    def test_closing_an_outer_tag_closes_what_is_left_open(self) -> None:
        """A missing </BANKTRANLIST> does not swallow the rest of the statement."""
        tree = read_tree("<OFX><S><L><T>1</T><BAL>2</S><AFTER>3</OFX>")
        assert tree is not None
        assert [c.tag for c in tree] == ["S", "AFTER"]

    def test_xml_closing_tags_and_cdata(self) -> None:
        """CDATA is taken as written, padding included."""
        tree = read_tree("<?xml version='1.0'?><OFX><NAME><![CDATA[A & B ]]></NAME></OFX>")
        assert tree is not None
        assert tree.findtext("NAME") == "A & B "

    def test_ofx_entities_are_unescaped_and_bare_ampersands_kept(self) -> None:
        """&amp; becomes & while a bank's unescaped 'M&S' stays."""
        tree = read_tree("<OFX><A>AT&amp;T<B>M&S</OFX>")
        assert tree is not None
        assert (tree.findtext("A"), tree.findtext("B")) == ("AT&T", "M&S")

    def test_text_without_ofx_element_has_no_tree(self) -> None:
        """Markup without <OFX> is not OFX."""
        assert read_tree("<HTML><BODY>hi</BODY></HTML>") is None


class TestTransactions:
    def test_sgml_statement_rows(self) -> None:
        """Date, amount, FITID and currency come from the transaction and CURDEF."""
        parsed = parse(statement(transaction("20240105120000.000", "-12.34")))
        row = parsed.rows[0]
        assert (row.row, row.date, row.amount, row.file_id, row.currency) == (
            1,
            date(2024, 1, 5),
            Decimal("-12.34"),
            "F1",
            "EUR",
        )
        assert parsed.currency == "EUR"

    def test_xml_statement_rows(self) -> None:
        """OFX 2 with closing tags reads the same."""
        body = statement(
            "<STMTTRN><DTPOSTED>20240105</DTPOSTED><TRNAMT>5.00</TRNAMT>"
            "<FITID>X</FITID><NAME>Shop</NAME></STMTTRN>"
        )
        header = '<?xml version="1.0"?>\n<?OFX OFXHEADER="200" VERSION="200"?>\n'
        row = parse(body, header=header).rows[0]
        assert (row.amount, row.merchant) == (Decimal("5.00"), "Shop")

    def test_file_without_header_is_read(self) -> None:
        """A bare <OFX> document still parses."""
        assert len(parse(statement(transaction()), header="").rows) == 1

    def test_posting_time_zone_does_not_move_the_day(self) -> None:
        """'20240323000000[-3:GMT]' is 23 March, as the bank wrote it."""
        row = parse(statement(transaction("20240323000000[-3:GMT]"))).rows[0]
        assert row.date == date(2024, 3, 23)

    def test_credit_card_statements(self) -> None:
        """CCSTMTRS rows are read like bank ones."""
        body = (
            "<CCSTMTRS><CURDEF>BRL<CCACCTFROM><ACCTID>9</CCACCTFROM><BANKTRANLIST>"
            f"{transaction(amount='-9.02')}</BANKTRANLIST></CCSTMTRS>"
        )
        parsed = parse(body)
        assert (parsed.currency, parsed.rows[0].amount) == ("BRL", Decimal("-9.02"))

    def test_payee_aggregate_names_the_merchant(self) -> None:
        """<PAYEE><NAME> stands in for a missing <NAME>."""
        extra = "<PAYEE><NAME>Utility Co<ADDR1>Main St</PAYEE>"
        assert parse(statement(transaction(extra=extra))).rows[0].merchant == "Utility Co"

    def test_unrelated_name_and_memo_are_both_kept(self) -> None:
        """A memo that adds something new joins the name."""
        row = parse(statement(transaction(extra="<NAME>Shop<MEMO>Card 1234"))).rows[0]
        assert row.description == "Shop / Card 1234"

    def test_transaction_currency_overrides_curdef(self) -> None:
        """<CURRENCY><CURSYM> marks a row in another currency."""
        extra = "<CURRENCY><CURRATE>1.1<CURSYM>usd</CURRENCY>"
        assert parse(statement(transaction(extra=extra))).rows[0].currency == "USD"

    def test_decimal_comma_amounts(self) -> None:
        """'-200,00' is minus two hundred."""
        assert parse(statement(transaction(amount="-200,00"))).rows[0].amount == Decimal("-200.00")

    def test_zero_rows_follow_the_option(self) -> None:
        """include_zero=False drops a 0.00 transaction."""
        body = statement(transaction(amount="0.00") + transaction(amount="1.00", fitid="F2"))
        assert [r.row for r in parse(body, ImportOptions(include_zero=False)).rows] == [2]

    def test_several_statements_of_one_account(self) -> None:
        """Rows are numbered across statements in file order."""
        body = statement(transaction()) + statement(transaction(fitid="F2"))
        assert [r.file_id for r in parse(body).rows] == ["F1", "F2"]


class TestStatements:
    def test_each_statement_keeps_its_account_and_rows(self) -> None:
        """Two accounts' statements: every row says which statement it came from."""
        body = statement(transaction(), account="A") + statement(
            transaction(fitid="F2") + transaction(fitid="F3"), account="B"
        )
        parsed = parse(body)
        assert [s.account for s in parsed.statements] == ["A", "B"]
        assert [(r.row, r.statement) for r in parsed.rows] == [(1, 0), (2, 1), (3, 1)]

    def test_ledger_balance_is_the_closing_balance(self) -> None:
        """LEDGERBAL gives the closing balance as of its DTASOF; DTSTART starts the period."""
        body = (
            "<STMTRS><CURDEF>EUR<BANKACCTFROM><ACCTID>1</BANKACCTFROM>"
            f"<BANKTRANLIST><DTSTART>20240101<DTEND>20240201{transaction()}</BANKTRANLIST>"
            "<LEDGERBAL><BALAMT>1234,50<DTASOF>20240131120000</LEDGERBAL></STMTRS>"
        )
        (stated,) = parse(body).statements
        assert (stated.period_start, stated.period_end) == (date(2024, 1, 1), date(2024, 1, 31))
        assert (stated.opening_balance, stated.closing_balance) == (None, Decimal("1234.50"))

    def test_without_dates_the_rows_give_the_period(self) -> None:
        """No DTSTART, DTEND or LEDGERBAL: the first and last posting days, no balances."""
        body = statement(transaction("20240105") + transaction("20240103", fitid="F2"))
        (stated,) = parse(body).statements
        assert (stated.period_start, stated.period_end, stated.closing_balance) == (
            date(2024, 1, 3),
            date(2024, 1, 5),
            None,
        )

    def test_unreadable_ledger_balance_is_refused(self) -> None:
        """A LEDGERBAL that is no amount cannot state a balance: the file is refused."""
        body = statement(transaction()).replace(
            "</STMTRS>", "<LEDGERBAL><BALAMT>lots<DTASOF>20240131</LEDGERBAL></STMTRS>"
        )
        with pytest.raises(
            ValidationError, match="file: LEDGERBAL/BALAMT: 'lots' is not an amount"
        ):
            parse(body)


class TestRejected:
    def test_missing_posting_date_is_rejected(self) -> None:
        """A transaction without DTPOSTED is rejected with its number."""
        body = statement(transaction() + "<STMTTRN><TRNAMT>1.00<FITID>F2</STMTTRN>")
        rejected = parse(body).rejected
        assert [(r.row, r.reason) for r in rejected] == [
            (2, "DTPOSTED is missing; every OFX transaction needs a posting date")
        ]

    def test_bad_posting_date_is_rejected(self) -> None:
        """A thirteenth month in DTPOSTED is named in the reason."""
        reason = parse(statement(transaction("20241301"))).rejected[0].reason
        assert reason == "DTPOSTED '20241301' is not an OFX date (YYYYMMDD...)"

    def test_bad_amount_is_rejected(self) -> None:
        """A non-number TRNAMT is rejected."""
        reason = parse(statement(transaction(amount="abc"))).rejected[0].reason
        assert reason.startswith("TRNAMT: 'abc' is not an amount")


class TestRefused:
    def test_investment_only_files_are_refused(self) -> None:
        """No bank or card statement: the error says what is missing."""
        with pytest.raises(ValidationError, match="no bank or credit-card statement"):
            parse("<INVSTMTRS><CURDEF>USD</INVSTMTRS>")

    def test_text_that_is_not_ofx_is_refused(self) -> None:
        """Without <OFX> the error asks whether it is an OFX export."""
        with pytest.raises(ValidationError, match=r"no <OFX> element"):
            parse_ofx(b"Date,Amount\n", ImportOptions())


class TestSniff:
    @pytest.mark.parametrize("data", [b"OFXHEADER:100\n", b"\n<ofx>\n<SIGNONMSGSRSV1>"])
    def test_ofx_is_recognised(self, data: bytes) -> None:
        """A header or an <OFX> element is enough."""
        assert sniff_ofx(data)

    def test_other_files_are_not(self) -> None:
        """A CSV is not OFX."""
        assert not sniff_ofx(b"Date,Amount\n2024-01-01,1\n")
