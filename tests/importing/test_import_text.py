"""Decoding a file's bytes and tidying bank texts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.errors import ValidationError
from finance_import.text import decode, fuller, squash


class TestDetectedEncoding:
    def test_utf8_is_read_as_utf8(self) -> None:
        """Plain UTF-8 decodes as written."""
        assert decode("Währung €".encode()) == "Währung €"

    def test_utf8_byte_order_mark_is_dropped(self) -> None:
        """A leading BOM never reaches the first column name."""
        assert decode(b"\xef\xbb\xbfDate") == "Date"

    def test_bytes_that_are_not_utf8_are_windows_1252(self) -> None:
        """0x80 is the euro sign and 0x97 an em dash, as Windows writes them."""
        assert decode(b"CAF\xc9 \x97 \x8020") == "CAFÉ — €20"

    def test_latin_1_text_reads_the_same_through_windows_1252(self) -> None:
        """Latin-1 umlauts decode unchanged."""
        assert decode("Prämie Währung".encode("latin-1")) == "Prämie Währung"

    def test_bytes_windows_1252_leaves_undefined_fall_back_to_latin_1(self) -> None:
        """0x81 has no Windows-1252 character, so Latin-1 still reads the file."""
        assert decode(b"a\x81b") == "a\x81b"

    def test_utf16_with_byte_order_mark(self) -> None:
        """Spreadsheet 'Unicode text' exports are UTF-16 with a BOM."""
        assert decode("Datum;Betrag".encode("utf-16")) == "Datum;Betrag"

    @given(st.text())
    def test_any_utf8_text_round_trips(self, text: str) -> None:
        """Whatever UTF-8 encodes, decode gives back (less one leading BOM)."""
        assert decode(text.encode()) == text.removeprefix("\ufeff")


class TestNamedEncoding:
    def test_named_encoding_wins_over_detection(self) -> None:
        """Bytes that are valid UTF-8 still decode as the encoding the caller names."""
        assert decode("é".encode(), "latin-1") == "Ã©"

    def test_unknown_encoding_name_is_explained(self) -> None:
        """A misspelt encoding names itself and the usual choices."""
        with pytest.raises(ValidationError, match=r"encoding: 'utf-9' is not a known .*'cp1252'"):
            decode(b"x", "utf-9")

    def test_bytes_the_named_encoding_cannot_read_are_located(self) -> None:
        """The error gives the byte and offset, and suggests detection."""
        with pytest.raises(ValidationError, match=r"byte 0xe9 at offset 3 .*leave encoding out"):
            decode(b"caf\xe9", "utf-8")


class TestSquash:
    def test_padding_and_newlines_become_single_spaces(self) -> None:
        """Fixed-width padding and wrapped lines collapse."""
        assert squash("  Einbehaltene KESt      BG/1 \r\n x ") == "Einbehaltene KESt BG/1 x"

    def test_blank_text_is_none(self) -> None:
        """Whitespace only means no text at all."""
        assert squash(" \t ") is None


class TestFuller:
    def test_memo_that_extends_a_cut_name_wins(self) -> None:
        """A NAME cut at 32 characters gives way to the MEMO that contains it."""
        assert fuller("DIVIDEND EARNED FOR", "DIVIDEND EARNED FOR PERIOD") == (
            "DIVIDEND EARNED FOR PERIOD"
        )

    def test_longer_first_text_wins(self) -> None:
        """Containment works both ways and ignores case."""
        assert fuller("Coffee Shop Berlin", "coffee shop") == "Coffee Shop Berlin"

    def test_unrelated_texts_are_both_kept(self) -> None:
        """Payee and memo that say different things are joined."""
        assert fuller("Target", "two transactions") == "Target / two transactions"

    def test_one_missing_text_gives_the_other(self) -> None:
        """No name: the memo alone."""
        assert fuller(None, " memo ") == "memo"
