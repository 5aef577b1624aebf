"""Every real bank export in the samples folder imports to the facts its SOURCES.md records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, Protocol

import pytest

from finance_core import open_ledger
from finance_core.errors import ValidationError
from finance_core.import_statements import file_hash
from finance_core.importing import ImportOptions, ParsedFile
from finance_core.plugins import FinancePlugins

DEFAULT = ImportOptions()
NO_ZERO = ImportOptions(include_zero=False)
#: Revolut's fixture balances do not add up (SOURCES.md says so), so its rows import
#: only with the balance check off; TestBalances shows the default refusal.
UNCHECKED = ImportOptions(check_balances=False)
UNCHECKED_PENDING = ImportOptions(include_pending=True, check_balances=False)


FORMATS = {".ofx": "ofx", ".qif": "qif", ".csv": "csv", ".xml": "camt053"}


class Facts(NamedTuple):
    file: str
    rows: int
    total: str
    first: str
    last: str
    currency: str | None
    options: ImportOptions = DEFAULT

    @property
    def format(self) -> str:
        return FORMATS[Path(self.file).suffix]


FACTS = [
    Facts("ofx1_nubank_creditcard_brl.ofx", 6, "-1280.91", "2024-03-23", "2024-03-22", "BRL"),
    Facts("ofx2_checking_decimal_comma.ofx", 2, "-500.00", "2005-10-04", "2005-10-20", "USD"),
    Facts("ofx1_checking_usd_tabs.ofx", 3, "-59.50", "2011-03-31", "2011-04-07", "USD"),
    Facts("ofx2_suncorp_aud_crlf_cdata.ofx", 1, "-16.85", "2013-12-15", "2013-12-15", "AUD"),
    Facts("qif_quiffen_splits_classes.qif", 6, "-35.50", "2020-02-10", "2020-02-10", None),
    Facts("qif_quiffen_splits_classes.qif", 5, "-35.50", "2020-02-14", "2020-02-10", None, NO_ZERO),
    Facts("qif_qifparse_cash_ddmmyyyy.qif", 3, "-23.50", "2013-10-23", "2013-10-11", None),
    Facts("csv_us_debit_credit_columns.csv", 12, "-15858.75", "2025-08-05", "2025-07-08", None),
    Facts("csv_fr_cp1252.csv", 3, "20.00", "2012-03-22", "2012-03-24", None),
    Facts("csv_at_ingdiba_soll_haben_latin1.csv", 6, "-992.03", "2013-12-31", "2013-08-13", "EUR"),
    Facts("csv_at_easybank_noheader_crlf.csv", 10, "-1562.86", "2014-01-01", "2015-10-07", "EUR"),
    Facts("csv_de_commerzbank_bom_crlf.csv", 7, "-73.74", "2024-12-31", "2025-08-07", "EUR"),
    Facts(
        "csv_de_commerzbank_bom_crlf.csv", 5, "-73.74", "2024-12-31", "2025-05-15", "EUR", NO_ZERO
    ),
    Facts("csv_revolut_pending_rows.csv", 7, "86.56", "2022-01-02", "2022-01-14", "EUR", UNCHECKED),
    Facts(
        "csv_revolut_pending_rows.csv",
        9,
        "-31.59",
        "2022-01-02",
        "2022-01-15",
        "EUR",
        UNCHECKED_PENDING,
    ),
    Facts("csv_us_chase_style_mdy.csv", 6, "-1490.16", "2016-03-18", "2016-03-04", None),
    Facts("camt053_v04_raiffeisen_chf.xml", 16, "-3679.85", "2017-04-01", "2017-04-11", "CHF"),
]


def _label(facts: Facts) -> str:
    rule = {
        id(NO_ZERO): "-no-zero",
        id(UNCHECKED_PENDING): "-with-pending",
    }.get(id(facts.options), "")
    return facts.file + rule


class Parse(Protocol):
    def __call__(self, name: str, options: ImportOptions = ...) -> ParsedFile: ...


@pytest.fixture
def parse(plugins: FinancePlugins, sample: Callable[[str], bytes]) -> Parse:
    """Parse a sample the way a caller without a format would: sniff, then parse."""

    def run(name: str, options: ImportOptions = DEFAULT) -> ParsedFile:
        data = sample(name)
        return plugins.importer_for(data).parse(data, options)

    return run


class TestRecordedFacts:
    @pytest.mark.parametrize("facts", FACTS, ids=_label)
    def test_sample_imports_to_its_recorded_facts(self, parse: Parse, facts: Facts) -> None:
        """Count, sum, first and last date in file order, and currency match SOURCES.md."""
        parsed = parse(facts.file, facts.options)
        assert parsed.rejected == ()
        assert len(parsed.rows) == facts.rows
        assert sum((r.amount for r in parsed.rows), Decimal(0)) == Decimal(facts.total)
        assert parsed.rows[0].date == date.fromisoformat(facts.first)
        assert parsed.rows[-1].date == date.fromisoformat(facts.last)
        assert parsed.currency == facts.currency

    @pytest.mark.parametrize("facts", FACTS, ids=_label)
    def test_sniffing_picks_the_right_format(
        self, plugins: FinancePlugins, sample: Callable[[str], bytes], facts: Facts
    ) -> None:
        """Without a format name the sample's own format is chosen."""
        assert plugins.importer_for(sample(facts.file)).name == facts.format

    def test_every_sample_file_has_recorded_facts(self, samples: Path) -> None:
        """No sample in the folder escapes the facts table."""
        files = {p.name for p in samples.iterdir() if p.name != "SOURCES.md"}
        assert files == {f.file for f in FACTS}


