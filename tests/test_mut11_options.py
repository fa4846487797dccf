"""Gaps a mutation audit of :mod:`rnnkit.train.options` found (round 11): the trainer's settings, flags, TOML files
and their merging, checked on the functions themselves against hand-worked cases (no training)."""

from __future__ import annotations

import argparse
import dataclasses
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from rnnkit.errors import SettingError, UserError
from rnnkit.train import options
from rnnkit.train.checkpoint import save_checkpoint
from rnnkit.train.options import (
    TRAINER_DEFAULTS,
    RegulariserSettings,
    TrainSettings,
    add_data_arguments,
    add_device_argument,
    add_threads_argument,
    add_trainer_arguments,
    load_config_file,
    plain_number,
    read_toml,
    refuse_written_inputs,
    resolve_settings,
    start_run,
    train_config_from,
    use_threads,
    verb_device,
)

# ---------------------------------------------------------------- TrainSettings.validate_training


def refused(**values: Any) -> SettingError:
    with pytest.raises(SettingError) as info:
        TrainSettings(**values).validate_training()
    return info.value


@pytest.mark.parametrize(("values", "name"), [
    ({"steps": "5"}, "steps"), ({"find_lr": "yes"}, "find_lr"), ({"lr": True}, "lr"), ({"steps": 0}, "steps"),
    ({"accumulate": 0}, "accumulate"),
    ({"eval_every": 0}, "eval_every"), ({"threads": 0}, "threads"), ({"device": "tpu"}, "device"),
    ({"warmup": -1}, "warmup"), ({"minutes": 0.0}, "minutes"), ({"minutes": float("nan")}, "minutes"),
    ({"lr": -1e-3}, "lr"), ({"lr": float("inf")}, "lr"), ({"min_delta": -0.1, "patience": 2}, "min_delta"),
    ({"seed": -(2**63) - 1}, "seed"), ({"seed": 2**64}, "seed"), ({"ema": 1.0}, "ema"), ({"beta2": 1.0}, "beta2"),
    ({"min_lr_ratio": 1.01}, "min_lr_ratio"), ({"min_lr_ratio": -0.01}, "min_lr_ratio"),
    ({"optimizer": "lion"}, "optimizer"), ({"schedule": "exp"}, "schedule"), ({"precision": "fp16"}, "precision"),
    ({"plateau_patience": 2}, "plateau_patience"), ({"plateau_patience": 2, "schedule": "step"}, "plateau_patience"),
    ({"min_delta": 0.1}, "min_delta"), ({"schedule": "plateau", "gamma": 1.0}, "gamma"),
])
def test_a_setting_out_of_range_is_refused_by_name(values: dict[str, Any], name: str) -> None:
    assert refused(**values).name == name


@pytest.mark.parametrize("values", [
    {}, {"warmup": 0}, {"minutes": None}, {"minutes": 0.5}, {"lr": 0.0}, {"clip": None}, {"clip": 0.0},
    {"min_lr_ratio": 0.0}, {"min_lr_ratio": 1.0}, {"ema": 0.0}, {"seed": -(2**63)}, {"seed": 2**64 - 1},
    {"steps": None, "minutes": 1.0}, {"schedule": "plateau", "plateau_patience": 3, "gamma": 0.5},
    {"schedule": "plateau", "min_delta": 0.1}, {"patience": 2, "min_delta": 0.1},
    {"patience": 2, "schedule": "cosine", "min_delta": 0.1}, {"schedule": "step", "gamma": 2.0},
    {"precision": "bf16"}, {"precision": "auto"}, {"threads": 1},
])
def test_a_setting_in_range_is_taken(values: dict[str, Any]) -> None:
    TrainSettings(**values).validate_training()


