"""Gaps a mutation audit of :mod:`rnnkit.data.captions` found (round 13): how an object that is no image is named,
what counts as one image's pixels, a palette's transparent colour through a profile, an 8-bit grey image through a
grey profile read as its 16-bit copy, and the one level an sRGB profile may move a colour."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.data.captions import described, is_pixel_array, load_image
from rnnkit.errors import UserError
from tests.test_caption import DULL_RED, _grey_profile, _icc_bytes, _icc_profile, _matrix_profile

PIL = pytest.importorskip("PIL", reason="Pillow is not installed")
pytest.importorskip("PIL.ImageCms")


def test_an_object_that_is_no_image_is_named_by_its_repr_cut_to_60_characters() -> None:
    numbers = list(range(40))
    with pytest.raises(UserError) as caught:
        load_image(numbers, 8)  # type: ignore[arg-type]
    assert str(caught.value) == (f"image {repr(numbers)[:57]}...: expected the path of a PNG or JPEG file, "
                                 "or a PIL image")
    assert len(described(numbers)) == 60 and described("x" * 58) == repr("x" * 58)   # 60 characters: whole


def test_a_grey_image_s_two_axes_are_pixels_and_a_list_of_paths_is_not() -> None:
    assert is_pixel_array(np.zeros((4, 6))) and is_pixel_array(torch.zeros(4, 6))
    assert is_pixel_array(np.zeros((4, 6), dtype=bool)) and is_pixel_array(np.zeros((2, 4, 6, 3), dtype=np.uint8))
    assert not is_pixel_array(np.zeros(6)) and not is_pixel_array(np.array([["a.png", "b.png"]]))
    assert not is_pixel_array(["a.png", "b.png"])


def test_a_palette_s_transparent_colour_is_laid_on_white_through_a_profile(tmp_path: Path) -> None:
    """A palette PNG (its colours RGB under the profile) whose black is its transparent colour: the clear pixels
    read white, as without a profile, and not as the black stored under them."""
    from PIL import Image

    icc = _icc_profile("RGB", lambda c: DULL_RED if c == (255, 0, 0) else c)
    picture = Image.new("P", (8, 8), 0)
    picture.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    picture.paste(1, (0, 0, 4, 8))                                  # left: device red; right: black, transparent
    picture.save(tmp_path / "p.png", transparency=0, icc_profile=icc)
    picture.save(tmp_path / "plain.png", transparency=0)
    with Image.open(tmp_path / "p.png") as opened:
        assert opened.mode == "P" and "transparency" in opened.info and "icc_profile" in opened.info
    pixels = load_image(tmp_path / "p.png", 8)
    torch.testing.assert_close(pixels[:, 4, 6], torch.ones(3))
    torch.testing.assert_close(load_image(tmp_path / "plain.png", 8)[:, 4, 6], torch.ones(3))
    assert float((pixels[:, 4, 1] * 255 - torch.tensor(DULL_RED, dtype=torch.float32)).abs().max()) <= 12


@pytest.mark.parametrize("gamma", [1.0, 3.0])
def test_an_8_bit_grey_image_reads_as_its_16_bit_copy_through_a_grey_profile(tmp_path: Path, gamma: float) -> None:
    """Level v of 8 bits is level 257 v of 16 (255 is 65535): both go through the profile's table at the same
    place, so they read alike to the last level."""
    from PIL import Image

    icc = _grey_profile(gamma)
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    Image.fromarray(levels).save(tmp_path / "g8.png", icc_profile=icc)
    Image.fromarray(levels.astype(np.uint16) * 257).save(tmp_path / "g16.png", icc_profile=icc)
    for channels in (1, 3):
        torch.testing.assert_close(load_image(tmp_path / "g8.png", 16, channels=channels),
                                   load_image(tmp_path / "g16.png", 16, channels=channels), atol=0, rtol=0)


def _dimmed_srgb_curve(factor: float) -> bytes:
    """sRGB's tone curve with its light scaled by ``factor``: white shows as sRGB's 253 at 0.98, two levels off."""
    stored = (i / 1023 for i in range(1024))
    linear = (factor * (v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4) for v in stored)
    return b"curv" + bytes(4) + struct.pack(">I", 1024) + b"".join(struct.pack(">H", round(65535 * v)) for v in linear)


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_profile_two_levels_from_srgb_is_applied_not_taken_as_srgb(tmp_path: Path, mode: str) -> None:
    """Only a profile that moves no colour by more than one level reads as stored: one whose white shows two levels
    darker is applied (white reads 253)."""
    from PIL import Image

    curve = _dimmed_srgb_curve(0.98)
    icc = _matrix_profile(curve) if mode == "RGB" else _icc_bytes("GRAY", "XYZ", [(b"kTRC", curve)])
    Image.new(mode, (4, 4), (255,) * len(mode)).save(tmp_path / "white.png", icc_profile=icc)
    white = load_image(tmp_path / "white.png", 4)[:, 1, 1] * 255
    assert float(white.max()) <= 254 and float(white.min()) >= 251


def test_random_affine_moves_images_by_up_to_the_shift_along_each_axis_alike() -> None:
    """``shift`` 0.2 of a 41-pixel side moves a lone pixel by up to 8.2 pixels up or down as well as sideways:
    over 64 draws, nearly that far along each axis (the vertical move was once drawn from half the range)."""
    from rnnkit.data.captions import random_affine

    images = torch.zeros(64, 1, 41, 41)
    images[:, 0, 20, 20] = 1.0
    moved = random_affine(images, torch.Generator().manual_seed(0), rotate=0.0, scale=0.0, shift=0.2)
    at = moved.flatten(1).argmax(1)
    rows, cols = (at // 41 - 20).abs(), (at % 41 - 20).abs()
    assert 7 <= int(rows.max()) <= 8 and 7 <= int(cols.max()) <= 8


def test_elastic_displacements_at_the_grid_corners_have_the_asked_standard_deviation() -> None:
    """At the corners of the grid (every 8th pixel of a 65-pixel side in 8 cells) the field is the drawn normal
    displacement itself, of standard deviation ``elastic`` of the longer side: 1.3 pixels at 0.02."""
    from rnnkit.data.captions import random_affine

    elastic = 0.02
    ramp = torch.arange(65, dtype=torch.float64).expand(64, 1, 65, 65).contiguous()       # value = column
    plain = random_affine(ramp, torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0)
    bent = random_affine(ramp, torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0, elastic=elastic)
    at_corners = (bent - plain)[:, 0, 8:57:8, 8:57:8]         # 64 images x 49 inner corners: the x displacements
    assert 0.9 < float(at_corners.std()) / (elastic * 65) < 1.1


def test_a_strip_bends_along_its_short_side_between_one_cell_s_two_edges() -> None:
    """A strip 32 x 320 at 8 cells along its length has one cell across it (at least one): the vertical
    displacement of each column runs between its top and bottom values without turning back."""
    from rnnkit.data.captions import random_affine

    rows = torch.arange(32, dtype=torch.float64).view(1, 1, 32, 1).expand(16, 1, 32, 320).contiguous()
    plain = random_affine(rows, torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0)
    bent = random_affine(rows, torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0, elastic=0.005)
    dy = (bent - plain)[:, 0, 6:-6, 20:-20]
    assert float(dy.abs().max()) > 1                                            # bent, by more than a pixel
    steps = dy[:, 1:] - dy[:, :-1]
    assert bool(((steps >= -1e-9).all(1) | (steps <= 1e-9).all(1)).all())


def test_random_affine_scales_by_factors_across_the_whole_range() -> None:
    """``scale`` 0.3: a square's side is scaled by factors from 0.7 to 1.3, over 64 draws nearly both ends."""
    from rnnkit.data.captions import random_affine

    images = torch.zeros(64, 1, 64, 64, dtype=torch.float64)
    images[:, :, 24:40, 24:40] = 1.0
    scaled = random_affine(images, torch.Generator().manual_seed(0), rotate=0, scale=0.3, shift=0)
    factors = (scaled.sum((1, 2, 3)) / 256).sqrt()
    assert 0.69 < float(factors.min()) < 0.75 and 1.25 < float(factors.max()) < 1.31


