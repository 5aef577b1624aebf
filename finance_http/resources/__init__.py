"""Thin resources: read input, call one ``Ledger`` use case, write output."""
