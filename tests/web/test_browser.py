"""The web page in a real browser (Debian's Chromium driven by Playwright) against the real daemon."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from playwright.sync_api import APIResponse, Browser, Page, Route, expect

from device.cli.media_files import write_slideshow
from tests.helpers import PASSWORD, REPO, Daemon, sign_in, write_rgb
from web.i18n import HINDI

SCREENSHOTS = REPO / "build" / "screenshots"  # looked at by people, not asserted


@pytest.fixture
def smiling_kiosk(tmp_path: Path) -> Iterator[Daemon]:
    """The daemon watching a looping video of a smiling face, with happy and neutral music."""
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",))
    yield daemon
    if daemon.process.poll() is None:
        daemon.stop()


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
    expect(page.locator("#plays li").first).to_contain_text("sunny")
    expect(page.locator("#plays li .mood-tag").first).to_have_text("happy")  # the colour's mood, in words
    expect(page.locator("#why")).to_contain_text(re.compile(r"^Happy music: the room looked happy at \d"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "now-playing-desktop.png", full_page=True)

    expect(page.locator("#no-favorites")).to_be_visible()
    page.get_by_role("button", name="Like “sunny”", exact=True).click()
    expect(page.locator("#favorite-list li")).to_have_count(1)
    expect(page.get_by_role("button", name="Unlike “sunny”", exact=True)).to_have_attribute("aria-pressed", "true")
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
    expect(page.locator("#why")).to_have_text("sunny: a photo asha shared looked happy.")

    page.locator("#correct").get_by_role("button", name="neutral").click()  # "Was I right?": it was neutral
    expect(page.locator("#correct-result")).to_have_text(
        "Thanks: I will lean towards neutral a little. Learned from 1 corrections."
    )
    page.goto(smiling_kiosk.base + "/admin")
    expect(page.locator("#corrections-line")).to_have_text("Learned from 1 corrections.")
    page.get_by_role("button", name="Forget them").click()
    expect(page.locator("#corrections-line")).to_have_text("Learned from 0 corrections.")
    expect(page.get_by_role("button", name="Forget them")).to_be_hidden()
    page.goto(smiling_kiosk.base + "/")

    page.locator("#music-language").select_option("hindi")
    page.wait_for_timeout(500)
    page.reload()
    expect(page.locator("#music-language")).to_have_value("hindi")

    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.locator("#pause-resume")).to_have_attribute("aria-label", "Play")
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator("#pause-resume")).to_have_attribute("aria-label", "Pause")

    page.get_by_role("button", name="Pause detection").click()  # privacy: the camera closes
    expect(page.locator("#camera")).to_have_text("paused", timeout=15_000)
    expect(page.locator("#detection")).to_have_text("Resume detection")
    page.get_by_role("button", name="Resume detection").click()
    expect(page.locator("#camera")).to_have_text("watching", timeout=15_000)
    expect(page.locator("#detection")).to_have_text("Pause detection")

    page.get_by_role("link", name="हिन्दी").click()
    expect(page.get_by_role("heading", name="अभी चल रहा है")).to_be_visible()
    expect(page.locator("#mood")).to_have_text("खुश")
    expect(page.locator("#why")).to_contain_text("sunny: asha की साझा की गई फ़ोटो खुश दिखी")  # the kiosk's reason, translated
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


@pytest.fixture
def kiosk_with_hindi_music(tmp_path: Path) -> Iterator[Daemon]:
    """No camera; neutral music with a cover image and a hindi track, happy music without a cover."""
    (tmp_path / "music" / "neutral").mkdir(parents=True)  # before the daemon starts: it scans the music folder once
    write_rgb(tmp_path / "music" / "neutral" / "cover.png", np.full((64, 64, 3), (40, 120, 200), np.uint8))
    daemon = Daemon(tmp_path, music=("neutral/hindi/shant.wav",))
    yield daemon
    if daemon.process.poll() is None:
        daemon.stop()


def test_take_over_set_the_mood_see_what_would_play(browser: Browser, kiosk_with_hindi_music: Daemon) -> None:
    page = browser.new_page()
    sign_in(page, kiosk_with_hindi_music.base)
    expect(page.locator("#language-line")).to_have_text("Music in any language (household)")
    expect(page.locator("#music-language option")).to_have_text(["English", "Hindi", "Any"])  # from the kiosk's choices

    page.get_by_role("button", name="I'm here").click()
    expect(page.locator("#language-line")).to_have_text("Music in any language for asha")
    page.locator("#music-language").select_option("hindi")
    expect(page.locator("#language-line")).to_have_text("Music in Hindi for asha")
    page.get_by_role("button", name="Let go").click()
    expect(page.locator("#language-line")).to_have_text("Music in any language (household)")
    expect(page.get_by_role("button", name="I'm here")).to_be_visible()

    artists = page.locator("#artists")
    artists.get_by_label("Artist").fill("Lata Mangeshkar")
    artists.get_by_role("button", name="Add").click()
    expect(artists.locator("li")).to_have_count(1)
    expect(artists.locator("li")).to_contain_text("Lata Mangeshkar")
    artists.get_by_label("Artist").fill(" ")
    artists.get_by_role("button", name="Add").click()
    expect(artists.locator(".error")).to_contain_text("printable characters")
    artists.locator("li").get_by_role("button", name="Remove").click()
    expect(artists.locator("li")).to_have_count(0)

    page.get_by_role("button", name="Next track").click()  # no mood: neutral music, whose folder has a cover
    expect(page.locator("#track-playlist")).to_have_text("(neutral)", timeout=15_000)
    expect(page.locator("#cover")).to_be_visible()
    expect(page.locator("#cover")).to_have_js_property("complete", True)
    assert page.locator("#cover").evaluate("image => image.naturalWidth") == 64
    expect(page.locator("#like")).to_be_visible()
    page.locator("#like").click()
    expect(page.locator("#favorite-list li img.cover")).to_be_visible()

    expect(page.locator("#override")).to_be_hidden()
    page.locator("#override-emotion").select_option("happy")
    page.locator("#override-minutes").select_option("15")
    page.get_by_role("button", name="Set this mood").click()
    expect(page.locator("#track-title")).to_have_text("sunny", timeout=15_000)
    expect(page.locator("#override-text")).to_contain_text(re.compile(r"^happy, set by asha until \d"))
    expect(page.locator("#cover-placeholder")).to_be_visible()  # happy/ has no cover image
    expect(page.locator("#cover")).to_be_hidden()
    page.get_by_role("button", name="End").click()
    expect(page.locator("#override")).to_be_hidden()

    page.locator("#recommend-emotion").select_option("neutral")
    page.locator("#recommend-language").select_option("hindi")
    expect(page.locator("#recommend-list li")).to_have_text(["shant (neutral · Hindi)"])
    page.locator("#recommend-emotion").select_option("sad")  # no sad music: the fallback, with a note why
    expect(page.locator("#recommend-note")).to_contain_text("empty or missing")

    page.get_by_role("button", name="Pause detection").click()
    expect(page.locator("#camera")).to_have_text("paused")
    expect(page.locator("#detection")).to_have_text("Resume detection")
    page.get_by_role("button", name="Resume detection").click()
    expect(page.locator("#camera")).to_have_text("off")  # this kiosk runs without a camera
    expect(page.locator("#detection")).to_have_text("Pause detection")


def settings_row(page: Page, base: str, key: str) -> dict:
    response = page.request.get(base + "/api/admin/settings")  # with the page's session cookie
    assert response.ok
    return next(row for row in response.json()["settings"] if row["key"] == key)


def test_an_artist_list_answered_late_does_not_undo_an_add(browser: Browser, kiosk_with_hindi_music: Daemon) -> None:
    """The page's first list of artists comes back after an artist was added: the newer list stays."""
    page = browser.new_page()
    held: list[tuple[Route, APIResponse]] = []

    def hold_the_first_list(route: Route) -> None:
        if route.request.method == "GET" and not held:
            held.append((route, route.fetch()))  # the list as it is now (empty), answered later
        else:
            route.continue_()

    page.route("**/api/me/artists", hold_the_first_list)
    with page.expect_request("**/api/me/artists"):
        sign_in(page, kiosk_with_hindi_music.base)
    card = page.locator("#artists")
    card.get_by_label("Artist").fill("Kishore Kumar")
    card.get_by_role("button", name="Add").click()
    expect(card.locator("li")).to_have_text(["Kishore Kumar Remove"])
    route, stale = held[0]
    with page.expect_response(lambda response: response.request.method == "GET" and "/api/me/artists" in response.url):
        route.fulfill(response=stale)
    page.wait_for_timeout(500)  # the page reads the late answer
    expect(card.locator("li")).to_have_text(["Kishore Kumar Remove"])


