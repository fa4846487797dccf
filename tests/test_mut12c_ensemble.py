"""Mutation gaps of rnnkit.tasks._ensemble, on stand-ins with only the fields each function reads (no training):
the refusal of other splits, of other labels, the warning of a model named twice, the lines and facts of one model
against several, ``--ensemble`` given twice, and a member read from a directory onto the first model's device."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from torch import nn

from rnnkit.errors import RnnkitWarning, UserError
from rnnkit.tasks._ensemble import (
    MembersEnsemble,
    _member,
    _warn_repeated,
    add_ensemble_argument,
    ensemble_facts,
    joined_members,
    models_note,
    other_labels,
    refuse_other_splits,
    say_ensemble,
    unattended,
)


def _model(path: str, **data: Any) -> SimpleNamespace:
    return SimpleNamespace(checkpoint=SimpleNamespace(path=Path(path), reads=[f"{path}/model.pt"]),
                           config={"data": {"train": "t.csv", **data}}, model=nn.Linear(1, 1), labels=["x", "y"])


def test_an_ensemble_needs_a_model_and_reads_every_models_files() -> None:
    with pytest.raises(ValueError, match="at least one model"):
        MembersEnsemble([])
    assert MembersEnsemble([_model("a"), _model("b")]).reads == ["a/model.pt", "b/model.pt"]


@pytest.mark.parametrize("field, one, other", [
    ("train_rows", 10, 11), ("train_sentences", 10, 11), ("val_fraction", 0.1, 0.2), ("split_seed", 1, 2),
    ("digests", {"train": "d1"}, {"train": "d2"}),
])
def test_each_field_that_fixes_the_split_is_compared(field: str, one: Any, other: Any) -> None:
    members = [_model("a", **{field: one}), _model("b", **{field: one}), _model("c", **{field: other})]
    for split in ("val", "train"):
        with pytest.raises(UserError, match=rf"^--split {split}: c was trained on another split than a "):
            refuse_other_splits(members, split)
    refuse_other_splits(members, "all")
    refuse_other_splits(members[:2], "val")


def test_the_labels_shown_are_the_first_eight() -> None:
    eight, nine = [str(i) for i in range(8)], [str(i) for i in range(9)]
    said = other_labels(SimpleNamespace(labels=eight, checkpoint=SimpleNamespace(path="a")),
                        SimpleNamespace(labels=nine), "labels")
    assert said is not None and said.startswith("its labels (0, 1, 2, 3, 4, 5, 6, 7, ...) are not a's "
                                                "(0, 1, 2, 3, 4, 5, 6, 7); ")


def test_one_models_lines_and_facts_against_several() -> None:
    one, two = [SimpleNamespace(path="a")], [SimpleNamespace(path="a"), SimpleNamespace(path="b")]
    assert unattended(one, "has none") == "a has none"
    assert unattended(two, "has none") == "every model of the ensemble (a, b) has none"
    assert ensemble_facts(one) == {} and ensemble_facts(two) == {"ensemble": ["a", "b"]}
    assert models_note(one) == "" and models_note(two) == ", an ensemble of 2 models"


def test_say_ensemble_says_nothing_for_json_or_one_model(capsys: pytest.CaptureFixture[str]) -> None:
    two = [SimpleNamespace(path="a"), SimpleNamespace(path="b")]
    say_ensemble(two, True)
    say_ensemble(two[:1], False)
    assert capsys.readouterr().out == ""
    say_ensemble(two, False)
    assert capsys.readouterr().out == "an ensemble of 2 models (a, b): the mean of their probabilities\n"


def test_a_model_named_by_a_relative_and_an_absolute_path_is_warned_of(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    same = [SimpleNamespace(path=Path("a")), SimpleNamespace(path=tmp_path / "a"), SimpleNamespace(path=Path("b"))]
    with pytest.warns(RnnkitWarning, match=r"^--ensemble: a is named 2 times .* in the mean of the 3 models"):
        _warn_repeated(same)


def test_ensemble_given_twice_takes_both_and_its_help_says_where_inputs_go(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    p = argparse.ArgumentParser()
    add_ensemble_argument(p, "translators", "TEXT")
    args = p.parse_args(["--ensemble", str(tmp_path / "a"), "--ensemble", str(tmp_path / "b")])
    assert args.ensemble == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert ". Give TEXT arguments before it" in p.format_help().replace("\n", " ").replace("  ", " ")


def test_a_directorys_model_is_put_on_the_first_models_device_and_draws_from_no_caller(tmp_path: Path) -> None:
    owner = SimpleNamespace(model=nn.Linear(1, 1, device="meta"), checkpoint=SimpleNamespace(path="a"))

    def load(path: Any) -> SimpleNamespace:
        torch.rand(3)  # building a model draws weights
        return SimpleNamespace(model=nn.Linear(1, 1))

    state = torch.random.get_rng_state()
    loaded = _member(str(tmp_path), owner, load, torch.device("meta"))
    assert loaded.model.weight.device == torch.device("meta")
    assert torch.equal(torch.random.get_rng_state(), state)


class _Tagger:
    """A stand-in model of one task: its directory and a model."""

    task = "tag"

    def __init__(self, path: str) -> None:
        self.checkpoint, self.model = SimpleNamespace(path=Path(path), config={"task": "tag"}), nn.Linear(1, 1)


class _Tagging(_Tagger):
    """A stand-in ensemble of _Tagger models, of the task's class as a TaggerEnsemble is."""

    def __init__(self, members: list[_Tagger]) -> None:
        super().__init__(str(members[0].checkpoint.path))
        self.members = members


def test_an_ensemble_joins_and_is_joined_by_its_models() -> None:
    a, b, c = _Tagger("a"), _Tagger("b"), _Tagger("c")
    joined = joined_members(_Tagging([a, b]), (c,), _Tagger, "taggers", lambda one, other: None)
    assert joined == [a, b, c]
    assert joined_members(a, (_Tagging([b, c]),), _Tagger, "taggers", lambda one, other: None) == [a, b, c]
