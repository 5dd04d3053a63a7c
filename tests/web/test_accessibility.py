"""axe-core (through axe-playwright-python) on every page, in English and Hindi, light and dark, on an offline kiosk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from tests.helpers import Daemon, sign_in

PAGES = ("/login", "/", "/admin", "/display")


@pytest.fixture(scope="module")
def offline_kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """A kiosk with music and no internet (YouTube searches on, as at the first evening)."""
    daemon = Daemon(tmp_path_factory.mktemp("axe"), music=("neutral/calm.wav", "happy/sunny.wav"))
    yield daemon
    daemon.stop()


def violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {[node['target'] for node in v['nodes']]}" for v in results.response["violations"]]


@pytest.mark.parametrize("language", ["en", "hi"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations(browser: Browser, offline_kiosk: Daemon, language: str, scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme)
    context.add_cookies([{"name": "ui_lang", "value": language, "url": offline_kiosk.base}])
    page = context.new_page()
    found: dict[str, list[str]] = {}
    page.goto(offline_kiosk.base + "/login")
    expect(page.locator("html")).to_have_attribute("lang", language)
    found["/login"] = violations(page)
    context.clear_cookies()
    sign_in(page, offline_kiosk.base)  # in English (the labels it finds), then the page in the language under test
    expect(page.locator("#now")).to_be_visible()
    context.add_cookies([{"name": "ui_lang", "value": language, "url": offline_kiosk.base}])
    for path in PAGES[1:]:
        page.goto(offline_kiosk.base + path)
        page.wait_for_load_state("networkidle")
        expect(page.locator("html")).to_have_attribute("lang", language)
        found[path] = violations(page)
    context.close()
    assert {path: problems for path, problems in found.items() if problems} == {}
