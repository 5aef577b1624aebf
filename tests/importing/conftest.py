"""Fixtures for the importer tests: the real sample exports and a plugin manager."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import finance_import.plugin
from finance_core.plugins import FinancePlugins, make_plugin_manager

#: Environment variable that points the tests at another copy of the samples.
SAMPLES_ENV = "FINANCE_IMPORT_SAMPLES"


def samples_dir() -> Path:
    """The sample exports: next to the repository, or wherever the variable says."""
    override = os.environ.get(SAMPLES_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data" / "import-samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    """The extra corpus of real exports; its tests are skipped where it is absent."""
    found = samples_dir()
    if not found.is_dir():
        pytest.skip(f"sample exports not found at {found}; set {SAMPLES_ENV} to run them")
    return found


@pytest.fixture(scope="session")
def sample(samples: Path) -> Callable[[str], bytes]:
    """Bytes of one sample file, by name."""

    def read(name: str) -> bytes:
        return (samples / name).read_bytes()

    return read


@pytest.fixture(scope="session")
def plugins() -> FinancePlugins:
    """A manager with only this plugin, so other installed plugins cannot interfere."""
    return make_plugin_manager([finance_import.plugin], load_entry_points=False)
