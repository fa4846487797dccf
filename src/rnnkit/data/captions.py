"""Captioned images: the ``captions.tsv`` of a folder of PNG or JPEG files, and images as tensors.

What a user gets:

- :func:`read_captions`: the images of a folder (or of its ``captions.tsv``, given itself) with their
  reference captions. ``captions.tsv`` holds ``image<TAB>caption`` lines (an optional header
  ``image<TAB>caption`` in any case, on the first line that is not blank, as ``manifest.tsv`` has its own; image
  paths relative to the folder, or absolute; several lines per image for several references, ``./a.png`` (or
  its absolute path) the same image as ``a.png``; Flickr8k's ``a.jpg#0`` names ``a.jpg``, and ``a.jpg.1#0`` too,
  its lines left out with a warning where neither is there (``2258277193_586949ec62.jpg.1``); a file whose header
  is ``image,caption``, Flickr8k's ``captions.txt``, or ``"image","caption"`` as Excel and pandas write it, is read
  as CSV). A line without exactly one tab, an empty side, a missing image or a file that is not UTF-8 is refused
  with the file and line.
- :func:`load_image`: an image file (or a PIL image) as a (channels, height, width) float tensor in
  [0, 1], turned upright by its EXIF Orientation tag, resized to the square ``size`` or to ``(height,
  width)``, grey (1 channel) or colour (3); an unreadable file is refused by name, and so is one of more
  than twice Pillow's decompression-bomb limit (a warning names one over the limit itself). A grey image of
  more than 8 bits (a 16-bit PNG, a float TIFF of values in [0, 1]) reads as a viewer shows it, an image
  with transparency as laid on white, and a CMYK, RGB, grey or palette image with an embedded ICC colour profile in
  sRGB through that profile (one tagged sRGB as stored: its conversion would change nothing).
  :func:`image_shape` reads a size as the CLI writes it (``64`` or ``32x160``).
- :func:`random_affine`: training-time augmentation of a batch of images (a random rotation, scale and
  shift per image, as torchvision's ``RandomAffine``, and optionally an elastic distortion).
- :func:`caption_words`: the lower-cased words of a caption, as the captioner's vocabulary sees them.
- :func:`write_captions`: write a folder's ``captions.tsv`` (what the built-in generators use).
"""

from __future__ import annotations

import csv
import io
import json
import numbers
import re
import shlex
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnkit.data.split import corpus_index, header_separator, index_header, listed_file, unquoted
from rnnkit.data.tabular import FIELD_SIZE_LIMIT, file_lines
from rnnkit.errors import UserError, warn, whole_number
from rnnkit.files import suffixes_in

__all__ = ["CaptionedImage", "caption_words", "described", "is_pixel_array", "load_image", "random_affine",
           "read_captions", "write_captions"]

_WORDS = re.compile(r"[\w']+|[^\w\s]")
_TOKEN = re.compile(r"(.+)#\d+")  # Flickr8k.token.txt's 'a.jpg#0': the image, then its caption's number
#: Flickr8k.token.txt's '2258277193_586949ec62.jpg.1': an image's name (its extension) with a stray '.1' after it
_STRAY = re.compile(r"(.+\.[^./\\]+)\.\d+")


@dataclass(frozen=True)
class CaptionedImage:
    """An image file and its reference captions."""

    image: Path
    captions: tuple[str, ...]


def caption_words(caption: str) -> list[str]:
    """Lower-cased words and punctuation marks of a caption."""
    return _WORDS.findall(caption.lower())