def test_admin_page_accounts_and_settings(browser: Browser, kiosk_with_hindi_music: Daemon) -> None:
    base = kiosk_with_hindi_music.base
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base)
    page.get_by_role("link", name="Admin").click()
    expect(page).to_have_url(base + "/admin")
    users = page.locator("#user-list li")
    expect(users).to_have_count(2)
    household = page.locator("#household-artists")
    household.get_by_label("Artist").fill("Kishore Kumar")
    household.get_by_role("button", name="Add").click()
    expect(household.locator("li")).to_have_text(["Kishore Kumar Remove"])

    add = page.locator("#add-user")
    add.get_by_label("User name").fill("meera")
    add.get_by_label("Password").fill(PASSWORD)
    add.get_by_role("button", name="Add the account").click()
    expect(page.locator("#add-user-status")).to_have_text("Added meera.")
    expect(page.locator('#user-list li[data-user="meera"]')).to_contain_text("Member")
    add.get_by_label("User name").fill("meera")
    add.get_by_label("Password").fill(PASSWORD)
    add.get_by_role("button", name="Add the account").click()
    expect(page.locator("#add-user-status")).to_contain_text("already exists")  # the API's own words

    cell = page.locator('#mapping-grid input[data-emotion="happy"][data-language="hindi"]')
    expect(cell).to_have_attribute("placeholder", "happy")  # what plays when the cell is empty
    cell.fill("hapy")  # a typo: members would get an empty playlist
    mapping = page.locator("#settings-mapping")
    mapping.get_by_role("button", name="Save").click()
    expect(mapping.locator(".field-error")).to_have_text("No playlist “hapy”: you have happy, neutral.")  # beside the grid
    expect(mapping.locator("[aria-invalid=true]")).to_have_count(1)  # the typo's cell, not all 21
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(mapping.locator(".status")).to_have_text("Some values need a change: see the fields marked.")
    cell.fill("neutral")
    mapping.get_by_role("button", name="Save").click()
    expect(mapping.locator(".status")).to_have_text("Saved")
    expect(mapping.locator(".meta .source")).to_have_text("from the page")

    signup = page.locator("#settings-signup")
    signup.get_by_label("Let people create their own").check()
    signup.get_by_role("button", name="Save").click()
    expect(signup.locator(".status")).to_have_text("Saved")

    music = page.locator("#settings-music")
    music.get_by_label("Music languages").fill("english, hindi, any")
    music.get_by_role("button", name="Save").click()
    languages = music.locator('.setting[data-key="player.languages"]')
    expect(languages.locator(".field-error")).to_contain_text("'any' is always offered")  # a 422, explained at the field
    camera = page.locator('.setting[data-key="camera.source"]')
    expect(camera.locator("select")).to_be_disabled()  # --camera none was given on the command line
    expect(camera.locator(".meta")).to_have_text("set by a command-line flag")

    page.reload()
    expect(cell).to_have_value("neutral")
    expect(signup.get_by_label("Let people create their own")).to_be_checked()
    expect(page.locator('#user-list li[data-user="meera"]')).to_be_visible()
    assert settings_row(page, base, "player.mapping")["value"] == {"hindi": {"happy": "neutral"}}
    assert settings_row(page, base, "web.self_signup")["source"] == "page"
    assert settings_row(page, base, "player.languages")["value"] == ["english", "hindi"]  # the bad save changed nothing

    visitor = browser.new_page()  # signed out: the sign-in page now offers sign-up
    visitor.goto(base + "/login")
    new_account = visitor.locator("#signup")
    new_account.get_by_label("New user name").fill("nila")
    new_account.get_by_label("New password").fill(PASSWORD)
    new_account.get_by_role("button", name="Create the account").click()
    expect(visitor).to_have_url(base + "/")
    expect(visitor.locator("header .who")).to_have_text("nila")
    expect(visitor.locator("#admin-link")).to_have_count(0)
    visitor.close()

    signup.get_by_role("button", name="Reset").click()  # back to the config file: sign-up off
    expect(signup.get_by_label("Let people create their own")).not_to_be_checked()
    expect(signup.locator("[data-key='web.self_signup'] .meta .source")).to_have_text("from the config file")
    assert "sign-up" not in page.request.get(base + "/login").text()

    page.locator('#user-list li[data-user="ravi"]').get_by_role("button", name="Reset password").click()
    dialog = page.get_by_role("dialog", name="New password for ravi")
    dialog.get_by_label("New password").fill("short")  # the browser's own check: at least 8 characters
    dialog.get_by_role("button", name="Set the password").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("New password")).to_have_attribute("type", "password")  # typed hidden
    dialog.get_by_label("New password").fill("a brand new password")
    dialog.get_by_role("button", name="Set the password").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#users-status")).to_have_text("New password set for ravi.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('#user-list li[data-user="meera"]').get_by_role("button", name="Remove").click()
    expect(page.locator('#user-list li[data-user="meera"]')).to_have_count(0)
    expect(page.locator('#user-list li[data-user="asha"]').get_by_role("button", name="Remove")).to_have_count(0)
    context.close()

    ravi = browser.new_page()
    sign_in(ravi, base, "ravi", "a brand new password")
    expect(ravi.locator("header .who")).to_have_text("ravi")
    expect(ravi.locator("#admin-link")).to_have_count(0)
    assert ravi.goto(base + "/admin").status == 403
    ravi.close()