def test_tensorboard_is_checked_for_only_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its check (the package installed) is made before any work, and not for a run without it."""
    asked: list[bool] = []
    monkeypatch.setattr(options, "check_available", lambda: asked.append(True))
    TrainSettings().validate_training()
    assert asked == []
    TrainSettings(tensorboard=True).validate_training()
    assert asked == [True]


def test_the_trainers_defaults_are_the_documented_ones() -> None:
    """What ``rnnkit train TASK --help`` and docs/ say of a setting not given (a task may override some)."""
    assert TRAINER_DEFAULTS == {
        "steps": 1000, "minutes": None, "optimizer": "adam", "lr": 2e-3, "weight_decay": 0.0, "momentum": 0.9,
        "beta2": 0.999, "warmup": 0, "schedule": "cosine", "min_lr_ratio": 0.0, "step_every": 1000, "gamma": 0.5,
        "plateau_patience": None, "clip": 5.0, "eval_every": 200, "log_every": 20, "seed": 0, "precision": "fp32",
        "save_every": None, "save_minutes": 5.0, "threads": None, "ema": 0.0, "accumulate": 1, "patience": None,
        "min_delta": 0.0, "device": "auto", "tensorboard": False, "find_lr": False}


# ---------------------------------------------------------------- RegulariserSettings


@dataclasses.dataclass
class WithCell(RegulariserSettings):
    cell: str = "lstm"


@pytest.mark.parametrize(("values", "name"), [
    ({"weight_drop": 1.0}, "weight_drop"), ({"zoneout": -0.1}, "zoneout"), ({"recurrent_dropout": 1.0},
                                                                            "recurrent_dropout"),
    ({"weight_drop": 0.2, "cell": "mingru"}, "weight_drop"), ({"recurrent_dropout": 0.2, "cell": "gru"},
                                                             "recurrent_dropout"),
    ({"layer_norm": 1}, "layer_norm"), ({"layer_norm": True, "cell": "gru"}, "layer_norm"),
])
def test_a_regulariser_out_of_range_or_for_another_cell_is_refused(values: dict[str, Any], name: str) -> None:
    with pytest.raises(SettingError) as info:
        WithCell(**values).validate_regularisers()
    assert info.value.name == name


@pytest.mark.parametrize("values", [
    {}, {"weight_drop": None}, {"weight_drop": 0.3, "cell": "gru"}, {"recurrent_dropout": 0.2, "cell": "lstm"},
    {"layer_norm": True}, {"layer_norm": False, "cell": "gru"}, {"zoneout": 0.5, "cell": "gru"},
    {"weight_drop": 0.2, "cell": "no_such_cell"},  # left to the model, which names the cell it does not know
])
def test_a_regulariser_for_its_cell_is_taken(values: dict[str, Any]) -> None:
    WithCell(**values).validate_regularisers()


def test_a_config_without_a_cell_is_the_lstms() -> None:
    RegulariserSettings(layer_norm=True, recurrent_dropout=0.1, weight_drop=0.1).validate_regularisers()


def test_the_regulariser_options_are_those_that_are_on() -> None:
    assert RegulariserSettings().regulariser_options() == {}
    on = RegulariserSettings(weight_drop=0.0, recurrent_dropout=0.2, zoneout=0.1, layer_norm=True)
    assert on.regulariser_options() == {"recurrent_dropout": 0.2, "zoneout": 0.1, "layer_norm": True}


# ---------------------------------------------------------------- plain_number, config_from, train_config_from


@pytest.mark.parametrize(("value", "expected"), [
    (np.int64(16), 16), (np.float32(0.01), 0.01), (np.float32(0.5), 0.5), (Fraction(1, 4), 0.25),
    (Fraction(1, 3), 1 / 3), (True, True), (False, False), (3, 3), (2.5, 2.5), ("x", "x"), (None, None),
])
def test_a_real_number_of_another_kind_becomes_pythons(value: Any, expected: Any) -> None:
    got = plain_number(value)
    assert got == expected and type(got) is type(expected)


class Rounded(float):
    """A float that prints rounded: its text is not its value."""

    def __str__(self) -> str:
        return f"{float(self):.1f}"


class Meters(float):
    """A float whose class takes a unit too: it cannot be made from the number alone."""

    def __new__(cls, value: float, unit: str) -> Meters:
        return super().__new__(cls, value)


def test_a_number_is_read_by_its_value_not_by_how_it_prints() -> None:
    for value in (Rounded(0.123), Meters(0.123, "m")):
        got = plain_number(value)
        assert got == 0.123 and type(got) is float


def test_config_from_ignores_keys_the_class_lacks_and_defaults_the_missing() -> None:
    made = options.config_from(TrainSettings, {"steps": 7, "hidden": 3})
    assert made == TrainSettings(steps=7)


def test_a_clip_of_0_is_off_and_extra_values_win() -> None:
    settings = {**TRAINER_DEFAULTS, "clip": 0.0, "steps": 9}
    assert train_config_from(settings).clip is None
    assert train_config_from({**settings, "clip": 2.0}).clip == 2.0
    assert train_config_from(settings, steps=4).steps == 4


# ---------------------------------------------------------------- the flags


def parser(**defaults: Any) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="t", exit_on_error=False)
    add_trainer_arguments(p, defaults)
    add_data_arguments(p, data_help="d", val_help="v", val_fraction=0.1, split_seed=0)
    return p


def parse(*argv: str, **defaults: Any) -> argparse.Namespace:
    return parser(**defaults).parse_args(list(argv))


@pytest.mark.parametrize("argv", [
    ["--steps", "0"], ["--steps", "1.5"], ["--minutes", "0"], ["--minutes", "nan"], ["--minutes", "inf"],
    ["--minutes", "x"], ["--clip", "-1"], ["--clip", "nan"], ["--accumulate", "0"], ["--seed", "1.5"],
    ["--threads", "0"], ["--precision", "fp16"], ["--lr", "-1"], ["--lr", "inf"], ["--beta2", "1"],
    ["--beta2", "-0.1"], ["--warmup", "-1"], ["--min-lr-ratio", "1.5"], ["--min-lr-ratio", "-0.1"],
    ["--gamma", "-1"], ["--step-every", "0"], ["--plateau-patience", "0"], ["--eval-every", "0"],
    ["--log-every", "0"], ["--save-every", "0"], ["--save-minutes", "-1"], ["--ema", "1"], ["--patience", "0"],
    ["--min-delta", "-1"], ["--min-delta", "nan"], ["--split-seed", "1.5"], ["--momentum", "-1"],
    ["--weight-decay", "inf"], ["--optimizer", "lion"],
])
def test_a_flag_out_of_range_is_refused_as_it_is_read(argv: list[str]) -> None:
    with pytest.raises(argparse.ArgumentError):
        parse(*argv)


@pytest.mark.parametrize(("argv", "name", "value"), [
    (["--warmup", "0"], "warmup", 0), (["--beta2", "0"], "beta2", 0.0), (["--min-lr-ratio", "1"], "min_lr_ratio", 1.0),
    (["--min-lr-ratio", "0"], "min_lr_ratio", 0.0), (["--gamma", "0"], "gamma", 0.0), (["--clip", "0"], "clip", 0.0),
    (["--save-minutes", "0"], "save_minutes", 0.0), (["--ema", "0"], "ema", 0.0), (["--ema", "0.999"], "ema", 0.999),
    (["--lr", "0"], "lr", 0.0), (["--min-delta", "0"], "min_delta", 0.0), (["--steps", "1"], "steps", 1),
    (["--minutes", "0.5"], "minutes", 0.5), (["--seed", "-3"], "seed", -3), (["--val-fraction", "0.2"],
                                                                             "val_fraction", 0.2),
    (["--val-data", "v.csv"], "val_data", "v.csv"), (["--split-seed", "4"], "split_seed", 4),
    (["--precision", "bf16"], "precision", "bf16"), (["--tensorboard"], "tensorboard", True),
    (["--no-tensorboard"], "tensorboard", False), (["--find-lr"], "find_lr", True),
])
def test_a_flag_in_range_is_read_as_its_value(argv: list[str], name: str, value: Any) -> None:
    got = getattr(parse(*argv), name)
    assert got == value and type(got) is type(value)


def test_a_flag_not_given_is_none_so_that_a_config_file_or_the_saved_run_can_set_it() -> None:
    args = parse(zoneout=0.0)
    for name in (*TRAINER_DEFAULTS, "weight_drop", "recurrent_dropout", "zoneout", "layer_norm", "val_fraction",
                 "split_seed", "data", "val_data", "out", "config", "resume"):
        assert getattr(args, name) is None, name
    assert parse("--layer-norm", zoneout=0.0).layer_norm is True


def test_the_regulariser_flags_are_a_regularised_tasks_only() -> None:
    assert not hasattr(parse(), "zoneout")
    with pytest.raises((argparse.ArgumentError, SystemExit)):
        parse("--zoneout", "0.1")
    assert parse("--zoneout", "0.1", "--weight-drop", "0.2", zoneout=0.0).zoneout == 0.1


def test_a_verbs_threads_and_device() -> None:
    p = argparse.ArgumentParser(exit_on_error=False)
    add_threads_argument(p)
    add_device_argument(p)
    assert p.parse_args([]).device == "cpu"
    assert p.parse_args(["--threads", "2"]).threads == 2
    with pytest.raises(argparse.ArgumentError):
        p.parse_args(["--threads", "0"])


def test_a_verb_without_a_device_runs_on_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(options, "resolve_device", lambda name: asked.append(name) or torch.device("cpu"))
    verb_device(argparse.Namespace())
    verb_device(argparse.Namespace(device=None))
    verb_device(argparse.Namespace(device="auto"))
    assert asked == ["cpu", "cpu", "auto"]


def test_use_threads_gives_torch_the_count_and_refuses_a_bad_one() -> None:
    before = torch.get_num_threads()
    try:
        use_threads(argparse.Namespace(threads=1))
        assert torch.get_num_threads() == 1
        use_threads(argparse.Namespace(threads=None))
        assert torch.get_num_threads() == 1
        with pytest.raises(SettingError):
            use_threads(argparse.Namespace(threads=10**9))
    finally:
        torch.set_num_threads(before)


# ---------------------------------------------------------------- TOML files


def test_read_toml_says_what_is_wrong_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file; expected a TOML config file"):
        read_toml(tmp_path / "missing.toml")
    with pytest.raises(UserError, match="is a directory; expected a TOML file"):
        read_toml(tmp_path)
    (tmp_path / "bad.toml").write_text("steps = \n")
    with pytest.raises(UserError, match="not valid TOML"):
        read_toml(tmp_path / "bad.toml")
    (tmp_path / "latin.toml").write_bytes(b"name = \"caf\xe9\"\n")
    with pytest.raises(UserError, match=r"latin.toml:1: not UTF-8 \(byte 0xe9 at column 12"):
        read_toml(tmp_path / "latin.toml")


def test_a_config_file_flattens_its_tables_but_keeps_a_setting_that_is_a_table(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('min-delta = 0.5\nout = "o"\n[train]\neval-every = 3\n[class-weights]\nspam = 5\n')
    got = load_config_file(path, {"min_delta", "eval_every", "class_weights", "out"})
    assert got == {"min_delta": 0.5, "eval_every": 3, "class_weights": {"spam": 5}, "out": "o"}


@pytest.mark.parametrize(("text", "message"), [
    ("stepz = 3\n", "unknown setting 'stepz'"), ("[train]\nstepz = 3\n", "unknown setting 'stepz'"),
    ("out = 5\n", "out = 5: expected a path (a string)"), ("data = 5\n", "data = 5: expected a path"),
    ("val-data = 5\n", "val_data = 5: expected a path"), ("[out]\nx = 'y'\n", "out = {'x': 'y'}: expected a path"),
])
def test_a_config_file_with_an_unknown_or_a_misshaped_setting_is_refused(tmp_path: Path, text: str,
                                                                         message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config_file(path, {"steps", "out", "data", "val_data"})


@pytest.mark.parametrize(("text", "message"), [
    ("steps = 3\n[train]\nsteps = 5\n", "[train] steps sets steps again (also given as steps)"),
    ("eval-every = 3\neval_every = 4\n", "eval_every sets eval_every again (also given as eval-every)"),
    ("[a]\nsteps = 3\n[b]\nsteps = 5\n", "[b] steps sets steps again (also given as [a] steps)"),
])
def test_a_setting_given_twice_in_a_config_file_is_refused_naming_both(tmp_path: Path, text: str,
                                                                        message: str) -> None:
    """The later one silently won (a [train] table's over the top's, or the other way round by their order)."""
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(UserError, match=re.escape(message)):
        load_config_file(path, {"steps", "eval_every"})


# ---------------------------------------------------------------- resolve_settings


def resolve(argv: list[str], toml: str | None = None, saved: dict[str, Any] | None = None,
            tmp_path: Path | None = None, **defaults: Any) -> tuple[dict[str, Any], argparse.Namespace]:
    if toml is not None:
        assert tmp_path is not None
        (tmp_path / "c.toml").write_text(toml)
        argv = [*argv, "--config", str(tmp_path / "c.toml")]
    args = parse(*argv)
    return resolve_settings(args, defaults, saved=saved), args


def test_a_flag_wins_over_the_file_which_wins_over_the_saved_run_which_wins_over_the_default(tmp_path: Path) -> None:
    saved = {**TRAINER_DEFAULTS, "eval_every": 30, "log_every": 40, "warmup": 50}
    toml = "eval_every = 3\nlog_every = 4\n"
    got, args = resolve(["--eval-every", "7"], toml, saved, tmp_path)
    assert (got["eval_every"], got["log_every"], got["warmup"], got["gamma"]) == (7, 4, 50, 0.5)
    assert args.from_config == {"log_every"}  # a bad value there names the file


def test_a_tasks_default_wins_over_the_trainers() -> None:
    got, _ = resolve([], steps=50, lr=None, hidden=8)
    assert (got["steps"], got["lr"], got["hidden"], got["clip"]) == (50, None, 8, 5.0)


def test_where_a_run_trains_is_this_commands_not_the_saved_runs(tmp_path: Path) -> None:
    saved = {**TRAINER_DEFAULTS, "device": "cuda:1", "find_lr": True, "lr": 0.5}
    got, _ = resolve([], saved=saved)
    assert (got["device"], got["find_lr"], got["lr"]) == ("auto", False, 0.5)
    got, _ = resolve([], "device = 'cpu'\n", saved, tmp_path)
    assert got["device"] == "cpu"


def test_minutes_alone_lets_the_clock_end_a_fresh_run(tmp_path: Path) -> None:
    assert resolve(["--minutes", "2"])[0]["steps"] is None
    assert resolve([], "minutes = 2\n", tmp_path=tmp_path)[0]["steps"] is None
    assert resolve(["--minutes", "2", "--steps", "9"])[0]["steps"] == 9
    assert resolve(["--minutes", "2"], "steps = 9\n", tmp_path=tmp_path)[0]["steps"] == 9
    saved = {**TRAINER_DEFAULTS, "steps": 300}
    assert resolve(["--minutes", "2"], saved=saved)[0]["steps"] == 300  # a resumed run keeps its step count
    assert resolve([])[0]["steps"] == 1000


def test_a_resumed_run_that_leaves_the_plateau_drops_its_plateau_settings_unless_given() -> None:
    saved = {**TRAINER_DEFAULTS, "schedule": "plateau", "plateau_patience": 3, "min_delta": 0.2}
    got, _ = resolve(["--schedule", "cosine"], saved=saved)
    assert (got["plateau_patience"], got["min_delta"]) == (None, 0.0)
    got, _ = resolve(["--schedule", "cosine", "--patience", "4"], saved=saved)
    assert (got["plateau_patience"], got["min_delta"]) == (None, 0.2)  # early stopping reads min_delta
    got, _ = resolve([], saved=saved)
    assert (got["plateau_patience"], got["min_delta"]) == (3, 0.2)
    got, _ = resolve(["--schedule", "cosine", "--plateau-patience", "5"], saved=saved)
    assert got["plateau_patience"] == 5  # given: kept, for validate_training to refuse in words


# ---------------------------------------------------------------- refuse_written_inputs, start_run


def test_an_input_the_run_writes_over_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "best").mkdir(parents=True)
    (out / "metrics.jsonl").write_text("{}\n")
    (out / "best" / "val.csv").write_text("x\n")
    (out / "autotune").mkdir()
    (out / "autotune" / "t.csv").write_text("x\n")
    (out / "autotune.jsonl").write_text("x\n")
    (tmp_path / "link").symlink_to(out / "best", target_is_directory=True)
    (tmp_path / "data.csv").symlink_to(out / "best" / "val.csv")
    with pytest.raises(UserError, match=r"--out .*: its metrics.jsonl is the --val-data being read; give another"):
        refuse_written_inputs(out, [("--val-data", out / "metrics.jsonl")])
    with pytest.raises(UserError, match=r"--resume .*: its metrics.jsonl is the --data being read; copy it out of"):
        refuse_written_inputs(out, [("--data", str(out / "metrics.jsonl"))], resume=True)
    with pytest.raises(UserError, match=r"its best/ holds the --val-data being read .* which every save replaces"):
        refuse_written_inputs(out, [("--val-data", out / "best" / "val.csv")])
    for linked in (tmp_path / "link" / "val.csv", tmp_path / "data.csv"):  # through a link to the folder, the file
        with pytest.raises(UserError, match=r"its best/ holds the --data being read"):
            refuse_written_inputs(out, [("--data", linked)])
    with pytest.raises(UserError, match=r"its autotune.jsonl is the --data"):
        refuse_written_inputs(out, [("--data", out / "autotune.jsonl")], files=("autotune.jsonl",))
    with pytest.raises(UserError, match=r"its autotune/ holds the --data being read .*, which the search removes"):
        refuse_written_inputs(out, [("--data", out / "autotune" / "t.csv")],
                              folders={"autotune": "the search removes"})
    refuse_written_inputs(out, [("--data", None), ("--data", 5), ("--data", tmp_path / "link")])


@dataclasses.dataclass
class Demo(TrainSettings):
    hidden: int = 8


def saved_run(out: Path, task: str = "demo", **settings: Any) -> None:
    for folder, hidden in (("best", 1), ("last", 2)):
        save_checkpoint(out / folder, model_state={"w": torch.zeros(1)},
                        config={"task": task, "settings": {**settings, "hidden": hidden}})


def test_a_fresh_run_starts_in_a_free_folder_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = Demo()
    assert start_run(config, out, "demo", (), resume=False, overwrite=False) == (None, config)
    saved_run(out)
    with pytest.raises(UserError, match="already holds a trained model"):
        start_run(config, out, "demo", (), resume=False, overwrite=False)
    assert start_run(config, out, "demo", (), resume=False, overwrite=True) == (None, config)


def test_a_resumed_run_takes_its_frozen_settings_from_its_last_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "out"
    saved_run(out, steps=40)
    ckpt, config = start_run(Demo(hidden=64, steps=90), out, "demo", ("hidden",), resume=True, overwrite=False)
    assert ckpt is not None and ckpt.path.name == "last"
    assert config == Demo(hidden=2, steps=90)
    _, config = start_run(Demo(hidden=64), out, "demo", (), resume=True, overwrite=False)
    assert config.hidden == 64
    with pytest.raises(UserError, match="a 'demo' run, not a 'other' run"):
        start_run(Demo(), out, "other", (), resume=True, overwrite=False)


def test_a_resumed_run_refuses_an_input_it_writes_over_in_its_own_words(tmp_path: Path) -> None:
    out = tmp_path / "out"
    saved_run(out)
    (out / "metrics.jsonl").write_text("{}\n")
    with pytest.raises(UserError, match="--resume .*copy it out"):
        start_run(Demo(), out, "demo", (), resume=True, overwrite=False, data=out / "metrics.jsonl")
    with pytest.raises(UserError, match="its metrics.jsonl is the --pretrain-data"):
        start_run(Demo(), out, "demo", (), resume=False, overwrite=True,
                  reads=[("--pretrain-data", out / "metrics.jsonl")])


@pytest.mark.parametrize(("resume", "overwrite", "flag"), [(True, False, "--resume"), (False, True, "--overwrite")])
def test_the_range_test_refuses_to_resume_or_overwrite(tmp_path: Path, resume: bool, overwrite: bool,
                                                       flag: str) -> None:
    with pytest.raises(UserError, match=f"saves nothing; drop {flag} "):
        start_run(Demo(find_lr=True), tmp_path / "out", "demo", (), resume=resume, overwrite=overwrite)


def test_paths_are_compared_as_files_not_as_strings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "metrics.jsonl").write_text("{}\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match="its metrics.jsonl is the --data"):
        refuse_written_inputs(out, [("--data", "out/./metrics.jsonl")])
