"""A model trained before today's readers NFC-normalised its files (its saved labels, tags or words as typed, in
NFD where macOS wrote them) reads the files those readers now give it: its own labels are not 'not in the training
data', its words are not unknown; and a file listed in both spellings is one file."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.data.tokenize import UNK_ID, TokenVocab

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FLAGS = ["--steps", "2", "--hidden", "8", "--embedding", "8", "--no-progress", "--no-autotune", "--save-minutes", "0"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_a_word_saved_in_nfd_is_found_by_its_nfc_spelling() -> None:
    vocab = TokenVocab([nfd("café"), "서울", nfd("서울")])
    assert vocab.ids(["café", nfd("café")]) == [2, 2]
    assert vocab.ids(["서울", nfd("서울")]) == [3, 4]  # both spellings saved: each keeps its own id
    assert vocab.ids(["cafe"]) == [UNK_ID]


def test_a_classifier_whose_labels_were_saved_in_nfd_evaluates_its_own_labels(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("text,label\n" + "good film,café\nbad film,스팸\n" * 4, encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), *FLAGS]) == 0
    config = tmp_path / "run" / "best" / "config.json"
    saved = json.loads(config.read_text(encoding="utf-8"))
    saved["labels"] = [nfd(x) for x in saved["labels"]]  # as a run before today kept labels typed on a Mac
    config.write_text(json.dumps(saved), encoding="utf-8")
    held = tmp_path / "held.csv"
    held.write_text(nfd("text,label\ngood film,café\nbad film,스팸\n"), encoding="utf-8")
    model = rnnkit.load(tmp_path / "run" / "best")
    assert model.evaluate(str(held))["count"] == 2
    assert model.predict(["good film"])[0]["label"] in ("café", "스팸")


def test_a_classify_run_begun_on_labels_saved_in_nfd_resumes_on_its_own_file(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text(nfd("text,label\n" + "good film,café\nbad film,스팸\n" * 4), encoding="utf-8")
    run = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(run), *FLAGS]) == 0
    for config in run.rglob("config.json"):  # as a run before today kept the labels as typed on a Mac
        saved = json.loads(config.read_text(encoding="utf-8"))
        saved["labels"] = [nfd(x) for x in saved["labels"]]
        config.write_text(json.dumps(saved), encoding="utf-8")
    resume = ["--resume", str(run), "--steps", "3", "--no-progress", "--save-minutes", "0"]
    assert main(["train", "classify", *resume]) == 0