def read_captions(folder: str | Path) -> list[CaptionedImage]:
    """The images listed in ``folder/captions.tsv`` with their captions, in order of first appearance; ``folder``
    may be that ``captions.tsv`` itself."""
    folder, path = _index(folder)
    lines = file_lines(path)  # a BOM dropped; bad bytes named by line
    # a caption as long under the CSV header as under the tab, as rnnkit's tables read long documents: csv's own
    # limit (128 KiB) held only until the first table in the process lifted it, so a line was refused or not by that
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    found: dict[Path, list[str]] = {}  # by file: "./a.png", "a.png" and its other Unicode spelling are one image
    files: dict[Path, Path] = {}  # the file of each name (in its other Unicode spelling where only that is one)
    firsts: dict[Path, Path] = {}  # each file's first path: "a.png" and "/data/a.png" are one image
    strays: list[tuple[int, str]] = []  # the lines of Flickr8k's stray names whose image is missing, left out
    first, _ = index_header(lines)
    header = header_separator(lines[first - 1], [["image", "caption"]]) if first else None
    split = None if header is None else header[0]
    comma = split == ","  # Flickr8k's captions.txt, as Kaggle ships it
    for number, line in enumerate(lines, start=1):
        if not line.strip() or (number == first and split is not None):
            continue
        name, caption = _fields(path, number, line, comma)
        if not name or not caption:
            raise UserError(f"{path}:{number}: empty {'image' if not name else 'caption'}")
        image = Path(name)
        if image not in files:
            file = listed_file(path, number, folder, name) or _token_file(path, number, folder, name)
            if file is None and _stray_name(name):
                strays.append((number, name))
                continue
            if file is None:
                what = (f"{name!r} is a directory, not an image" if (folder / image).is_dir()
                        else f"no such image {name!r}")
                raise UserError(f"{path}:{number}: {what} (paths are relative to {folder})")
            files[image] = _first_path(firsts, file)
        found.setdefault(files[image], []).append(caption)
    if strays:
        _warn_strays(path, strays, len(strays) + sum(map(len, found.values())))
    if not found:
        raise UserError(f"{path}: no captioned images; expected lines 'image<TAB>caption'")
    return [CaptionedImage(file, tuple(caps)) for file, caps in found.items()]


def _first_path(firsts: dict[Path, Path], file: Path) -> Path:
    """``file``, or the path an earlier line named it by (``firsts``, by resolved path, as the caption task's
    warning of validation images that are training images compares them): ``a.png`` and its absolute path, or a
    link to it, were two images, counted twice by ``evaluate`` and split apart, one of them then a validation
    image that is also a training one."""
    return firsts.setdefault(file.resolve(), file)


def _index(given: str | Path) -> tuple[Path, Path]:
    """``(folder, captions.tsv)`` of ``given`` (:func:`rnnkit.data.split.corpus_index`); a folder without one that
    holds another tool's captions (Flickr8k's ``captions.txt``, COCO's annotations JSON, Hugging Face's
    ``metadata.jsonl``), or that file given itself,
    is refused saying what to do with it: both were 'expected FOLDER/captions.tsv' alone."""
    try:
        return corpus_index(given, "captions.tsv", "a captioned-image folder", "'image<TAB>caption' lines")
    except UserError as exc:
        path = Path(given)
        found = [path] if path.is_file() else sorted(p for p in path.glob("*") if p.is_file()) if path.is_dir() else []
        try:
            hints = (_what_to_do(f, f.name if f == path else f"it holds {f.name}") for f in found)
            hint = next(filter(None, hints), "")
        except OSError:  # a file that cannot be read: the refusal as it was
            hint = ""
        if not hint:
            raise
        raise UserError(f"{exc}; {hint}") from None


def _what_to_do(file: Path, subject: str) -> str:
    """What to do with ``file``, where it is another tool's captions (:func:`_flickr_hint`, :func:`_coco_hint`), said
    of ``subject`` (its name, or 'it holds NAME'); "" for any other file."""
    if file.name.lower() in ("captions.txt", "captions.csv", "flickr8k.token.txt"):
        return _flickr_hint(file, subject)
    if file.suffix.lower() in (".jsonl", ".csv"):
        return _table_hint(file, subject)
    return _coco_hint(file, subject) if file.suffix.lower() == ".json" else ""


def _head(file: Path) -> str:
    """The first 64 KiB of ``file`` as text (enough to see what it is without reading a large one)."""
    with open(file, "rb") as f:
        return f.read(65536).decode("utf-8", "replace")


def _flickr_hint(file: Path, subject: str) -> str:
    """Flickr8k's ``captions.txt`` (or ``Flickr8k.token.txt``): copy it as ``captions.tsv`` where its images are."""
    lines = _head(file).splitlines()[1:2]  # a line of data, after captions.txt's header
    first = re.split(r"[\t,#]", lines[0], maxsplit=1)[0].strip() if lines else ""
    where = _image_folder(file.parent, first) / "captions.tsv"
    return (f"{subject}: copy it as {where}, beside its images (its 'image<TAB>caption' lines, or, "
            "under a header 'image,caption' as Flickr8k's captions.txt has, CSV, are read as they are)")


