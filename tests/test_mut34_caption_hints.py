"""Mutation round 34 on the caption folder's hints (fixk) and walk37's cut warning: Flickr8k.token.txt (and a name
in capitals) gets the hint with its images' folder, a JSON without COCO's images none, an image beside the file wins
over a subfolder's, and one cut translation is said in the singular."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.tasks._translate_decoding import Decoding, warn_cut
from tests.test_fixk_caption_files import _images, _refusal


@pytest.mark.parametrize("name", ["Flickr8k.token.txt", "Captions.txt"])
def test_a_flickr_token_file_is_named_with_its_images_folder(name: str, tmp_path: Path) -> None:
    images = _images(tmp_path / "Images")
    (tmp_path / name).write_text("a.jpg#0\tA red one .\na.jpg#1\tRed again .\n", encoding="utf-8")
    assert f"; it holds {name}: copy it as {images / 'captions.tsv'}, beside its images" in _refusal(tmp_path)


def test_a_json_without_cocos_images_gets_no_hint(tmp_path: Path) -> None:
    tmp_path.joinpath("meta.json").write_text(json.dumps({"files": [{"file_name": "a.jpg"}]}), encoding="utf-8")
    assert "COCO" not in _refusal(tmp_path)


def test_an_image_beside_the_file_names_that_folder(tmp_path: Path) -> None:
    _images(tmp_path / "here")
    _images(tmp_path / "here" / "Images")  # the same names in a subfolder too
    (tmp_path / "here" / "captions.txt").write_text("image,caption\na.jpg,A dog runs .\n", encoding="utf-8")
    assert f"copy it as {tmp_path / 'here' / 'captions.tsv'}," in _refusal(tmp_path / "here")


def test_one_cut_translation_is_said_in_the_singular() -> None:
    with pytest.warns(UserWarning, match=r"^1 of 1 translation reached the output limit .* and was cut there"):
        warn_cut(1, 1, Decoding())
