"""An iPhone's photo (HEIC, a HEIF file) in a folder of one's own photos was refused as 'not a readable PNG or JPEG
image (cannot identify image file ...)' alone, though the file is no damaged PNG or JPEG. Pillow reads HEIF only
through a plugin; the refusal now says what the file is and how to turn it into a JPEG."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.captions import load_image
from rnnkit.errors import UserError


def _refusal(path: Path) -> str:
    with pytest.raises(UserError) as err:
        load_image(path, 8)
    return str(err.value)


def test_a_heic_photo_is_named_as_one_with_the_way_to_convert_it(tmp_path: Path) -> None:
    photo = tmp_path / "내 사진 IMG_0001.HEIC"
    photo.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))  # a HEIF file's first box
    said = _refusal(photo)
    assert said.startswith(f"{photo}: not a readable PNG or JPEG image (")
    assert said.endswith(f"; it is a HEIF (HEIC) photo, as iPhones take them, which Pillow does not read: convert it "
                         f"to JPEG, e.g. heif-convert '{photo}' '{tmp_path / '내 사진 IMG_0001.jpg'}' (Debian's "
                         "libheif-examples)")


def test_a_damaged_png_gets_no_such_hint(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(8))
    assert "HEIF" not in _refusal(tmp_path / "a.png")
