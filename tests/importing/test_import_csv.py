"""The CSV importer: separators, headers, column mapping, amounts, rules and rejections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance_core.errors import ValidationError
from finance_core.importing import ImportOptions, ParsedFile, RejectedRow
from finance_import.csv_format import parse_csv, sniff_csv


def parse(text: str, **options: object) -> ParsedFile:
    return parse_csv(text.encode(), ImportOptions(**options))  # type: ignore[arg-type]


def amounts(parsed: ParsedFile) -> list[Decimal]:
    return [r.amount for r in parsed.rows]


class TestSeparators:
    def test_semicolons_are_detected(self) -> None:
        """A semicolon file whose texts hold commas splits on semicolons."""
        parsed = parse("Datum;Text;Betrag\n01.02.2024;Miete, Februar;-800,00\n")
        assert parsed.rows[0].description == "Miete, Februar"
        assert amounts(parsed) == [Decimal("-800.00")]

    def test_tabs_are_detected(self) -> None:
        """Tab-separated exports read like any other."""
        assert amounts(parse("Date\tAmount\n2024-02-01\t-12.50\n")) == [Decimal("-12.50")]

    def test_delimiter_option_wins(self) -> None:
        """A named separator is used even where another would split too."""
        parsed = parse("Date|Amount|Memo\n2024-02-01|-1,5|a;b\n", delimiter="|")
        assert parsed.rows[0].description == "a;b"
        assert amounts(parsed) == [Decimal("-1.5")]

    def test_unusable_delimiter_is_refused(self) -> None:
        """A quote cannot separate columns."""
        with pytest.raises(ValidationError, match=r"delimiter: .*cannot separate columns"):
            parse("Date,Amount\n", delimiter='"')

    def test_empty_file_says_so(self) -> None:
        """A file with nothing but a BOM and blank lines is reported as empty."""
        with pytest.raises(ValidationError, match="file: the file is empty"):
            parse_csv(b"\xef\xbb\xbf\r\n\r\n", ImportOptions())

    def test_text_without_columns_asks_for_a_delimiter(self) -> None:
        """One column everywhere: the error says to set delimiter."""
        with pytest.raises(ValidationError, match="delimiter: no separator"):
            parse("just\nsome words\n")

    def test_quoted_fields_keep_separators_and_newlines(self) -> None:
        """Quotes protect commas, quotes and line breaks inside a field."""
        parsed = parse('Date,Description,Amount\n2024-01-05,"Shop, ""Main""\nSt",-3.00\n')
        assert parsed.rows[0].description == 'Shop, "Main" St'

    def test_crlf_and_no_final_newline(self) -> None:
        """Windows line ends and a missing last newline change nothing."""
        parsed = parse("Date,Amount\r\n2024-01-05,1.00\r\n2024-01-06,-2.00")
        assert amounts(parsed) == [Decimal("1.00"), Decimal("-2.00")]


class TestHeader:
    def test_preamble_lines_before_the_header_are_skipped(self) -> None:
        """Account details above the header are not rows."""
        text = (
            "Kontonummer:;123456;\nZeitraum:;01.01.2024 - 31.01.2024;\n\n"
            "Buchungstag;Verwendungszweck;Betrag (EUR)\n02.01.2024;Miete;-800,00\n"
        )
        parsed = parse(text)
        assert [(r.row, r.description) for r in parsed.rows] == [(1, "Miete")]

    def test_rows_are_numbered_from_the_first_data_row(self) -> None:
        """Row 1 is the first record after the header; blank lines are not records."""
        text = "Date,Amount\n2024-01-01,1.00\n\n2024-01-02,x\n2024-01-03,-3.00\n"
        parsed = parse(text)
        assert [r.row for r in parsed.rows] == [1, 3]
        assert [r.row for r in parsed.rejected] == [2]

    def test_currency_stated_in_a_header(self) -> None:
        """'Betrag (EUR)' makes every row and the file EUR."""
        parsed = parse("Datum;Betrag (EUR)\n02.01.2024;-1,00\n")
        assert (parsed.currency, parsed.rows[0].currency) == ("EUR", "EUR")

    def test_trailing_empty_column_is_ignored(self) -> None:
        """A separator at the end of every line adds nothing."""
        parsed = parse("Details,Posting Date,Description,Amount,\nDEBIT,3/18/2016,Shop,-2.00,\n")
        assert parsed.rows[0].date == date(2016, 3, 18)

    def test_french_headers(self) -> None:
        """Date, Libellé, Montant, Devise are understood."""
        parsed = parse("Date;Libellé;Montant;Devise\n22/03/2012;Dépôt;+50,00;EUR\n")
        row = parsed.rows[0]
        assert (row.date, row.description, row.amount, row.currency) == (
            date(2012, 3, 22),
            "Dépôt",
            Decimal("50.00"),
            "EUR",
        )

    def test_optional_columns_are_read(self) -> None:
        """Merchant, category and the transaction id land in their fields."""
        parsed = parse(
            "Date,Payee,Category,Transaction ID,Amount\n2024-01-05,Bakery,food,T-1,-3.20\n"
        )
        row = parsed.rows[0]
        assert (row.merchant, row.category, row.file_id, row.description) == (
            "Bakery",
            "food",
            "T-1",
            "Bakery",
        )


class TestMapping:
    def test_mapping_by_name_overrides_detection(self) -> None:
        """The caller may pick the value date instead of the booking date."""
        text = "Buchungstag;Valuta;Betrag\n02.01.2024;04.01.2024;-1,00\n"
        parsed = parse(text, mapping={"date": "Valuta"})
        assert parsed.rows[0].date == date(2024, 1, 4)

    def test_mapping_by_index_reads_a_headerless_file(self) -> None:
        """Without a header, 0-based indexes say where things are."""
        text = "x;02.01.2024;Rent;-800,00\ny;03.01.2024;Pay;+2.000,00\n"
        parsed = parse(text, mapping={"date": 1, "description": 2, "amount": 3})
        assert amounts(parsed) == [Decimal("-800.00"), Decimal("2000.00")]

    def test_index_mapping_skips_an_unrecognised_header(self) -> None:
        """A first line whose date cell is no date, followed by dates, is a header."""
        text = "When;What;How much\n02.01.2024;Rent;-800,00\n"
        parsed = parse(text, mapping={"date": 0, "description": 1, "amount": 2})
        assert [r.row for r in parsed.rows] == [1]
        assert parsed.rejected == ()

    def test_mapping_to_a_missing_column_lists_the_columns(self) -> None:
        """A mapped name absent from the header row is reported with the real ones."""
        with pytest.raises(ValidationError, match=r"'Valuta'.*first reads 'Date', 'Amount'"):
            parse("Date,Amount\n2024-01-01,1\n", mapping={"date": "Valuta"})

    def test_unknown_mapping_fields_are_refused(self) -> None:
        """A typo in a mapping key lists the keys that exist."""
        with pytest.raises(ValidationError, match=r"unknown field\(s\) 'amout'.*date, fallback"):
            parse("Date,Amount\n2024-01-01,1\n", mapping={"amout": "Amount"})

    def test_index_past_the_last_column_is_refused(self) -> None:
        """Index 7 in a three-column file says how many columns there are."""
        with pytest.raises(ValidationError, match=r"column 7, but the file has 3 columns"):
            parse("a,2024-01-01,1\n", mapping={"date": 1, "amount": 7})

    def test_names_cannot_map_a_headerless_file(self) -> None:
        """Names in a mapping need a header row: the error says to use indexes."""
        with pytest.raises(ValidationError, match="map by 0-based index if the file has no header"):
            parse("2024-01-01,1\n", mapping={"date": "Date", "amount": 1})


class TestUnrecognisedColumns:
    def test_no_known_header_explains_how_to_map(self) -> None:
        """Unknown column names: the error quotes the first line and shows a mapping."""
        with pytest.raises(ValidationError) as caught:
            parse("When;What;How much\nsoon;Rent;lots\n")
        message = str(caught.value)
        assert "found no header row naming known columns" in message
        assert "'When', 'What', 'How much'" in message
        assert "mapping={'date': 0" in message

    def test_missing_amount_lists_the_columns_found(self) -> None:
        """A header with a date but no amount column lists every column by index."""
        with pytest.raises(ValidationError) as caught:
            parse("Date;Description;Wert\n02.01.2024;Rent;zwei\n")
        message = str(caught.value)
        assert "which column holds the amount (or debit/credit)" in message
        assert "0: 'Date', 1: 'Description', 2: 'Wert'" in message
        assert "mapping=" in message

    def test_date_column_without_dates_is_explained(self) -> None:
        """A mapped date column that holds no dates asks for a mapping or a format."""
        with pytest.raises(ValidationError, match=r"column 'Text' holds no date .*'Rent'"):
            parse("Date;Text;Amount\nx;Rent;-1\n", mapping={"date": "Text"})


class TestAmounts:
    def test_debit_and_credit_columns(self) -> None:
        """Debit is money out, credit money in, whichever is filled."""
        text = "Date,Debit,Credit\n2024-01-01,12.00,\n2024-01-02,,30.00\n2024-01-03,-5.00,\n"
        assert amounts(parse(text)) == [Decimal("-12.00"), Decimal("30.00"), Decimal("-5.00")]

    def test_soll_and_haben_with_zeros(self) -> None:
        """Haben minus Soll, with the unused side holding 0,00."""
        text = "Datum;Soll;Haben\n31.12.2013;34,56;0,00\n31.12.2013;0,00;1.500,00\n"
        assert amounts(parse(text)) == [Decimal("-34.56"), Decimal("1500.00")]

    def test_row_without_debit_or_credit_is_rejected(self) -> None:
        """Both sides empty: the row is rejected naming both columns."""
        parsed = parse("Date,Debit,Credit\n2024-01-01,,\n")
        assert parsed.rejected == (
            RejectedRow(1, "column 'Debit' and column 'Credit': no amount in this row"),
        )

    def test_sign_column_signs_unsigned_amounts(self) -> None:
        """DEBIT/CREDIT and S/H next to unsigned amounts decide the direction."""
        text = "Date,Amount,Sign\n2024-01-01,5.00,DEBIT\n2024-01-02,6.00,CREDIT\n"
        text += "2024-01-03,7.00,S\n2024-01-04,8.00,H\n"
        assert amounts(parse(text)) == [
            Decimal("-5.00"),
            Decimal("6.00"),
            Decimal("-7.00"),
            Decimal("8.00"),
        ]

    def test_written_sign_beats_the_sign_column(self) -> None:
        """Chase writes CHECK rows with their own minus; the minus is kept."""
        parsed = parse("Details,Date,Amount\nCHECK,2024-01-01,-25.00\n")
        assert amounts(parsed) == [Decimal("-25.00")]

    def test_unknown_sign_word_is_rejected(self) -> None:
        """An unsigned amount with an unknown indicator cannot be guessed."""
        parsed = parse("Date,Amount,Sign\n2024-01-01,5.00,MAYBE\n")
        assert parsed.rows == ()
        assert "column 'Sign' holds 'maybe'" in parsed.rejected[0].reason

    def test_fee_is_subtracted(self) -> None:
        """A fee charged on top of the amount lowers it."""
        parsed = parse("Date,Amount,Fee\n2024-01-01,-100.00,1.50\n")
        assert amounts(parsed) == [Decimal("-101.50")]

    def test_decimal_separator_option(self) -> None:
        """'1,500' is one and a half when the caller says commas are decimal."""
        parsed = parse('Date,Amount\n2024-01-01,"-1,500"\n', decimal_separator=",")
        assert amounts(parsed) == [Decimal("-1.500")]

    def test_ungrouped_thousands_comma_defaults_to_grouping(self) -> None:
        """Without any deciding value, a comma file's '1,500' is 1500."""
        parsed = parse('Date,Amount\n2024-01-01,"-1,500"\n')
        assert amounts(parsed) == [Decimal("-1500")]


