"""A person's photo: checked by its content, decoded and re-encoded by Pillow, stored under a server name.

Re-encoding keeps only the pixels: EXIF (with the GPS position of where the picture was taken),
comments and anything hidden after the image are left behind. The orientation the camera recorded
is applied to the pixels first, so the picture stays upright without its EXIF.
"""

from __future__ import annotations

import io
import warnings

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from registry.domain.errors import InvalidDetails
from registry.domain.i18n import N_
from registry.services.uploads import UploadStore, sniff_extension

# A phone's photo is 2-6 MB; more is not a photo of a person.
MAX_BYTES = 8 * 1024 * 1024
# 40 megapixels: beyond, a small file that decodes into gigabytes of memory (an image bomb).
MAX_PIXELS = 40_000_000
# Stored at most this wide or high: enough to recognise someone, small enough for a slow link.
MAX_SIDE = 1200
FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
MIMETYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def _refuse(message: str) -> InvalidDetails:
    return InvalidDetails(message, fields={"photo": message})


def prepare(data: bytes) -> tuple[bytes, str]:
    """The photo re-encoded without metadata, and its extension; InvalidDetails (field "photo")
    for anything that is not a whole JPEG, PNG or WebP picture of a sensible size."""
    if not data:
        raise _refuse(N_("The photo file is empty."))
    if len(data) > MAX_BYTES:
        raise _refuse(N_("The photo is too large (at most 8 MB)."))
    extension = sniff_extension(data)
    if extension is None:
        raise _refuse(N_("This file is not a photo: only JPEG, PNG or WebP pictures are accepted."))
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, past its own pixel limit; ours is lower and checked first.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[FORMATS[extension]]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS or width <= 0 or height <= 0:
                    raise _refuse(N_("The picture's dimensions are too large."))
                image.load()  # decodes every pixel: a truncated file fails here
                picture = ImageOps.exif_transpose(image)
    except InvalidDetails:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _refuse(N_("The picture's dimensions are too large.")) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise _refuse(N_("The photo is damaged or incomplete; take or choose it again.")) from error
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    output = io.BytesIO()
    if extension == "jpg":
        picture.convert("RGB").save(output, "JPEG", quality=85, optimize=True)
    elif extension == "png":
        keep = picture if picture.mode in ("RGB", "RGBA", "L", "LA", "P") else picture.convert("RGBA")
        keep.save(output, "PNG", optimize=True)
    else:
        keep = picture if picture.mode in ("RGB", "RGBA") else picture.convert("RGBA")
        keep.save(output, "WEBP", quality=85)
    return output.getvalue(), extension


def store() -> UploadStore:
    return UploadStore(f"{current_app.config['UPLOAD_FOLDER']}/photos")


def save(data: bytes) -> str:
    """Check, re-encode and store a photo; its server-generated name."""
    cleaned, _extension = prepare(data)
    return store().save(cleaned)


def read(name: str) -> tuple[bytes, str]:
    """The stored photo and its media type."""
    data = store().read(name)
    return data, MIMETYPES[name.rsplit(".", 1)[1]]


def delete(name: str) -> None:
    try:
        store().delete(name)
    except ValueError:
        pass  # not a name the store made: nothing of ours to delete
