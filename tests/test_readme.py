"""The README's examples stay true: its config example loads, its CLI synopsis matches the parser."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from device.cli import build_parser
from device.core.config import iter_setting_docs, load_settings
from tests.helpers import REPO

README = (REPO / "README.md").read_text()


def test_config_examples_are_valid(tmp_path: Path) -> None:
    example, mapping = re.findall(r"```toml\n(.*?)```", README, re.S)
    path = tmp_path / "config.toml"
    path.write_text(example)
    settings = load_settings(path)
    assert settings.player.mapping == {"sad": "calm"}
    documented = set(re.findall(r"^([a-z_]+) =", example, re.M))
    known = {key.rsplit(".", 1)[-1] for key, _, _ in iter_setting_docs()}
    assert documented <= known
    path.write_text(mapping)
    player = load_settings(path).player
    assert player.playlists("sad", "hindi") == ["ghazals", "ytsearch15:sad hindi songs"]
    assert player.playlists("happy", "english") == ["happy", "https://www.youtube.com/playlist?list=PL..."]


def test_every_command_and_flag_is_documented() -> None:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # argparse keeps these private
    for name, subparser in commands.choices.items():
        assert f"moodkiosk {name}" in README or f"  {name} " in README, name
        for action in subparser._actions:
            for flag in action.option_strings:
                assert flag in README or flag in {"-h", "--help"}, f"moodkiosk {name} {flag}"