def _coco_hint(file: Path, subject: str) -> str:
    """COCO's annotations JSON (``images``: ``[{id, file_name}]``, ``annotations``: ``[{image_id, caption}]``): the
    line of Python that writes ``captions.tsv`` from it where its images are; "" for another JSON file."""
    head = _head(file)
    named = re.search(r'"file_name"\s*:\s*"([^"\\]+)"', head)
    if '"images"' not in head or named is None:
        return ""
    out = _image_folder(file.parent, named[1]) / "captions.tsv"
    code = (f'import json; d = json.load(open({json.dumps(str(file))}, encoding="utf-8")); '
            f'f = {{i["id"]: i["file_name"] for i in d["images"]}}; '
            f'open({json.dumps(str(out))}, "w", encoding="utf-8").write("image\\tcaption\\n" + '
            '"".join(f[a["image_id"]] + "\\t" + " ".join(a["caption"].split()) + "\\n" for a in d["annotations"]))')
    return (f"{subject}, COCO's annotations (images with file_name, annotations with image_id and "
            f"caption): write {out}, beside its images, from them with python3 -c {shlex.quote(code)}")


#: the columns of a table of captions that name the image and give its caption, the first one present of each
#: (Hugging Face's ImageFolder reads ``metadata.jsonl`` or ``metadata.csv`` with ``file_name`` and any other column)
_NAME_COLUMNS = ("file_name", "image", "filename", "file", "path")
_CAPTION_COLUMNS = ("text", "caption", "captions", "description")


def _table_hint(file: Path, subject: str) -> str:
    """A JSON-lines or CSV table of captions (Hugging Face ImageFolder's ``metadata.jsonl`` or ``metadata.csv``:
    ``file_name`` and a caption column such as ``text``; or ``image`` and ``caption``): the line of Python that writes
    ``captions.tsv`` from it beside it (a list of captions gives a line each); "" for any other table."""
    first = next((line for line in _head(file).lstrip("\ufeff").splitlines() if line.strip()), "")
    jsonl = file.suffix.lower() == ".jsonl"
    try:
        columns = list(json.loads(first)) if jsonl else next(csv.reader([first]))
    except (ValueError, TypeError, StopIteration, csv.Error):  # not a table of either kind: no hint
        return ""
    name = next((c for c in _NAME_COLUMNS if c in columns), None)
    others = [c for c in columns if c != name]
    text = next((c for c in _CAPTION_COLUMNS if c in columns), others[0] if name == "file_name" and others else None)
    if name is None or text is None:
        return ""
    out = file.parent / "captions.tsv"
    rows = ("[json.loads(l) for l in open({}, encoding=\"utf-8\") if l.strip()]" if jsonl
            else "list(csv.DictReader(open({}, encoding=\"utf-8-sig\", newline=\"\")))").format(json.dumps(str(file)))
    code = (f'import {"json" if jsonl else "csv"}; rows = {rows}; k = {json.dumps(text)}; '
            f'open({json.dumps(str(out))}, "w", encoding="utf-8").write("image\\tcaption\\n" + "".join('
            f'r[{json.dumps(name)}] + "\\t" + " ".join(str(c).split()) + "\\n" for r in rows '
            'for c in (r[k] if isinstance(r[k], list) else [r[k]])))')
    return (f"{subject}, a table of captions ({name}, {text}): write {out}, beside it, from it with "
            f"python3 -c {shlex.quote(code)}")


def _image_folder(folder: Path, name: str) -> Path:
    """The folder of the image ``name`` that a caption file in ``folder`` lists: ``folder`` itself, else its first
    subfolder that holds it (Flickr8k's ``Images/``, COCO's ``train2014/``), else ``folder``."""
    subfolders = sorted(p for p in folder.glob("*") if p.is_dir()) if name else []
    return next((d for d in [folder, *subfolders] if (d / name).is_file()), folder)


def _fields(index: Path, number: int, line: str, comma: bool) -> tuple[str, str]:
    """``(image, caption)`` of line ``number`` of a ``captions.tsv``: at its one tab, or, in a file whose header is
    ``image,caption`` (Flickr8k's ``captions.txt``, which was refused at its header as 'found 0 tabs'), at its first
    comma as CSV reads it (a caption in quotes, or the rest of the line, commas and all)."""
    if comma:
        try:
            fields = next(csv.reader([line]))
        except csv.Error as exc:  # a line csv cannot read, which raised csv.Error
            raise UserError(f"{index}:{number}: expected 'image,caption' as CSV, as the header says: {exc}") from None
        if len(fields) < 2:
            raise UserError(f"{index}:{number}: expected 'image,caption' (a comma), as the header says")
        return fields[0].strip(), ",".join(fields[1:]).strip()
    fields = line.split("\t")
    if len(fields) != 2:
        raise UserError(f"{index}:{number}: expected 'image<TAB>caption' (one tab), found {len(fields) - 1} tabs")
    return unquoted(fields[0].strip()), unquoted(fields[1].strip())


