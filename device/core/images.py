"""Photos as RGB frames, decoded safely, for every path a photo takes (upload, photo folder, CLI).

The header is read first: a format we do not take or more pixels than may be decoded is refused
before any pixel is decoded. JPEGs are decoded at a reduced size (the decoder's 1/2 .. 1/8
scaling), the others whole and under lower bounds, and the result is never more than
``MAX_SIDE`` pixels on a side. Nothing is written anywhere.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from device.core.errors import MoodkioskError

MAX_SIDE = 1920  # the face detector sees 128 x 128 anyway; a face of 1/15 of the width keeps ~128 px
# Pixels a header may announce, per format, so that decoding one photo costs at most ~100 MB
# (measured by scripts/bench_attacks.py): JPEGs are decoded at 1/2 .. 1/8 of their size; the
# others whole, and Pillow's WebP decoder needs about 15 bytes a pixel on the way.
MAX_PIXELS = {"JPEG": 100_000_000, "MPO": 100_000_000, "PNG": 12_000_000, "BMP": 12_000_000, "TIFF": 12_000_000,
              "WEBP": 5_000_000}  # fmt: skip
UPLOAD_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})  # MPO: phone photos (the first frame is the photo)
FILE_FORMATS = UPLOAD_FORMATS | {"BMP", "TIFF"}
LOSSY = {"JPEG", "MPO"}


class ImageError(MoodkioskError):
    """A photo too big to decode safely (``status`` 413), not a supported image (415) or broken (422)."""

    def __init__(self, message: str, status: int, hint: str = "") -> None:
        super().__init__(message, hint)
        self.status = status


def decode_image(source: bytes | Path, formats: frozenset[str] = UPLOAD_FORMATS, max_side: int = MAX_SIDE) -> np.ndarray:
    """An upright HxWx3 uint8 RGB array, at most ``max_side`` on its longer side.

    Raises ImageError: 415 for a format not in ``formats``, 413 for too many pixels, 422 for a
    broken file (and OSError for a file that cannot be opened at all).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:  # the header only
                if image.format not in formats:
                    raise ImageError(f"send a {', '.join(sorted(formats - {'MPO'}))} photo", 415)
                width, height = image.size
                limit = MAX_PIXELS[image.format]
                if width * height > limit:
                    raise ImageError(f"the photo has {width} x {height} pixels; at most {limit / 1e6:g} megapixels", 413)
                scale = min(1.0, max_side / max(width, height, 1))
                if image.format in LOSSY:  # decode at 1/2, 1/4 or 1/8 of the size when that is still large enough
                    image.draft("RGB", (max(1, round(width * scale)), max(1, round(height * scale))))
                image.load()
                rgb = ImageOps.exif_transpose(fit(image, max_side)).convert("RGB")  # phone photos: upright as taken
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageError(f"the photo is too large to decode safely: {error}", 413) from error
    except Image.UnidentifiedImageError as error:
        raise ImageError(f"send a {', '.join(sorted(formats - {'MPO'}))} photo", 415) from error
    except (OSError, ValueError, SyntaxError, EOFError) as error:  # Pillow's ways of saying "broken"
        if isinstance(source, Path) and not source.is_file():
            raise
        raise ImageError(f"the photo could not be read: {error}", 422) from error
    return np.ascontiguousarray(np.asarray(rgb))


def fit(image: Image.Image, max_side: int) -> Image.Image:
    """``image`` reduced (never enlarged) so that its longer side is at most ``max_side``."""
    width, height = image.size
    if max(width, height) <= max_side:
        return image
    scale = max_side / max(width, height)
    return image.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX)