class TestRules:
    TEXT = (
        "Completed Date,Started Date,Description,Amount,State\n"
        "2022-01-02,2022-01-02,a,-1.00,COMPLETED\n"
        ",2022-01-03,b,-2.00,PENDING\n"
        "2022-01-04,2022-01-04,c,0.00,COMPLETED\n"
        "2022-01-05,2022-01-05,d,-4.00,DECLINED\n"
        "2022-01-06,2022-01-06,e,5.00,COMPLETED\n"
    )

    def test_pending_rows_are_left_out_by_default(self) -> None:
        """PENDING rows are not in the result; the others keep their numbers."""
        assert [r.row for r in parse(self.TEXT).rows] == [1, 3, 5]

    def test_pending_rows_are_kept_on_request(self) -> None:
        """include_pending keeps them, flagged, dated by the fallback date."""
        rows = parse(self.TEXT, include_pending=True).rows
        assert [(r.row, r.pending, r.date) for r in rows if r.description == "b"] == [
            (2, True, date(2022, 1, 3))
        ]

    def test_declined_rows_are_always_left_out(self) -> None:
        """A declined payment never moved money."""
        rows = parse(self.TEXT, include_pending=True).rows
        assert "d" not in [r.description for r in rows]

    def test_zero_rows_are_kept_by_default(self) -> None:
        """Amount-0 rows are in unless the caller drops them."""
        assert Decimal(0) in amounts(parse(self.TEXT))

    def test_zero_rows_are_dropped_on_request(self) -> None:
        """include_zero=False leaves them out."""
        assert [r.row for r in parse(self.TEXT, include_zero=False).rows] == [1, 5]

    def test_left_out_rows_are_not_rejected(self) -> None:
        """Rules leave rows out silently; nothing is reported as bad."""
        assert parse(self.TEXT, include_zero=False).rejected == ()


