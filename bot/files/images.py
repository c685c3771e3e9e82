"""Photos are taken only as what an image decoder makes of them.

An upload is decoded in full (a truncated or forged file fails here, whatever its first
bytes say) and encoded again: what is kept is the decoder's pixels, without the file's
metadata (EXIF with the GPS position where it was taken, the camera's serial number,
comments) and without anything appended to it (a polyglot's second file). The pixel
count is checked before decoding, against decompression bombs.
"""

import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps

MAX_PIXELS = 40_000_000
"""Larger than any phone's photo (a 200-megapixel sensor saves 12.5 MP by default)."""
MAX_SIDE = 2560
"""Photos are kept at most this wide and high: enough to read a sign or a document."""
FORMATS = ("JPEG", "PNG", "WEBP")
"""What phones and browsers send; other formats are refused rather than decoded."""


class NotAnImage(ValueError):
    """The bytes do not decode as a photo we take."""


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    mime: str
    width: int
    height: int


def clean_image(content: bytes) -> CleanImage:
    """The photo decoded and encoded again: JPEG, or PNG when it has transparency."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(content), formats=FORMATS) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS or width < 1 or height < 1:
                    raise NotAnImage(f"{width}x{height} pixels")
                if probe.format == "PNG":
                    probe.verify()  # every chunk's checksum, up to the end marker
            with Image.open(BytesIO(content), formats=FORMATS) as image:
                image.load()
                # Turn the picture as the camera said it was held, then forget the EXIF.
                upright = ImageOps.exif_transpose(image)
                return _encoded(upright)
    except NotAnImage:
        raise
    except Exception as exc:  # a decoder given hostile bytes may raise anything
        raise NotAnImage(f"{exc.__class__.__name__}: {exc}") from None


def _encoded(image: Image.Image) -> CleanImage:
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    transparent = image.mode in ("RGBA", "LA") or (
        image.mode == "P" and "transparency" in image.info)
    pixels = image.convert("RGBA" if transparent else "RGB")
    pixels.info = {}  # nothing of the original file's metadata is written out
    out = BytesIO()
    if transparent:
        pixels.save(out, "PNG", optimize=True)
    else:
        pixels.save(out, "JPEG", quality=88, optimize=True)
    return CleanImage(out.getvalue(), "image/png" if transparent else "image/jpeg",
                      pixels.width, pixels.height)
