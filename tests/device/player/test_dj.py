"""The music library and the DJ's choices: playlists, fallbacks, shuffle, when to switch."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import mutagen.wave
import pytest
from mutagen.id3 import TIT2, TPE1

from device.core.config import PlayerSettings
from device.core.reasons import Why, WhyKind
from device.inference.mood import Mood
from device.player.dj import DJ, FadeOut, Pick
from device.player.library import MusicLibrary, ShuffleQueue, Track
from device.player.votes import weight
from tests.helpers import tone


def local_only(**settings: object) -> PlayerSettings:
    """Player settings without the default YouTube searches (these tests are about local music)."""
    return PlayerSettings(default_searches=False, **settings)


def make_library(root: Path, layout: dict[str, int]) -> MusicLibrary:
    for playlist, count in layout.items():
        (root / playlist).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            (root / playlist / f"{playlist}_song_{i}.ogg").write_bytes(b"OggS")
    return MusicLibrary(root)


def mood(emotion: str | None, confidence: float = 0.8, since: float = 0.0) -> Mood:
    return Mood(emotion, confidence, since, 1)


def test_library_folders_m3u_and_ignored_files(tmp_path: Path) -> None:
    library = make_library(tmp_path, {"happy": 2, "sad": 0})
    (tmp_path / "happy" / "cover.jpg").write_bytes(b"jpg")
    (tmp_path / "happy" / ".hidden.ogg").write_bytes(b"x")
    (tmp_path / "calm.m3u").write_text(
        "#EXTM3U\n#EXTINF:123,Quiet One\nhappy/happy_song_0.ogg\nmissing.ogg\nhttp://127.0.0.1:9/stream\n"
    )
    assert [t.title for t in library.tracks("happy")] == ["happy song 0", "happy song 1"]
    calm = library.tracks("calm")
    assert [(t.title, t.source) for t in calm] == [("Quiet One", "local"), ("http://127.0.0.1:9/stream", "stream")]
    assert calm[0].uri == str((tmp_path / "happy" / "happy_song_0.ogg").resolve())
    assert library.names() == ["calm", "happy"]  # sad/ is empty
    assert library.tracks("../etc") == [] and library.tracks("nope") == []


def test_shuffle_plays_each_track_once_per_round_and_never_twice_in_a_row() -> None:
    tracks = [Track(f"/m/{i}.ogg", str(i), "p") for i in range(5)]
    queue = ShuffleQueue(random.Random(3))
    played = [queue.next(tracks) for _ in range(50)]
    for start in range(0, 50, 5):
        assert sorted(t.uri for t in played[start : start + 5]) == sorted(t.uri for t in tracks)
    assert all(a != b for a, b in itertools.pairwise(played))
    assert queue.next([]) is None
    single = [tracks[0]]
    assert [queue.next(single) for _ in range(3)] == single * 3  # one track: it repeats


def test_liked_tracks_come_early_skipped_ones_late_and_every_track_still_once_a_round() -> None:
    tracks = [Track(f"/m/{i}.ogg", str(i), "happy") for i in range(5)]
    votes = {("/m/0.ogg", "happy"): (2, 0), ("/m/4.ogg", "happy"): (0, 3)}  # liked twice / skipped three times
    queue = ShuffleQueue(random.Random(7))
    rounds = [[queue.next(tracks, lambda t: weight(*votes.get((t.uri, "happy"), (0, 0)))) for _ in range(5)] for _ in range(400)]
    assert all(sorted(t.uri for t in one) == sorted(t.uri for t in tracks) for one in rounds)
    first = [one[0].uri for one in rounds]
    last = [one[-1].uri for one in rounds]
    assert first.count("/m/0.ogg") > 150 and first.count("/m/4.ogg") < 40  # unweighted: 80 each
    assert last.count("/m/4.ogg") > 150
    assert weight(9, 0) == 4 and weight(0, 9) == 0.25 and weight(3, 3) == 1  # bounded


def test_a_liked_track_says_why(tmp_path: Path) -> None:
    dj = DJ(local_only(), make_library(tmp_path, {"happy": 1, "sad": 1}), random.Random(0))
    liked = dj.library.tracks("happy")[0].uri
    dj.votes = {(liked, "happy"): (1, 0)}
    assert dj.pick("happy").reason == "happy -> happy; you liked it when happy"
    assert dj.pick("sad").reason == "sad -> sad"  # liked when happy says nothing about sad


def test_picks_lean_to_the_favourite_artists_by_the_share_asked(tmp_path: Path) -> None:
    library = make_library(tmp_path, {"happy": 4})
    (tmp_path / "happy" / "happy_song_0.json").write_text(json.dumps({"artist": "Lata Mangeshkar"}))
    dj = DJ(local_only(artist_share=1.0), library, random.Random(1))
    dj.lean_to(("lata mangeshkar",))  # as the member typed it
    picks = [dj.pick("happy") for _ in range(6)]
    assert {p.track.title for p in picks} == {"happy song 0"}  # a share of 1: only hers (it repeats)
    assert picks[0].reason == "happy -> happy; by lata mangeshkar, a favourite artist"
    dj.configure(local_only(artist_share=0.0))
    assert "happy song 0" not in {dj.pick("happy").track.title for _ in range(6)}
    dj.configure(local_only(artist_share=0.5))
    titles = [dj.pick("happy").track.title for _ in range(400)]
    assert 120 < titles.count("happy song 0") < 280  # about half the picks
    dj.lean_to(())
    assert "favourite" not in dj.pick("happy").reason
    searching = DJ(PlayerSettings(search_results=15), library, random.Random(1))
    searching.lean_to(("Lata Mangeshkar",))
    assert searching.playlists_for("happy", "hindi") == [
        "happy",
        "ytsearch15:happy upbeat hindi songs",
        "ytsearch15:Lata Mangeshkar happy upbeat hindi songs",
    ]


def test_match_and_lift_strategies_and_overrides(tmp_path: Path) -> None:
    library = make_library(tmp_path, {"happy": 1, "sad": 1, "neutral": 1, "calm": 1})
    match = DJ(local_only(), library)
    assert match.playlists_for("sad") == ["sad"]
    lift = DJ(local_only(strategy="lift", mapping={"angry": "calm"}), library)
    assert [lift.playlists_for(e) for e in ("sad", "angry", "fear")] == [["happy"], ["calm"], ["neutral"]]
    pick = lift.on_mood(0.0, mood("sad"), playing=False)
    assert isinstance(pick, Pick) and pick.track.playlist == "happy" and pick.reason == "sad -> happy"


def test_first_mood_plays_at_once_later_ones_wait_for_the_track_end(tmp_path: Path) -> None:
    dj = DJ(local_only(strong_confidence=0.9), make_library(tmp_path, {"happy": 2, "sad": 2}))
    first = dj.on_mood(0.0, mood("sad"), playing=False)
    assert first.track.playlist == "sad"
    assert dj.on_mood(30.0, mood("happy", 0.7, since=30.0), playing=True) is None  # not strong: waits
    assert dj.on_update(40.0, mood("happy", 0.7, since=30.0)) is None
    assert dj.on_track_end(45.0).track.playlist == "happy"
    assert dj.on_track_end(200.0).track.playlist == "happy"  # and stays there


def test_strong_and_lasting_mood_switches_at_once_but_rate_limited(tmp_path: Path) -> None:
    dj = DJ(local_only(strong_seconds=2.0, min_switch_seconds=10.0), make_library(tmp_path, {"happy": 2, "sad": 2}))
    dj.on_mood(0.0, mood("sad"), playing=False)
    assert dj.on_mood(5.0, mood("happy", 0.9, since=5.0), playing=True) is None  # strong, not lasting yet
    assert dj.on_update(7.0, mood("happy", 0.9, since=5.0)) is None  # lasting, but 7 s < 10 s since the last switch
    pick = dj.on_update(10.0, mood("happy", 0.9, since=5.0))
    assert pick.track.playlist == "happy"
    assert dj.on_update(11.0, mood("happy", 0.9, since=5.0)) is None  # already done


def test_back_to_the_playing_mood_cancels_the_pending_switch(tmp_path: Path) -> None:
    dj = DJ(local_only(strong_confidence=0.95), make_library(tmp_path, {"happy": 2, "sad": 2}))
    dj.on_mood(0.0, mood("sad"), playing=False)
    dj.on_mood(20.0, mood("happy"), playing=True)
    assert dj.on_mood(30.0, mood("sad"), playing=True) is None
    assert dj.on_track_end(40.0).track.playlist == "sad"


def test_switch_immediately_setting(tmp_path: Path) -> None:
    dj = DJ(local_only(switch_at="immediately", min_switch_seconds=10), make_library(tmp_path, {"happy": 1, "sad": 1}))
    dj.on_mood(0.0, mood("sad"), playing=False)
    assert dj.on_mood(12.0, mood("happy", 0.5, since=12.0), playing=True).track.playlist == "happy"


def test_missing_playlist_falls_back_with_a_note(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    dj = DJ(local_only(), make_library(tmp_path, {"neutral": 1, "happy": 1}))
    pick = dj.on_mood(0.0, mood("fear"), playing=False)
    assert pick.track.playlist == "neutral"
    assert "playlist 'fear' is empty or missing" in pick.reason
    dj = DJ(local_only(), make_library(tmp_path / "other", {"happy": 1}))
    assert dj.on_mood(0.0, mood("fear"), playing=False).track.playlist == "happy"  # any playlist at all


def test_no_music_at_all_says_where_to_put_it(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    dj = DJ(local_only(), MusicLibrary(tmp_path / "empty"))
    assert dj.on_mood(0.0, mood("happy"), playing=False) is None
    assert "add folders named after the moods" in caplog.text


def test_idle_actions(tmp_path: Path) -> None:
    library = make_library(tmp_path, {"happy": 1, "idle": 1})
    fade = DJ(local_only(idle_action="fade"), library)
    fade.on_mood(0.0, mood("happy"), playing=False)
    assert isinstance(fade.on_mood(400.0, mood(None), playing=True), FadeOut)
    assert fade.on_track_end(401.0) is None
    assert fade.on_mood(500.0, mood("happy"), playing=False).track.playlist == "happy"  # somebody is back
    keep = DJ(local_only(idle_action="keep"), library)
    keep.on_mood(0.0, mood("happy"), playing=False)
    assert keep.on_mood(400.0, mood(None), playing=True) is None
    assert keep.on_track_end(500.0).track.playlist == "happy"
    idle = DJ(local_only(idle_action="playlist"), library)
    idle.on_mood(0.0, mood("happy"), playing=False)
    assert idle.on_mood(400.0, mood(None), playing=True).track.playlist == "idle"
    assert idle.on_track_end(600.0).track.playlist == "idle"


def test_skip_plays_the_pending_or_current_mood_or_neutral(tmp_path: Path) -> None:
    dj = DJ(local_only(strong_confidence=0.95), make_library(tmp_path, {"happy": 2, "sad": 2, "neutral": 1}))
    assert dj.skip(0.0).track.playlist == "neutral"  # nobody seen yet
    dj.on_mood(1.0, mood("sad"), playing=True)
    assert dj.skip(2.0).track.playlist == "sad"  # the waiting mood, at once
    assert dj.skip(3.0).track.playlist == "sad"


def test_requested_tracks_play_first_and_hold_mood_switches(tmp_path: Path) -> None:
    dj = DJ(local_only(strong_seconds=0, min_switch_seconds=0), make_library(tmp_path, {"happy": 2, "sad": 2}))
    dj.on_mood(0.0, mood("sad"), playing=False)
    liked = [Track("/m/a.ogg", "a", "happy"), Track("/m/b.ogg", "b", "happy")]
    first = dj.play_now(liked, Why(WhyKind.FAVORITES, by="asha"))
    assert first.track == liked[0] and first.reason == "favorites of asha"
    assert dj.on_mood(5.0, mood("happy", 0.99, since=5.0), playing=True) is None  # strong, but asked-for music plays on
    assert dj.on_update(9.0, mood("happy", 0.99, since=5.0)) is None
    assert dj.on_track_end(10.0).track == liked[1]
    assert dj.on_track_end(20.0).track.playlist == "happy"  # the list is done: the waiting mood's music
    assert not dj.manual


def test_language_subfolders_tag_tracks_and_covers_become_thumbnails(tmp_path: Path) -> None:
    for relative in ("happy/hindi/gaana.ogg", "happy/english/song.ogg", "happy/plain.ogg", "happy/80s/old.ogg"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"OggS")
    (tmp_path / "happy" / "cover.png").write_bytes(b"png")
    (tmp_path / "happy" / "hindi" / "folder.jpg").write_bytes(b"jpg")
    library = MusicLibrary(tmp_path, ["english", "hindi"])
    tagged = {Path(t.uri).name: (t.language, Path(t.thumbnail).relative_to(tmp_path).as_posix()) for t in library.tracks("happy")}
    assert tagged == {
        "gaana.ogg": ("hindi", "happy/hindi/folder.jpg"),
        "song.ogg": ("english", "happy/cover.png"),
        "plain.ogg": (None, "happy/cover.png"),
        "old.ogg": (None, "happy/cover.png"),  # 80s is not a language
    }


def test_the_kiosk_language_picks_tagged_then_untagged_then_any_tracks(tmp_path: Path) -> None:
    for relative in ("happy/hindi/gaana.ogg", "happy/plain.ogg", "sad/english/blue.ogg", "calm/hindi/shant.ogg"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"OggS")
    settings = local_only(languages=["english", "hindi", "tamil"], mapping={"tamil": {"sad": ["calm", "happy"]}})
    dj = DJ(settings, MusicLibrary(tmp_path))

    def titles(emotion: str, language: str) -> tuple[list[str], str | None]:
        choice = dj.choose(emotion, language)
        return sorted(t.title for t in choice.tracks), choice.note

    assert titles("happy", "hindi") == (["gaana"], None)
    assert titles("happy", "english") == (["plain"], None)  # untagged fits any language
    assert titles("happy", "any") == (["gaana", "plain"], None)
    assert titles("sad", "hindi") == (["blue"], "no hindi music in sad; playing other languages")
    assert titles("sad", "tamil") == (["gaana", "plain", "shant"], None)  # the tamil table: both playlists, unfiltered
    assert dj.choose("sad", "tamil").playlists == ["calm", "happy"]
    assert dj.set_language("hindi") and not dj.set_language("hindi")
    pick = dj.on_mood(0.0, mood("happy"), playing=False)
    assert pick.track.title == "gaana" and pick.reason == "happy -> happy (hindi)"


def test_mapping_setting_is_checked() -> None:
    assert PlayerSettings(mapping={"sad": "calm", "hindi": {"sad": ["a", "b"]}}).playlists("sad", "hindi") == ["a", "b"]
    assert PlayerSettings(mapping={"sad": "calm"}).playlists("sad", "hindi") == ["calm"]
    assert PlayerSettings().playlists("sad") is None
    for bad in ({"sadd": "calm"}, {"hindi": {"sadd": "x"}}, {"sad": []}, {"sad": [""]}, {"Hindi!": {"sad": "x"}}):
        with pytest.raises(ValueError):
            local_only(mapping=bad)
    with pytest.raises(ValueError):
        local_only(languages=["any"])


def test_a_mood_override_replaces_requested_tracks_and_waits_for_nothing(tmp_path: Path) -> None:
    dj = DJ(local_only(min_switch_seconds=600), make_library(tmp_path, {"happy": 1, "sad": 1}))
    dj.on_mood(0.0, mood("sad"), playing=False)
    dj.play_now([Track("/m/a.ogg", "a", "happy")], Why(WhyKind.FAVORITE, by="asha"))
    pick = dj.override(1.0, "happy")
    assert pick.track.playlist == "happy" and not dj.manual and dj.requested == []


def test_tags_and_sidecars_name_tracks(tmp_path: Path) -> None:
    folder = tmp_path / "happy"
    folder.mkdir()
    tagged = tone(folder / "track01.wav", seconds=2)
    wav = mutagen.wave.WAVE(tagged)
    wav.add_tags()
    wav.tags.add(TIT2(encoding=3, text="Real Title"))
    wav.tags.add(TPE1(encoding=3, text="Real Artist"))
    wav.save()
    tone(folder / "track02.wav", seconds=1)
    (folder / "track02.json").write_text(json.dumps({"title": "From the sidecar", "language": "Hindi"}))
    tone(folder / "track03.wav", seconds=1)
    (folder / "track03.json").write_text("{broken")
    library = MusicLibrary(tmp_path)
    first, second, third = library.tracks("happy")
    assert (first.title, first.artist, first.duration) == ("Real Title", "Real Artist", 2.0)
    assert (second.title, second.language, second.duration) == ("From the sidecar", "hindi", 1.0)
    assert third.title == "track03"  # a broken sidecar is skipped (with a warning), the file name will do
    (folder / "track04.wav").write_bytes((folder / "track03.wav").read_bytes())
    assert len(library.tracks("happy")) == 3  # until the next scan (the daemon rescans every minute)
    library.scan()
    assert len(library.tracks("happy")) == 4


def test_the_queue_adds_removes_and_moves_by_id(tmp_path: Path) -> None:
    dj = DJ(local_only(), make_library(tmp_path, {"happy": 1}))
    a, b, c = (Track(f"/m/{name}.ogg", name, "happy") for name in "abc")
    first, second = dj.enqueue([a, b], Why(WhyKind.ASKED, by="asha"))
    (third,) = dj.enqueue([c], Why(WhyKind.ASKED, by="ravi"), first=True)  # play next: before the others
    assert [r.track.title for r in dj.requested] == ["c", "a", "b"] and len({first.id, second.id, third.id}) == 3
    assert dj.move(second.id, 0) and [r.track.title for r in dj.requested] == ["b", "c", "a"]
    assert dj.move(second.id, 99) and [r.track.title for r in dj.requested] == ["c", "a", "b"]  # past the end: last
    assert dj.unqueue(first.id) and not dj.unqueue(first.id) and not dj.move(first.id, 0)
    pick = dj.skip(0.0)
    assert pick.track == c and pick.reason == "asked for by ravi" and dj.manual
    assert dj.on_track_end(1.0).track == b
    assert dj.requested == [] and dj.on_track_end(2.0) is None and not dj.manual  # no mood yet: nothing more


def test_search_finds_title_artist_or_album_folder_any_case(tmp_path: Path) -> None:
    for relative, tags in {"happy/a.wav": ("Apex Aleph", "Nadia Rao"), "sad/b.wav": ("Blue Rain", "Apex Twins")}.items():
        (tmp_path / relative).parent.mkdir()
        tone(tmp_path / relative, seconds=1)
        (tmp_path / relative).with_suffix(".json").write_text(json.dumps({"title": tags[0], "artist": tags[1]}))
    library = MusicLibrary(tmp_path)
    assert [t.title for t in library.search("NADIA")] == ["Apex Aleph"]
    assert [t.title for t in library.search("apex")] == ["Apex Aleph", "Blue Rain"]  # title matches first
    assert [t.title for t in library.search("sad rain")] == ["Blue Rain"]  # every word, the folder counts
    assert library.search("  ") == [] and library.search("nothing like it") == []
    assert library.find(str(tmp_path / "sad" / "b.wav")).title == "Blue Rain" and library.find("/elsewhere.wav") is None
    assert library.count() == 2


def test_a_listening_briefs_queries_search_beside_the_moods_own(tmp_path: Path) -> None:
    dj = DJ(PlayerSettings(search_results=5), make_library(tmp_path, {"happy": 1}))
    assert dj.built_in_words("happy", "hindi") == "happy upbeat hindi songs"
    dj.use_brief("happy", "hindi", ["feel good pop", "bhangra hits"])
    assert dj.playlists_for("happy", "hindi") == [
        "happy", "ytsearch5:happy upbeat hindi songs", "ytsearch5:feel good pop", "ytsearch5:bhangra hits"
    ]  # fmt: skip
    assert dj.playlists_for("happy", "english") == ["happy", "ytsearch5:happy upbeat english songs"]  # per language
    dj.configure(local_only())
    assert dj.playlists_for("happy", "hindi") == ["happy", "ytsearch5:feel good pop", "ytsearch5:bhangra hits"]
