"""CSV files understood without hints: header words in seven languages, columns found
from their values, direction markers, and refusals that name the candidates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.errors import ValidationError
from finance_core.importing import ImportOptions, ParsedFile
from finance_import.csv_columns import detect
from finance_import.csv_format import parse_csv


def parse(text: str, **options: object) -> ParsedFile:
    return parse_csv(text.encode(), ImportOptions(**options))  # type: ignore[arg-type]


def amounts(parsed: ParsedFile) -> list[Decimal]:
    return [r.amount for r in parsed.rows]


def refusal(text: str, **options: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse(text, **options)
    return caught.value


class TestHeaderVocabulary:
    @pytest.mark.parametrize(
        "header",
        [
            "Booking Date;Value Date;Payee;Description;Amount;Currency;Balance",
            "Buchungstag;Wertstellung;Empfänger;Verwendungszweck;Betrag;Währung;Saldo",
            "Boekdatum;Rentedatum;Naam tegenpartij;Omschrijving;Bedrag;Munt;Saldo na trn",
            "Date de l'opération;Date de valeur;Bénéficiaire;Libellé;Montant;Devise;Solde",
            "Fecha contable;Fecha valor;Beneficiario;Concepto;Importe;Moneda;Saldo",
            "Data contabile;Data valuta;Controparte;Descrizione;Importo;Divisa;Saldo",
            "Data lançamento;Data valor;Favorecido;Descrição;Montante;Moeda;Saldo",
        ],
        ids=["en", "de", "nl", "fr", "es", "it", "pt"],
    )
    def test_every_language_names_every_column(self, header: str) -> None:
        """Date, value date, payee, description, amount, currency and balance are known."""
        assert detect(header.split(";")) == {
            "date": 0,
            "fallback_date": 1,
            "merchant": 2,
            "description": 3,
            "amount": 4,
            "currency": 5,
            "balance": 6,
        }
        text = f"{header}\n02.01.2024;05.01.2024;Shop;Bread;-3,50;EUR;96,50\n"
        parsed = parse(text)
        row = parsed.rows[0]
        assert (row.date, row.merchant, row.description, row.amount, row.currency) == (
            date(2024, 1, 2),
            "Shop",
            "Bread",
            Decimal("-3.50"),
            "EUR",
        )
        assert parsed.statements[0].closing_balance == Decimal("96.50")

    @pytest.mark.parametrize(
        "debit, credit",
        [
            ("Debit", "Credit"),
            ("Soll", "Haben"),
            ("Af", "Bij"),
            ("Débit", "Crédit"),
            ("Cargo", "Abono"),
            ("Addebiti", "Accrediti"),
            ("Débito", "Crédito"),
        ],
        ids=["en", "de", "nl", "fr", "es", "it", "pt"],
    )
    def test_debit_and_credit_columns_in_every_language(self, debit: str, credit: str) -> None:
        """The two unsigned money columns are read as money out and money in."""
        assert detect(["Date", debit, credit]) == {"date": 0, "debit": 1, "credit": 2}
        text = f"Date;{debit};{credit}\n02.01.2024;3,50;\n03.01.2024;;10,00\n"
        assert amounts(parse(text)) == [Decimal("-3.50"), Decimal("10.00")]

    @pytest.mark.parametrize(
        "header, out, into",
        [
            ("Debit/Credit", "DEBIT", "CREDIT"),
            ("Soll/Haben", "S", "H"),
            ("Af Bij", "Af", "Bij"),
            ("Sens", "Débit", "Crédit"),
            ("Cargo/Abono", "Cargo", "Abono"),
            ("Dare/Avere", "Dare", "Avere"),
            ("Débito/Crédito", "Débito", "Crédito"),
        ],
        ids=["en", "de", "nl", "fr", "es", "it", "pt"],
    )
    def test_direction_column_in_every_language(self, header: str, out: str, into: str) -> None:
        """The named direction column decides, not another column of reversed markers."""
        text = f"Date;Amount;{header};Other\n02.01.2024;3,50;{out};C\n03.01.2024;10,00;{into};D\n"
        assert amounts(parse(text)) == [Decimal("-3.50"), Decimal("10.00")]

    def test_booking_date_beats_value_date_whatever_the_order(self) -> None:
        """A value date left of the booking date is still not the date."""
        text = "Valutadatum;Buchungsdatum;Betrag\n05.01.2024;02.01.2024;-1,00\n"
        assert parse(text).rows[0].date == date(2024, 1, 2)


class TestDetectionFromValues:
    def test_unknown_booking_date_header_is_found_by_its_dates(self) -> None:
        """A German export whose date header is unknown imports from its dates."""
        text = "Buchungsdat.;Verwendungszweck;Betrag\n02.01.2024;Miete;-800,00\n"
        assert parse(text).rows[0].date == date(2024, 1, 2)

    def test_unnamed_booking_date_beats_a_named_value_date(self) -> None:
        """Beside a known value-date header, the other date column is the booking date."""
        text = "Buchungsdat.;Wertstellung;Betrag\n02.01.2024;05.01.2024;-1,00\n"
        row = parse(text).rows[0]
        assert row.date == date(2024, 1, 2)

    def test_dates_in_two_formats_are_no_date_column(self) -> None:
        """A column mixing 02.01.2024 and 2024-01-03 is not taken for the date."""
        text = "When;Betrag;Text\n02.01.2024;-1,00;a\n2024-01-03;-2,00;b\n"
        with pytest.raises(ValidationError, match="which column holds the date"):
            parse(text)

    def test_unknown_amount_header_is_found_by_its_values(self) -> None:
        """A column of signed decimal amounts is the amount."""
        text = "Date;Description;Wert\n02.01.2024;Rent;-800,00\n03.01.2024;Pay;2.000,00\n"
        assert amounts(parse(text)) == [Decimal("-800.00"), Decimal("2000.00")]

    def test_account_numbers_are_not_amounts(self) -> None:
        """Whole numbers without cents or sign (an account column) are not candidates."""
        text = "Date;Konto;Wert\n02.01.2024;7924710994;-8,00\n03.01.2024;7924710994;2,00\n"
        assert amounts(parse(text)) == [Decimal("-8.00"), Decimal("2.00")]

    def test_unknown_header_line_above_dates_is_a_header(self) -> None:
        """A first line of unknown names above dated rows is skipped, not rejected."""
        parsed = parse("When;What;How much\n02.01.2024;Rent;-800,00\n")
        assert (parsed.rejected, amounts(parsed)) == ((), [Decimal("-800.00")])
        assert parsed.rows[0].row == 1

    def test_headerless_file_is_read_from_its_values(self) -> None:
        """No header at all: the date and amount columns are still found."""
        parsed = parse("02.01.2024;Rent;-800,00\n03.01.2024;Pay;+1.000,00\n")
        assert amounts(parsed) == [Decimal("-800.00"), Decimal("1000.00")]


class TestDirectionMarkers:
    @pytest.mark.parametrize(
        "out, into",
        [
            ("D", "C"),
            ("DR", "CR"),
            ("Debit", "Credit"),
            ("S", "H"),
            ("Soll", "Haben"),
            ("Af", "Bij"),
            ("Débit", "Crédit"),
            ("-", "+"),
            ("Cargo", "Abono"),
            ("Dare", "Avere"),
            ("Débito", "Crédito"),
        ],
    )
    def test_marker_pair_column_signs_unsigned_amounts(self, out: str, into: str) -> None:
        """An unnamed column holding one marker pair gives the direction."""
        text = f"Datum;Bedrag;Kolom\n02.01.2024;3,50;{out}\n03.01.2024;10,00;{into}\n"
        assert amounts(parse(text)) == [Decimal("-3.50"), Decimal("10.00")]

    def test_dutch_af_bij_column_makes_debits(self) -> None:
        """ING's 'Af Bij' column turns unsigned amounts into debits and credits."""
        text = (
            '"Datum","Naam / Omschrijving","Rekening","Af Bij","Bedrag (EUR)","Mededelingen"\n'
            '"20240102","Albert Heijn","NL01INGB0001","Af","12,50","Boodschappen"\n'
            '"20240103","Werkgever","NL01INGB0001","Bij","2500,00","Salaris"\n'
        )
        parsed = parse(text)
        assert amounts(parsed) == [Decimal("-12.50"), Decimal("2500.00")]
        assert parsed.rows[0].merchant == "Albert Heijn"

    def test_a_column_of_only_debit_markers_counts(self) -> None:
        """Every row a debit: the marker column still decides."""
        text = "Date;Amount;X\n02.01.2024;3,50;D\n03.01.2024;1,00;D\n"
        assert amounts(parse(text)) == [Decimal("-3.50"), Decimal("-1.00")]


