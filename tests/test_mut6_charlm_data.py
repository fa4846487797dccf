"""The character language model's text (rnnkit.tasks._charlm_data): edges the other tests left open, found by a
mutation audit; the expected values are worked by hand."""

from __future__ import annotations

import hashlib
import re
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from rnnkit.data.tokenize import UNK_CHAR, UnknownCharacterWarning
from rnnkit.errors import UserError
from rnnkit.tasks import _charlm_data
from rnnkit.tasks.charlm import _split_point


@pytest.mark.parametrize("length, fraction, cut", [(1000, 0.1, 900), (10, 0.1, 8), (10, 0.05, 8), (10, 0.0, 10),
                                                   (3, 0.5, 1)])
def test_the_validation_split_holds_at_least_two_characters_one_prediction(length: int, fraction: float,
                                                                          cut: int) -> None:
    assert _split_point(length, fraction) == cut


def test_a_built_in_corpus_has_the_vocabulary_of_its_training_part(monkeypatch: pytest.MonkeyPatch) -> None:
    """11 characters, 10% held out: the last 2 (X, Y) are validation, unknown to the vocabulary of the 9 before;
    a new run is not warned of them (a resumed one is, below)."""
    monkeypatch.setattr(_charlm_data, "load_text", lambda name: "cabcabcabXY")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownCharacterWarning)
        ids, vocab, cut, made = _charlm_data._read("shakespeare", 0.1, None)
    assert (cut, made) == (9, None)
    assert vocab.symbols == [UNK_CHAR, "a", "b", "c"]
    assert ids.tolist() == [3, 1, 2, 3, 1, 2, 3, 1, 2, 0, 0]


def test_a_resumed_built_in_corpus_keeps_the_saved_vocabulary_and_warns_of_the_rest(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_charlm_data, "load_text", lambda name: "cabcabcabXY")
    ckpt = SimpleNamespace(vocab={"type": "char", "unk": UNK_CHAR, "chars": ["X", "a", "c"]}, path="run/last")
    with pytest.warns(UnknownCharacterWarning, match="'b'"):
        ids, vocab, cut, _ = _charlm_data._read("shakespeare", 0.1, ckpt)  # type: ignore[arg-type]
    assert vocab.symbols == [UNK_CHAR, "X", "a", "c"]
    assert ids.tolist() == [3, 2, 0, 3, 2, 0, 3, 2, 0, 1, 0]


def _ckpt(settings_data: object, vocab: dict | None = None, path: str = "run/last") -> SimpleNamespace:
    return SimpleNamespace(config={"settings": {"data": settings_data}}, vocab=vocab, path=path)


def test_a_resumed_text_whose_characters_changed_is_refused_and_its_new_prepared_folder_removed(
        tmp_path: Path) -> None:
    """The run's vocabulary held 'a b c'; the text now holds 'a b d': refused in one line, and the folder this
    call prepared for it is not left behind."""
    text = tmp_path / "t.txt"
    text.write_text("abdabdabdabd", encoding="utf-8")
    ckpt = _ckpt(str(text), {"type": "char", "unk": UNK_CHAR, "chars": ["a", "b", "c"]})
    with pytest.raises(UserError, match="the text's characters changed since the run began"):
        _charlm_data._read(str(text), 0.1, ckpt)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.txt"]


@pytest.mark.parametrize("saved", [None, 5, ["t.txt"]])
def test_a_checkpoint_whose_data_is_not_a_text_name_is_called_damaged(saved: object) -> None:
    with pytest.raises(UserError, match="settings.data .*: expected the text the run trained on; the checkpoint is "
                                        "damaged"):
        _charlm_data._resumed_data(_ckpt(saved), None)  # type: ignore[arg-type]