class TestThroughTheLedger:
    @pytest.mark.parametrize("facts", FACTS, ids=_label)
    def test_rows_are_created_once_and_then_recognised(
        self, plugins: FinancePlugins, sample: Callable[[str], bytes], facts: Facts
    ) -> None:
        """The core imports every parsed row; the same file again creates nothing."""
        data = sample(facts.file)
        parsed = plugins.importer_for(data).parse(data, facts.options)
        ledger = open_ledger("memory://")
        owner = ledger.create_tenant("t", "T", owner="u")
        account = ledger.open_account(owner, "A", "checking", currency=facts.currency or "USD")
        first = ledger.import_file(owner, account.id, parsed)
        again = ledger.import_file(owner, account.id, parsed)
        assert (first.created, first.rejected, first.committed) == (facts.rows, 0, True)
        assert (again.created, again.duplicates) == (0, facts.rows)


class TestDecodedText:
    def test_windows_1252_text_keeps_euro_dash_and_accents(self, parse: Parse) -> None:
        """The cp1252 file's 0x80 and 0x97 decode to the euro sign and an em dash."""
        rows = parse("csv_fr_cp1252.csv").rows
        assert [r.description for r in rows] == [
            "DÉPÔT",
            "VIREMENT VERS ÉPARGNE",
            "CAFÉ — €20 REÇU",
        ]

    def test_latin_1_umlauts_decode(self, parse: Parse) -> None:
        """ING-DiBa's Latin-1 'Prämie' reads as written."""
        assert parse("csv_at_ingdiba_soll_haben_latin1.csv").rows[-1].description == "Prämie Foo"

    def test_utf8_with_bom_reads_the_first_column(self, parse: Parse) -> None:
        """Commerzbank's BOM does not hide the Buchungstag column or garble umlauts."""
        first = parse("csv_de_commerzbank_bom_crlf.csv").rows[0]
        assert first.date == date(2024, 12, 31)
        assert first.description is not None
        assert first.description.startswith("Kontoführung Konto 123456700 EUR")

    def test_numbers_inside_texts_do_not_disturb_amounts(self, parse: Parse) -> None:
        """A booking text holding '9,90- EUR' keeps its text and its own amount."""
        first = parse("csv_de_commerzbank_bom_crlf.csv").rows[0]
        assert first.amount == Decimal("-10.70")
        assert "Grundpreis 9,90- EUR" in (first.description or "")

    def test_fixed_width_padding_is_squashed(self, parse: Parse) -> None:
        """easybank's padded booking text becomes single-spaced words."""
        first = parse("csv_at_easybank_noheader_crlf.csv").rows[0]
        assert first.description == "Einbehaltene KESt BG/000000001"

    def test_cdata_payee_is_the_merchant_without_padding(self, parse: Parse) -> None:
        """Suncorp's CDATA NAME with trailing spaces is the merchant; MEMO the description."""
        row = parse("ofx2_suncorp_aud_crlf_cdata.ofx").rows[0]
        assert row.merchant == "EFTPOS WDL HANDYWAY ALDI STORE"
        assert row.description == "EFTPOS WDL HANDYWAY ALDI STORE GEELONG WEST VICAU"

    def test_camt_multi_line_texts_are_single_lines(self, parse: Parse) -> None:
        """AddtlNtryInf's embedded newline becomes a space."""
        second = parse("camt053_v04_raiffeisen_chf.xml").rows[1]
        assert second.description == (
            "Acquisto MIGROS M ARBEDO-CAST 31.03.2017/13:30 / N. carta Maestro xxxxxxxx"
        )


