"""Why a track plays, as data: who asked, for which mood, in which language.

The DJ, the conductor and the page's handlers build a ``Why``; the log, the events file and Home
Assistant read its English sentence (``text()``), the page receives the fields (``to_json()``) and
says them in its own language, and the kiosk's own screen gets ``public()``: the same without the
member's name (issue 26, finding 13).
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any


class WhyKind(StrEnum):
    """What made the kiosk play a track."""

    MOOD = "mood"  # the room's mood (``emotion`` None: nobody has been seen for a while)
    FALLBACK = "fallback"  # the mood's own music is unavailable; ``note`` says what plays instead
    OVERRIDE = "override"  # a member set the mood by hand for ``minutes``
    ASKED = "asked"  # a member put it in the queue
    FAVORITE = "favorite"  # a member played one of their favorites
    FAVORITES = "favorites"  # a member played all their favorites
    PHOTO = "photo"  # a member shared a photo that looked ``emotion``


@dataclasses.dataclass(frozen=True)
class Why:
    """Why a track plays. ``by`` is a member's name (None on public screens)."""

    kind: WhyKind
    emotion: str | None = None
    by: str | None = None
    playlist: str | None = None
    language: str | None = None  # the music language chosen, when one was
    liked: bool = False  # the household liked it for this mood
    artist: str | None = None  # by one of the household's favourite artists
    minutes: float | None = None  # how long a mood set by hand holds
    note: str | None = None  # FALLBACK: what is missing and what plays instead (English, for the log)
    by_sound: float | None = None  # in ``playlist`` because of how it sounds (the tagger's share)

    def text(self) -> str:
        """One English sentence, for the log, the events file and Home Assistant."""
        main = self._main_text()
        if self.by_sound is not None:
            main = f"{main}; tagged {self.playlist} by its sound, {self.by_sound:.2f}".removeprefix("; ")
        return main

    def _main_text(self) -> str:
        who, emotion = self.by, self.emotion
        if self.kind is WhyKind.MOOD:
            language = f" ({self.language})" if self.language else ""
            liked = f"; you liked it when {emotion}" if self.liked else ""
            artist = f"; by {self.artist}, a favourite artist" if self.artist else ""
            return f"{emotion or 'idle'} -> {self.playlist}{language}{liked}{artist}"
        if self.kind is WhyKind.FALLBACK:
            return self.note or ""
        if self.kind is WhyKind.OVERRIDE:
            minutes = f"{self.minutes or 0:g}"
            return (
                f"{who} chose {emotion} music for {minutes} min" if who else f"{emotion} music chosen by hand for {minutes} min"
            )
        if self.kind is WhyKind.PHOTO:
            return f"a photo {who} shared looked {emotion}" if who else f"a shared photo looked {emotion}"
        named = {WhyKind.ASKED: "asked for by", WhyKind.FAVORITE: "a favorite of", WhyKind.FAVORITES: "favorites of"}
        anonymous = {WhyKind.ASKED: "asked for on the page", WhyKind.FAVORITE: "a household favorite",
                     WhyKind.FAVORITES: "household favorites"}  # fmt: skip
        return f"{named[self.kind]} {who}" if who else anonymous[self.kind]

    def public(self) -> Why:
        """The same without the member's name: for the kiosk's own screen and its on-screen note."""
        return dataclasses.replace(self, by=None)

    def to_json(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
