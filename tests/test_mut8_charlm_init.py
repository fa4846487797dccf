"""Gaps a mutation audit of :mod:`rnnkit.tasks._charlm_init` found (round 8): each test fails on one changed line.
The source model is a stand-in checkpoint (``load_checkpoint`` replaced): what ``init_source`` takes from it."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from rnnkit.data.tokenize import CharVocab
from rnnkit.errors import UserError
from rnnkit.tasks import _charlm_init
from rnnkit.tasks._charlm_config import CharLMConfig
from rnnkit.tasks._charlm_init import in_vocabulary, init_source, source_line

#: a source model's settings, each of its shape unlike the defaults (and a seq_len and lr, not of its shape)
SAVED = {"cell": "gru", "hidden": 12, "layers": 2, "embed_dim": 6, "dropout": 0.15, "weight_drop": 0.25,
         "recurrent_dropout": 0.05, "zoneout": 0.1, "layer_norm": True, "memory": False, "counts": False,
         "seq_len": 999, "lr": 0.5}


def stand_in(monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any], task: str = "charlm") -> None:
    ckpt = SimpleNamespace(config={"task": task, "settings": settings}, path=Path("src") / "best")
    monkeypatch.setattr(_charlm_init, "load_checkpoint", lambda source, prefer: ckpt)


def test_the_new_run_takes_every_setting_of_the_models_shape_and_no_other(monkeypatch: pytest.MonkeyPatch,
                                                                           tmp_path: Path) -> None:
    stand_in(monkeypatch, SAVED)
    _, config = init_source(CharLMConfig(init_from="src"), tmp_path / "new", resume=False)
    for key in ("cell", "hidden", "layers", "embed_dim", "dropout", "weight_drop", "recurrent_dropout", "zoneout",
                "layer_norm", "memory", "counts"):
        assert getattr(config, key) == SAVED[key], key
    assert (config.seq_len, config.lr) == (64, 6e-3)  # the flags' (defaults), not the model's
    assert config.init_from == os.path.abspath("src")


def test_given_sizes_equal_to_the_models_pass_and_a_dropout_given_is_the_new_runs(monkeypatch: pytest.MonkeyPatch,
                                                                                  tmp_path: Path) -> None:
    stand_in(monkeypatch, SAVED)
    given = CharLMConfig(init_from="src", hidden=12, layers=2, weight_drop=0.25, dropout=0.4)
    _, config = init_source(given, tmp_path / "new", resume=False)
    assert (config.hidden, config.layers, config.weight_drop, config.dropout) == (12, 2, 0.25, 0.4)


@pytest.mark.parametrize(("key", "value"), [("hidden", 16), ("layers", 1), ("weight_drop", 0.5)])
def test_a_size_given_other_than_the_models_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key: str,
                                                       value: Any) -> None:
    stand_in(monkeypatch, SAVED)
    flag = f"--{key.replace('_', '-')}"
    with pytest.raises(UserError, match=f"^{flag} {value} with --init-from src: its model has {SAVED[key]}, "):
        init_source(CharLMConfig(init_from="src", **{key: value}), tmp_path / "new", resume=False)


def test_a_size_the_model_did_not_record_is_the_flags(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # a model saved before weight_drop was a setting: a --weight-drop given is nothing to compare, not 'None'
    stand_in(monkeypatch, {k: v for k, v in SAVED.items() if k != "weight_drop"})
    _, config = init_source(CharLMConfig(init_from="src", weight_drop=0.3), tmp_path / "new", resume=False)
    assert config.weight_drop == 0.3


def test_an_explicit_best_folder_elsewhere_is_no_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stand_in(monkeypatch, SAVED)
    source = tmp_path / "old" / "best"
    _, config = init_source(CharLMConfig(init_from=str(source)), tmp_path / "new", resume=False)
    assert config.init_from == str(source)
    with pytest.raises(UserError, match="is --out: the new run would replace the model"):
        init_source(CharLMConfig(init_from=str(source)), tmp_path / "old", resume=False)


def test_the_shift_of_a_model_with_the_memory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stand_in(monkeypatch, {**SAVED, "memory": True})
    with pytest.raises(UserError, match=r"^--shift 8 with --init-from src: its model has the memory"):
        init_source(CharLMConfig(init_from="src", memory=False, shift=8), tmp_path / "new", resume=False)
    # the window itself: no overlap (a --no-memory beside it, which the model's memory replaced, is refused now)
    _, config = init_source(CharLMConfig(init_from="src", shift=64), tmp_path / "new", resume=False)
    assert config.shift == 64
    stand_in(monkeypatch, SAVED)  # no memory: overlapping windows are the flags' to give
    _, config = init_source(CharLMConfig(init_from="src", memory=False, shift=8), tmp_path / "new", resume=False)
    assert config.shift == 8


def unknowns(text: str, known: str) -> tuple[torch.Tensor, list[str]]:
    """``text`` read in the characters of a model trained on ``known``, and the warnings said."""
    own, saved = CharVocab.from_text(text), CharVocab.from_text(known)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ids = in_vocabulary(torch.tensor(own.encode(text)), own, saved, "new.txt")
    return ids, [str(w.message) for w in caught]


def test_the_text_is_read_in_the_models_characters_those_it_lacks_as_unknown() -> None:
    ids, said = unknowns("aabxz", "abc")  # the model's ids: <unk> 0, a 1, b 2, c 3
    assert ids.tolist() == [1, 1, 2, 0, 0] and ids.dtype == torch.uint8
    assert said == ["new.txt: 2 characters unknown to the --init-from model (40.00% of the text), read as its "
                    "unknown symbol: 'x', 'z'"]
    ids, said = unknowns("abcab", "abc")
    assert ids.tolist() == [1, 2, 3, 1, 2] and said == []


@pytest.mark.parametrize(("unknown", "refused"), [(9, False), (10, False), (11, True)])
def test_a_text_over_half_unknown_is_refused(unknown: int, refused: bool) -> None:
    text = "a" * (20 - unknown) + "xyzXYZ0123456789"[:unknown]  # unknown characters of 20, each once
    if refused:
        with pytest.raises(UserError, match=r"^new\.txt: 55% of its characters are not among those of the "):
            unknowns(text, "abc")
    else:
        assert unknowns(text, "abc")[0].tolist() == [1] * (20 - unknown) + [0] * unknown


@pytest.mark.parametrize(("missing", "shown"), [(10, "'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'"),
                                                (11, "'0', '1', '2', '3', '4', '5', '6', '7', '8', '9' ...")])
def test_ten_missing_characters_are_named_and_more_end_in_dots(missing: int, shown: str) -> None:
    text = "a" * 40 + "0123456789:"[:missing]
    assert unknowns(text, "abc")[1][0].endswith(f"read as its unknown symbol: {shown}")


def test_the_source_line_names_the_models_shape_and_characters() -> None:
    ckpt = SimpleNamespace(config={"model": {"cell": "gru", "num_layers": 2, "hidden_size": 12}}, path="old/best")
    assert source_line(ckpt, 30) == ("charlm: starting from the weights of old/best (gru 2x12, 30 characters); the "
                                     "model's shape and characters are its own, the optimizer and schedule new")


def test_the_ids_take_the_smallest_type_of_the_models_characters_not_the_texts() -> None:
    many = "".join(chr(0x4E00 + i) for i in range(300))  # 300 characters the model lacks: int16 for the text's own
    ids, said = unknowns("a" * 1000 + many, "abc")
    assert ids.dtype == torch.uint8 and int((ids == 0).sum()) == 300 and "300 characters" in said[0]
