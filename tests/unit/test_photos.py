"""Photos: accepted by their content, re-encoded without metadata, refused whole when they are not
a sensible picture."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from registry.domain.errors import InvalidDetails
from registry.services import photos
from tests.conftest import sample_photo


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90 degrees
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "S", (4.0, 52.0, 30.0)  # latitude
    gps[3], gps[4] = "E", (29.0, 37.0, 12.0)  # longitude
    return exif.tobytes()


@pytest.mark.parametrize("fmt,extension", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_jpeg_png_and_webp_are_accepted_by_their_content(fmt, extension):
    cleaned, found = photos.prepare(sample_photo(fmt))
    assert found == extension
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == fmt and image.size == (64, 48)


def test_re_encoding_strips_exif_and_gps_but_keeps_the_picture_upright():
    original = sample_photo("JPEG", size=(80, 40), exif=gps_exif())
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825)  # the GPS position is there before
    cleaned, _ = photos.prepare(original)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert not image.getexif() and "exif" not in image.info
        assert image.size == (40, 80)  # the orientation was applied to the pixels
    assert b"PhoneMaker" not in cleaned and b"Exif" not in cleaned


def test_a_large_picture_is_scaled_down():
    cleaned, _ = photos.prepare(sample_photo("PNG", size=(3000, 1500)))
    with Image.open(io.BytesIO(cleaned)) as image:
        assert max(image.size) == photos.MAX_SIDE


def _refusal(data: bytes) -> str:
    with pytest.raises(InvalidDetails) as refused:
        photos.prepare(data)
    return refused.value.fields["photo"]


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",  # a PDF renamed photo.jpg
    b"#!/bin/sh\nrm -rf /\n",  # a script
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"GIF89a" + b"\x00" * 100,
])
def test_anything_but_a_jpeg_png_or_webp_is_refused(data):
    assert "not a photo" in _refusal(data)


def image_bomb() -> bytes:
    """A 1x1 PNG whose header says 50,000 x 50,000 pixels (2.5 gigapixels): a few hundred bytes."""
    header = sample_photo("PNG", size=(1, 1))
    chunk = b"IHDR" + struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    return header[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + header[33:]


def test_an_image_bomb_is_refused_before_it_is_decoded():
    assert "dimensions are too large" in _refusal(image_bomb())


def test_a_truncated_jpeg_is_refused():
    data = sample_photo("JPEG", size=(400, 300))
    assert "damaged or incomplete" in _refusal(data[: len(data) // 2])


def test_an_empty_or_oversized_file_is_refused():
    assert "empty" in _refusal(b"")
    assert "too large" in _refusal(b"\xff\xd8\xff" + b"\x00" * (photos.MAX_BYTES + 1))
