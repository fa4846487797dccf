"""Gaps a mutation audit of fixm's --val-data-is-training warning found (round 36b): the advice it ends with, each
file named as given, the rows compared by their labels too (a relabelled copy of the texts is other validation
data), a speech corpus's files compared by transcript too (two corpora both numbered 0.wav, 1.wav ...), and `rnnkit
train speech` saying it."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.split import warn_validation_trained
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks import speech
from rnnkit.tasks._classify_config import ClassifyConfig
from rnnkit.tasks._classify_data import _read_tables, warn_val_trained
from rnnkit.tasks._speech_config import SpeechConfig
from rnnkit.tasks._speech_data import speech_corpora
from rnnkit.tasks._speech_data import warn_val_trained as warn_speech
from rnnkit.tasks._tag_config import TagConfig
from rnnkit.tasks._tag_data import _read_sentences


def _said(read: object) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read()  # type: ignore[operator]
    return [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning) and "--val-data" in str(w.message)]


def _corpus(folder: Path, texts: list[str]) -> str:
    folder.mkdir(parents=True)
    for i in range(len(texts)):
        (folder / f"{i}.wav").write_bytes(b"")  # a listed file need only be there to be read into a corpus
    (folder / "manifest.tsv").write_text("audio\ttext\n" + "".join(f"{i}.wav\t{t}\n" for i, t in enumerate(texts)))
    return str(folder)


def test_the_warning_ends_with_its_advice(tmp_path: Path) -> None:
    said = _said(lambda: warn_validation_trained("tr", "dev", ["a"], ["a"], "rows", "loss"))
    assert said == ["--val-data dev: all 1 validation rows are training rows too (--data tr): the validation loss "
                    "then score what the model has learnt; give validation data that is not in the training data"]


def test_each_file_is_named_as_given(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "c.csv").write_text("text\n")
    data, again = str(tmp_path / "c.csv"), str(tmp_path / "sub" / ".." / "c.csv")
    said = _said(lambda: warn_validation_trained(data, again, [], ["a"], "rows", "loss"))
    assert len(said) == 1 and said[0].startswith(f"--val-data {again} is the training data --data {data} again")


def test_a_copy_of_the_texts_with_other_labels_is_not_warned_of(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("text,label\n" + "".join(f"text {i},{'ab'[i % 2]}\n" for i in range(6)))
    (tmp_path / "v.csv").write_text("text,label\ntext 0,b\ntext 1,a\n")
    data, val = str(tmp_path / "c.csv"), str(tmp_path / "v.csv")
    assert _said(lambda: warn_val_trained(data, val, *_read_tables(ClassifyConfig(), data, val, None)[:2])) == []
    (tmp_path / "t.conll").write_text("w0 X\nv0 Y\n\nw1 X\nv1 Y\n\n")
    (tmp_path / "v.conll").write_text("w0 Y\nv0 X\n\n")
    assert _said(lambda: _read_sentences(TagConfig(), str(tmp_path / "t.conll"), str(tmp_path / "v.conll"))) == []


def test_another_corpus_with_the_same_file_names_is_not_warned_of(tmp_path: Path) -> None:
    data = _corpus(tmp_path / "a", ["yes", "no", "yes no"])
    other = _corpus(tmp_path / "b", ["stop", "go"])  # 0.wav and 1.wav again, other recordings
    assert _said(lambda: warn_speech(data, other, *speech_corpora(data, other, SpeechConfig()))) == []


class _Said(Exception):
    """Raised by the spy: the run checked its validation data against its training data."""


def test_train_speech_checks_its_validation_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _corpus(tmp_path / "a", ["yes", "no", "yes no"])

    def spy(given: str, val_data: str, train: object, val: object) -> None:
        raise _Said(given, val_data, len(train), len(val))  # type: ignore[arg-type]

    monkeypatch.setattr(speech, "warn_val_trained", spy)
    with pytest.raises(_Said) as said:
        main(["train", "speech", "--data", data, "--val-data", data, "--out", str(tmp_path / "m"), "--steps", "1",
              "--no-progress"])
    assert said.value.args == (data, data, 3, 3)
