"""The README and the documentation site stay true: the README is short, the site's references are what the
code says (every setting and command has its text), its examples load, every page is in the navigation,
and the front page leads to the common tasks in one click. (CI builds the site strictly: scripts/docs.sh.)"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from device.cli import build_parser
from device.core.config import iter_setting_docs, load_settings
from tests.helpers import REPO

DOCS = REPO / "docs"


def page(name: str) -> str:
    return (DOCS / name).read_text()


def test_the_readme_is_short_and_links_into_the_site() -> None:
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (REPO / link).exists(), link


def test_the_references_are_what_the_code_says() -> None:
    check = subprocess.run([sys.executable, "scripts/docs_reference.py", "--check"], cwd=REPO, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_every_setting_and_command_has_its_own_text() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    from docs_reference import without_help

    assert [key for key, _, text in iter_setting_docs() if not text] == []
    assert without_help(build_parser()) == []


def test_config_examples_are_valid(tmp_path: Path) -> None:
    (example,) = re.findall(r"```toml\n(.*?)```", page("settings.md"), re.S)
    path = tmp_path / "config.toml"
    path.write_text(example)
    assert load_settings(path).player.mapping == {"sad": "calm"}
    documented = set(re.findall(r"^([a-z_]+) =", example, re.M))
    assert documented <= {key.rsplit(".", 1)[-1] for key, _, _ in iter_setting_docs()}
    (mapping,) = re.findall(r"```toml\n(.*?)```", page("music.md"), re.S)
    path.write_text(mapping)
    player = load_settings(path).player
    assert player.playlists("sad", "hindi") == ["ghazals", "ytsearch15:sad hindi songs"]
    assert player.playlists("happy", "english") == ["happy", "https://www.youtube.com/playlist?list=PL..."]


def test_every_command_and_flag_is_explained_by_hand_too() -> None:
    """The generated reference lists them; the hand-written pages say what each command is for."""
    commands_page = "\n".join(path.read_text() for path in DOCS.glob("*.md") if path.name != "model-card.md")
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # argparse keeps these private
    for name, subparser in commands.choices.items():
        assert f"moodkiosk {name}" in commands_page, name
        for action in subparser._actions:
            for flag in action.option_strings:
                assert flag in commands_page or flag in {"-h", "--help"}, f"moodkiosk {name} {flag}"


def test_every_page_is_in_the_navigation_and_the_common_tasks_are_one_click_away() -> None:
    nav = (REPO / "mkdocs.yml").read_text()
    pages = {str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md")}
    assert pages == set(re.findall(r":\s+([\w/.-]+\.md)$", nav, re.M))
    front = page("index.md")
    for task, target in (("Add music", "music.md"), ("Add a member", "page.md#accounts"), ("Home Assistant", "home-assistant.md"),
                         ("Public mode", "privacy.md")):  # fmt: skip
        assert f"[{task}]({target})" in front, task