def test_a_run_on_a_file_resumed_with_a_built_in_corpus_is_refused_in_its_words(tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("abc" * 20, encoding="utf-8")
    with pytest.raises(UserError, match=f"--data shakespeare: the resumed run trained on {re.escape(str(text))}; a "
                                        "resumed run keeps its data"):
        _charlm_data._resumed_data(_ckpt(str(text)), "shakespeare")  # type: ignore[arg-type]
    with pytest.raises(UserError, match=f"--data {re.escape(str(text))}: the resumed run trained on korean"):
        _charlm_data._resumed_data(_ckpt("korean"), str(text))  # type: ignore[arg-type]
    assert _charlm_data._resumed_data(_ckpt("korean"), None) == ("korean", False)
    assert _charlm_data._resumed_data(_ckpt("korean"), "korean") == ("korean", False)


def test_a_missing_data_given_with_resume_is_left_to_the_reader_not_called_the_run_s_lost_text(tmp_path: Path) -> None:
    """--data gone.txt names where the text is now: the 'give --data with where it is now' advice is for a run
    resumed without --data; the given path goes on to the reader, which names it."""
    text = tmp_path / "t.txt"
    text.write_text("abc" * 20, encoding="utf-8")
    gone = str(tmp_path / "gone.txt")
    assert _charlm_data._resumed_data(_ckpt(str(text)), gone) == (gone, True)  # type: ignore[arg-type]
    text.unlink()
    with pytest.raises(UserError, match="no such file .*give --data with where it is now"):
        _charlm_data._resumed_data(_ckpt(str(text)), None)  # type: ignore[arg-type]


@pytest.mark.parametrize("record", [None, ["t.txt"], "t.txt", {"train": "other.txt"},
                                    {"train": "t.txt", "paths": ["a"]}, {"train": "t.txt", "digests": {"train": 5}},
                                    {"train": "t.txt", "paths": {"train": "/x"}, "digests": {"train": "ab", "val": 5}}])
def test_a_data_record_that_is_not_the_run_s_is_the_name_alone(record: object) -> None:
    ckpt = SimpleNamespace(config={"data": record})
    assert _charlm_data.data_record(ckpt, "t.txt") == {"train": "t.txt"}  # type: ignore[arg-type]
    good = {"train": "t.txt", "paths": {"train": "/x/t.txt"}, "digests": {"train": "ab"}}
    assert _charlm_data.data_record(SimpleNamespace(config={"data": good}), "t.txt") == good  # type: ignore[arg-type]


def test_a_run_without_digests_knows_its_own_file_by_where_it_is_however_it_is_spelled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run saved before digests names its text 't.txt': the same file given as an absolute path is the run's
    (nothing to compare); another file is unknown (None: its ids are compared), never refused outright."""
    (tmp_path / "t.txt").write_text("abc", encoding="utf-8")
    (tmp_path / "u.txt").write_text("abc", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert _charlm_data._same_file(str(tmp_path / "t.txt"), {"train": "t.txt"}, "t.txt") is True
    assert _charlm_data._same_file("./t.txt", {"train": "t.txt"}, "t.txt") is True
    assert _charlm_data._same_file("u.txt", {"train": "t.txt"}, "t.txt") is None


@pytest.mark.parametrize("length", [9, 11])
def test_a_resumed_text_of_another_length_is_refused_even_without_a_digest(length: int) -> None:
    """The run recorded 8 training and 2 validation characters and no digest: 9 or 11 are not its text."""
    ckpt = SimpleNamespace(config={"train_chars": 8, "val_chars": 2, "settings": {"data": "t.txt"}})
    ids = torch.zeros(length, dtype=torch.long)
    with pytest.raises(UserError, match=r"t.txt: not the text the resumed run trained on \(t.txt: 10 characters, the "
                                        "last 2 held out"):
        _charlm_data._check_same_text(ckpt, "t.txt", ids, length - 2)  # type: ignore[arg-type]
    _charlm_data._check_same_text(ckpt, "t.txt", torch.zeros(10, dtype=torch.long), 8)  # type: ignore[arg-type]


def test_a_resumed_text_of_the_same_length_but_another_validation_part_is_refused() -> None:
    ids = torch.arange(10) % 5
    ckpt = SimpleNamespace(config={"train_chars": 8, "val_chars": 2, "val_digest": _charlm_data.text_digest(ids[8:]),
                                   "settings": {"data": "t.txt"}})
    _charlm_data._check_same_text(ckpt, "t.txt", ids, 8)  # type: ignore[arg-type]
    other = ids.clone()
    other[9] = 0
    with pytest.raises(UserError, match="not the text the resumed run trained on"):
        _charlm_data._check_same_text(ckpt, "t.txt", other, 8)  # type: ignore[arg-type]


def test_the_validation_digest_is_the_sha256_of_the_first_65536_ids_as_int64_whatever_their_dtype() -> None:
    """The digest a run records (and rnnkit report checks): the same for uint8 and int64 ids, covering the
    first 65,536 and no more."""
    ids = (np.arange(70_000) % 7).astype(np.int64)
    want = hashlib.sha256(ids[:65_536].tobytes()).hexdigest()
    assert _charlm_data.DIGEST_CHARS == 65_536
    assert _charlm_data.text_digest(torch.from_numpy(ids)) == want
    assert _charlm_data.text_digest(torch.from_numpy(ids.astype(np.uint8))) == want


def test_a_moved_file_with_the_recorded_digest_is_the_run_s_without_comparing_its_ids(tmp_path: Path) -> None:
    from rnnkit.train.provenance import digest

    (tmp_path / "t.txt").write_text("abc" * 10, encoding="utf-8")
    record = {"train": "old/t.txt", "digests": {"train": digest(tmp_path / "t.txt")}}
    assert _charlm_data._same_file(str(tmp_path / "t.txt"), record, "old/t.txt") is True
    (tmp_path / "t.txt").write_text("abd" * 10, encoding="utf-8")
    assert _charlm_data._same_file(str(tmp_path / "t.txt"), record, "old/t.txt") is False
