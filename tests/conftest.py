"""Shared test configuration: hypothesis profiles and the backend matrix.

``contract_storage`` is parametrised over every installed storage backend's
``contract_urls``, so a backend is covered the moment it registers.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from finance_core.plugins import make_plugin_manager
from finance_core.ports import Storage

_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
# CI explores a fixed set of examples so that a run is reproducible; "dev" and
# "thorough" draw new ones every time to keep finding what CI has not tried.
settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=_HEALTH, derandomize=True
)
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=_HEALTH)
settings.register_profile(
    "thorough", max_examples=500, deadline=None, suppress_health_check=_HEALTH
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_PLUGINS = make_plugin_manager()
_CONTRACT_DIR = Path(tempfile.mkdtemp(prefix="finance-contract-"))
atexit.register(shutil.rmtree, _CONTRACT_DIR, True)


def _label(backend: str, url: str) -> str:
    scheme, _, rest = url.partition("://")
    if not rest.strip("/"):
        return f"{backend}:{scheme}-memory"
    if scheme.startswith(("sqlite", "json")):
        return f"{backend}:{scheme}-file"
    return f"{backend}:{scheme.split('+')[0]}"


CONTRACT_URLS: list[tuple[str, str]] = [
    (_label(backend.name, url), url)
    for backend in _PLUGINS.storage_backends.values()
    if backend.contract_urls is not None
    for url in backend.contract_urls(_CONTRACT_DIR)
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "contract_storage" in metafunc.fixturenames:
        metafunc.parametrize(
            "contract_url",
            [url for _, url in CONTRACT_URLS],
            ids=[label for label, _ in CONTRACT_URLS],
            scope="session",
        )


@pytest.fixture(scope="session")
def contract_storage(contract_url: str) -> Iterator[Storage]:
    """One store per backend URL for the whole run; tests isolate by tenant id."""
    storage = _PLUGINS.open_storage(contract_url)
    yield storage
    storage.close()
