"""Remote cover images (YouTube thumbnails) fetched by the kiosk and served from its own address.

The page's Content-Security-Policy allows images from the kiosk only, and the household's
browsers never talk to the image host. Small, bounded, kept in memory for a while.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

import aiohttp

MAX_IMAGE_BYTES = 2 * 2**20
KEEP = 64


class RemoteImageError(Exception):
    """The image could not be fetched, or is not an image, or is too large."""


class RemoteImages:
    def __init__(self) -> None:
        self._images: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = asyncio.Lock()

    async def get(self, url: str) -> tuple[bytes, str]:
        """The image's bytes and content type (fetched once, then from memory)."""
        if url in self._images:
            self._images.move_to_end(url)
            return self._images[url]
        async with self._lock:
            image = await fetch_image(url)
        self._images[url] = image
        while len(self._images) > KEEP:
            self._images.popitem(last=False)
        return image


async def fetch_image(url: str) -> tuple[bytes, str]:
    timeout = aiohttp.ClientTimeout(total=8)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            kind = response.content_type
            if response.status != 200 or not kind.startswith("image/"):
                raise RemoteImageError(f"{url}: HTTP {response.status}, {kind}")
            data = bytearray()
            async for chunk in response.content.iter_chunked(65536):
                data.extend(chunk)
                if len(data) > MAX_IMAGE_BYTES:
                    raise RemoteImageError(f"{url}: larger than {MAX_IMAGE_BYTES} bytes")
            return bytes(data), kind
    except (aiohttp.ClientError, TimeoutError) as error:
        raise RemoteImageError(f"{url}: {error}") from error
