"""The seam every music source sits behind, after Mopidy's backends (a URI scheme each) and Music
Assistant's providers: a source owns the playlist names of its form (``https://...`` and
``ytsearch15:...`` are yt-dlp's, device/player/sources.py), lists their tracks in the background and says
when it cannot; names no source owns are the music folder's (device/player/library.py).

Adding a source takes two files: its module (a ``MusicSource`` subclass) and its name in ``SOURCE_KINDS``
(device/player/catalog.py). The DJ, the jukebox, the page and Home Assistant then play, label, retry and
show it like the others (tests/device/player/test_music_source.py adds one).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from device.core.config import PlayerSettings
from device.core.labels import Trouble
from device.player.library import Track

if TYPE_CHECKING:
    from device.player.sources import Ytdlp


@dataclass
class SourceHealth:
    """``listing`` (first try under way), ``ok`` or ``failing`` (with why, and when it is tried again)."""

    state: str = "listing"
    error: str = ""
    failures: int = 0
    checked_at: float = 0.0
    retry_at: float = 0.0
    tracks: int = 0
    trouble: str = ""  # a core.labels.Trouble while failing: what the page says; ``error`` is the detail

    def to_json(self, playlist: str, label: str) -> dict[str, Any]:
        return {"playlist": playlist, "label": label, "state": self.state, "error": self.error, "tracks": self.tracks,
                "trouble": self.trouble}  # fmt: skip


@dataclass(frozen=True)
class SourceContext:
    """What the jukebox gives every source it makes: the player's settings, the one yt-dlp door (device.player.
    sources.Ytdlp: at most two programs at a time, whoever asks) and where a source says its health changed."""

    settings: PlayerSettings
    ytdlp: Ytdlp
    on_change: Callable[[str, SourceHealth], None]


class MusicSource(ABC):
    """One kind of music the DJ can play. Lives on the event loop; nothing here may block."""

    remote: ClassVar[bool] = True  # plays over the network: health on the page, offline copies, local music meanwhile

    @classmethod
    @abstractmethod
    def owns(cls, playlist: str) -> bool:
        """Whether a playlist name (from ``player.mapping``, a search, an imported row) is this source's."""

    @classmethod
    def label(cls, playlist: str) -> str:
        """A short human name for the page and the log."""
        return playlist

    @classmethod
    @abstractmethod
    def from_context(cls, context: SourceContext) -> MusicSource:
        """The source, made by the jukebox at its start."""

    @abstractmethod
    def tracks(self, playlist: str) -> list[Track]:
        """The tracks it has for ``playlist`` now ([] while it lists them or cannot); never starts a listing."""

    def problem(self, playlist: str) -> str | None:
        """Why ``playlist`` gives no tracks right now ("not listed yet", a network error); None: it does."""
        return None

    def want(self, playlist: str) -> None:  # noqa: B027 (optional)
        """``playlist`` will be asked for: list it in the background if it never was."""

    def request(self, playlist: str) -> None:  # noqa: B027 (optional)
        """List ``playlist`` (again) in the background."""

    def failed(self, playlist: str, why: str, trouble: Trouble = Trouble.OTHER) -> None:  # noqa: B027 (optional)
        """One of ``playlist``'s tracks would not play (``why`` in English, ``trouble`` in a word)."""

    def due(self) -> list[str]:
        """Playlists to list again now (old or failing listings)."""
        return []

    def states(self) -> dict[str, SourceHealth]:
        """Each playlist's health, for the page's "Music sources" and the metrics."""
        return {}

    def configure(self, settings: PlayerSettings) -> None:  # noqa: B027 (optional)
        """New player settings while the kiosk runs."""