class TestRefusals:
    def test_unsigned_amounts_without_direction_are_refused(self) -> None:
        """No sign and no marker column: refused, naming the candidates and the options."""
        error = refusal("Date;Amount;Type\n02.01.2024;3,50;CARD\n03.01.2024;1,00;ATM\n")
        assert [e.field for e in error.errors] == ["unsigned_amounts"]
        message = str(error)
        assert "no amount in column 'Amount' carries a sign" in message
        assert "column 2 ('Type')" in message
        assert "mapping={'sign': 'Type'}" in message
        assert "unsigned_amounts='debit'" in message

    def test_headerless_unsigned_refusal_names_columns_by_index(self) -> None:
        """Without a header the candidates and the mapping example use 0-based indexes."""
        message = str(refusal("02.01.2024;3,50;CARD\n03.01.2024;1,00;ATM\n"))
        assert "candidates for the direction: column 2)" in message
        assert "mapping={'sign': 2}" in message

    def test_unsigned_option_makes_them_debits(self) -> None:
        """unsigned_amounts='debit' books every unsigned amount as money out."""
        text = "Date;Amount\n02.01.2024;3,50\n03.01.2024;1,00\n"
        assert amounts(parse(text, unsigned_amounts="debit")) == [
            Decimal("-3.50"),
            Decimal("-1.00"),
        ]

    def test_unsigned_option_makes_them_credits(self) -> None:
        """unsigned_amounts='credit' books them as money in."""
        text = "Date;Amount\n02.01.2024;3,50\n"
        assert amounts(parse(text, unsigned_amounts="credit")) == [Decimal("3.50")]

    def test_unknown_unsigned_option_is_refused(self) -> None:
        """Only 'debit' and 'credit' decide a direction."""
        error = refusal("Date;Amount\n02.01.2024;-3,50\n", unsigned_amounts="out")
        assert "unsigned_amounts: 'out' is not a direction" in str(error)

    def test_two_marker_columns_are_refused(self) -> None:
        """Two columns of markers: refused naming both."""
        text = "Date;Amount;A;B\n02.01.2024;3,50;D;S\n03.01.2024;1,00;C;H\n"
        message = str(refusal(text))
        assert "column 2 ('A') and column 3 ('B') each hold debit/credit markers" in message
        assert "mapping={'sign': 'A'}" in message

    def test_two_date_columns_are_refused(self) -> None:
        """Two unnamed date columns: refused, naming both and the mapping option."""
        text = "X;Y;Betrag\n02.01.2024;05.01.2024;-1,00\n"
        error = refusal(text)
        assert [e.field for e in error.errors] == ["mapping"]
        assert "column 0 ('X'), column 1 ('Y') could each be it" in str(error)
        assert "mapping={'date': 'X'}" in str(error)

    def test_two_amount_columns_are_refused(self) -> None:
        """Two unnamed amount columns: refused, naming both."""
        text = "Date;X;Y\n02.01.2024;-1,00;99,00\n"
        message = str(refusal(text))
        assert "which column holds the amount: column 1 ('X'), column 2 ('Y')" in message

    def test_the_mapping_settles_two_candidates(self) -> None:
        """With the date named, the other date column is no longer in the way."""
        parsed = parse("X;Y;Betrag\n02.01.2024;05.01.2024;-1,00\n", mapping={"date": "Y"})
        assert parsed.rows[0].date == date(2024, 1, 5)


