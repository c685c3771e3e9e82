"""Photos are what the decoder makes of them: anything that does not decode in full is
refused (never an unexpected error), what is kept has no metadata and nothing appended,
and a bomb is refused before it is decoded."""

from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.files.images import MAX_PIXELS, NotAnImage, clean_image

GPS = 0x8825
EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def photo(fmt: str = "JPEG", size: tuple[int, int] = (40, 30), mode: str = "RGB",
          exif: Image.Exif | None = None) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 120))
    out = BytesIO()
    image.save(out, fmt, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # the camera's make
    exif[0x0131] = "Secret software 1.0"
    exif.get_ifd(GPS).update({1: "N", 2: (10.0, 56.0, 12.5), 3: "E", 4: (107.0, 24.0, 3.1)})
    return exif


SAMPLES = [photo("JPEG"), photo("PNG"), photo("WEBP"), photo("PNG", mode="RGBA"),
           photo("JPEG", exif=gps_exif()), photo("PNG", exif=gps_exif()),
           photo("WEBP", exif=gps_exif())]
PAYLOADS = [b"<script>alert(1)</script>", b"PK\x03\x04" + b"\x00" * 26 + b"evil.sh",
            b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", b"<?php system($_GET['c']); ?>"]


def decoded(content: bytes) -> Image.Image:
    image = Image.open(BytesIO(content))
    image.load()
    return image


@pytest.mark.parametrize("sample", SAMPLES)
def test_photos_are_kept_without_their_metadata(sample: bytes) -> None:
    clean = clean_image(sample)
    image = decoded(clean.content)
    assert image.format in ("JPEG", "PNG")
    assert clean.mime == f"image/{image.format.lower()}"
    assert (image.width, image.height) == (40, 30)
    exif = image.getexif()
    assert not exif.get_ifd(GPS) and 0x010F not in exif and 0x0131 not in exif
    for marker in (b"PhoneMaker", b"Secret software", b"Exif\x00\x00", b"eXIf"):
        assert marker not in clean.content


def test_the_picture_is_turned_as_the_camera_held_it() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    clean = clean_image(photo("JPEG", size=(40, 30), exif=exif))
    assert decoded(clean.content).size == (30, 40)


@EXAMPLES
@given(st.binary(max_size=2000))
def test_random_bytes_are_refused_or_decoded(content: bytes) -> None:
    try:
        clean = clean_image(content)
    except NotAnImage:
        return
    assert min(decoded(clean.content).size) > 0  # whatever was taken is a real image


@EXAMPLES
@given(sample=st.sampled_from(SAMPLES), data=st.data())
def test_truncated_photos_are_refused(sample: bytes, data: st.DataObject) -> None:
    """Cut anywhere before the end marker's last byte (a PNG's IEND checksum aside)."""
    cut = data.draw(st.integers(0, len(sample) - 5))
    with pytest.raises(NotAnImage):
        clean_image(sample[:cut])


@EXAMPLES
@given(sample=st.sampled_from(SAMPLES), data=st.data())
def test_corrupted_photos_are_refused_or_decoded(sample: bytes, data: st.DataObject) -> None:
    """Bytes flipped anywhere: the decoder's verdict, never an unexpected error."""
    position = data.draw(st.integers(0, len(sample) - 1))
    value = data.draw(st.integers(0, 255))
    try:
        clean = clean_image(sample[:position] + bytes([value]) + sample[position + 1:])
    except NotAnImage:
        return
    assert min(decoded(clean.content).size) > 0


@given(sample=st.sampled_from(SAMPLES), payload=st.sampled_from(PAYLOADS),
       prefix=st.booleans())
@EXAMPLES
def test_polyglots_lose_their_other_file(sample: bytes, payload: bytes, prefix: bool) -> None:
    """A photo with another file after it is kept as the photo alone; another file with
    a photo's first bytes is refused."""
    if prefix:
        with pytest.raises(NotAnImage):
            clean_image(sample[:16] + payload)
        return
    clean = clean_image(sample + payload)
    assert payload not in clean.content
    decoded(clean.content)


@pytest.mark.parametrize("header", [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF....WEBP",
                                    b"GIF89a", b"%PDF-1.7", b"<svg "])
def test_first_bytes_alone_are_not_a_photo(header: bytes) -> None:
    with pytest.raises(NotAnImage):
        clean_image(header + b"\x00" * 200)


def test_bombs_are_refused_before_decoding() -> None:
    side = int(MAX_PIXELS ** 0.5) + 100
    out = BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")  # a few kB that would decode to 40 MB+
    assert len(out.getvalue()) < 100_000
    with pytest.raises(NotAnImage):
        clean_image(out.getvalue())


def test_other_formats_are_refused() -> None:
    for fmt in ("GIF", "BMP", "TIFF", "PPM"):
        with pytest.raises(NotAnImage):
            clean_image(photo(fmt))
