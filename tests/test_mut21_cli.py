"""Mutation audit round 21: a stray word after `rnnkit train TASK`, the --lr default `train classify -h` shows,
the folder a run writes (cli.run_out) and the parser of a trained model's verb (cli.verb_parser)."""

from __future__ import annotations

import argparse
import re

import pytest

from rnnkit import cli
from rnnkit.errors import UserError
from rnnkit.tasks import TASKS


def test_a_word_after_a_value_given_with_equals_is_stray(capsys: pytest.CaptureFixture[str]) -> None:
    """`--data=x.conll extra`: the value came with the flag, so 'extra' is no value of it."""
    assert cli.main(["train", "tag", "--data=x.conll", "extra"]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: extra: an unexpected argument; `rnnkit train tag` takes "
                                              "flags and their values")


def test_no_word_after_dash_dash_is_read_as_a_flag_or_a_stray_word() -> None:
    assert cli._stray_word(["--json", "--", "y"], {"--json": False}) is None


def test_train_classify_help_gives_the_learning_rate_it_trains_at(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", "classify", "-h"])
    assert exit_.value.code == 0
    assert re.search(r"--lr LR\s+peak learning rate \(default 0\.003\)", capsys.readouterr().out)


def test_a_resumed_run_writes_the_folder_it_resumes() -> None:
    assert cli.run_out({"out": "other"}, argparse.Namespace(resume="run")) == "run"
    assert cli.run_out({"out": "run"}, argparse.Namespace(resume=None)) == "run"


@pytest.mark.parametrize("out", [None, ""])
def test_a_run_without_an_out_folder_is_refused(out: str | None) -> None:
    with pytest.raises(UserError, match=r"^--out DIR is required: where to write the model$"):
        cli.run_out({"out": out}, argparse.Namespace(resume=None))


def test_a_verbs_parser_is_named_by_verb_and_folder_and_export_takes_no_device(
        capsys: pytest.CaptureFixture[str]) -> None:
    task = TASKS["classify"]
    predict = cli.verb_parser("predict", task, "run")
    assert predict.prog == "rnnkit predict run"
    assert predict.parse_args(["--device", "cpu", "some text"]).device == "cpu"
    with pytest.raises(SystemExit):
        cli.verb_parser("export", task, "run").parse_args(["--onnx", "m.onnx", "--device", "cpu"])
    assert "--device" in capsys.readouterr().err


@pytest.mark.parametrize("data", [["--dat", "t.csv"], ["--da=t.csv"]])
def test_data_given_by_a_prefix_is_given(data: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """argparse reads `--dat t.csv` as --data t.csv: a stray word after it is not the data the user forgot (the
    refusal told them to write `--data val.csv`, which would have trained on the other file)."""
    assert cli.main(["train", "classify", *data, "val.csv"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: val.csv: an unexpected argument; `rnnkit train classify` takes "
                                       "flags and their values only, and this word follows no flag that takes one "
                                       "(its data comes from --data t.csv; `rnnkit train classify -h` lists its "
                                       "flags)\n")
