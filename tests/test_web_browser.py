"""The web page in a real browser (Debian's Chromium driven by Playwright) against the real daemon."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import skimage.data
from playwright.sync_api import Browser, Page, expect, sync_playwright

from device.media_files import write_slideshow
from tests.conftest import write_rgb
from tests.test_web_api import PASSWORD, Daemon

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"  # looked at by people, not asserted
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def smiling_kiosk(tmp_path: Path) -> Iterator[Daemon]:
    """The daemon watching a looping video of a smiling face, with happy and neutral music."""
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",))
    yield daemon
    if daemon.process.poll() is None:
        daemon.stop()


def sign_in(page: Page, base: str, name: str = "asha", password: str = PASSWORD) -> None:
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_follow_the_mood_control_and_sign_out(browser: Browser, smiling_kiosk: Daemon, tmp_path: Path) -> None:
    page = browser.new_page()
    sign_in(page, smiling_kiosk.base, password="not the password")
    expect(page.locator("#login-error")).to_have_text("Wrong user name or password")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "login-desktop.png")
    sign_in(page, smiling_kiosk.base)
    expect(page).to_have_url(smiling_kiosk.base + "/")
    expect(page.locator("#mood")).to_have_text("happy", timeout=30_000)  # live, from the daemon's events
    expect(page.locator("#track-title")).to_have_text("sunny")
    expect(page.locator("#camera")).to_have_text("watching")
    expect(page.locator("#mood-chart .mood-bar").first).to_be_visible()  # the mood history, live
    expect(page.locator("#plays li").first).to_contain_text("sunny (happy)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "now-playing-desktop.png", full_page=True)

    expect(page.locator("#no-favorites")).to_be_visible()
    page.get_by_role("button", name="Like").click()
    expect(page.locator("#favorite-list li")).to_have_count(1)
    expect(page.locator("#favorite-list li .title")).to_have_text("sunny (happy)")
    page.locator("#favorite-list li").get_by_role("button", name="Remove").click()
    expect(page.locator("#favorite-list li")).to_have_count(0)
    expect(page.locator("#no-favorites")).to_be_visible()

    photo = tmp_path / "astronaut.png"
    write_rgb(photo, skimage.data.astronaut())
    page.locator("#photo-file").set_input_files(photo)
    expect(page.locator("#photo-result")).to_contain_text("happy")
    expect(page.locator("#photo-canvas")).to_be_visible()
    page.get_by_role("button", name="Play this mood").click()
    expect(page.locator("#track-reason")).to_contain_text("photo asha shared looked happy")

    page.locator("#music-language").select_option("hindi")
    page.wait_for_timeout(500)
    page.reload()
    expect(page.locator("#music-language")).to_have_value("hindi")

    page.locator("#pause-resume").click()
    expect(page.locator("#pause-resume")).to_contain_text("Resume")
    page.locator("#pause-resume").click()
    expect(page.locator("#pause-resume")).to_contain_text("Pause")

    page.get_by_role("link", name="हिन्दी").click()
    expect(page.get_by_role("heading", name="अभी चल रहा है")).to_be_visible()
    expect(page.locator("#mood")).to_have_text("खुश")
    page.screenshot(path=SCREENSHOTS / "now-playing-hindi.png", full_page=True)
    page.get_by_role("link", name="English").click()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(smiling_kiosk.base + "/")
    expect(page).to_have_url(re.compile(r"/login$"))  # the session is gone


def test_phone_width_layout(browser: Browser, smiling_kiosk: Daemon) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, smiling_kiosk.base)
    expect(page.locator("#mood")).to_have_text("happy", timeout=30_000)
    page.screenshot(path=SCREENSHOTS / "now-playing-phone.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing sticks out sideways on a phone
    for button in page.locator("button[data-action]").all():
        assert button.bounding_box()["height"] >= 44  # thumb-sized targets
    context.close()
