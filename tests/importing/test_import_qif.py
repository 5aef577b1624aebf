"""The QIF importer: which sections are transactions, splits, dates and rejections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance_core.errors import ValidationError
from finance_core.importing import DEFAULT_CATEGORY, ImportOptions, ParsedFile
from finance_import.qif import parse_qif, sniff_qif


def parse(text: str, **options: object) -> ParsedFile:
    return parse_qif(text.encode(), ImportOptions(**options))  # type: ignore[arg-type]


class TestSections:
    @pytest.mark.parametrize("kind", ["Bank", "Cash", "CCard", "Oth A", "Oth L", "bank "])
    def test_cash_like_registers_are_read(self, kind: str) -> None:
        """Bank, cash, card and other asset/liability sections hold transactions."""
        parsed = parse(f"!Type:{kind}\nD1/30/2024\nT-1.00\n^\n")
        assert [r.amount for r in parsed.rows] == [Decimal("-1.00")]

    @pytest.mark.parametrize("kind", ["Invst", "Memorized", "Class", "Cat", "Security"])
    def test_other_sections_are_skipped(self, kind: str) -> None:
        """Investment, memorized, category, class and security records are not rows."""
        parsed = parse(f"!Type:{kind}\nD1/30/2024\nT-1.00\nNx\n^\n!Type:Bank\nD1/30/2024\nT2\n^\n")
        assert [(r.row, r.amount) for r in parsed.rows] == [(1, Decimal("2"))]

    def test_account_blocks_are_skipped(self) -> None:
        """An !Account list is not a transaction, and the section after it is."""
        text = "!Account\nNMy Cash\nTCash\n^\n!Type:Cash\nD1/30/2024\nT-6.50\n^\n"
        assert [r.amount for r in parse(text).rows] == [Decimal("-6.50")]

    def test_comment_lines_before_the_first_header_are_ignored(self) -> None:
        """Lines above the first section header are not records."""
        text = "### exported by hand ###\n\n!Type:Bank\nD1/30/2024\nT1\n^\n"
        assert len(parse(text).rows) == 1

    def test_last_record_without_caret_is_kept(self) -> None:
        """A file ending without ^ still yields its last record."""
        assert len(parse("!Type:Bank\nD1/30/2024\nT1.00").rows) == 1

    def test_file_without_sections_is_refused(self) -> None:
        """No !Type header: the error asks whether this is QIF."""
        with pytest.raises(ValidationError, match="no QIF section header"):
            parse("D1/30/2024\nT1\n^\n")


class TestFields:
    def test_payee_memo_category_and_number(self) -> None:
        """P is the merchant, P and M the description, L the category."""
        text = "!Type:Bank\nD1/30/2024\nT-25.00\nN123\nPWalmart\nMgroceries\nLFood:Groceries\n^\n"
        row = parse(text).rows[0]
        assert (row.merchant, row.description, row.category) == (
            "Walmart",
            "Walmart / groceries",
            "Food:Groceries",
        )

    def test_class_suffix_is_not_part_of_the_category(self) -> None:
        """'Bills:Phone/Work' is category 'Bills:Phone'."""
        row = parse("!Type:Bank\nD1/30/2024\nT-5\nLBills:Phone/Work\n^\n").rows[0]
        assert row.category == "Bills:Phone"

    def test_u_amount_stands_in_for_t(self) -> None:
        """Newer exports may write the amount as U."""
        assert parse("!Type:Bank\nD1/30/2024\nU-5.00\n^\n").rows[0].amount == Decimal("-5.00")

    def test_thousands_commas(self) -> None:
        """'T-1,234.56' is read with its grouping."""
        row = parse("!Type:Bank\nD1/30/2024\nT-1,234.56\n^\n").rows[0]
        assert row.amount == Decimal("-1234.56")


class TestSplits:
    def test_splits_become_category_amount_pairs(self) -> None:
        """S and $ lines pair up; E memos are not amounts."""
        text = "!Type:Bank\nD1/30/2024\nT-48.00\nS[My Cc]\nEcard\n$-31.00\nSfood\n$-17.00\n^\n"
        assert parse(text).rows[0].splits == (
            ("[My Cc]", Decimal("-31.00")),
            ("food", Decimal("-17.00")),
        )

    def test_split_without_category_gets_the_default(self) -> None:
        """An empty S line is the default category."""
        text = "!Type:Bank\nD1/30/2024\nT-1.00\nS\n$-1.00\n^\n"
        assert parse(text).rows[0].splits == ((DEFAULT_CATEGORY, Decimal("-1.00")),)

    def test_splits_that_do_not_add_up_are_rejected(self) -> None:
        """A record whose split lines miss its total is rejected with both sums."""
        text = "!Type:Bank\nD1/30/2024\nT-10.00\nSa\n$-4.00\nSb\n$-5.00\n^\n"
        parsed = parse(text)
        assert parsed.rows == ()
        assert parsed.rejected[0].row == 1
        assert "the splits add up to -9.00, but the record's amount is -10.00" in (
            parsed.rejected[0].reason
        )

    def test_split_without_amount_is_rejected(self) -> None:
        """An S line with no $ line names the split."""
        parsed = parse("!Type:Bank\nD1/30/2024\nT-1.00\nSa\nSb\n$-1.00\n^\n")
        assert parsed.rejected[0].reason == "the split 'a' has no $ amount"


class TestDates:
    def test_apostrophe_years(self) -> None:
        """'2/14'2020' and '1/ 5'05' are Quicken's 2000s dates."""
        text = "!Type:Bank\nD2/14'2020\nT1\n^\nD1/ 5'05\nT1\n^\n"
        assert [r.date for r in parse(text).rows] == [date(2020, 2, 14), date(2005, 1, 5)]

    def test_two_digit_slash_years(self) -> None:
        """'12/25/99' is 1999 and '1/31/24' is 2024."""
        text = "!Type:Bank\nD12/25/99\nT1\n^\nD1/31/24\nT1\n^\n"
        assert [r.date for r in parse(text).rows] == [date(1999, 12, 25), date(2024, 1, 31)]

    def test_day_first_files_are_detected(self) -> None:
        """One '23/10/2013' makes '11/10/2013' the 11th of October."""
        text = "!Type:Cash\nD23/10/2013\nT1\n^\nD11/10/2013\nT1\n^\n"
        assert parse(text).rows[1].date == date(2013, 10, 11)

    def test_undecided_files_ask_for_date_format(self) -> None:
        """Only days up to 12: the error asks for date_format."""
        with pytest.raises(ValidationError, match="date_format"):
            parse("!Type:Bank\nD01/02/2020\nT1\n^\n")

    def test_date_format_option_decides(self) -> None:
        """date_format='%d/%m/%Y' reads '01/02/2020' as 1 February."""
        parsed = parse("!Type:Bank\nD01/02/2020\nT1\n^\n", date_format="%d/%m/%Y")
        assert parsed.rows[0].date == date(2020, 2, 1)


class TestRejected:
    TEXT = (
        "!Type:Bank\nD1/30/2024\nT1\n^\n"
        "T2\n^\n"
        "D1/31/2024\nTtwo\n^\n"
        "D1/31/2024\nPno amount\n^\n"
        "D2/30/2024\nT5\n^\n"
    )

    def test_bad_records_carry_numbers_and_reasons(self) -> None:
        """Missing date, bad amount, missing amount and impossible dates are each named."""
        rejected = parse(self.TEXT).rejected
        assert [(r.row, r.reason.split(":")[0]) for r in rejected] == [
            (2, "the record has no D (date) line"),
            (3, "T"),
            (4, "the record has no T (amount) line"),
            (5, "D"),
        ]

    def test_good_records_survive(self) -> None:
        """The readable record is parsed."""
        assert [r.row for r in parse(self.TEXT).rows] == [1]


class TestSniff:
    def test_headers_after_comments_are_found(self) -> None:
        """Comment lines above !Type:Class do not hide it."""
        assert sniff_qif(b"### comment ###\n\n!Type:Class\nNx\n^\n")

    def test_csv_is_not_qif(self) -> None:
        """A CSV has no section header."""
        assert not sniff_qif(b"Date,Amount\n2024-01-01,1\n")
