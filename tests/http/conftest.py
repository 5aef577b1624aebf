"""Fixtures for the HTTP adapter: an app on a real storage URL, a client, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from falcon import testing
from http_support import PLUGINS, Api, make_settings, storage_urls, token

from finance_http.app import Dependencies, build_dependencies, create_app


@pytest.fixture(params=storage_urls(), ids=lambda u: u.split(":", 1)[0])
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url: str = request.param
    return url.format(tmp=tmp_path)


@pytest.fixture
def deps(storage_url: str) -> Iterator[Dependencies]:
    deps = build_dependencies(make_settings(storage_url), PLUGINS)
    yield deps
    deps.ledger.storage.close()


@pytest.fixture
def client(deps: Dependencies) -> testing.TestClient:
    return testing.TestClient(create_app(deps))


@pytest.fixture
def api(client: testing.TestClient) -> Api:
    """The owner of tenant "1"."""
    return Api(client, token())


@pytest.fixture
def anonymous(client: testing.TestClient) -> Api:
    return Api(client, None)
