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
