"""Settings of evaluation given to a run that holds no validation data out (``--val-fraction 0``, no
``--val-data``): ``--eval-every`` and a task's ``--eval-chars``, ``--eval-sentences``, ``--eval-images`` or
``--eval-utterances`` did nothing, unsaid (the run's last line says there is no validation loss). Each is warned
of by name; a run with validation data, or a classifier (which refuses ``--val-fraction 0`` itself), is not."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.train.options import TRAINER_DEFAULTS, refuse_given_without_use
from tests.test_classify_cli import make_csv

pytestmark = pytest.mark.usefixtures("one_torch_thread")
SAID = "--val-fraction 0 holds no validation data out, so the run evaluates nothing: "


def _text(path: Path) -> Path:
    path.write_text("the quick brown fox jumps over the lazy dog. " * 60, encoding="utf-8")
    return path


def test_evaluation_flags_without_validation_are_said_to_go_unused(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = _text(tmp_path / "t.txt")
    assert main(["train", "charlm", "--data", str(data), "--out", str(tmp_path / "m"), "--steps", "2",
                 "--hidden", "8", "--val-fraction", "0", "--eval-every", "1", "--eval-chars", "100",
                 "--no-progress"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"rnnkit: warning: {SAID}--eval-every and --eval-chars are not used" in err
    assert (tmp_path / "m" / "best").is_dir()  # a warning: the run goes on


@pytest.mark.parametrize(("others", "given"), [({"val_fraction": 0.1}, {"eval_chars", "eval_every"}),
                                             ({"val_data": "v.txt"}, {"eval_chars", "eval_every"}),
                                             ({}, {"steps", "val_fraction"})])
def test_nothing_is_said_where_the_settings_are_used_or_not_given(others: dict[str, object], given: set[str]) -> None:
    settings = {**TRAINER_DEFAULTS, "val_fraction": 0, "val_data": None, "eval_chars": 0, **others}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refuse_given_without_use(settings, given)


def test_one_setting_is_named_alone() -> None:
    settings = {**TRAINER_DEFAULTS, "val_fraction": 0, "eval_sentences": 5}
    with pytest.warns(UserWarning, match=r"evaluates nothing: --eval-sentences is not used$"):
        refuse_given_without_use(settings, {"eval_sentences", "val_fraction"})


def test_a_classifier_refuses_the_fraction_before_any_warning(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv", 24, 0)
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "x"), "--val-fraction", "0",
                 "--eval-every", "5", "--steps", "2", "--hidden", "4", "--embedding", "4"]) == 2
    err = capsys.readouterr().err
    assert "warning" not in err and "--val-fraction 0.0: expected a number between 0 and 1" in err


def test_fit_says_it_in_its_keywords(tmp_path: Path) -> None:
    data = _text(tmp_path / "t.txt")
    with pytest.warns(UserWarning, match=r"^val_fraction=0 holds no validation data out, so the run evaluates "
                                         r"nothing: eval_every is not used$"):
        rnnkit.fit("charlm", data=str(data), out=str(tmp_path / "m"), steps=2, hidden=8, val_fraction=0,
                   eval_every=1, progress=False)


def test_a_count_of_none_agrees_with_the_run() -> None:
    settings = {**TRAINER_DEFAULTS, "val_fraction": 0, "eval_images": 0, "eval_utterances": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refuse_given_without_use(settings, {"eval_images", "eval_utterances", "val_fraction"})