class TestSampleDetails:
    def test_soll_and_haben_totals(self, parse: Parse) -> None:
        """ING-DiBa: Haben adds to 542.53 and Soll to 1534.56."""
        amounts = [r.amount for r in parse("csv_at_ingdiba_soll_haben_latin1.csv").rows]
        assert sum(a for a in amounts if a > 0) == Decimal("542.53")
        assert sum(a for a in amounts if a < 0) == Decimal("-1534.56")

    def test_explicit_plus_signs_are_credits(self, parse: Parse) -> None:
        """easybank's '+1,23', '+12,10' and '+9,98' are the only credits."""
        rows = parse("csv_at_easybank_noheader_crlf.csv").rows
        credits = [r.amount for r in rows if r.amount > 0]
        assert credits == [Decimal("1.23"), Decimal("12.10"), Decimal("9.98")]

    def test_thousands_dot_with_decimal_comma(self, parse: Parse) -> None:
        """easybank's '-1.001,00' is minus one thousand and one."""
        rows = parse("csv_at_easybank_noheader_crlf.csv").rows
        assert rows[4].amount == Decimal("-1001.00")

    def test_pending_rows_kept_on_request_are_marked(self, parse: Parse) -> None:
        """With include_pending, Revolut's two PENDING rows are in and flagged pending."""
        rows = parse("csv_revolut_pending_rows.csv", UNCHECKED_PENDING).rows
        assert [(r.row, r.description) for r in rows if r.pending] == [
            (6, "store"),
            (9, "www.pending.com"),
        ]

    def test_pending_rows_fall_back_to_the_started_date(self, parse: Parse) -> None:
        """A pending row has no Completed Date, so its Started Date is used."""
        rows = parse("csv_revolut_pending_rows.csv", UNCHECKED_PENDING).rows
        assert rows[5].date == date(2022, 1, 13)

    def test_completed_date_is_the_booking_date(self, parse: Parse) -> None:
        """Revolut's third row started on 6 January and completed on the 7th."""
        assert parse("csv_revolut_pending_rows.csv", UNCHECKED).rows[2].date == date(2022, 1, 7)

    def test_details_column_signs_chase_rows(self, parse: Parse) -> None:
        """Chase's CREDIT rows are money in and its DEBIT rows money out."""
        rows = parse("csv_us_chase_style_mdy.csv").rows
        assert [r.amount > 0 for r in rows] == [False, True, False, False, True, False]

    def test_debit_column_is_money_out(self, parse: Parse) -> None:
        """Every row of the Debit/Credit export is a debit, so negative."""
        rows = parse("csv_us_debit_credit_columns.csv").rows
        assert all(r.amount < 0 for r in rows)
        assert rows[0].description == "CHASE CREDIT CRD EPAY"

    def test_ofx_name_cut_short_gives_way_to_the_memo(self, parse: Parse) -> None:
        """NAME is the merchant; the fuller MEMO is the description; FITID the file id."""
        first = parse("ofx1_checking_usd_tabs.ofx").rows[0]
        assert first.merchant == "DIVIDEND EARNED FOR PERIOD OF 03"
        assert first.description == (
            "DIVIDEND EARNED FOR PERIOD OF 03/01/2011 THROUGH 03/31/2011 "
            "ANNUAL PERCENTAGE YIELD EARNED IS 0.05%"
        )
        assert first.file_id == "0000486"

    def test_ofx_memo_only_has_no_merchant(self, parse: Parse) -> None:
        """Nubank's rows have only MEMO: it is the description, the merchant stays empty."""
        first = parse("ofx1_nubank_creditcard_brl.ofx").rows[0]
        assert (first.description, first.merchant) == ("-memo-message-", None)

    def test_quiffen_splits_add_up_to_their_records(self, parse: Parse) -> None:
        """The three split records keep their lines, which add up to the record."""
        rows = parse("qif_quiffen_splits_classes.qif").rows
        split = {r.amount: [a for _, a in r.splits] for r in rows if r.splits}
        assert split == {
            Decimal("67.50"): [Decimal("-15.00"), Decimal("82.50")],
            Decimal("-10.00"): [Decimal("-5.00"), Decimal("-5.00")],
            Decimal("-100.00"): [Decimal(v) for v in ("-50", "-25", "-10", "-15")],
        }

    def test_a_date_line_inside_a_split_is_not_the_record_date(self, parse: Parse) -> None:
        """The Amazon record stays on 2/10'2020 although a split carries D1/10'2020."""
        last = parse("qif_quiffen_splits_classes.qif").rows[-1]
        assert (last.merchant, last.date) == ("Amazon.com", date(2020, 2, 10))

    def test_transfer_category_keeps_its_brackets(self, parse: Parse) -> None:
        """qifparse's transfer record and split keep '[My Cc]'."""
        rows = parse("qif_qifparse_cash_ddmmyyyy.qif").rows
        assert rows[1].category == "[My Cc]"
        assert rows[2].splits == (
            ("[My Cc]", Decimal("-31.00")),
            ("food:lunch", Decimal("-17.00")),
        )

    def test_camt_single_credit(self, parse: Parse) -> None:
        """The statement's only credit is +368.00 on 2017-04-11."""
        rows = parse("camt053_v04_raiffeisen_chf.xml").rows
        assert [(r.date, r.amount) for r in rows if r.amount > 0] == [
            (date(2017, 4, 11), Decimal("368.00"))
        ]

    def test_camt_file_ids_are_the_bank_references(self, parse: Parse) -> None:
        """AcctSvcrRef is every entry's file id, and they are distinct."""
        ids = [r.file_id for r in parse("camt053_v04_raiffeisen_chf.xml").rows]
        assert ids[0] == "210564431020000000024556150000"
        assert len(set(ids)) == 16


