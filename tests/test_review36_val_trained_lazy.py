"""The --val-data-is-training check (fixm) kept a hash of every training row and the tagger built a list of every
training sentence as tuples for it first: a second copy of a large corpus's sentences, made on every run with
--val-data. The training keys are now read lazily, once, only the validation keys' hashes kept, and the reading
stops once every validation key is met."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from rnnkit.data.split import warn_validation_trained
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks import _tag_data
from rnnkit.tasks._tag_config import TagConfig


def _training(keys: list[str]) -> Iterator[str]:
    yield from keys
    raise AssertionError("the training keys were read past the last validation key met")


def _said(train: object, val: list[str], tmp_path: Path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_validation_trained(tmp_path / "t", tmp_path / "v", train, val, "rows", "loss")  # type: ignore[arg-type]
    return [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)]


def test_reading_stops_once_every_validation_key_is_met(tmp_path: Path) -> None:
    said = _said(_training(["b", "a", "c", "a"]), ["a", "b", "a"], tmp_path)
    assert len(said) == 1 and "all 3 validation rows are training rows too" in said[0]


@pytest.mark.parametrize(("train", "val"), [(["a", "b"], ["a", "z"]), (["a"], [])])
def test_a_validation_key_not_in_training_is_not_warned(train: list[str], val: list[str], tmp_path: Path) -> None:
    assert _said(iter(train), val, tmp_path) == []


def test_the_tagger_gives_its_training_sentences_one_at_a_time(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    given: list[object] = []
    monkeypatch.setattr(_tag_data, "warn_validation_trained", lambda d, v, train, *rest: given.append(train))
    (tmp_path / "t.conll").write_text("w0 X\nv0 Y\n\nw1 X\nv1 Y\n\n")
    (tmp_path / "v.conll").write_text("w0 X\nv0 Y\n\n")
    _tag_data._read_sentences(TagConfig(), str(tmp_path / "t.conll"), str(tmp_path / "v.conll"))
    assert len(given) == 1 and isinstance(given[0], Iterator)
