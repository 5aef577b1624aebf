"""Reading a CSV file a chunk at a time gives exactly the rows parse_csv gives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance_core import open_ledger
from finance_core.errors import ValidationError
from finance_core.import_stream import RowChunk
from finance_core.importing import ImportOptions, ParsedRow, RejectedRow
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


#: The stream does not check running balances (yet), so the comparison leaves them out.
UNCHECKED = ImportOptions(check_balances=False)


def streamed(source: CsvFileSource) -> tuple[list[ParsedRow], list[RejectedRow]]:
    rows: list[ParsedRow] = []
    rejected: list[RejectedRow] = []
    chunk: RowChunk
    for chunk in source.chunks():
        rows += chunk.rows
        rejected += chunk.rejected
    return rows, rejected


class TestSameRowsAsParseCsv:
    @pytest.mark.parametrize("name", SAMPLE_CSVS)
    def test_sample_exports_read_alike(self, samples: Path, name: str) -> None:
        """Every sample bank export: the same rows and rejects, in any chunk size."""
        parsed = parse_csv((samples / name).read_bytes(), UNCHECKED)
        for chunk_rows in (1, 3, 1000):
            rows, rejected = streamed(CsvFileSource(samples / name, chunk_rows=chunk_rows))
            assert rows == list(parsed.rows)
            assert rejected == list(parsed.rejected)

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
        try:
            parsed = parse_csv(path.read_bytes(), UNCHECKED)
        except ValidationError as refused:
            # A file parse_csv refuses (all amounts unsigned, say) is refused alike.
            with pytest.raises(ValidationError) as also:
                streamed(CsvFileSource(path, chunk_rows=chunk_rows))
            assert also.value.errors == refused.errors
            return
        rows, rejected = streamed(CsvFileSource(path, chunk_rows=chunk_rows))
        assert (rows, rejected) == (list(parsed.rows), list(parsed.rejected))


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
