"""The storage contract, run against every installed backend (see conftest.py)."""

from __future__ import annotations

from finance_core.testing.contract import *  # noqa: F403
