"""Settings: TOML file, environment, flags; unknown keys and bad values named clearly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from device.core.config import load_settings, unknown_environment_keys
from device.core.errors import ConfigError
from tests.helpers import clean_env, run_cli


@pytest.fixture(autouse=True)
def no_developer_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("MOODKIOSK_"):
            monkeypatch.delenv(key)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file() -> None:
    settings = load_settings(None)
    assert settings.inference.threads == 1
    assert settings.inference.face_model.name == "face_detection_short_range.tflite"


def test_file_then_environment_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "log_level = 'debug'\n[inference]\nthreads = 2\nmin_face_score = 0.7\n")
    settings = load_settings(path)
    assert (settings.log_level, settings.inference.threads, settings.inference.min_face_score) == ("debug", 2, 0.7)
    monkeypatch.setenv("MOODKIOSK_INFERENCE__THREADS", "3")
    assert load_settings(path).inference.threads == 3
    assert load_settings(path, log_level="error").log_level == "error"


def test_unknown_key_is_named_with_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, "[inference]\nthredz = 2\n"))
    message = caught.value.describe()
    assert "inference.thredz: unknown setting" in message
    assert "threads" in message


def test_unknown_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"camrea: unknown setting"):
        load_settings(write(tmp_path, "[camrea]\nindex = 0\n"))


def test_bad_value_says_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"inference.min_face_score: Input should be less than or equal to 1 \(got 3\)"):
        load_settings(write(tmp_path, "[inference]\nmin_face_score = 3\n"))


def test_section_given_as_a_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"inference: should be a table"):
        load_settings(write(tmp_path, "inference = 3\n"))


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not valid TOML.*line 2"):
        load_settings(write(tmp_path, "[inference]\nthreads = = 2\n"))


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_bad_environment_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOODKIOSK_INFERENCE__THREADS", "many")
    with pytest.raises(ConfigError, match=r"inference.threads: Input should be a valid integer"):
        load_settings(None)


def test_unknown_environment_variables() -> None:
    env = {"MOODKIOSK_BOGUS": "1", "MOODKIOSK_INFERENCE__THREADS": "2", "MOODKIOSK_INFERENCE__NOPE": "1", "HOME": "/"}
    assert unknown_environment_keys(env) == ["MOODKIOSK_BOGUS", "MOODKIOSK_INFERENCE__NOPE"]


def test_cli_reports_config_errors_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, "[inference]\ncrop_scale = 0.5\n")
    result = run_cli("--config", path, "config", "show")
    assert result.returncode == 2
    assert "inference.crop_scale: Input should be greater than or equal to 1" in result.stderr
    assert result.stdout == ""


def test_cli_rejects_unknown_environment_variable() -> None:
    result = run_cli("config", "show", env=clean_env(MOODKIOSK_INFERENCE__THREDS="2"))
    assert result.returncode == 2
    assert "MOODKIOSK_INFERENCE__THREDS" in result.stderr


def test_config_keys_lists_every_setting() -> None:
    result = run_cli("config", "keys")
    assert result.returncode == 0
    for key in ("log_level", "inference.face_model", "inference.crop_scale", "inference.threads"):
        assert key in result.stdout