class TestRejectedRows:
    TEXT = (
        "Date;Description;Amount;Currency\n"
        "02.01.2024;good;-1,00;EUR\n"
        "31.02.2024;bad date;-2,00;EUR\n"
        "03.01.2024;bad amount;zwei;EUR\n"
        "04.01.2024;bad currency;-4,00;EURO\n"
        "05.01.2024;good again;5,00;EUR\n"
    )

    def test_good_rows_survive_bad_ones(self) -> None:
        """Readable rows are parsed whatever their neighbours hold."""
        assert [r.row for r in parse(self.TEXT).rows] == [1, 5]

    def test_rejected_rows_carry_numbers_and_reasons(self) -> None:
        """Each bad row names its number, its column and what is wrong."""
        rejected = parse(self.TEXT).rejected
        assert [r.row for r in rejected] == [2, 3, 4]
        assert "column 'Date': '31.02.2024' is not a date" in rejected[0].reason
        assert "column 'Amount': 'zwei' is not an amount" in rejected[1].reason
        assert "column 'Currency': 'EURO' is not an ISO 4217 currency code" in rejected[2].reason

    def test_ambiguous_dates_ask_for_date_format(self) -> None:
        """Day and month never above 12: parsing stops and asks for date_format."""
        with pytest.raises(ValidationError, match="date_format"):
            parse("Date,Amount\n01/02/2024,1\n03/04/2024,2\n")

    def test_date_format_option_settles_the_order(self) -> None:
        """With date_format the same file reads day-first."""
        parsed = parse("Date,Amount\n01/02/2024,-1\n03/04/2024,2\n", date_format="DD/MM/YYYY")
        assert [r.date for r in parsed.rows] == [date(2024, 2, 1), date(2024, 4, 3)]


class TestSniff:
    def test_bank_csv_is_recognised(self) -> None:
        """Columns with a date in them are CSV."""
        assert sniff_csv(b"Date,Amount\n2024-01-01,1.00\n")

    @pytest.mark.parametrize(
        "data",
        [
            b"<?xml version='1.0'?><Document/>",
            b"OFXHEADER:100\nDATA:OFXSGML\n",
            b"!Type:Bank\nD1/2/2024\nT1.00\n^\n",
            b"Dear customer,\nyour statement follows.\n",
            b"a,b\nc,d\n",
        ],
    )
    def test_other_files_are_not_claimed(self, data: bytes) -> None:
        """XML, OFX, QIF, prose and dateless tables are left to others."""
        assert not sniff_csv(data)
