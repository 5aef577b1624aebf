"""The plugin: registered formats, robustness of every parser, and the CLI command."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

import finance_import.plugin
from finance_core.cli import main
from finance_core.errors import ValidationError
from finance_core.importing import Importer, ImportOptions, ParsedFile
from finance_core.plugins import FinancePlugins, hookimpl, make_plugin_manager
from finance_import.csv_format import parse_csv
from finance_import.plugin import IMPORTERS

FORMATS = ["camt053", "csv", "ofx", "qif"]

#: Inputs that look a little like each format, so the fuzzing gets past the first check.
SEEDS = [b"", b"OFXHEADER:100\n<OFX>", b"!Type:Bank\n", b"Date;Amount\n", b"<Document>"]
inputs = st.one_of(
    st.binary(max_size=300),
    st.tuples(st.sampled_from(SEEDS), st.text(max_size=200)).map(lambda p: p[0] + p[1].encode()),
)


class _MyBank:
    @hookimpl
    def finance_importers(self) -> Sequence[Importer]:
        return [Importer("mybank", (".csv",), parse_csv, sniff=lambda data: True)]


class TestRegistration:
    def test_installed_entry_point_brings_the_four_formats(self) -> None:
        """A default plugin manager finds csv, ofx, qif and camt053."""
        assert set(FORMATS) <= set(make_plugin_manager().importers)

    def test_every_format_can_be_sniffed_and_is_described(self) -> None:
        """Each importer has a sniffer, file extensions and a description."""
        for importer in IMPORTERS:
            assert importer.sniff is not None
            assert importer.extensions
            assert importer.description

    def test_formats_are_found_by_name_in_any_case(self, plugins: FinancePlugins) -> None:
        """'OFX' names the ofx importer."""
        assert plugins.importer_for(b"", "OFX").name == "ofx"

    def test_csv_is_sniffed_after_every_other_format(self) -> None:
        """The broadest sniffer comes after the specific ones, a plugin's included."""
        csv = next(i for i in IMPORTERS if i.name == "csv")
        others = [i for i in IMPORTERS if i.name != "csv"]
        assert all(csv.sniff_order > i.sniff_order for i in others)
        assert csv.sniff_order > Importer("x", (), parse_csv).sniff_order

    def test_a_plugin_format_is_sniffed_before_csv(self) -> None:
        """A third-party format that claims CSV-looking bytes wins over csv."""
        plugins = make_plugin_manager([finance_import.plugin, _MyBank()], load_entry_points=False)
        assert plugins.importer_for(b"Date,Amount\n2024-01-01,1.00\n").name == "mybank"


class TestRobustness:
    @pytest.mark.parametrize("name", FORMATS)
    @given(data=inputs)
    def test_sniffers_answer_any_bytes(self, name: str, data: bytes) -> None:
        """A sniffer says yes or no to anything, never raises."""
        importer = {i.name: i for i in IMPORTERS}[name]
        assert importer.sniff is not None
        assert importer.sniff(data) in (True, False)

    @pytest.mark.parametrize("name", FORMATS)
    @given(data=inputs)
    def test_parsers_fail_only_with_explained_errors(self, name: str, data: bytes) -> None:
        """Garbage gives a ParsedFile or a ValidationError, nothing else."""
        importer = {i.name: i for i in IMPORTERS}[name]
        try:
            result = importer.parse(data, ImportOptions())
        except ValidationError:
            return
        assert isinstance(result, ParsedFile)


class TestImportFormatsCommand:
    def test_lists_every_format(self, capsys: pytest.CaptureFixture[str]) -> None:
        """One line per format with its extensions, under a header."""
        assert main(["import-formats"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].split() == ["FORMAT", "EXTENSIONS", "DESCRIPTION"]
        listed = [line.split()[0] for line in lines[1:]]
        assert set(FORMATS) <= set(listed)
        assert listed == sorted(listed)
        assert any(line.split()[1:3] == [".ofx", ".qfx"] for line in lines)

    def test_console_script_runs_it(self) -> None:
        """The finance-planner script knows the command."""
        done = subprocess.run(
            [sys.executable, "-m", "finance_core.cli", "import-formats"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0
        assert "camt053" in done.stdout