def test_admin_page_at_phone_width(browser: Browser, kiosk_with_hindi_music: Daemon) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True)
    page = context.new_page()
    sign_in(page, kiosk_with_hindi_music.base)
    expect(page.locator("#now")).to_be_visible()
    page.goto(kiosk_with_hindi_music.base + "/admin")
    expect(page.locator("#mapping-grid input")).to_have_count(7 * 3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    outside = page.evaluate(
        """() => [...document.querySelectorAll("main button, main input, main select, .grid-scroll")]
            .filter((control) => control.offsetParent)
            .filter((control) => { const box = control.getBoundingClientRect(); return box.left < 0 || box.right > 360; })
            .map((control) => control.outerHTML)"""
    )
    assert outside == []  # nothing clipped at the edge: the mapping grid is one block per mood on a phone
    # One look at every visible button (the page re-draws lists while it polls, so buttons come and go between looks)
    short = page.evaluate(
        """() => [...document.querySelectorAll("main button:not(.link)")]
            .filter((control) => control.offsetParent && control.getBoundingClientRect().height < 44)
            .map((control) => control.outerHTML)"""
    )
    assert short == []
    context.close()


# The scripts' tables of words they show through t()
TRANSLATED_TABLES = (
    "CHOICE_LABELS", "SOURCE_LABELS", "CAMERA_WORDS", "LANGUAGE_NAMES", "MUSIC_WORDS", "PROBLEM_WORDS", "SOURCE_WORDS",
    "TROUBLE_WORDS", "NOT_READING", "CAMERA_LINES"
)  # fmt: skip


def page_strings() -> set[str]:
    """Every UI string in the templates (``_("...")``) and scripts (``t("...")``, ``tf("...")``, label tables)."""
    web = REPO / "web"
    found: set[str] = set()
    for template in (web / "templates").glob("*.html"):
        found |= {text for _quote, text in re.findall(r"""_\((["'])(.*?)\1\)""", template.read_text())}
    for script in (web / "static").glob("*.js"):
        text = script.read_text()
        found |= set(re.findall(r'\btf?\("((?:[^"\\]|\\.)*)"', text))
        for name in TRANSLATED_TABLES:
            for table in re.findall(rf"const {name} = \{{(.*?)\}};", text, re.S):
                found |= set(re.findall(r':\s*"((?:[^"\\]|\\.)*)"', table))
    return found


def test_every_page_string_has_a_hindi_translation() -> None:
    strings = page_strings()
    assert {"Set the mood", "Playlist mapping", "set by a command-line flag", "Fade out"} <= strings  # the scan works
    assert sorted(strings - HINDI.keys()) == []
