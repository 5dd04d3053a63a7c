"""Every music source the kiosk knows (``SOURCE_KINDS``), and the DJ's view of all music: a playlist name
belongs to the source that owns its form, else it is a folder or an imported list of the library."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from device.player.library import MusicLibrary, Track
from device.player.music_source import MusicSource
from device.player.sources import RemoteSources

SOURCE_KINDS: tuple[type[MusicSource], ...] = (RemoteSources,)  # a new source: its class here


def kind_of(playlist: str) -> type[MusicSource] | None:
    """The kind of source that owns ``playlist`` (None: the library's)."""
    return next((kind for kind in SOURCE_KINDS if kind.owns(playlist)), None)


def is_remote(playlist: str) -> bool:
    """Whether ``playlist`` plays over the network (a remote source owns it)."""
    kind = kind_of(playlist)
    return kind is not None and kind.remote


def label(playlist: str) -> str:
    """A short human name: "YouTube search 'happy hindi songs'", "youtube.com playlist", or the name."""
    kind = kind_of(playlist)
    return kind.label(playlist) if kind else playlist


class Catalog:
    """The DJ's view of all music: the library's playlists by name, the sources' by their form."""

    def __init__(self, library: MusicLibrary, sources: Sequence[MusicSource] = ()) -> None:
        self.library = library
        self.sources = list(sources)

    @property
    def music_dir(self) -> Path:
        return self.library.music_dir

    @property
    def languages(self) -> set[str]:
        return self.library.languages

    @languages.setter
    def languages(self, languages: set[str]) -> None:
        self.library.languages = languages

    def names(self) -> list[str]:
        return self.library.names()

    def source_of(self, playlist: str) -> MusicSource | None:
        """The source that owns ``playlist`` (None: the library's, or no such source is running)."""
        return next((source for source in self.sources if source.owns(playlist)), None)

    def tracks(self, playlist: str) -> list[Track]:
        source = self.source_of(playlist)
        if source is not None:
            return source.tracks(playlist)
        return [] if kind_of(playlist) else self.library.tracks(playlist)

    def problem(self, playlist: str) -> str | None:
        """Why a source's playlist gives no tracks right now (None: it does, or it is the library's)."""
        source = self.source_of(playlist)
        return source.problem(playlist) if source else None
