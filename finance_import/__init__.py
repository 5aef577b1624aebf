"""Bank-file importers (CSV, OFX, QIF, camt.053) as a plugin."""
