"""Test support shipped with the core: the backend contract suite and strategies.

A storage backend passes the contract when ``finance_core.testing.contract``
runs green against it; see the README's "Writing a storage backend" section.
Importing this package needs pytest and hypothesis.
"""
