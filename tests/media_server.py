"""A stand-in for the internet: real audio files and a playlist feed served over HTTP on 127.0.0.1."""

from __future__ import annotations

import functools
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np

from tests.helpers import tone


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        time.sleep(getattr(self.server, "slow_seconds", 0.0))  # a slow network, when the test asks for one
        super().do_GET()


class MediaServer:
    """Serves ``folder``; ``feed(...)`` writes an RSS feed of tones, like a podcast or a playlist page."""

    def __init__(self, folder: Path, slow_seconds: float = 0.0) -> None:
        self.folder = folder
        self.slow_seconds = slow_seconds
        folder.mkdir(parents=True, exist_ok=True)
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    def start(self) -> MediaServer:
        handler = functools.partial(QuietHandler, directory=str(self.folder))
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.slow_seconds = self.slow_seconds  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def feed(self, name: str, titles: list[str], seconds: float = 3.0) -> str:
        """An RSS feed with one tone per title (and a cover image); returns its URL."""
        cover = np.full((48, 48, 3), (30, 160, 90), np.uint8)
        cv2.imwrite(str(self.folder / "cover.png"), cover)
        items = []
        for index, title in enumerate(titles):
            tone(self.folder / f"{name}-{index}.wav", seconds=seconds, frequency=300 + 60 * index)
            audio = self.url(f"{name}-{index}.wav")
            items.append(
                f'<item><title>{title}</title><itunes:image href="{self.url("cover.png")}"/>'
                f"<itunes:duration>{seconds:g}</itunes:duration>"
                f'<enclosure url="{audio}" type="audio/x-wav" length="1"/><guid>{name}-{index}</guid></item>'
            )
        rss = (
            '<?xml version="1.0"?><rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
            f"<channel><title>{name}</title>{''.join(items)}</channel></rss>"
        )
        (self.folder / f"{name}.xml").write_text(rss)
        return self.url(f"{name}.xml")