class TestRunningBalance:
    OLDEST_FIRST = "Date;Amount;Balance\n02.01.2024;-10,00;90,00\n03.01.2024;+5,00;95,00\n"
    NEWEST_FIRST = "Date;Amount;Balance\n03.01.2024;+5,00;95,00\n02.01.2024;-10,00;90,00\n"

    def test_oldest_first_balances_state_the_statement(self) -> None:
        """Opening is the first balance before its row; closing the last balance."""
        statement = parse(self.OLDEST_FIRST).statements[0]
        assert (statement.opening_balance, statement.closing_balance) == (
            Decimal("100.00"),
            Decimal("95.00"),
        )
        assert (statement.period_start, statement.period_end) == (
            date(2024, 1, 2),
            date(2024, 1, 3),
        )

    def test_newest_first_balances_chain_too(self) -> None:
        """A newest-first file states the same opening and closing balances."""
        statement = parse(self.NEWEST_FIRST).statements[0]
        assert (statement.opening_balance, statement.closing_balance) == (
            Decimal("100.00"),
            Decimal("95.00"),
        )

    def test_broken_chain_names_the_first_row_and_line(self) -> None:
        """A balance that does not follow is refused with its row and file line."""
        text = "Statement 1\n\nDate;Amount;Balance\n02.01.2024;-10,00;90,00\n"
        text += "03.01.2024;+5,00;95,00\n04.01.2024;-1,00;93,00\n"
        error = refusal(text)
        (entry,) = error.errors
        assert (entry.field, entry.row, entry.line) == ("file", 3, 6)
        assert "row 3 (line 6) states 93.00 where the rows before it lead to 94.00" in str(error)

    def test_check_can_be_turned_off(self) -> None:
        """check_balances=False imports the rows and states no balances."""
        text = "Date;Amount;Balance\n02.01.2024;-10,00;90,00\n03.01.2024;-1,00;1,00\n"
        parsed = parse(text, check_balances=False)
        assert amounts(parsed) == [Decimal("-10.00"), Decimal("-1.00")]
        assert parsed.statements[0].closing_balance is None

    def test_rows_without_balance_carry_into_the_next(self) -> None:
        """A bank that prints one balance per day still chains."""
        text = "Date;Amount;Balance\n02.01.2024;-10,00;\n02.01.2024;-5,00;85,00\n"
        text += "03.01.2024;+5,00;90,00\n"
        statement = parse(text).statements[0]
        assert (statement.opening_balance, statement.closing_balance) == (
            Decimal("100.00"),
            Decimal("90.00"),
        )

    def test_unsigned_amounts_that_chain_as_credits_import(self) -> None:
        """Unsigned amounts whose balances rise by them are money in, by the balances."""
        text = "Date;Amount;Balance\n02.01.2024;10,00;110,00\n03.01.2024;5,00;115,00\n"
        assert amounts(parse(text)) == [Decimal("10.00"), Decimal("5.00")]

    def test_unsigned_amounts_against_falling_balances_are_refused(self) -> None:
        """Unsigned amounts whose balances fall cannot be credits: refused, saying why."""
        text = "Date;Amount;Balance\n02.01.2024;10,00;90,00\n03.01.2024;5,00;85,00\n"
        error = refusal(text)
        assert [e.field for e in error.errors] == ["unsigned_amounts"]
        assert "do not add up with the balance column" in str(error)

    def test_file_without_balances_states_only_its_period(self) -> None:
        """No balance column: the statement has a period and null balances."""
        statement = parse("Date;Amount\n02.01.2024;-1,00\n").statements[0]
        assert (statement.period_end, statement.opening_balance, statement.closing_balance) == (
            date(2024, 1, 2),
            None,
            None,
        )