def _token_file(index: Path, number: int, folder: Path, name: str) -> Path | None:
    """The image of a Flickr8k ``Flickr8k.token.txt`` name, ``a.jpg#0`` (the caption's number after the file's
    name, as Keras's captioning tutorial reads it), where ``a.jpg#0`` itself is no file: those lines were refused
    as 'no such image'."""
    match = _TOKEN.fullmatch(name)
    if match is None:
        return None
    stray = _stray_name(name)  # 'a.jpg.1#0' is a caption of 'a.jpg', as the tutorials read it
    return listed_file(index, number, folder, match.group(1)) or (
        None if stray is None else listed_file(index, number, folder, stray))


def _stray_name(name: str) -> str | None:
    """The image a Flickr8k token name with a stray number after its extension stands for (``a.jpg`` of
    ``a.jpg.1#0``); None for any other name."""
    match = _TOKEN.fullmatch(name)
    stray = None if match is None else _STRAY.fullmatch(match.group(1))
    return None if stray is None else stray.group(1)


def _warn_strays(index: Path, strays: Sequence[tuple[int, str]], lines: int) -> None:
    """Say that the ``strays`` (line, name) were left out: Flickr8k.token.txt lists
    ``2258277193_586949ec62.jpg.1#0`` to ``#4``, an image the data set does not hold by either name. Keras's
    captioning tutorial skips them (it reads only names ending ``jpg``); every other missing image is refused."""
    number, name = strays[0]
    warn(f"{index}:{number}: no such image {name.split('#')[0]!r} (nor {_stray_name(name)!r}), a name "
         f"Flickr8k.token.txt gives with a stray number after its extension: its captions are left out "
         f"({len(strays)} of {lines} captions), as Keras's captioning tutorial leaves them")


def image_shape(size: int | str | Sequence[int]) -> tuple[int, int]:
    """``(height, width)`` of an image size: a side ``64`` (or ``"64"``) for a square, ``"32x160"`` (height
    by width) or ``[32, 160]``. Raises ``ValueError`` on anything else or a side below 1."""
    if isinstance(size, str):
        parts = size.lower().split("x")
        if len(parts) > 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"{size!r}: expected a side (64) or height x width (32x160)")
        dims = [int(p) for p in parts]
    elif whole_number(size):
        dims = [size]
    elif isinstance(size, Sequence) and len(size) == 2 and all(isinstance(d, numbers.Integral)
                                                               and not isinstance(d, bool) for d in size):
        dims = [int(d) for d in size]
    else:
        raise ValueError(f"{size!r}: expected a side (64) or height x width (32x160)")
    if min(dims) < 1:
        raise ValueError(f"{size!r}: expected sides of at least 1 pixel")
    return (dims[0], dims[-1])


def described(value: object) -> str:
    """``value`` in a few words on one line: an array or tensor by its type and shape (its repr is rows of
    numbers over many lines), anything else by a repr cut at 60 characters."""
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) or type(shape).__name__ == "Size":
        return f"{type(value).__module__.split('.')[0]}.{type(value).__name__} of shape {tuple(shape)}"
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def is_pixel_array(value: object) -> bool:
    """Whether ``value`` looks like one image's pixels (an array or tensor of numbers with 2 or more axes),
    not a list of images such as ``np.array(paths)``."""
    shape = getattr(value, "shape", None)
    return shape is not None and len(shape) >= 2 and getattr(getattr(value, "dtype", None), "kind", "f") in "biufc"


