"""Settings of training given with ``--find-lr``, which runs the learning-rate range test instead and keeps no
model: the rate, its schedule, evaluation, logging, saving, the moving average, early stopping, TensorBoard and
``--report`` did nothing, unsaid; each is warned of (the README's way is to add --find-lr to a training command,
so a refusal would break it). ``--steps`` and ``--minutes`` size a character LM's model, and are not named."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train.options import TRAINER_DEFAULTS, refuse_given_without_use
from tests.test_classify_cli import make_csv

pytestmark = pytest.mark.usefixtures("one_torch_thread")
FLAGS = ["--hidden", "4", "--embedding", "4", "--no-progress", "--batch-size", "8"]
SAID = "--find-lr runs a learning-rate range test (100 updates at rates of its own) and keeps no model: "


def test_training_flags_given_with_find_lr_are_said_to_go_unused(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv", 24, 0)
    capsys.readouterr()
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "x"), "--find-lr", "--lr", "0.1",
                 "--schedule", "constant", "--eval-every", "5", "--steps", "50", "--report", *FLAGS]) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"rnnkit: warning: {SAID}--lr, --schedule, --eval-every and --report are not used" in err
    assert not (tmp_path / "x").exists()


def test_fit_says_it_in_its_keywords(tmp_path: Path) -> None:
    data = make_csv(tmp_path / "d.csv", 24, 0)
    with pytest.warns(UserWarning, match=r"keeps no model: ema is not used$"):
        rnnkit.fit("classify", str(data), tmp_path / "x", find_lr=True, ema=0.9, hidden=4, embedding=4,
                   progress=False, verbose=False)


def test_only_what_the_range_test_leaves_is_named() -> None:
    settings = {**TRAINER_DEFAULTS, "find_lr": True, "warmup": 5, "patience": 3, "tensorboard": False}
    with pytest.warns(UserWarning, match=r": --warmup and --patience are not used$"):
        refuse_given_without_use(settings, {"find_lr", "warmup", "patience", "tensorboard", "steps", "clip"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refuse_given_without_use(settings, {"find_lr", "steps", "minutes", "clip", "optimizer", "seed"})
        refuse_given_without_use({**settings, "find_lr": False}, {"lr", "ema", "report", "eval_every"})


@pytest.mark.parametrize("schedule", ["constant", "step"])
def test_a_floor_of_a_schedule_that_has_none_is_refused(schedule: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """--min-lr-ratio is the floor of cosine, linear and plateau; constant and step never read it."""
    data = make_csv(tmp_path / "d.csv", 24, 0)
    out = tmp_path / "x"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--schedule", schedule,
                 "--min-lr-ratio", "0.1", *FLAGS]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: --min-lr-ratio 0.1: is the floor of --schedule cosine, linear "
                                       f"and plateau; {schedule} does not use it\n")
    assert not out.exists()
    with pytest.raises(UserError, match=rf"^min_lr_ratio 0\.1: .*; {schedule} does not use it$"):
        rnnkit.fit("classify", str(data), out, schedule=schedule, min_lr_ratio=0.1, verbose=False)


def test_a_floor_of_a_decaying_schedule_is_taken() -> None:
    for schedule in ("cosine", "linear", "plateau"):
        refuse_given_without_use({**TRAINER_DEFAULTS, "schedule": schedule, "min_lr_ratio": 0.1},
                                 {"schedule", "min_lr_ratio"})


@pytest.mark.parametrize(("flags", "said"), [
    (["--val-fraction", "0.3", "--val-data", "{data}"],
     "--val-fraction 0.3: is the part of --data held out for validation; --val-data {data} is the validation data"),
    (["--split-seed", "3", "--val-data", "{data}"],
     "--split-seed 3: seeds the split of a validation part off --data, and there is none: --val-data {data} is the "
     "validation data"),
    (["--split-seed", "3", "--val-fraction", "0"],
     "--split-seed 3: seeds the split of a validation part off --data, and there is none: --val-fraction 0 holds "
     "none out")])
def test_a_split_that_is_not_made_is_refused(flags: list[str], said: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """--val-fraction and --split-seed hold out and shuffle a part of --data; --val-data is the validation data
    instead, and --val-fraction 0 holds nothing out: they did nothing, unsaid."""
    data = make_csv(tmp_path / "d.csv", 24, 0)
    out = tmp_path / "x"
    given = [flag.format(data=data) for flag in flags]
    assert main(["train", "classify", "--data", str(data), "--out", str(out), *given, *FLAGS]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {said.format(data=data)}\n"
    assert not out.exists()


def test_fit_refuses_a_split_beside_val_data(tmp_path: Path) -> None:
    data = make_csv(tmp_path / "d.csv", 24, 0)
    with pytest.raises(UserError, match=r"^split_seed 3: seeds the split .* off data, .*: val_data .* is the "
                                        r"validation data$"):
        rnnkit.fit("classify", str(data), tmp_path / "x", val_data=str(data), split_seed=3, verbose=False)
    settings = {**TRAINER_DEFAULTS, "val_fraction": 0.2, "split_seed": 3, "val_data": None}
    refuse_given_without_use(settings, {"val_fraction", "split_seed"})  # a split made: both taken


def _corpus(root: Path) -> Path:
    """A captioner's corpus as ``rnnkit data shapes`` writes one: train/ and val/, each with its captions.tsv."""
    for side in ("train", "val"):
        (root / side).mkdir(parents=True)
        (root / side / "captions.tsv").write_text("image\tcaption\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("flag", ["--val-fraction", "--split-seed"])
def test_a_split_beside_a_corpus_val_folder_is_refused(flag: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A corpus folder's val/ is its validation data (``rnnkit data shapes`` and ``speech`` write one), so a
    fraction of its train/ was never held out: --val-fraction 0.5 trained on every image, unsaid."""
    data, out = _corpus(tmp_path / "shapes"), tmp_path / "x"
    assert main(["train", "caption", "--data", str(data), "--out", str(out), flag, "0.5" if "fraction" in flag
                 else "2", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: {flag} ") and err.endswith(
        f"{data / 'val'} is the validation data (a corpus folder's val/, beside its train/)\n")
    assert not out.exists()
    refuse_given_without_use({**TRAINER_DEFAULTS, "data": str(data / "train"), "val_fraction": 0.5, "split_seed": 2},
                             {"val_fraction", "split_seed"})  # its train/ alone: a part of it is held out
