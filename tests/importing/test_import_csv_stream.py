"""Reading a CSV file a chunk at a time gives exactly the rows and statement parse_csv gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance_core import open_ledger
from finance_core.errors import ValidationError
from finance_core.import_statements import file_hash
from finance_core.import_stream import RowChunk
from finance_core.importing import ImportOptions, ParsedRow, RejectedRow
from finance_core.services import Ledger
from finance_core.statements import ParsedStatement
from finance_core.tenancy import Principal
from finance_import.csv_format import parse_csv
from finance_import.csv_stream import CsvFileSource

SAMPLE_CSVS = sorted(
    name
    for name in (
        "csv_at_easybank_noheader_crlf.csv",
        "csv_at_ingdiba_soll_haben_latin1.csv",
        "csv_de_commerzbank_bom_crlf.csv",
        "csv_fr_cp1252.csv",
        "csv_revolut_pending_rows.csv",
        "csv_us_chase_style_mdy.csv",
        "csv_us_debit_credit_columns.csv",
    )
)


#: The Revolut sample's fixture balances do not add up; it is read without them.
UNCHECKED = ImportOptions(check_balances=False)

Read = tuple[list[ParsedRow], list[RejectedRow], list[ParsedStatement]]


def streamed(source: CsvFileSource) -> Read:
    """The rows, rejects and statements of every chunk, in order."""
    rows: list[ParsedRow] = []
    rejected: list[RejectedRow] = []
    statements: list[ParsedStatement] = []
    chunk: RowChunk
    for chunk in source.chunks():
        rows += chunk.rows
        rejected += chunk.rejected
        statements += [chunk.statement] if chunk.statement else []
    return rows, rejected, statements


def assert_read_alike(path: Path, options: ImportOptions, chunk_rows: int) -> None:
    """The stream gives parse_csv's rows, rejects and statement, or its refusal."""
    try:
        parsed = parse_csv(path.read_bytes(), options)
    except ValidationError as refused:
        with pytest.raises(ValidationError) as also:
            streamed(CsvFileSource(path, options, chunk_rows))
        assert also.value.errors == refused.errors
        return
    expected = (list(parsed.rows), list(parsed.rejected), list(parsed.statements))
    assert streamed(CsvFileSource(path, options, chunk_rows)) == expected


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text)
    return path


class TestSameRowsAsParseCsv:
    @pytest.mark.parametrize("name", SAMPLE_CSVS)
    def test_sample_exports_read_alike(self, samples: Path, name: str) -> None:
        """Every sample bank export: the same rows, rejects and statement, in any chunk size."""
        options = UNCHECKED if "revolut" in name else ImportOptions()
        for chunk_rows in (1, 3, 1000):
            assert_read_alike(samples / name, options, chunk_rows)

    def test_unadding_balances_are_refused_alike(self, samples: Path) -> None:
        """The Revolut sample's balances break at the same row and line as in parse_csv."""
        assert_read_alike(samples / "csv_revolut_pending_rows.csv", ImportOptions(), 2)

    @settings(max_examples=20, deadline=None)
    @given(
        lines=st.lists(
            st.tuples(
                st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(
                    lambda d: d.strftime("%d.%m.%Y")
                ),
                st.integers(-99_999, 99_999).map(lambda c: f"{c / 100:.2f}".replace(".", ",")),
                st.text(alphabet='abc äß;"', max_size=8),
            ),
            max_size=12,
        ),
        chunk_rows=st.integers(1, 5),
        encoding=st.sampled_from(["utf-8", "cp1252", "utf-8-sig"]),
    )
    def test_generated_files_read_alike(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        lines: list[tuple[str, str, str]],
        chunk_rows: int,
        encoding: str,
    ) -> None:
        """German-style files with quoting, odd characters and any encoding read alike."""
        text = "Buchungstag;Betrag;Verwendungszweck\r\n" + "".join(
            f'{day};{amount};"{memo.replace(chr(34), chr(34) * 2)}"\r\n'
            for day, amount, memo in lines
        )
        path = tmp_path_factory.mktemp("csv") / "export.csv"
        path.write_bytes(text.encode(encoding))
        # A file parse_csv refuses (all amounts unsigned, say) is refused alike.
        assert_read_alike(path, ImportOptions(), chunk_rows)

    @settings(max_examples=30, deadline=None)
    @given(
        lines=st.lists(
            st.tuples(
                st.integers(1, 28),
                st.integers(-5_000, 5_000),
                st.sampled_from(["", "", "pending"]),
                st.booleans(),
                st.integers(-2, 2),
            ),
            min_size=1,
            max_size=10,
        ),
        newest_first=st.booleans(),
        unsigned=st.booleans(),
        chunk_rows=st.integers(1, 4),
    )
    def test_files_with_balances_read_alike(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        lines: list[tuple[int, int, str, bool, int]],
        newest_first: bool,
        unsigned: bool,
        chunk_rows: int,
    ) -> None:
        """Running balances, blank or off by a cent, pending rows, either order: alike."""
        balance, body = 10_000, []
        for day, cents, state, blank, error in sorted(lines):
            cents = abs(cents) if unsigned else cents
            balance += cents
            stated = "" if blank else f"{(balance + error) / 100:.2f}"
            body.append(f"2026-03-{day:02d},{cents / 100:.2f},{stated},{state},Shop {day}\n")
        if newest_first:
            body.reverse()
        text = "Date,Amount,Balance,State,Description\n" + "".join(body)
        path = tmp_path_factory.mktemp("csv") / "export.csv"
        path.write_text(text)
        assert_read_alike(path, ImportOptions(), chunk_rows)


