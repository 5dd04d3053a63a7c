"""Photos uploaded to the web page: checked before decoding, analysed in memory, never stored."""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps

from device.errors import MoodkioskError

MAX_BYTES = 8 * 2**20
MAX_PIXELS = 40_000_000  # e.g. 8000 x 5000; a bigger header is a decompression bomb, not a photo
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PhotoError(MoodkioskError):
    """An upload that is too big (status 413), not a supported image (415) or broken (422)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def decode_photo(data: bytes) -> np.ndarray:
    """An RGB array from JPEG, PNG or WebP bytes; the header is checked before any pixel is decoded."""
    if len(data) > MAX_BYTES:
        raise PhotoError(f"the photo is larger than {MAX_BYTES // 2**20} MB", 413)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            if image.format not in FORMATS:
                raise PhotoError("send a JPEG, PNG or WebP photo", 415)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoError(f"the photo has {width} x {height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels", 413)
            image.draft("RGB", (2000, 2000))  # JPEG: decode at a reduced size when it is large
            rgb = ImageOps.exif_transpose(image).convert("RGB")  # phone photos: upright as taken
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoError(f"the photo is too large to decode safely: {error}", 413) from error
    except (OSError, ValueError, SyntaxError) as error:  # Pillow's ways of saying "not an image" or "broken"
        if isinstance(error, Image.UnidentifiedImageError):
            raise PhotoError("send a JPEG, PNG or WebP photo", 415) from error
        raise PhotoError(f"the photo could not be read: {error}", 422) from error
    return np.ascontiguousarray(np.asarray(rgb))