def load_image(image: str | Path | Any, size: int | str | Sequence[int], channels: int = 3) -> torch.Tensor:
    """(channels, height, width) float tensor in [0, 1] of an image file or PIL image, turned upright by its
    EXIF Orientation tag (``PIL.ImageOps.exif_transpose``), resized (bilinear) to ``size``: a side for a
    square, or ``(height, width)``."""
    height, width = image_shape(size)
    try:
        from PIL import Image
    except ImportError:
        raise UserError("reading images needs Pillow: pip install pillow") from None
    if isinstance(image, str) and not image:  # Path("") is ".", which was refused as "is a directory"
        raise UserError(f"image {image!r}: an empty path; expected the path of a PNG or JPEG file, or a PIL image")
    if isinstance(image, (str, Path)):
        picture = _upright(_read_image(Path(image)), image)
    elif isinstance(image, Image.Image):
        picture = _upright(image, "image")
    else:
        raise UserError(f"image {described(image)}: expected the path of a PNG or JPEG file, or a PIL image")
    name = image if isinstance(image, (str, Path)) else "image"
    picture = _eight_bit(picture, name)
    picture = _converted(_flattened(_colour_managed(picture, name)), "L" if channels == 1 else "RGB", name)
    picture = picture.resize((width, height), Image.Resampling.BILINEAR)
    array = np.asarray(picture, dtype=np.float32) / 255.0
    tensor = torch.from_numpy(array.copy())
    return tensor.unsqueeze(0) if channels == 1 else tensor.permute(2, 0, 1).contiguous()