class TestProblemsNamed:
    def test_empty_file_is_refused(self, tmp_path: Path) -> None:
        """An empty file is a ValidationError naming the file."""
        path = tmp_path / "empty.csv"
        path.write_text("  \n")
        with pytest.raises(ValidationError, match="empty"):
            CsvFileSource(path)

    def test_wrong_encoding_is_named(self, tmp_path: Path) -> None:
        """A named encoding the file does not decode in is refused, naming encoding."""
        path = tmp_path / "latin.csv"
        path.write_bytes("Datum;Betrag\n01.02.2024;-1,00 ä\n".encode("cp1252"))
        with pytest.raises(ValidationError) as refused:
            CsvFileSource(path, ImportOptions(encoding="utf-8"))
        assert refused.value.errors[0].field == "encoding"


class TestImported:
    def test_file_imports_through_the_stream(self, samples: Path) -> None:
        """A sample export streamed into a ledger stores what import_file stores."""
        name = "csv_us_chase_style_mdy.csv"
        ledger = open_ledger("memory://")
        who = ledger.create_tenant("t", "T", owner="o")
        whole = ledger.open_account(who, "A", "checking")
        streamed_into = ledger.open_account(who, "B", "checking")
        expected = ledger.import_file(
            who, whole.id, parse_csv((samples / name).read_bytes(), UNCHECKED)
        )
        got = ledger.import_stream(
            who, streamed_into.id, CsvFileSource(samples / name, chunk_rows=4)
        )
        assert (got.created, got.duplicates, got.rejected) == (
            expected.created,
            expected.duplicates,
            expected.rejected,
        )
        balance = ledger.get_account(who, whole.id).balance
        assert ledger.get_account(who, streamed_into.id).balance == balance


class _ChangedAfterFirstReading(CsvFileSource):
    """A file another program appends to once the import has read it through once."""

    readings = 0

    def chunks(self) -> Iterator[RowChunk]:
        yield from super().chunks()
        self.readings += 1
        if self.readings == 1:
            with self.path.open("a", encoding="utf-8") as out:
                out.write("2026-03-09,-7.00\n")


class TestFileChanged:
    def test_file_changed_between_readings_stores_nothing(self, tmp_path: Path) -> None:
        """The rows checked in the first reading must be the rows posted in the second:
        a file that changed in between is refused, nothing stored."""
        path = write(tmp_path, "Date,Amount\n2026-03-02,-5.00\n2026-03-03,-2.00\n")
        ledger = open_ledger("memory://")
        who = ledger.create_tenant("t", "T", owner="o")
        account = ledger.open_account(who, "A", "checking")
        with pytest.raises(ValidationError, match="changed while it was being imported"):
            ledger.import_stream(who, account.id, _ChangedAfterFirstReading(path))
        assert ledger.list_transactions(who).items == []

    def test_file_changed_after_it_was_opened_is_refused(self, tmp_path: Path) -> None:
        """A file rewritten between opening and importing is refused before any reading."""
        path = write(tmp_path, "Date,Amount\n2026-03-02,-5.00\n")
        source = CsvFileSource(path)
        path.write_text("Date,Amount\n2026-03-02,-5.00\n2026-03-04,-1.00\n", encoding="utf-8")
        ledger = open_ledger("memory://")
        who = ledger.create_tenant("t", "T", owner="o")
        account = ledger.open_account(who, "A", "checking")
        with pytest.raises(ValidationError, match="import it again"):
            ledger.import_stream(who, account.id, source)