class TestStatedBalances:
    @pytest.mark.parametrize(
        "name, opening, closing",
        [
            ("csv_us_debit_credit_columns.csv", "22254.79", "6396.04"),
            ("csv_us_chase_style_mdy.csv", "4900.02", "3409.86"),
            ("camt053_v04_raiffeisen_chf.xml", "9433.31", "5753.46"),
            ("ofx1_nubank_creditcard_brl.ofx", None, "-1280.91"),
            ("ofx1_checking_usd_tabs.ofx", None, "100.99"),
            ("ofx2_checking_decimal_comma.ofx", None, "200.29"),
        ],
    )
    def test_sample_states_the_balances_its_sources_record(
        self, parse: Parse, name: str, opening: str | None, closing: str
    ) -> None:
        """Running balances, OPBD/CLBD and LEDGERBAL give the recorded balances."""
        (stated,) = parse(name).statements
        assert stated.opening_balance == (Decimal(opening) if opening else None)
        assert stated.closing_balance == Decimal(closing)

    def test_revolut_balances_are_refused_at_the_first_break(self, parse: Parse) -> None:
        """The fixture's balances do not add up: row 2 (line 3) is named."""
        with pytest.raises(ValidationError) as caught:
            parse("csv_revolut_pending_rows.csv")
        (error,) = caught.value.errors
        assert (error.row, error.line) == (2, 3)

    def test_raiffeisen_statement_reconciles_with_no_manual_step(
        self, plugins: FinancePlugins, sample: Callable[[str], bytes]
    ) -> None:
        """Imported into an account opened at OPBD, CLBD matches the books: difference 0."""
        data = sample("camt053_v04_raiffeisen_chf.xml")
        ledger = open_ledger("memory://")
        owner = ledger.create_tenant("t", "T", owner="u")
        account = ledger.open_account(
            owner, "Raiffeisen", "checking", currency="CHF", initial_balance=Decimal("9433.31")
        )
        parsed = plugins.importer_for(data).parse(data, DEFAULT)
        result = ledger.import_file(owner, account.id, parsed, file_hash=file_hash(data))
        assert result.reconciliation is not None
        assert result.reconciliation.difference == 0
