"""Mutation audit round 14: the classifier's settings search (:mod:`rnnkit.tasks._classify_autotune`), its
refusals and helpers, none of which trains a model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rnnkit.errors import UserError
from rnnkit.tasks._classify_autotune import (
    PRESETS,
    _autotune,
    _canonical,
    _describe,
    _is_bag,
    refuse_earlier_search,
)
from rnnkit.tasks._classify_config import ClassifyConfig
from rnnkit.train.checkpoint import AUTOTUNE_LOG, AUTOTUNE_TRIALS, discard_run


def data(tmp_path: Path) -> str:
    path = tmp_path / "d.csv"
    path.write_text("text,label\n" + "".join(f"t {i},{'a' if i % 2 else 'b'}\n" for i in range(12)), encoding="utf-8")
    return str(path)


def never(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("no trial should train")


def search(config: ClassifyConfig, tmp_path: Path, out: Path | None = None) -> None:
    _autotune(config, data(tmp_path), out or tmp_path / "o", never, val_data=None, overwrite=False, verbose=False)


def test_a_bag_s_settings_leave_out_what_only_a_recurrent_layer_has() -> None:
    bag = {"layers": 0, "hidden": 64, "bidirectional": True, "cell": "gru", "embedding": 32}
    assert _canonical(bag) == {"layers": 0, "embedding": 32}
    rnn = {"layers": 1, "hidden": 64, "bidirectional": True, "cell": "gru"}
    assert _canonical(rnn) == rnn
    assert _is_bag(PRESETS[0]) and not _is_bag(PRESETS[1])


def test_the_description_names_the_vocabulary_and_stacked_layers_only_where_they_are() -> None:
    bag = _describe(PRESETS[0])
    assert "vocab 50000" in bag and "char n-grams 3-6" in bag and "no RNN, embedding 64" in bag
    one = _describe(PRESETS[1])
    assert "BiLSTM 128/128," in one and " x1" not in one and "vocab 16000" in one
    assert " x2" in _describe({**PRESETS[1], "layers": 2})
    assert "vocab" not in _describe(PRESETS[4])


@pytest.mark.parametrize(("changes", "said"), [
    ({"steps": None}, "--autotune needs a budget"),
    ({"steps": 0}, "--autotune needs a budget"),
    ({"steps": 5, "pretrain_data": "u.txt"}, "--autotune does not pre-train"),
])
def test_a_search_without_a_budget_or_with_pre_training_is_refused(tmp_path: Path, changes: dict,
                                                                    said: str) -> None:
    with pytest.raises(UserError, match=said):
        search(ClassifyConfig(autotune=True, **changes), tmp_path)
    assert not (tmp_path / "o").exists()


def test_a_users_own_autotune_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "o"
    (out / AUTOTUNE_TRIALS).mkdir(parents=True)
    with pytest.raises(UserError, match=f"its {AUTOTUNE_TRIALS}/ is no earlier search's"):
        search(ClassifyConfig(autotune=True, steps=5), tmp_path, out)


def test_a_search_under_two_processes_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    with pytest.raises(UserError, match=r"not under torchrun \(2 processes\)"):
        search(ClassifyConfig(autotune=True, steps=5), tmp_path)


def test_an_earlier_search_is_refused_or_removed_with_the_earlier_run(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    refuse_earlier_search(out, False, ())
    (out / AUTOTUNE_LOG).write_text("{}\n", encoding="utf-8")
    (out / AUTOTUNE_TRIALS).mkdir()
    with pytest.raises(UserError, match=f"holds the {AUTOTUNE_LOG} and {AUTOTUNE_TRIALS}/ of an earlier"):
        refuse_earlier_search(out, False, ())
    refuse_earlier_search(out, True, ())  # --overwrite: the trainer's discard_run removes them
    assert (out / AUTOTUNE_LOG).exists()
    discard_run(out)
    assert not (out / AUTOTUNE_LOG).exists() and not (out / AUTOTUNE_TRIALS).exists()


def test_a_user_s_autotune_folder_stays_and_a_linked_one_is_unlinked_not_emptied(tmp_path: Path) -> None:
    out, kept = tmp_path / "o", tmp_path / "kept"
    out.mkdir()
    kept.mkdir()
    (kept / "model").write_text("mine", encoding="utf-8")
    (out / AUTOTUNE_TRIALS).symlink_to(kept, target_is_directory=True)
    discard_run(out)  # no search's record beside it: the user's folder
    assert (out / AUTOTUNE_TRIALS).is_symlink()
    (out / AUTOTUNE_LOG).write_text("{}\n", encoding="utf-8")
    discard_run(out)
    assert not (out / AUTOTUNE_LOG).exists() and not (out / AUTOTUNE_TRIALS).is_symlink()
    assert (kept / "model").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in out.iterdir()] == []


class _Stop(Exception):
    pass


@pytest.mark.parametrize(("rows", "score"), [('{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n', "accuracy"),
                                             ('{"text": "a", "label": ["x", "y"]}\n{"text": "b", "label": "y"}\n',
                                              "micro_f1")])
def test_trials_are_compared_by_accuracy_or_multi_label_by_micro_f1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     rows: str, score: str) -> None:
    import rnnkit.tasks._classify_autotune as tune

    seen: dict[str, Any] = {}

    def fake_search(*_args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        raise _Stop

    monkeypatch.setattr(tune, "search", fake_search)
    train = tmp_path / "t.jsonl"
    train.write_text(rows * 3, encoding="utf-8")
    val = tmp_path / "v.jsonl"
    val.write_text(rows, encoding="utf-8")
    with pytest.raises(_Stop):
        _autotune(ClassifyConfig(autotune=True, steps=5), str(train), tmp_path / "o", never, val_data=str(val),
                  overwrite=False, verbose=False)
    assert seen["score"] == score
