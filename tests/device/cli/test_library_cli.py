"""``moodkiosk library tag``: the real tagger on real files, bad files among them, results kept."""

from __future__ import annotations

import json
import wave
from pathlib import Path

from tests.helpers import clean_env, lively_and_sombre, run_cli

TEN_HOURS = 10 * 3600


def ten_hour_wav(path: Path, rate: int = 8000) -> Path:
    """Ten hours of silence as a real WAV file, sparse on disk (the zeros are never written)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * rate)  # a second; the header is fixed up below
    size = TEN_HOURS * rate * 2
    with path.open("r+b") as handle:
        handle.seek(4)
        handle.write((36 + size).to_bytes(4, "little"))
        handle.seek(40)
        handle.write(size.to_bytes(4, "little"))
        handle.truncate(44 + size)
    return path


def test_tags_good_files_names_bad_ones_and_keeps_results(tmp_path: Path) -> None:
    folder = tmp_path / "music"
    lively, sombre = lively_and_sombre(folder)
    (folder / "corrupt.mp3").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.ogg").write_bytes(b"")
    long = ten_hour_wav(folder / "ten_hours.wav")
    env = clean_env(MOODKIOSK_STORAGE__STATE_DIR=str(tmp_path / "state"))

    first = run_cli("library", "tag", folder, "--json", env=env, timeout=300)
    assert first.returncode == 1, first.stderr  # some files failed
    lines = {Path(entry["path"]).name: entry for entry in map(json.loads, first.stdout.splitlines())}
    assert set(lines) == {lively.name, sombre.name, "corrupt.mp3", "empty.ogg", long.name}
    assert lines[sombre.name]["mood"] == "sad" and lines[lively.name]["valence"] > lines[sombre.name]["valence"]
    for name in (lively.name, sombre.name, long.name):
        entry = lines[name]
        assert {"path", "mood", "scores", "valence", "arousal", "ms"} <= set(entry) and not entry["cached"]
        assert -1 <= entry["valence"] <= 1 and -1 <= entry["arousal"] <= 1
    assert lines[long.name]["seconds"] == 600  # only the first ten minutes are heard
    for name in ("corrupt.mp3", "empty.ogg"):
        assert "error" in lines[name]
        assert f"cannot tag {folder / name}" in first.stderr

    again = run_cli("library", "tag", folder, "--json", env=env, timeout=300)
    cached = {Path(e["path"]).name: e.get("cached") for e in map(json.loads, again.stdout.splitlines())}
    assert cached == {lively.name: True, sombre.name: True, long.name: True, "corrupt.mp3": None, "empty.ogg": None}

    forced = run_cli("library", "tag", lively, "--force", env=env, timeout=300)
    assert forced.returncode == 0, forced.stderr
    header, row = forced.stdout.splitlines()
    assert header.split()[:2] == ["mood", "share"] and row.endswith(str(lively))

    missing = run_cli("library", "tag", tmp_path / "nowhere.mp3", env=env)
    assert missing.returncode == 1 and "no such file" in missing.stderr
