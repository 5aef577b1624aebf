"""Every layout and quirk of the real exports the importers support, as small files written
here, so the default test run needs nothing outside the repository.

Each file below copies the shape of one bank's export (header, separator,
encoding, line ends, date and amount style, the oddity that makes it hard)
with a few invented rows; ``test_import_samples`` runs the real exports too
when they are present.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

import pytest

from finance_core.importing import ImportOptions
from finance_core.plugins import FinancePlugins

D = Decimal


class Layout(NamedTuple):
    name: str
    data: bytes
    format: str
    rows: int
    total: str
    first: str
    last: str
    currency: str | None
    closing: str | None = None
    options: ImportOptions = ImportOptions()


#: Austrian giro: no header, Latin-1, CRLF, padded text, booking then value date,
#: explicit +/- with decimal comma and thousands dot.
EASYBANK = (
    "AT1234567890123456;Einbehaltene KESt    BG/000000001  ;01.01.2014;31.12.2013;-0,42;EUR\r\n"
    "AT1234567890123456;Zinsen HABEN         BG/000000002  ;01.01.2014;31.12.2013;+1,23;EUR\r\n"
    "AT1234567890123456;Abbuchung Einzugserm\u00e4chtigung ;08.01.2014;07.01.2014;-1.001,00;EUR\r\n"
).encode("latin-1")
#: Austrian ING-DiBa: semicolons, Latin-1, Soll/Haben with 0,00 on the unused side, newest first.
INGDIBA = (
    "Kontonummer;Text;Datum;W\u00e4hrung;Soll;Haben\n"
    "12345678001;Habenzinsen;31.12.2013;EUR;0,00;12,23\n"
    "12345678001;Kapitalertragsteuer;31.12.2013;EUR;34,56;0,00\n"
    "12345678001;Pr\u00e4mie Foo;13.08.2013;EUR;0,00;1.500,00\n"
).encode("latin-1")
#: Commerzbank: UTF-8 with BOM, CRLF, few decimals, numbers inside long texts, amount-0 rows.
COMMERZBANK = (
    "\ufeffBuchungstag;Wertstellung;Umsatzart;Buchungstext;Betrag;W\u00e4hrung;IBAN;Kategorie\r\n"
    "31.12.2024;31.12.2024;Entgelte;Kontof\u00fchrung Grundpreis 9,90- EUR Auszug 0,80- EUR;"
    "-10,7;EUR;DE79500400000123456700;\r\n"
    "31.12.2024;31.12.2024;Entgelte;Rechnungsabschluss Saldo 8.673,51 EUR;0;EUR;DE79;\r\n"
    "07.08.2025;07.08.2025;Lastschrift;Strom;-10;EUR;DE79;\r\n"
).encode("utf-8")
#: Revolut: started and completed timestamps, fee, state; pending rows lack both the
#: completed date and the balance.
REVOLUT = (
    b"Type,Product,Started Date,Completed Date,Description,Amount,Fee,Currency,State,Balance\n"
    b"TRANSFER,Current,2022-01-02 12:16:54,2022-01-02 12:16:55,To Guybrush,-250.00,0.00,EUR,"
    b"COMPLETED,250.00\n"
    b"CARD_PAYMENT,Current,2022-01-06 08:40:02,2022-01-07 10:28:09,Shop,-38.71,0.50,EUR,"
    b"COMPLETED,210.79\n"
    b"CARD_PAYMENT,Current,2022-01-13 11:21:43,,store,-44.57,0.00,EUR,PENDING,\n"
    b"TOPUP,Current,2022-01-14 08:11:42,2022-01-14 08:12:12,Top-Up,500.00,0.00,EUR,"
    b"COMPLETED,710.79\n"
)
#: Chase: M/D/YYYY, newest first, signed amount plus a Details column, a trailing comma on
#: every line (header too), and a running balance.
CHASE = (
    b'Details,Posting Date,"Description",Amount,Type,Balance,Check or Slip #,\n'
    b'DEBIT,3/18/2016,"Payment to card ending in 1234",-2680.89,ACCT_XFER,3409.86,,\n'
    b'CREDIT,3/15/2016,"EMPLOYER INC DIRECT DEP",2590.73,ACH_CREDIT,6090.75,,\n'
    b'DEBIT,3/4/2016,"BOOGLE WALLET",-1300.00,ACH_DEBIT,3500.02,,\n'
)
#: A US export with unsigned Debit and Credit columns (only debits), amounts like 130 and
#: 7498.1, a routing number with a leading zero, and an account running balance.
US_DEBIT_CREDIT = (
    b"Date,Bank RTN,Account Number,Transaction Type,Description,Debit,Credit,Check Number,"
    b"Account Running Balance\n"
    b"2025-08-05,011103093,7924710994,DEBIT,CHASE CREDIT CRD EPAY ,4050.19,,,6396.04\n"
    b"2025-07-30,011103093,7924710994,DEBIT,DDA WITHDRAW ,130,,,10446.23\n"
    b"2025-07-18,011103093,7924710994,DEBIT,CHASE CREDIT CRD EPAY ,7498.1,,,10576.23\n"
)
#: French, Windows-1252 (euro sign and em dash), every field quoted, Y/M/D without padding,
#: no final newline.
FRENCH = (
    '"Date","Remarque","Montant"\n"2012/3/22","D\u00c9P\u00d4T","50.00"\n'
    '"2012/3/24","CAF\u00c9 \u2014 \u20ac20 RE\u00c7U","-20.00"'
).encode("cp1252")
#: Nubank card, OFX 1.02 SGML: time-zoned dates, MEMO without NAME, newest first, LEDGERBAL.
NUBANK = (
    b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n<OFX><CREDITCARDMSGSRSV1>"
    b"<CCSTMTTRNRS><CCSTMTRS><CURDEF>BRL<CCACCTFROM><ACCTID>1111-UUID</CCACCTFROM>"
    b"<BANKTRANLIST><DTSTART>20240224000000[-3:GMT]<DTEND>20240326000000[-3:GMT]\n"
    b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240323000000[-3:GMT]<TRNAMT>-80.00<FITID>a1"
    b"<MEMO>-memo-message-</STMTTRN>\n"
    b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240322000000[-3:GMT]<TRNAMT>-20.91<FITID>a2"
    b"<MEMO>Mercado</STMTTRN>\n"
    b"<LEDGERBAL><BALAMT>-100.91<DTASOF>20240325000000[-3:GMT]</LEDGERBAL>"
    b"</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>\n"
)
#: OFX 2.00 XML with decimal commas in TRNAMT and BALAMT.
DECIMAL_COMMA = (
    b'<?xml version="1.0"?><?OFX OFXHEADER="200" VERSION="200"?><OFX><BANKMSGSRSV1>'
    b"<STMTTRNRS><STMTRS><CURDEF>USD</CURDEF><BANKACCTFROM><ACCTID>999988</ACCTID>"
    b"</BANKACCTFROM><BANKTRANLIST><DTSTART>20051001</DTSTART><DTEND>20051028</DTEND>"
    b"<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20051004</DTPOSTED><TRNAMT>-200,00</TRNAMT>"
    b"<FITID>1</FITID><CHECKNUM>101</CHECKNUM></STMTTRN>"
    b"<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20051020</DTPOSTED><TRNAMT>-300,00</TRNAMT>"
    b"<FITID>2</FITID></STMTTRN></BANKTRANLIST>"
    b"<LEDGERBAL><BALAMT>200,29</BALAMT><DTASOF>200510291120</DTASOF></LEDGERBAL>"
    b"</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
)
#: OFX 1.02 indented with tabs, unclosed leaves, NAME cut at 32 characters beside the full
#: MEMO, dates with milliseconds, no final newline.
TABS = (
    b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX>\n\t<BANKMSGSRSV1>\n\t\t<STMTTRNRS>\n"
    b"\t\t\t<STMTRS>\n\t\t\t\t<CURDEF>USD\n\t\t\t\t<BANKACCTFROM>\n\t\t\t\t\t<ACCTID>1452687~7\n"
    b"\t\t\t\t</BANKACCTFROM>\n\t\t\t\t<BANKTRANLIST>\n"
    b"\t\t\t\t\t<STMTTRN>\n\t\t\t\t\t\t<TRNTYPE>CREDIT\n\t\t\t\t\t\t<DTPOSTED>20110331120000.000\n"
    b"\t\t\t\t\t\t<TRNAMT>0.01\n\t\t\t\t\t\t<FITID>0000486\n"
    b"\t\t\t\t\t\t<NAME>DIVIDEND EARNED FOR PERIOD OF 03\n"
    b"\t\t\t\t\t\t<MEMO>DIVIDEND EARNED FOR PERIOD OF 03/01/2011 THROUGH 03/31/2011\n"
    b"\t\t\t\t\t</STMTTRN>\n"
    b"\t\t\t\t\t<STMTTRN>\n\t\t\t\t\t\t<TRNTYPE>CHECK\n\t\t\t\t\t\t<DTPOSTED>20110407120000.000\n"
    b"\t\t\t\t\t\t<TRNAMT>-25.00\n\t\t\t\t\t\t<FITID>0000488\n\t\t\t\t\t\t<CHECKNUM>319\n"
    b"\t\t\t\t\t\t<NAME>RETURNED CHECK FEE, CHECK # 319\n\t\t\t\t\t</STMTTRN>\n"
    b"\t\t\t\t</BANKTRANLIST>\n\t\t\t\t<LEDGERBAL>\n\t\t\t\t\t<BALAMT>100.99\n"
    b"\t\t\t\t\t<DTASOF>20130525225731.258\n\t\t\t\t</LEDGERBAL>\n"
    b"\t\t\t</STMTRS>\n\t\t</STMTTRNRS>\n\t</BANKMSGSRSV1>\n</OFX>"
)
#: Suncorp OFX 2.00: CRLF, us-ascii, CDATA with trailing spaces, no final newline.
SUNCORP = (
    '<?xml version="1.0" encoding="us-ascii"?>\r\n<?OFX OFXHEADER="200" VERSION="200"?>\r\n'
    "<OFX>\r\n<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>AUD</CURDEF>\r\n"
    "<BANKACCTFROM><ACCTID>123456789</ACCTID></BANKACCTFROM><BANKTRANLIST>\r\n"
    "<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20131215</DTPOSTED><TRNAMT>-16.85</TRNAMT>"
    "<FITID>1</FITID><CHECKNUM>0</CHECKNUM>"
    "<NAME><![CDATA[EFTPOS WDL HANDYWAY ALDI STORE  ]]></NAME>\r\n"
    "<MEMO><![CDATA[EFTPOS WDL HANDYWAY ALDI STORE   GEELONG WEST VICAU]]></MEMO>"
    "</STMTTRN>\r\n</BANKTRANLIST><LEDGERBAL><BALAMT>1234.12</BALAMT><DTASOF>20131215</DTASOF>"
    "</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1>\r\n</OFX>"
).encode("ascii")
#: Quicken: comment lines first, class and category sections, M/D'YYYY dates, an
#: opening-balance record of 0.00, splits, cleared flags, no final newline.
QUIFFEN = (
    b"### copied from an example ###\n\n!Type:Class\nNTest class\n^\n!Type:Cat\nNFood\nE\n^\n"
    b"!Type:Bank\nD2/10'2020\nT0.00\nCX\nPOpening Balance\nL[TestExport]\n^\n"
    b"D2/14'2020\nT67.50\nC*\nPPaycheck\nSIncome:Salary\n$82.50\nSTaxes\n$-15.00\n^\n"
    b"D2/10'2020\nT-100.00\nPAmazon.com\nSFood\n$-50.00\nSHome\n$-50.00"
)
#: qifparse: an !Account block, a Cash register, DD/MM/YYYY dates, a transfer category.
QIFPARSE = (
    b"!Type:Cat\nNfood\nE\n^\n!Account\nNMy Cash\nTCash\n^\n!Type:Cash\n"
    b"D23/10/2013\nT-6.50\nLfood:lunch\n^\nD11/10/2013\nT31.00\nL[My Cc]\n^\n"
    b"D11/10/2013\nT-48.00\nPTrattoria\nLfood\n^\n"
)
#: Raiffeisen camt.053.001.04: time-zoned dates, amounts without padding, no Acct/Ccy,
#: OPBD and CLBD that reconcile, AddtlNtryInf with an embedded newline.
RAIFFEISEN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt>'
    b"<GrpHdr><MsgId>1</MsgId></GrpHdr><Stmt><Id>1</Id>"
    b"<Acct><Id><IBAN>CH0000000000000000000</IBAN></Id></Acct>"
    b"<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy='CHF'>1000</Amt>"
    b"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2017-04-01+02:00</Dt></Dt></Bal>"
    b"<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy='CHF'>1424.7</Amt>"
    b"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2017-04-11+02:00</Dt></Dt></Bal>"
    b"<Ntry><Amt Ccy='CHF'>38</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>"
    b"<BookgDt><Dt>2017-04-01+02:00</Dt></BookgDt>"
    b"<AddtlNtryInf>Acquisto LIDO\nLOCARNO</AddtlNtryInf></Ntry>"
    b"<Ntry><Amt Ccy='CHF'>905.3</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>"
    b"<BookgDt><Dt>2017-04-05+02:00</Dt></BookgDt></Ntry>"
    b"<Ntry><Amt Ccy='CHF'>1368</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
    b"<BookgDt><Dt>2017-04-11+02:00</Dt></BookgDt></Ntry>"
    b"</Stmt></BkToCstmrStmt></Document>"
)

LAYOUTS = [
    Layout("easybank", EASYBANK, "csv", 3, "-1000.19", "2014-01-01", "2014-01-08", "EUR"),
    Layout("ingdiba", INGDIBA, "csv", 3, "1477.67", "2013-12-31", "2013-08-13", "EUR"),
    Layout("commerzbank", COMMERZBANK, "csv", 3, "-20.7", "2024-12-31", "2025-08-07", "EUR"),
    Layout("revolut", REVOLUT, "csv", 3, "210.79", "2022-01-02", "2022-01-14", "EUR", "710.79"),
    Layout("chase", CHASE, "csv", 3, "-1390.16", "2016-03-18", "2016-03-04", None, "3409.86"),
    Layout(
        "us-debit-credit",
        US_DEBIT_CREDIT,
        "csv",
        3,
        "-11678.29",
        "2025-08-05",
        "2025-07-18",
        None,
        "6396.04",
    ),
    Layout("french-cp1252", FRENCH, "csv", 2, "30.00", "2012-03-22", "2012-03-24", None),
    Layout("nubank", NUBANK, "ofx", 2, "-100.91", "2024-03-23", "2024-03-22", "BRL", "-100.91"),
    Layout(
        "decimal-comma",
        DECIMAL_COMMA,
        "ofx",
        2,
        "-500.00",
        "2005-10-04",
        "2005-10-20",
        "USD",
        "200.29",
    ),
    Layout("tabs", TABS, "ofx", 2, "-24.99", "2011-03-31", "2011-04-07", "USD", "100.99"),
    Layout("suncorp", SUNCORP, "ofx", 1, "-16.85", "2013-12-15", "2013-12-15", "AUD", "1234.12"),
    Layout("quiffen", QUIFFEN, "qif", 3, "-32.50", "2020-02-10", "2020-02-10", None),
    Layout("qifparse", QIFPARSE, "qif", 3, "-23.50", "2013-10-23", "2013-10-11", None),
    Layout(
        "raiffeisen",
        RAIFFEISEN,
        "camt053",
        3,
        "424.7",
        "2017-04-01",
        "2017-04-11",
        "CHF",
        "1424.7",
    ),
]


class TestLayouts:
    @pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
    def test_layout_imports_to_its_facts(self, plugins: FinancePlugins, layout: Layout) -> None:
        """Sniffed, parsed, counted and summed as the bank meant it, with its balance."""
        importer = plugins.importer_for(layout.data)
        assert importer.name == layout.format
        parsed = importer.parse(layout.data, layout.options)
        assert parsed.rejected == ()
        assert len(parsed.rows) == layout.rows
        assert sum((r.amount for r in parsed.rows), D(0)) == D(layout.total)
        assert (parsed.rows[0].date, parsed.rows[-1].date) == (
            date.fromisoformat(layout.first),
            date.fromisoformat(layout.last),
        )
        assert parsed.currency == layout.currency
        closing = parsed.statements[0].closing_balance if parsed.statements else None
        assert closing == (D(layout.closing) if layout.closing else None)


class TestQuirks:
    def test_latin_1_and_windows_1252_text_decodes(self, plugins: FinancePlugins) -> None:
        """Umlauts, the euro sign and the em dash come out as written."""
        ing = plugins.importer_for(INGDIBA).parse(INGDIBA, ImportOptions()).rows
        french = plugins.importer_for(FRENCH).parse(FRENCH, ImportOptions()).rows
        assert ing[-1].description == "Pr\u00e4mie Foo"
        assert french[-1].description == "CAF\u00c9 \u2014 \u20ac20 RE\u00c7U"

    def test_bom_does_not_hide_the_first_column(self, plugins: FinancePlugins) -> None:
        """Commerzbank's Buchungstag is found behind the BOM; texts keep their numbers."""
        first = plugins.importer_for(COMMERZBANK).parse(COMMERZBANK, ImportOptions()).rows[0]
        assert (first.date, first.amount) == (date(2024, 12, 31), D("-10.7"))
        assert "Grundpreis 9,90- EUR" in (first.description or "")

    def test_zero_rows_can_be_left_out(self, plugins: FinancePlugins) -> None:
        """Commerzbank's amount-0 closing notice goes with include_zero off."""
        rows = plugins.importer_for(COMMERZBANK).parse(
            COMMERZBANK, ImportOptions(include_zero=False)
        )
        assert len(rows.rows) == 2

    def test_revolut_pending_rows_use_the_started_date(self, plugins: FinancePlugins) -> None:
        """With include_pending the pending row is in, dated by its started date; fee off."""
        options = ImportOptions(include_pending=True)
        rows = plugins.importer_for(REVOLUT).parse(REVOLUT, options).rows
        assert [(r.date, r.pending) for r in rows if r.pending] == [(date(2022, 1, 13), True)]
        assert rows[1].amount == D("-39.21")

    def test_easybank_uses_the_booking_date_and_squashes_padding(
        self, plugins: FinancePlugins
    ) -> None:
        """The third column (booking) is the date; padded text is single-spaced."""
        first = plugins.importer_for(EASYBANK).parse(EASYBANK, ImportOptions()).rows[0]
        assert (first.date, first.description) == (
            date(2014, 1, 1),
            "Einbehaltene KESt BG/000000001",
        )

    def test_cut_name_gives_way_to_the_memo(self, plugins: FinancePlugins) -> None:
        """NAME cut at 32 characters is the merchant; the fuller MEMO the description."""
        first = plugins.importer_for(TABS).parse(TABS, ImportOptions()).rows[0]
        assert first.merchant == "DIVIDEND EARNED FOR PERIOD OF 03"
        assert first.description == "DIVIDEND EARNED FOR PERIOD OF 03/01/2011 THROUGH 03/31/2011"

    def test_cdata_payee_loses_its_padding(self, plugins: FinancePlugins) -> None:
        """Suncorp's CDATA NAME with trailing spaces is the merchant, squashed."""
        row = plugins.importer_for(SUNCORP).parse(SUNCORP, ImportOptions()).rows[0]
        assert row.merchant == "EFTPOS WDL HANDYWAY ALDI STORE"

    def test_qif_splits_add_up(self, plugins: FinancePlugins) -> None:
        """Quicken splits keep their categories and amounts."""
        rows = plugins.importer_for(QUIFFEN).parse(QUIFFEN, ImportOptions()).rows
        assert [a for _, a in rows[1].splits] == [D("82.50"), D("-15.00")]

    def test_camt_texts_are_single_lines(self, plugins: FinancePlugins) -> None:
        """AddtlNtryInf's newline becomes a space."""
        first = plugins.importer_for(RAIFFEISEN).parse(RAIFFEISEN, ImportOptions()).rows[0]
        assert first.description == "Acquisto LIDO LOCARNO"
