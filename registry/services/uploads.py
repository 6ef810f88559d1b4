"""Storing uploaded files (photos) safely: the name on disk is never the name the browser sent.

A stored file is named by a random token plus an extension chosen from an allow-list by its
content's type, inside one folder; names read back from the database are checked against that
pattern before any path is built, so "../../etc/passwd", absolute paths, NUL bytes, backslashes
and look-alike Unicode never reach the file system.

    store = UploadStore(app.config["UPLOAD_FOLDER"])
    name = store.save(data, original_filename="IMG_0042.JPG")   # -> "3f0c...9a.jpg"
    data = store.read(name); store.delete(name)
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from pathlib import Path

from registry.domain.errors import InvalidDetails
from registry.domain.i18n import N_

# Extensions accepted, by what the content is (not by what the browser said).
ALLOWED_EXTENSIONS = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp)$")
MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)


def sniff_extension(data: bytes) -> str | None:
    """The allowed extension matching the file's first bytes, or None."""
    for signature, extension in SIGNATURES:
        if data.startswith(signature):
            return extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def safe_display_name(original: str | None, max_length: int = 80) -> str:
    """The browser's file name made harmless for showing (never for a path): no folders, no control
    characters, no dot files; "" when nothing is left."""
    if not original:
        return ""
    name = unicodedata.normalize("NFKC", original).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()
    return name[-max_length:]


def is_stored_name(name: str | None) -> bool:
    return bool(name) and STORED_NAME.fullmatch(name or "") is not None


class UploadStore:
    """One folder of uploaded files, each under a random name."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder).resolve()

    def path_for(self, name: str) -> Path:
        """The file's path; ValueError for any name this store could not have made."""
        if not is_stored_name(name):
            raise ValueError("not a stored upload name")
        path = (self.folder / name).resolve()
        if path.parent != self.folder:  # a symlinked folder pointing elsewhere
            raise ValueError("outside the upload folder")
        return path

    def save(self, data: bytes, original_filename: str | None = None) -> str:
        """Write the data under a new random name and return that name. The original name is
        not used for anything but is accepted so that callers can pass what they received."""
        del original_filename
        if not data:
            raise InvalidDetails(N_("The file is empty."))
        if len(data) > MAX_BYTES:
            raise InvalidDetails(N_("The file is too large (at most 10 MB)."))
        extension = sniff_extension(data)
        if extension is None:
            raise InvalidDetails(N_("Only JPEG, PNG or WebP pictures are accepted."))
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{secrets.token_hex(16)}.{extension}"
        path = self.path_for(name)
        # O_EXCL: never overwrite (a name is random, but a collision must not clobber a file).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return name

    def read(self, name: str) -> bytes:
        return self.path_for(name).read_bytes()

    def delete(self, name: str) -> bool:
        """Remove the file; False if it was not there."""
        try:
            self.path_for(name).unlink()
        except FileNotFoundError:
            return False
        return True