_money = st.decimals(min_value=Decimal("-99999.99"), max_value=Decimal("99999.99"), places=2)


def _statement_csv(opening: Decimal, moves: list[Decimal], newest_first: bool, bump: int) -> str:
    """One row per day with its running balance; the balance of row ``bump`` is 0.01 off."""
    rows, balance = [], opening
    for day, amount in enumerate(moves):
        balance += amount
        rows.append((date(2024, 1, 1) + timedelta(days=day), amount, balance))
    off = [b + (Decimal("0.01") if i == bump else 0) for i, (_, _, b) in enumerate(rows)]
    lines = [
        f"{d.isoformat()};{a:+.2f};{b:.2f}".replace(".", ",")
        for (d, a, _), b in zip(rows, off, strict=True)
    ]
    if newest_first:
        lines.reverse()
    return "Datum;Betrag;Saldo\n" + "\n".join(lines) + "\n"


class TestRunningBalanceProperties:
    @given(_money, st.lists(_money, min_size=1, max_size=12), st.booleans())
    def test_chained_balances_state_opening_and_closing(
        self, opening: Decimal, moves: list[Decimal], newest_first: bool
    ) -> None:
        """Any chaining file, either order: opening and closing are what the rows imply."""
        parsed = parse(_statement_csv(opening, moves, newest_first, bump=-1))
        statement = parsed.statements[0]
        assert (statement.opening_balance, statement.closing_balance) == (
            opening,
            opening + sum(moves, Decimal(0)),
        )

    @given(
        _money,
        st.lists(_money, min_size=2, max_size=12),
        st.booleans(),
        st.integers(min_value=0, max_value=11),
    )
    def test_one_wrong_balance_is_named_at_the_first_row_it_breaks(
        self, opening: Decimal, moves: list[Decimal], newest_first: bool, bump: int
    ) -> None:
        """A balance 0.01 off is refused at the first row, in file order, that it breaks."""
        bump %= len(moves)
        with pytest.raises(ValidationError) as caught:
            parse(_statement_csv(opening, moves, newest_first, bump))
        at_in_file = len(moves) - 1 - bump if newest_first else bump
        (error,) = caught.value.errors
        assert error.row == (2 if at_in_file == 0 else at_in_file + 1)
        assert error.line == error.row + 1
