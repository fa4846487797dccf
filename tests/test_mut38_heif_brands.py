"""Mutation round 38 on walk46's HEIC refusal: a HEIF photo of the general brand (``mif1``, as many Android phones
write it) gets the hint too; an MP4 video or an AVIF image (an ``ftyp`` box of another brand) and a file with
``heic`` at those bytes but no ``ftyp`` box get none."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_walk46_heic import _refusal


def test_a_mif1_heif_photo_gets_the_hint(tmp_path: Path) -> None:
    photo = tmp_path / "photo.heif"
    photo.write_bytes(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic" + bytes(64))
    assert "it is a HEIF (HEIC) photo" in _refusal(photo)


@pytest.mark.parametrize("head", [b"\x00\x00\x00\x18ftypisom", b"\x00\x00\x00\x18ftypavif",
                                  b"\x00\x00\x00\x18abcdheic"], ids=["mp4", "avif", "no ftyp box"])
def test_other_files_get_no_such_hint(tmp_path: Path, head: bytes) -> None:
    (tmp_path / "a.jpg").write_bytes(head + bytes(64))
    assert "HEIF" not in _refusal(tmp_path / "a.jpg")


def test_a_file_that_cannot_be_read_again_gets_the_refusal_alone(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow's failure stands where the first bytes cannot be read (a file unreadable to the user: root reads
    every file, so the second reading is made to fail here): the refusal, not a traceback."""
    (tmp_path / "a.jpg").write_bytes(b"not an image" + bytes(64))

    def unreadable(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("rnnkit.data.captions.open", unreadable, raising=False)
    said = _refusal(tmp_path / "a.jpg")
    assert said.startswith(f"{tmp_path / 'a.jpg'}: not a readable PNG or JPEG image (") and "HEIF" not in said
