"""``--val-data`` that is the training data again (the same file, or a copy of it) is warned of by every task that
takes ``--val-data``, as the captioner warns of validation images that are training images: before, a classify, tag,
translate or speech user was scored on what the model had learnt without a word."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.split import warn_validation_trained
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._classify_config import ClassifyConfig
from rnnkit.tasks._classify_data import _read_tables, warn_val_trained
from rnnkit.tasks._speech_config import SpeechConfig
from rnnkit.tasks._speech_data import speech_corpora
from rnnkit.tasks._speech_data import warn_val_trained as warn_speech
from rnnkit.tasks._tag_config import TagConfig
from rnnkit.tasks._tag_data import _read_sentences
from rnnkit.tasks._translate_config import Seq2SeqConfig
from rnnkit.tasks._translate_data import translation_data
from rnnkit.tasks._translate_data import warn_val_trained as warn_pairs

CLASSIFY = "text,label\n" + "".join(f"text number {i},{'ab'[i % 2]}\n" for i in range(6))
TAG = "".join(f"w{i} X\nv{i} Y\n\n" for i in range(4))
PAIRS = "".join(f"src {i}\ttgt {i}\n" for i in range(4))


def _speech(folder: Path, texts: list[str]) -> Path:
    folder.mkdir(parents=True)
    for i in range(len(texts)):
        (folder / f"{i}.wav").write_bytes(b"")  # listed files need only be there to be read into a corpus
    (folder / "manifest.tsv").write_text("audio\ttext\n" + "".join(f"{i}.wav\t{t}\n" for i, t in enumerate(texts)))
    return folder


def _said(read: object) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read()  # type: ignore[operator]
    return [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning) and "--val-data" in str(w.message)]


def _readers(tmp_path: Path) -> dict[str, tuple[str, object]]:
    """Each task's reader of (data, val_data), with the training data it is given."""
    (tmp_path / "c.csv").write_text(CLASSIFY)
    (tmp_path / "t.conll").write_text(TAG)
    (tmp_path / "p.tsv").write_text(PAIRS)
    _speech(tmp_path / "s", ["yes", "no", "yes no"])
    return {
        "classify": (str(tmp_path / "c.csv"),  # said by the run (or its search), not by each trial's reading
                     lambda d, v: warn_val_trained(d, v, *_read_tables(ClassifyConfig(), d, v, None)[:2])),
        "tag": (str(tmp_path / "t.conll"), lambda d, v: _read_sentences(TagConfig(), d, v)),
        "translate": (str(tmp_path / "p.tsv"), lambda d, v: warn_pairs(d, v, *translation_data(d, v, Seq2SeqConfig()))),
        "speech": (str(tmp_path / "s"), lambda d, v: warn_speech(d, v, *speech_corpora(d, v, SpeechConfig()))),
    }


@pytest.mark.parametrize("task", ["classify", "tag", "translate", "speech"])
def test_the_training_file_given_again_is_warned_of(task: str, tmp_path: Path) -> None:
    data, read = _readers(tmp_path)[task]
    said = _said(lambda: read(data, data))  # type: ignore[operator]
    assert said == [f"--val-data {data} is the training data --data {data} again: the validation "
                    f"{said[0].split('the validation ')[1]}"]
    assert "score what the model has learnt" in said[0]


@pytest.mark.parametrize("task", ["classify", "tag", "translate", "speech"])
def test_a_copy_is_warned_of_with_how_many(task: str, tmp_path: Path) -> None:
    data, read = _readers(tmp_path)[task]
    copy = tmp_path / "copy"
    (shutil.copytree if Path(data).is_dir() else shutil.copy)(data, copy)
    said = _said(lambda: read(data, str(copy)))  # type: ignore[operator]
    assert len(said) == 1 and said[0].startswith(f"--val-data {copy}: all ") and f"(--data {data})" in said[0]


def test_some_shared_rows_and_other_data_are_not_warned_of(tmp_path: Path) -> None:
    readers = _readers(tmp_path)
    data, read = readers["translate"]
    (tmp_path / "dev.tsv").write_text("src 0\ttgt 0\nsrc 9\ttgt 9\n")  # a short sentence recurs by chance
    assert _said(lambda: read(data, str(tmp_path / "dev.tsv"))) == []  # type: ignore[operator]
    data, read = readers["speech"]
    other = _speech(tmp_path / "other", ["yes", "no"])
    other.joinpath("1.wav").rename(other / "9.wav")
    other.joinpath("manifest.tsv").write_text("audio\ttext\n0.wav\tyes\n9.wav\tno\n")  # another recording of "no"
    assert _said(lambda: read(data, str(other))) == []  # type: ignore[operator]


def test_the_count_is_of_the_validation_rows() -> None:
    said = r"--val-data dev: all 2 validation rows are training rows too \(--data tr\)"
    with pytest.warns(RnnkitWarning, match=said):
        warn_validation_trained("tr", "dev", ["a", "b", "c"], ["c", "a"], "rows", "loss")


@pytest.mark.usefixtures("one_torch_thread")
def test_the_command_line_says_it_as_a_warning_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.tsv").write_text(PAIRS)
    data = str(tmp_path / "p.tsv")
    assert main(["train", "seq2seq", "--data", data, "--val-data", data, "--out", str(tmp_path / "m"), "--steps",
                 "1", "--hidden", "4", "--embedding", "4", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert err.count(f"rnnkit: warning: --val-data {data} is the training data --data {data} again") == 1


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("search", [False, True])
def test_a_classifier_says_it_once_also_in_a_search(search: bool, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.csv").write_text(CLASSIFY, encoding="utf-8")
    data = str(tmp_path / "c.csv")
    how = ["--autotune", "--steps", "4"] if search else ["--steps", "1"]
    assert main(["train", "classify", "--data", data, "--val-data", data, "--out", str(tmp_path / "m"), *how,
                 "--hidden", "4", "--embedding", "4", "--no-progress", "--threads", "1"]) == 0
    assert capsys.readouterr().err.count(f"--val-data {data} is the training data --data {data} again") == 1


def test_the_readers_rnnkit_report_shares_say_nothing(tmp_path: Path) -> None:
    """``rnnkit report`` rebuilds a run's validation data with the readers: the warning is train's own."""
    readers = _readers(tmp_path)
    data = readers["translate"][0]
    assert _said(lambda: translation_data(data, data, Seq2SeqConfig())) == []
    data = readers["speech"][0]
    assert _said(lambda: speech_corpora(data, data, SpeechConfig())) == []
