"""Mutation round 35 of the captions.tsv header rule (spaces around a header's names, a header of more names than
two is data) and the translation output-limit warning (one sample a text reads as translations, none cut says
nothing)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from PIL import Image

from rnnkit.data.captions import read_captions
from rnnkit.errors import UserError
from rnnkit.sampling import Sampling
from rnnkit.tasks._translate_decoding import Decoding, warn_cut


def _folder(tmp_path: Path, text: str) -> Path:
    Image.new("RGB", (8, 8), "red").save(tmp_path / "a.jpg")
    (tmp_path / "captions.tsv").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("header", ["Image \tCaption ", '"image" ,"caption" '])
def test_spaces_after_a_headers_names_still_make_it_a_header(tmp_path: Path, header: str) -> None:
    at = "\t" if "\t" in header else ","
    assert read_captions(_folder(tmp_path, f"{header}\na.jpg{at}a dog\n"))[0].captions == ("a dog",)


def test_a_header_of_three_names_is_no_header(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"captions.tsv:1: expected 'image<TAB>caption' \(one tab\), found 2 tabs"):
        read_captions(_folder(tmp_path, "image\tcaption\tsource\na.jpg\ta dog\n"))


def test_one_sample_a_text_is_counted_as_translations() -> None:
    with pytest.warns(UserWarning, match=r"^1 of 2 translations reached the output limit"):
        warn_cut(1, 2, Decoding(n_best=1, sample=Sampling()))


def test_no_cut_translation_says_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_cut(0, 2, Decoding(n_best=3, sample=Sampling()))