#: Oldest first with a running balance: opening 100.00, closing 87.50; a preamble line.
STATEMENT = (
    "Kontoauszug\n"
    "Datum;Omschrijving;Bedrag;Saldo\n"
    "02.03.2026;Huur;-10,00;90,00\n"
    "03.03.2026;Brood;-1,00;89,00\n"
    "05.03.2026;Koffie;-1,50;87,50\n"
)


class TestBalancesAndStatement:
    @pytest.fixture
    def ledger(self) -> Ledger:
        return open_ledger("memory://")

    @pytest.fixture
    def who(self, ledger: Ledger) -> Principal:
        return ledger.create_tenant("t", "T", owner="o")

    def test_break_in_a_later_chunk_is_refused_and_nothing_stored(
        self, tmp_path: Path, ledger: Ledger, who: Principal
    ) -> None:
        """A balance that does not follow, two chunks in, names its row and line; no rows."""
        path = write(tmp_path, STATEMENT.replace("87,50", "88,50"))
        account = ledger.open_account(who, "A", "checking", currency="EUR")
        with pytest.raises(ValidationError) as refused:
            ledger.import_stream(who, account.id, CsvFileSource(path, chunk_rows=1))
        (error,) = refused.value.errors
        assert (error.field, error.row, error.line) == ("file", 3, 5)
        assert "check_balances=false" in error.message
        assert ledger.get_account(who, account.id).balance == 0
        assert ledger.list_transactions(who).items == []

    def test_statement_from_the_balance_column_is_recorded(
        self, tmp_path: Path, ledger: Ledger, who: Principal
    ) -> None:
        """The opening and closing balances and the period go on record with the file's hash."""
        path = write(tmp_path, STATEMENT)
        account = ledger.open_account(who, "A", "checking", currency="EUR")
        source = CsvFileSource(path, chunk_rows=2)
        result = ledger.import_stream(who, account.id, source, file_hash=source.file_hash())
        (view,) = result.statements
        figures = (
            view.statement.period_start,
            view.statement.period_end,
            view.statement.opening_balance,
            view.statement.closing_balance,
        )
        assert figures == (date(2026, 3, 2), date(2026, 3, 5), Decimal(100), Decimal("87.50"))
        assert result.reconciliation is not None
        assert result.reconciliation.difference == Decimal(100)

    def test_balances_sign_unsigned_amounts(
        self, tmp_path: Path, ledger: Ledger, who: Principal
    ) -> None:
        """Unsigned amounts that chain with the balances as money in are imported so."""
        path = write(
            tmp_path, "Date,Amount,Balance\n2026-03-02,5.00,15.00\n2026-03-03,2.00,17.00\n"
        )
        account = ledger.open_account(who, "A", "checking")
        result = ledger.import_stream(who, account.id, CsvFileSource(path, chunk_rows=1))
        assert (result.created, ledger.get_account(who, account.id).balance) == (2, Decimal(7))

    def test_unsigned_amounts_the_balances_cannot_sign_are_refused(
        self, tmp_path: Path, ledger: Ledger, who: Principal
    ) -> None:
        """Unsigned amounts whose balances go down are refused, naming unsigned_amounts."""
        path = write(
            tmp_path, "Date,Amount,Balance\n2026-03-02,5.00,15.00\n2026-03-03,2.00,13.00\n"
        )
        account = ledger.open_account(who, "A", "checking")
        with pytest.raises(ValidationError) as refused:
            ledger.import_stream(who, account.id, CsvFileSource(path))
        assert refused.value.errors[0].field == "unsigned_amounts"
        assert ledger.list_transactions(who).items == []

    def test_file_hash_is_the_sha256_of_the_bytes(self, tmp_path: Path) -> None:
        """The streamed hash is the hash of the whole file's bytes."""
        path = write(tmp_path, STATEMENT * 3000)
        assert CsvFileSource(path).file_hash() == file_hash(path.read_bytes())
