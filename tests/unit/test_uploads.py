"""Safe upload names and storage: whatever the browser sends, files land under random names in one folder."""

from __future__ import annotations

import pytest

from registry.domain.errors import InvalidDetails
from registry.services.uploads import (
    UploadStore,
    is_stored_name,
    safe_display_name,
    sniff_extension,
)

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 64

HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\system32\\config",
    "/etc/shadow",
    "photo.jpg\x00.php",
    "....//....//x.jpg",
    "%2e%2e%2fsecret.jpg",
    "\u2025\u2215etc\u2215passwd",  # look-alike two-dot leader and division slash
    "CON.jpg",
    ".htaccess",
    "",
]


@pytest.mark.parametrize("original", HOSTILE_NAMES)
def test_a_hostile_name_never_reaches_the_file_system(tmp_path, original):
    store = UploadStore(tmp_path / "uploads")
    name = store.save(JPEG, original_filename=original)
    assert is_stored_name(name) and name.endswith(".jpg")
    assert [path.name for path in (tmp_path / "uploads").iterdir()] == [name]
    assert list(tmp_path.iterdir()) == [tmp_path / "uploads"]


@pytest.mark.parametrize("name", HOSTILE_NAMES + ["0123456789abcdef0123456789abcdef.php",
                                                   "0123456789ABCDEF0123456789ABCDEF.jpg",
                                                   "0123456789abcdef0123456789abcdef.jpg/../x"])  # fmt: skip
def test_a_name_the_store_did_not_make_is_refused_before_any_path_is_built(tmp_path, name):
    store = UploadStore(tmp_path)
    with pytest.raises(ValueError):
        store.path_for(name)
    with pytest.raises(ValueError):
        store.read(name)
    with pytest.raises(ValueError):
        store.delete(name)


def test_the_extension_comes_from_the_content_not_the_name(tmp_path):
    store = UploadStore(tmp_path)
    assert store.save(PNG, "holiday.jpg").endswith(".png")
    assert store.save(WEBP, "x.exe").endswith(".webp")


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"<?php system($_GET['c']); ?>", "Only JPEG, PNG or WebP"),
    (b"GIF89a" + b"\x00" * 10, "Only JPEG, PNG or WebP"),
    (JPEG + b"\x00" * (10 * 1024 * 1024), "too large"),
])  # fmt: skip
def test_other_content_is_refused_with_a_clear_message(tmp_path, data, message):
    with pytest.raises(InvalidDetails, match=message):
        UploadStore(tmp_path).save(data)
    assert not any(tmp_path.iterdir())


def test_save_read_delete_round_trip(tmp_path):
    store = UploadStore(tmp_path)
    name = store.save(JPEG)
    assert store.read(name) == JPEG
    assert store.delete(name) is True and store.delete(name) is False


def test_stored_files_are_readable_by_their_owner_only(tmp_path):
    store = UploadStore(tmp_path / "uploads")
    name = store.save(JPEG)
    assert (store.path_for(name).stat().st_mode & 0o777) == 0o600


def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    store = UploadStore(tmp_path / "uploads")
    name = store.save(JPEG)
    target = outside / "0123456789abcdef0123456789abcdef.jpg"
    target.write_bytes(b"secret")
    (tmp_path / "uploads" / target.name).symlink_to(target)
    with pytest.raises(ValueError):
        store.read(target.name)
    assert store.read(name) == JPEG


@pytest.mark.parametrize("original, shown", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\x\\photo.jpg", "photo.jpg"),
    ("photo\x00.jpg", "photo.jpg"),
    (".hidden.png", "hidden.png"),
    ("", ""),
    (None, ""),
])  # fmt: skip
def test_the_name_shown_to_users_is_harmless(original, shown):
    assert safe_display_name(original) == shown


def test_sniffing_knows_the_three_formats():
    assert [sniff_extension(data) for data in (JPEG, PNG, WEBP, b"hello")] == ["jpg", "png", "webp", None]
