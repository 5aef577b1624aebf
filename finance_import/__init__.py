"""Bank-file importers (CSV, OFX, QIF, camt.053) as a plugin.

Each format turns a file's bytes into a ``finance_core.importing.ParsedFile``;
``plugin`` registers them through the ``finance_importers`` hook. Shared
pieces: ``text`` (encodings, whitespace), ``amounts`` (exact decimal reading),
``dates`` (one day/month order per file) and ``rows`` (the pending and zero
rules every format applies).
"""
