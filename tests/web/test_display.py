"""The kiosk's own screen (/display) in the real browser, without sign-in on the kiosk itself."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import skimage.data
import skimage.io
from playwright.sync_api import Browser, expect

from device.cli.media_files import write_slideshow
from tests.helpers import REPO, Daemon, client_session, signed_in
from web.server import lan_addresses

SCREENSHOTS = REPO / "build" / "screenshots"  # looked at by people (docs/screenshots holds a copy), not asserted


def test_the_display_shows_the_mood_the_music_the_camera_and_the_notice(browser: Browser, tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    (tmp_path / "music" / "happy").mkdir(parents=True)
    skimage.io.imsave(tmp_path / "music" / "happy" / "cover.png", skimage.data.chelsea()[:300, :300])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",), MOODKIOSK_WEB__HOST="0.0.0.0",
                    MOODKIOSK_PRIVACY__MODE="public", MOODKIOSK_PRIVACY__OPERATOR="Café Asha",
                    MOODKIOSK_PRIVACY__CONTACT="asha@example.org")  # fmt: skip
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(daemon.base + "/display")  # on the kiosk itself: no sign-in
        expect(page.locator("#display-mood")).to_have_text("happy", timeout=30_000)
        expect(page.locator("body")).to_have_class("display mood-happy")
        expect(page.locator("#display-title")).to_have_text("sunny")
        expect(page.locator("#display-reason")).to_have_text("because: the room looked happy")
        expect(page.locator("#display-camera")).to_have_text("Camera on")
        expect(page.locator("#display-notice")).to_contain_text("Run by Café Asha (asha@example.org)")
        expect(page.locator("#display-cover")).to_be_visible()
        assert page.locator("#display-qr").evaluate("image => image.naturalWidth") > 0
        assert page.locator("#display-url").text_content().startswith("http://")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "display.png")

        async def set_mood_and_ask_from_elsewhere() -> None:
            async with client_session() as client:
                csrf = await signed_in(client, daemon)
                await client.post(daemon.base + "/api/mood/override", json={"emotion": "sad"}, headers=csrf)
            for address in lan_addresses()[:1]:  # this machine's LAN address: not loopback, so not the kiosk itself
                other = daemon.base.replace("127.0.0.1", address)
                async with aiohttp.ClientSession() as stranger:
                    assert (await stranger.get(other + "/display")).status == 403
                    assert (await stranger.get(other + "/api/display")).status == 403
                async with client_session() as admin:
                    csrf = await signed_in(admin, daemon)
                    allowed = await admin.put(
                        daemon.base + "/api/admin/settings", json={"web.display_remote": True}, headers=csrf
                    )
                    assert allowed.status == 200
                async with aiohttp.ClientSession() as stranger:
                    assert (await stranger.get(other + "/api/display")).status == 200

        with ThreadPoolExecutor(1) as other_thread:  # Playwright's own event loop runs in this one
            other_thread.submit(asyncio.run, set_mood_and_ask_from_elsewhere()).result()
        expect(page.locator("#display-mood")).to_have_text("sad", timeout=10_000)
        expect(page.locator("#display-mood-detail")).to_have_text("Set by hand")
        expect(page.locator("#display-reason")).to_have_text("because: sad music chosen by hand for 30 min")  # no name
    finally:
        daemon.stop()
