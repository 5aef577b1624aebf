"""/docs in a real headless Chromium against a real server process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from http_support import ServerProcess, token
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

SECRET = "browser-test-secret-" + "0123456789abcdef" * 3
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("docs"), workers=2, env={"SECRET_KEY": SECRET})
    process.wait_ready()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    profile = Path(tmp_path_factory.mktemp("chromium"))
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _wait(browser: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(browser, 60)


def _visible(browser: WebDriver, css: str) -> WebElement:
    element: WebElement = _wait(browser).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css))
    )
    return element


@pytest.fixture(scope="module")
def docs(browser: WebDriver, server: ServerProcess) -> WebDriver:
    browser.get(server.base + "/docs")
    _visible(browser, ".opblock")
    return browser


class TestDocsPage:
    def test_operations_render(self, docs: WebDriver) -> None:
        """Every documented operation appears as an operation block."""
        blocks = docs.find_elements(By.CSS_SELECTOR, ".opblock")
        ids = {b.get_attribute("id") for b in blocks}
        assert "operations-accounts-listAccounts" in ids
        assert len(blocks) >= 20

    def test_title_comes_from_the_document(self, docs: WebDriver) -> None:
        """The page shows the document's title, so it loaded /openapi.json."""
        assert "Finance Planner API" in _visible(docs, ".info .title").text

    def test_authorized_request_from_the_page_succeeds(
        self, docs: WebDriver, server: ServerProcess
    ) -> None:
        """Authorize with a token, then Try it out and Execute answers 200."""
        _visible(docs, ".auth-wrapper .authorize").click()
        _visible(docs, ".auth-container input").send_keys(
            token(sub="browser", tenant="1", secret=SECRET)
        )
        _visible(docs, ".auth-btn-wrapper .modal-btn.auth").click()
        _visible(docs, ".auth-btn-wrapper .btn-done").click()
        operation = "#operations-accounts-listAccounts"
        _visible(docs, f"{operation} .opblock-summary").click()
        _visible(docs, f"{operation} .try-out__btn").click()
        _visible(docs, f"{operation} .execute").click()
        status = _visible(docs, f"{operation} .live-responses-table tbody .response-col_status")
        assert status.text.strip().startswith("200")