def _read_image(path: Path) -> Any:
    """The PIL image of the file ``path``, read whole. Refused by name when Pillow cannot read it or when it
    is over twice Pillow's decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``, 89.5 M pixels); over
    the limit itself, a warning names it and its size, as Pillow's own warning does not."""
    from PIL import Image, UnidentifiedImageError

    if path.is_dir():  # 'rnnkit caption DIR photos/': a folder of photos is not read whole
        patterns = " ".join(str(path / f"*{s}") for s in suffixes_in(path, _image_suffixes(), ".jpg"))
        raise UserError(f"{path}: is a directory; expected a PNG or JPEG file (give the images in it, e.g. {patterns})")
    if not path.is_file():
        raise UserError(f"{path}: no such image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.load()
                picture = img.copy()
    except Image.DecompressionBombError:
        raise UserError(f"{path}: an image of more than {2 * Image.MAX_IMAGE_PIXELS:,} pixels, twice Pillow's "
                        "decompression-bomb limit (PIL.Image.MAX_IMAGE_PIXELS); expected a smaller image") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
        raise UserError(f"{path}: not a readable PNG or JPEG image ({exc}){_heif_hint(path)}") from None  # damaged
    limit = Image.MAX_IMAGE_PIXELS
    if limit and picture.width * picture.height > limit:
        warn(f"{path}: a {picture.width}x{picture.height} image ({picture.width * picture.height:,} "
             f"pixels), over Pillow's decompression-bomb limit of {limit:,}; read anyway")
    return picture


#: the brands of a HEIF file (its bytes 8 to 12, after ``ftyp``): an iPhone's HEIC photo, a HEIF image or sequence
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")


def _heif_hint(path: Path) -> str:
    """What to do with ``path`` where Pillow found no image in it and its first bytes say it is a HEIF photo (the HEIC
    files an iPhone takes, which Pillow reads only through a plugin): convert it to JPEG; "" for any other file.
    Such a photo was 'not a readable PNG or JPEG image (cannot identify image file ...)' alone."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return ""
    if head[4:8] != b"ftyp" or head[8:12] not in _HEIF_BRANDS:
        return ""
    return (f"; it is a HEIF (HEIC) photo, as iPhones take them, which Pillow does not read: convert it to JPEG, e.g. "
            f"heif-convert {shlex.quote(str(path))} {shlex.quote(str(path.with_suffix('.jpg')))} (Debian's "
            "libheif-examples)")


def _image_suffixes() -> set[str]:
    """The endings of the names of images Pillow reads (``PNG``, ``JPG``, ``JPEG``, ``WEBP`` ...; without the dot)."""
    from PIL import Image

    return {suffix[1:].upper() for suffix, kind in Image.registered_extensions().items() if kind in Image.OPEN}


def _converted(picture: Any, mode: str, name: object) -> Any:
    """``picture`` in ``mode`` (``"L"`` or ``"RGB"``), through RGB where Pillow has no direct conversion (a
    CIELab TIFF, mode ``LAB``, turns RGB but not grey: a ValueError traceback); a mode it cannot turn into
    either is refused by name."""
    for route in ((mode,), ("RGB", mode)):
        try:
            converted = picture
            for step in route:
                converted = converted.convert(step)
            return converted
        except ValueError:
            continue
    target = "grey" if mode == "L" else "RGB"
    raise UserError(f"{name}: a {picture.mode} image, which Pillow cannot convert to {target}; expected a colour or "
                    "grey image")


def _colour_managed(picture: Any, name: object) -> Any:
    """A CMYK, RGB, RGBA, grey (``L``, ``LA``, and ``I;16`` from :func:`_eight_bit`) or palette ``picture`` with an
    embedded ICC profile (``picture.info["icc_profile"]``) in sRGB through that profile, as a browser or Photoshop
    shows it (a grey one through :func:`_grey_to_srgb`'s table of its levels; Pillow's
    ``convert`` ignores the profile, and takes CMYK as ink amounts: a print workflow's cyan, for one, reads as pure
    (0, 255, 255); a grey profile's tone curve, Photoshop's "Gray Gamma 1.8" or "Dot Gain 20%", was dropped);
    RGB from CMYK, grey or a palette, RGBA from grey or a palette with alpha or a transparent colour and from RGB
    with a transparent colour (a PNG's tRNS, which the conversion would drop), else the mode it has. As stored,
    with a warning naming it, when the profile is damaged or does not fit the image (a viewer shows the pixels as
    untagged then); as stored when Pillow has no ImageCms (littlecms)."""
    icc = picture.info.get("icc_profile")
    if icc and picture.mode in ("P", "PA"):  # a palette's colours are RGB under the profile (PNG optimisers keep it)
        picture = picture.convert("RGBA" if picture.mode == "PA" or "transparency" in picture.info else "RGB")
    elif icc and picture.mode in ("L", "RGB") and "transparency" in picture.info:  # a PNG's transparent colour
        picture = picture.convert(picture.mode + "A")  # as alpha, which the transform keeps (its new image has no info)
    if not icc or picture.mode not in ("CMYK", "RGB", "RGBA", "L", "LA", "I;16"):
        return picture
    from PIL import Image

    try:
        from PIL import ImageCms
    except ImportError:  # Pillow built without littlecms
        warn("Pillow has no ImageCms (littlecms): embedded ICC colour profiles are ignored, so a CMYK image "
             "or one with a wide-gamut profile reads with other colours than a viewer shows")
        return picture
    icc = bytes(icc)
    grey = picture.mode in ("L", "LA", "I;16")
    try:  # an sRGB profile's conversion changes nothing: the image as stored
        if picture.mode != "CMYK" and _shows_as_stored(icc, "L" if grey else "RGB"):
            return picture
        if grey:  # each level's colour from the profile's exact table; the alpha of LA is kept
            levels = np.asarray(picture if picture.mode == "I;16" else picture.getchannel("L"), dtype=np.uint16)
            shown = Image.fromarray(_grey_to_srgb(icc)[levels if picture.mode == "I;16" else levels * 257])
            if picture.mode == "LA":
                shown.putalpha(picture.getchannel("A"))
            return shown
        return ImageCms.applyTransform(picture, _to_srgb(icc, picture.mode))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:  # a damaged profile, or one of CMYK on RGB
        warn(f"{name}: damaged or unsuitable ICC colour profile ({exc}); read without it")
        return picture


@lru_cache(maxsize=8)
def _to_srgb(icc: bytes, mode: str) -> Any:
    """The littlecms transform from the profile ``icc`` to sRGB for images of ``mode`` (CMYK, RGB or RGBA; a grey
    image reads :func:`_grey_to_srgb`'s table) (a folder's photos share a few profiles; building a CMYK profile's
    transform takes longer than applying it to a small image)."""
    from PIL import ImageCms

    return ImageCms.buildTransform(ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"), mode,
                                   "RGB" if mode == "CMYK" else mode)


#: littlecms's cmsFLAGS_NOOPTIMIZE: the transform evaluates the profiles' curves, not a table sampled from them
_NOOPTIMIZE = 0x0100


@lru_cache(maxsize=8)
def _grey_to_srgb(icc: bytes) -> np.ndarray:
    """(65536, 3) uint8: the sRGB colour of each 16-bit level (an 8-bit level v is v * 257) of a grey image through
    its grey profile ``icc``, computed by littlecms without its optimisation. Optimised, its grey transform
    interpolates a table sampled from the curves: a linear-light profile (gamma 1.0) showed the 8-bit levels 1, 2,
    3 as 6, 12, 19 where sRGB's are 13, 22, 28, and a 16-bit image went through the profile only after its
    rounding to 8 bits, 13 levels off in the shadows; unoptimised, within half a level of the curves."""
    from PIL import Image, ImageCms

    ramp = Image.fromarray(np.arange(65536, dtype=np.uint16).reshape(256, 256))  # mode I;16
    transform = ImageCms.buildTransform(ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                                        "I;16", "RGB", flags=_NOOPTIMIZE)
    return np.asarray(ImageCms.applyTransform(ramp, transform)).reshape(65536, 3)


@lru_cache(maxsize=8)
def _shows_as_stored(icc: bytes, mode: str) -> bool:
    """Whether the profile ``icc``'s conversion to sRGB of ``mode`` (``"RGB"`` or ``"L"``) pixels moves no colour by
    more than one level of 255: an sRGB profile (IEC 61966-2.1, as cameras and editors embed it), whatever its bytes
    or description say, or a grey one of sRGB's tone curve, whose images read as stored (converting them is most of
    the time taken to read a photo). Tried on a grid of 33 levels a channel and on every level of each channel, with
    the others at 0 and at 255, and of grey; Adobe RGB, Display P3 or a gamma of 2.2 moves many of these colours."""
    from PIL import Image, ImageCms

    ramp = np.arange(256, dtype=np.uint8)
    if mode == "L":  # the table a grey image's conversion reads, at the 8-bit levels
        shown, stored = _grey_to_srgb(icc)[ramp.astype(np.uint16) * 257], np.repeat(ramp[:, None], 3, axis=1)
        return int(np.abs(shown.astype(np.int16) - stored).max()) <= 1
    levels = np.round(np.linspace(0, 255, 33)).astype(np.uint8)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3)
    colours = [grid, np.repeat(ramp[:, None], 3, axis=1)]
    for channel in range(3):
        for others in (0, 255):
            line = np.full((256, 3), others, dtype=np.uint8)
            line[:, channel] = ramp
            colours.append(line)
    probe = np.concatenate(colours)[None]
    shown = ImageCms.applyTransform(Image.fromarray(probe), _to_srgb(icc, mode))
    return int(np.abs(np.asarray(shown, dtype=np.int16) - probe).max()) <= 1


def _flattened(picture: Any) -> Any:
    """``picture`` laid on white where it is transparent (alpha, a palette's or a PNG's transparent colour), as
    a viewer shows it on a white page and as ImageMagick's ``-flatten`` does: the colour stored under a
    transparent pixel is no part of the picture (a black drawing on a clear background, stored black, read
    as a black page). A palette image goes through RGBA, as Pillow advises, without its warning."""
    from PIL import Image

    if picture.mode not in ("RGBA", "LA", "PA") and "transparency" not in picture.info:
        return picture
    rgba = picture.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")


def _upright(picture: Any, name: object) -> Any:
    """``picture`` turned as photo viewers show it, by its EXIF Orientation tag (``PIL.ImageOps.exif_transpose``;
    one already turned has no tag left); as stored, with a warning naming it, when its EXIF data is damaged."""
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(picture)
    except Exception as exc:  # Pillow's EXIF parser raises SyntaxError, struct.error, TypeError, AttributeError ...
        warn(f"{name}: damaged EXIF data ({exc}); read as stored, not turned")
        return picture


def _eight_bit(picture: Any, name: object) -> Any:
    """A greyscale picture of more than 8 bits scaled to 8 (mode ``L``), as image viewers show it: Pillow's
    ``convert`` clips values at 255 and truncates, so a 16-bit PNG (mode ``I;16``) read as a white page and a
    float TIFF of values in [0, 1] (mode ``F``) as a black one. The range is 0 to 65535 for 16-bit modes;
    for ``I`` and ``F``, 0 to 1 (``F`` only), 255 or 65535, the first that holds every value. Values
    below 0, above 65535 or not finite are refused by name: no range shows them. An ICC profile is applied here,
    on the values at 16 bits (:func:`_colour_managed`: RGB), not on their rounding to 8 (13 levels off in the
    shadows of a linear-light profile), and a PNG's transparent grey (tRNS) kept as alpha (mode ``LA``, or
    ``RGBA``), clear where the value equals it before the scaling, as libpng compares it: the 8-bit image has no
    info of the old one, so its transparent pixels read as their grey."""
    from PIL import Image

    if not (picture.mode.startswith("I;16") or picture.mode in ("I", "F")):
        return picture
    values = np.asarray(picture, dtype=np.float64)
    tops = (65535.0,) if picture.mode.startswith("I;16") else (1.0, 255.0, 65535.0) if picture.mode == "F" \
        else (255.0, 65535.0)
    finite = bool(np.isfinite(values).all())
    low, high = (values.min(), values.max()) if values.size and finite else (0.0, 0.0)
    if not finite or low < 0 or high > tops[-1]:
        found = f"values from {low:g} to {high:g}" if finite else "values that are not finite (NaN or infinity)"
        ranges = " or ".join(filter(None, (", ".join(f"{top:g}" for top in tops[:-1]), f"{tops[-1]:g}")))
        raise UserError(f"{name}: a greyscale image of mode {picture.mode} with {found}; expected values from 0 "
                        f"to {ranges}")
    top = next(top for top in tops if high <= top)
    scaled = Image.fromarray(np.round(values / top * 255.0).astype(np.uint8), "L")
    if "icc_profile" in picture.info:  # a grey profile's tone curve is of the fraction of the range
        levels = Image.fromarray(np.round(values / top * 65535.0).astype(np.uint16))  # mode I;16
        levels.info["icc_profile"] = picture.info["icc_profile"]
        shown = _colour_managed(levels, name)  # as stored (I;16) where the profile is sRGB's, damaged or unread
        scaled = shown if shown.mode == "RGB" else scaled
    clear = picture.info.get("transparency")
    if whole_number(clear):  # not by its scaled value: its neighbours share that
        scaled.putalpha(Image.fromarray(np.where(values == clear, 0, 255).astype(np.uint8)))
    return scaled


def random_affine(images: torch.Tensor, generator: torch.Generator, rotate: float = 8.0, scale: float = 0.1,
                  shift: float = 0.05, elastic: float = 0.0, elastic_cells: int = 8) -> torch.Tensor:
    """``images`` (N, C, H, W) each turned by up to ``rotate`` degrees, scaled by a factor in
    [1 - scale, 1 + scale] and moved by up to ``shift`` of its width and height, all drawn uniformly per
    image from ``generator``; bilinear, with zeros where the image had no pixel. The rotation is one in
    pixels, also for an image that is not square. With ``elastic`` > 0, each image is also bent by a smooth
    random displacement field (Simard et al. 2003's elastic distortion): independent normal displacements
    of standard deviation ``elastic`` (a fraction of the image's longer side) at the corners of a grid of
    ``elastic_cells`` cells along the longer side and as many cells of that size as fit the shorter one
    (at least one), interpolated bicubically to every pixel."""
    n, (height, width) = images.shape[0], images.shape[-2:]

    def draw(high: float) -> torch.Tensor:
        return (2 * torch.rand(n, generator=generator, dtype=torch.float64) - 1) * high

    angle, factor = draw(rotate) * np.pi / 180, 1 + draw(scale)
    dx, dy = draw(2 * shift), draw(2 * shift)   # affine_grid's coordinates span 2 per image side
    cos, sin = torch.cos(angle) / factor, torch.sin(angle) / factor
    # a rotation in pixels, written in affine_grid's coordinates (x spans the width, y the height)
    theta = torch.stack([torch.stack([cos, -sin * height / width, dx], 1),
                         torch.stack([sin * width / height, cos, dy], 1)], 1).to(images.dtype)
    grid = torch.nn.functional.affine_grid(theta, list(images.shape), align_corners=False)
    if elastic > 0:
        longer = max(height, width)
        cells = [max(1, round(elastic_cells * side / longer)) for side in (height, width)]
        corners = torch.randn(n, 2, cells[0] + 1, cells[1] + 1, generator=generator, dtype=torch.float64)
        scale_xy = torch.tensor([longer / width, longer / height], dtype=torch.float64).view(1, 2, 1, 1)
        field = torch.nn.functional.interpolate(corners * (2 * elastic) * scale_xy, size=(height, width),
                                                mode="bicubic", align_corners=True)
        grid = grid + field.permute(0, 2, 3, 1).to(images.dtype)
    return torch.nn.functional.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def write_captions(folder: str | Path, rows: Sequence[tuple[str, str]]) -> Path:
    """Write ``folder/captions.tsv`` with a header and one ``image<TAB>caption`` line per row."""
    path = Path(folder) / "captions.tsv"
    path.write_text("image\tcaption\n" + "".join(f"{i}\t{c}\n" for i, c in rows), encoding="utf-8")
    return path
