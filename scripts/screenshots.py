"""Screenshots of the web page for the docs, taken from the real daemon in a real browser.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts `moodkiosk run` like the tests do (a temporary state folder, the looping video of a smiling
face as the camera, a little music with a hindi subfolder and a cover image), signs in as asha
(an admin) in Debian's Chromium, likes a track, queues one, searches, tries a photo, and saves
full-page PNGs of the sign-in, main and admin pages and the main page in Hindi, at desktop and
phone width, in the light and the dark theme. Hindi needs a Devanagari font where they are taken
(`fonts-lohit-deva`, which `scripts/install-system-packages.sh --test` installs).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import cv2
import skimage.data
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

from device.cli.media_files import write_slideshow  # noqa: E402
from tests.helpers import CHROMIUM, FLAGS, Daemon, show_tab, sign_in, write_rgb  # noqa: E402

MUSIC = ("happy/hindi/khushi.wav", "neutral/hindi/shant.wav", "sad/rain.wav", "surprise/wow.wav")
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
MAX_BYTES = 400_000
SHOTS = {
    "login": "the sign-in page, with the sign-up form an admin turned on",
    "main": "the main page (light theme): the player with its cover, seek bar and why, up next with a search,"
    " favorites, language, set the mood, history, a tried photo",
    "main-dark": "the same in the dark theme",
    "main-hindi": "the main page in Hindi (?ui=hi), light theme",
    "main-hindi-dark": "the main page in Hindi, dark theme",
    "admin": "the admin page: accounts and the settings, with the playlist mapping grid",
}
DARK = {"color_scheme": "dark"}


def make_kiosk(folder: Path) -> Daemon:
    video = write_slideshow(folder / "smile.mp4", [(skimage.data.astronaut(), 10)])
    cover = cv2.resize(skimage.data.coffee()[:, 50:450], (256, 256), interpolation=cv2.INTER_AREA)
    (folder / "music" / "happy").mkdir(parents=True)  # before the daemon starts: it scans the music folder once
    write_rgb(folder / "music" / "happy" / "cover.png", cover)
    return Daemon(folder, camera=str(video), extra=("--loop",), music=MUSIC)


def save(page: Page, path: Path) -> None:
    """A full-page PNG; one that comes out large is reduced to 256 colours."""
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    if path.stat().st_size > MAX_BYTES:
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {path.stat().st_size // 1024} KB")


def prepare(page: Page, base: str) -> None:
    """As an admin: sign-up on, a few mapping cells filled; as a member: hindi music, "I'm here", a favorite."""
    page.goto(base + "/admin")
    signup = page.locator("#settings-signup")
    signup.get_by_label("Let people create their own").check()
    signup.get_by_role("button", name="Save").click()
    expect(signup.locator(".status")).to_have_text("Saved")
    page.locator('#mapping-grid input[data-emotion="sad"][data-language="any"]').fill("neutral, sad")
    page.locator('#mapping-grid input[data-emotion="sad"][data-language="hindi"]').fill("neutral")
    mapping = page.locator("#settings-mapping")
    mapping.get_by_role("button", name="Save").click()
    expect(mapping.locator(".status")).to_have_text("Saved")

    page.goto(base + "/")
    expect(page.locator("#mood")).to_have_text("happy", timeout=60_000)
    expect(page.locator("#track-playlist")).to_have_text("(happy)", timeout=30_000)
    page.locator("#music-language").select_option("hindi")
    page.get_by_role("button", name="I'm here").click()
    expect(page.locator("#language-line")).to_have_text("Music in Hindi for asha")
    expect(page.locator("#like")).to_be_visible()
    page.locator("#like").click()
    expect(page.locator("#favorite-list li")).to_have_count(1)
    page.get_by_role("searchbox").fill("rain")
    page.locator("#search-results li button").last.click()  # add it to the queue
    expect(page.locator("#queue-list li")).to_have_count(1)


def show_main(page: Page, base: str, photo: Path, query: str = "") -> None:
    """Every section filled in; a phone is left on its first tab (Now playing), as it opens."""
    page.goto(base + "/" + query)
    expect(page.locator("#track-title")).not_to_have_text("-", timeout=30_000)
    show_tab(page, "more")
    page.locator("#photo-file").set_input_files(photo)
    expect(page.locator("#photo-canvas")).to_be_visible(timeout=30_000)
    expect(page.locator("#recommend-list li").first).to_be_visible()
    expect(page.locator("#mood-chart .mood-bar").first).to_be_attached()
    show_tab(page, "up-next")
    page.get_by_role("searchbox").fill("wow")
    expect(page.locator("#search-results li")).to_have_count(1)
    show_tab(page, "now")
    wait_for_images(page)


def show_admin(page: Page, base: str) -> None:
    page.goto(base + "/admin")
    expect(page.locator("#user-list li")).to_have_count(2)
    expect(page.locator("#mapping-grid input").first).to_be_visible()


def wait_for_images(page: Page) -> None:
    """Until every shown image has loaded (polled: the page's CSP refuses the evaluated string of wait_for_function)."""
    for _ in range(100):
        if page.evaluate("[...document.images].every((image) => !image.offsetParent || image.complete)"):
            return
        page.wait_for_timeout(100)


def capture(
    browser: Browser, state: dict | None, out: Path, name: str, show: Callable[[Page], None], theme: dict | None = None
) -> None:
    for size, options in (("desktop", DESKTOP), ("phone", PHONE)):
        context: BrowserContext = browser.new_context(storage_state=state, **options, **(theme or {}))
        page = context.new_page()
        show(page)
        save(page, out / f"{name}-{size}.png")
        context.close()


def write_index(out: Path) -> None:
    lines = [
        "# Screenshots",
        "",
        "Made by `scripts/screenshots.py` from the real daemon (desktop: 1280 px wide; phone: 390 x 844).",
        "",
    ]
    for name, what in SHOTS.items():
        lines.append(f"- [{name}-desktop.png]({name}-desktop.png), [{name}-phone.png]({name}-phone.png): {what}")
    (out / "README.md").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNGs")
    out = parser.parse_args().out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="moodkiosk-screenshots-") as temporary:
        folder = Path(temporary)
        photo = write_rgb(folder / "astronaut.png", skimage.data.astronaut())
        daemon = make_kiosk(folder)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                setup = browser.new_context(**DESKTOP)
                page = setup.new_page()
                sign_in(page, daemon.base)
                expect(page).to_have_url(daemon.base + "/")
                prepare(page, daemon.base)
                state = setup.storage_state()
                setup.close()
                base = daemon.base
                capture(browser, None, out, "login", lambda page: page.goto(base + "/login"))
                capture(browser, state, out, "main", lambda page: show_main(page, base, photo))
                capture(browser, state, out, "main-dark", lambda page: show_main(page, base, photo), DARK)
                capture(browser, state, out, "main-hindi", lambda page: show_main(page, base, photo, "?ui=hi"))
                capture(browser, state, out, "main-hindi-dark", lambda page: show_main(page, base, photo, "?ui=hi"), DARK)
                capture(browser, state, out, "admin", lambda page: show_admin(page, base))
                browser.close()
        finally:
            daemon.stop()
    write_index(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