def test_random_affine_fills_with_zeros_where_the_image_had_no_pixel() -> None:
    from rnnkit.data.captions import random_affine

    moved = random_affine(torch.ones(8, 1, 16, 16), torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0.2)
    assert sum(float(image.min()) == 0.0 for image in moved) >= 6 and float(moved.max()) == 1.0


def test_write_captions_writes_the_header_and_a_line_per_row(tmp_path: Path) -> None:
    from rnnkit.data.captions import read_captions, write_captions

    path = write_captions(tmp_path, [("a.png", "a red dot"), ("b.png", "a blue box")])
    assert path == tmp_path / "captions.tsv"
    assert path.read_text(encoding="utf-8") == "image\tcaption\na.png\ta red dot\nb.png\ta blue box\n"
    PIL.Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    PIL.Image.new("RGB", (4, 4)).save(tmp_path / "b.png")
    assert [(i.image.name, i.captions) for i in read_captions(tmp_path)] == [("a.png", ("a red dot",)),
                                                                             ("b.png", ("a blue box",))]


def test_only_the_first_line_can_be_the_header(tmp_path: Path) -> None:
    """Further down, ``image<TAB>caption`` is the image file ``image`` captioned "caption"."""
    from rnnkit.data.captions import read_captions

    PIL.Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    PIL.Image.new("RGB", (4, 4)).save(tmp_path / "image", format="PNG")
    (tmp_path / "captions.tsv").write_text("image\tcaption\na.png\ta dot\nimage\tcaption\n", encoding="utf-8")
    assert [(i.image.name, i.captions) for i in read_captions(tmp_path)] == [("a.png", ("a dot",)),
                                                                             ("image", ("caption",))]


def test_an_image_of_exactly_the_bomb_limit_is_read_without_a_warning(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow's limit is a most: 100 pixels under a limit of 100 are within it; 101 are over it."""
    import warnings

    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    Image.new("RGB", (10, 10)).save(tmp_path / "at.png")
    Image.new("RGB", (101, 1)).save(tmp_path / "over.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_image(tmp_path / "at.png", 4).shape == (3, 4, 4)
    with pytest.warns(UserWarning, match=r"over.png: a 101x1 image \(101 pixels\), over Pillow's"):
        load_image(tmp_path / "over.png", 4)
