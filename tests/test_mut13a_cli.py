"""Mutation audit, round 13: how ``rnnkit`` hands a training line to its task and reads a verb's line.

A task defined here records what ``rnnkit train`` gives its ``train`` and returns at once, so that each test
runs the command line's own logic alone, without training."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rnnkit import cli
from rnnkit.cli import main
from rnnkit.errors import SettingError
from rnnkit.tasks import TASKS, Task, Verb, register
from rnnkit.train.options import TrainSettings
from rnnkit.train.trainer import TrainResult


@dataclass
class EchoConfig(TrainSettings):
    hidden: int = 4
    wide: bool = False

    def validate(self) -> None:
        if self.hidden < 1:
            raise SettingError("hidden", self.hidden, "expected a positive integer")


CALLS: list[dict[str, Any]] = []
#: what the next run of the task returns: its step count and why it stopped
OUTCOME: dict[str, Any] = {"steps": 3, "stopped": "steps"}


def _train(config: EchoConfig, data: str | None, out: str, **options: Any) -> TrainResult:
    CALLS.append({"config": config, "data": data, "out": out, **options})
    return TrainResult(best_metric=0.5, best_step=OUTCOME["steps"], metric="loss", steps=OUTCOME["steps"], seconds=0.0,
                       tokens=0, tokens_per_s=0.0, stopped=OUTCOME["stopped"], out_dir=Path(out))


def _report(result: TrainResult, as_json: bool) -> None:
    print(json.dumps({"steps": result.steps}) if as_json else f"steps {result.steps}")


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data")
    p.add_argument("--out")
    p.add_argument("--hidden", type=int)
    p.add_argument("--wide", action="store_const", const=True)


def _predict_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*")


ECHO = Task(name="echo13a", help="records its call", config=EchoConfig, train=_train, load=lambda ckpt: None,
            add_arguments=_add, report=_report, frozen=("hidden", "wide"),
            verbs=(Verb("predict", "nothing", _predict_arguments, lambda obj, args: 0),))


@pytest.fixture
def echo() -> Iterator[Task]:
    register(ECHO)
    CALLS.clear()
    OUTCOME.update(steps=3, stopped="steps")
    yield ECHO
    TASKS.pop(ECHO.name, None)


def test_train_without_out_is_refused_before_the_task_runs(echo: Task, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """No --out (or an empty one) would have trained into the working folder, or failed on Path(None)."""
    monkeypatch.chdir(tmp_path)
    for line in (["train", "echo13a", "--data", "d.txt"], ["train", "echo13a", "--data", "d.txt", "--out", ""]):
        assert main(line) == 2
        assert capsys.readouterr().err == "rnnkit: error: --out DIR is required: where to write the model\n"
    assert CALLS == [] and list(tmp_path.iterdir()) == []


def test_json_turns_the_progress_bar_off_and_speaks_no_lines(echo: Task, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """--json's stdout is one JSON object: the progress bar (on a terminal's stderr) is off, as with --no-progress."""
    assert main(["train", "echo13a", "--data", "d.txt", "--out", str(tmp_path / "o"), "--json"]) == 0
    assert CALLS[-1]["progress"] is False and CALLS[-1]["verbose"] is False
    assert json.loads(capsys.readouterr().out) == {"steps": 3}
    assert main(["train", "echo13a", "--data", "d.txt", "--out", str(tmp_path / "o")]) == 0
    assert CALLS[-1]["progress"] is None and CALLS[-1]["verbose"] is True
    assert CALLS[-1]["data"] == "d.txt" and CALLS[-1]["out"] == str(tmp_path / "o")


@pytest.fixture
def resumable(echo: Task, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run folder of the echo task whose checkpoint says it trained on saved.txt with hidden 4 and wide on."""
    import types

    import rnnkit.train.checkpoint as checkpoint

    run = tmp_path / "run"
    run.mkdir()
    saved = {"task": echo.name, "settings": {"data": "saved.txt", "out": str(run), "hidden": 4, "wide": True}}
    monkeypatch.setattr(checkpoint, "run_folder", lambda path: Path(path))
    monkeypatch.setattr(checkpoint, "load_checkpoint",
                        lambda path, prefer=None: types.SimpleNamespace(config=saved, path=Path(path) / "last"))
    return run


def test_a_resumed_run_is_given_only_the_data_the_line_names(resumable: Path) -> None:
    """The run's own data path (relative to where it was started) is the task's to find, not the line's."""
    assert main(["train", "echo13a", "--resume", str(resumable)]) == 0
    assert CALLS[-1]["data"] is None and CALLS[-1]["out"] == str(resumable) and CALLS[-1]["resume"] is True
    assert main(["train", "echo13a", "--resume", str(resumable), "--data", "new.txt"]) == 0
    assert CALLS[-1]["data"] == "new.txt"


def test_a_kept_setting_changed_on_resume_names_what_the_run_used(resumable: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "echo13a", "--resume", str(resumable), "--hidden", "4", "--wide"]) == 0  # the same: fine
    assert main(["train", "echo13a", "--resume", str(resumable), "--hidden", "8"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --hidden 8: the resumed run used 4; a resumed run keeps its "
                                       "model and data: leave it out to resume the run as it is, "
                                       "or train a new run with another --out\n")
    config = tmp_path / "c.toml"
    config.write_text("wide = false\n", encoding="utf-8")
    assert main(["train", "echo13a", "--resume", str(resumable), "--config", str(config)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: {config}: wide = false: the resumed run used wide; a resumed "
                                       "run keeps its model and data: leave it out to resume the run as it is, "
                                       "or train a new run with another --out\n")
    assert len(CALLS) == 1


def test_the_range_tests_table_says_why_it_stopped_and_when_it_has_no_suggestion(
        capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.train.lr_find import LearningRateCurve

    plain = argparse.Namespace(json=False, find_lr_plot=None)
    cli._report_range_test(LearningRateCurve(rates=[1e-3, 1e-2, 1e-1], losses=[2.0, 1.5, 9.0],
                                             smoothed=[2.0, 1.8, 4.0], stopped="diverged"), plain)
    assert capsys.readouterr().out.splitlines() == [
        "learning-rate range test: 3 updates from 0.001 to 0.1, stopped where the loss took off",
        "  lr        loss     smoothed",
        "  0.001     2        2",
        "  0.01      1.5      1.8",
        "  0.1       9        4",
        "no suggestion: the loss took off after 3 updates, too few to tell where it falls fastest",
    ]
    cli._report_range_test(LearningRateCurve(stopped="diverged"), plain)
    assert capsys.readouterr().out.splitlines()[0] == "learning-rate range test: the first update diverged"
    rates = [10 ** (-4 + i / 10) for i in range(40)]
    cli._report_range_test(LearningRateCurve(rates=rates, losses=[3 - i / 20 for i in range(40)],
                                             smoothed=[3 - i / 20 - (i / 30) ** 2 for i in range(40)]), plain)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "learning-rate range test: 40 updates from 0.0001 to 0.79"   # "end": no reason said
    assert len(lines) == 2 + 20 + 1 and lines[-1].startswith("suggested --lr 0.63 ")   # about 20 rows


def test_report_writes_a_page_only_for_a_run_that_took_steps(echo: Task, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import rnnkit.report

    pages: list[str] = []
    monkeypatch.setattr(rnnkit.report, "write_report",
                        lambda out, device: pages.append(device) or Path(out) / "report.html")
    out = tmp_path / "o"
    assert main(["train", "echo13a", "--data", "d.txt", "--out", str(out), "--report"]) == 0
    assert pages == ["auto"] and capsys.readouterr().out.splitlines()[-1] == f"wrote {out / 'report.html'}"
    OUTCOME.update(steps=0, stopped="interrupted")   # stopped before its first update: nothing to draw
    assert main(["train", "echo13a", "--data", "d.txt", "--out", str(out), "--report"]) == 130
    assert pages == ["auto"] and "wrote" not in capsys.readouterr().out


def test_a_task_whose_config_has_no_kept_form_refuses_any_other_value() -> None:
    """A task's config need not be a TrainSettings: without kept_form, only an equal value is the same."""
    from rnnkit.errors import UserError

    @dataclass
    class Plain:
        hidden: int = 4

    task = Task(name="plain13a", help="", config=Plain, train=_train, load=lambda ckpt: None, add_arguments=_add,
                report=_report, frozen=("hidden",))
    cli.refuse_changed_kept(task, {"hidden": 4}, {"hidden": 4})
    with pytest.raises(UserError, match=r"^--hidden 8: the resumed run used 4; a resumed run keeps its model"):
        cli.refuse_changed_kept(task, {"hidden": 8}, {"hidden": 4})


def test_the_word_after_a_double_dash_is_the_model_directory(echo: Task, tmp_path: Path) -> None:
    """`rnnkit predict -- DIR -text-`: after `--` no word is a flag, and the first is DIR."""
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"task": echo.name}), encoding="utf-8")
    (model / "model.safetensors").touch()
    assert cli._model_dir("predict", ["--", str(model), "-x-"]) == (str(model), ["--", "-x-"])
    assert cli._model_dir("predict", ["--threads", "1", "--", str(model)]) == (str(model), ["--threads", "1", "--"])


@pytest.fixture
def models(tmp_path: Path) -> dict[str, str]:
    """Model directories as far as the command line reads them before loading."""
    dirs = {}
    for task in ("classify", "seq2seq"):
        (tmp_path / task).mkdir()
        (tmp_path / task / "config.json").write_text(json.dumps({"task": task}), encoding="utf-8")
        (tmp_path / task / "model.safetensors").touch()
        dirs[task] = str(tmp_path / task)
    return dirs


def test_a_flag_whose_value_is_optional_takes_the_next_word_before_dir(models: dict[str, str]) -> None:
    """--explain [N] (nargs='?') reads N as argparse does, so DIR is the word after it."""
    assert cli._model_dir("predict", ["--explain", "3", models["classify"], "text"]) == (
        models["classify"], ["--explain", "3", "text"])


def test_a_training_flag_on_a_line_without_a_model_directory_is_no_flag_of_the_verb() -> None:
    """With no DIR to say which task's, --steps is named as no flag of `rnnkit evaluate`, not as one task's."""
    from rnnkit.errors import UserError

    with pytest.raises(UserError, match=r"^--steps: not a flag of `rnnkit evaluate` \(`rnnkit evaluate DIR -h`"):
        cli._model_dir("evaluate", ["--steps", "3", "missing"])


def test_a_word_too_long_for_a_path_is_passed_over_looking_for_dir(models: dict[str, str]) -> None:
    """`evaluate --b TEXT DIR`: a classifier would read TEXT as DIR (--baseline takes no value); a word too
    long to be a path is no model directory, and DIR, a translator's, is found after it (--beam TEXT)."""
    long = "x" * 5000
    assert cli._model_dir("evaluate", ["--b", long, models["seq2seq"]]) == (models["seq2seq"], ["--b", long])


def test_without_a_model_directory_dir_is_the_first_word_some_task_puts_there() -> None:
    """`evaluate --b 4 missing`: a classifier reads 4 as DIR (--baseline takes no value), a translator `missing`
    (--beam 4); the first of them is the one task_of is asked about."""
    assert cli._model_dir("evaluate", ["--b", "4", "missing"]) == ("4", ["--b", "missing"])


def test_a_file_where_a_folder_is_needed_is_named_for_not_a_directory_too(tmp_path: Path) -> None:
    import errno

    (tmp_path / "a").touch()
    exc = OSError(errno.ENOTDIR, "Not a directory", str(tmp_path / "a" / "b"))
    said = f"{tmp_path / 'a'}: is a file, where a folder is needed for {tmp_path / 'a' / 'b'}"
    assert cli._os_error_line(exc) == said


def test_a_lone_process_never_blames_a_peer_for_its_own_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """WORLD_SIZE=1 (torchrun --nproc-per-node 1): there is no other process, so gloo's 'closed by peer' is this
    one's own fault, raised with its traceback, not 'another process of this run stopped'."""
    def fail(argv: object) -> None:
        raise RuntimeError("[gloo] Connection closed by peer")

    monkeypatch.setattr(cli, "_refuse_unknown_command_flags", fail)
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(RuntimeError, match="closed by peer"):
        main(["info"])
    monkeypatch.setenv("WORLD_SIZE", "2")   # with a peer, it is the peer's stop, said in one line
    assert main(["info"]) == 2


def test_help_asked_into_a_file_is_written_by_every_rank(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Under torchrun only rank 0 prints -h's text on the terminal; a file the caller names gets it on any rank."""
    import io

    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    parser = cli.Parser(prog="rnnkit x", description="a parser")
    parser.print_help()
    assert capsys.readouterr().out == ""
    into = io.StringIO()
    parser.print_help(into)
    assert into.getvalue().startswith("usage: rnnkit x")


def test_a_data_set_without_seed_is_the_one_of_seed_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit data NAME` says its --seed defaults to 0: the same corpus as --seed 0, another than --seed 1."""
    written = {}
    for name, seed in (("plain", []), ("zero", ["--seed", "0"]), ("one", ["--seed", "1"])):
        assert main(["data", "dates", "--out", str(tmp_path / f"{name}.tsv"), "--pairs", "30", *seed]) == 0
        written[name] = (tmp_path / f"{name}.tsv").read_bytes()
    assert written["plain"] == written["zero"] != written["one"]


def test_a_prefix_that_is_one_flag_for_each_task_is_read_so_before_dir_is_missed(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`evaluate --thr 1`: --threshold for a classifier, --threads for a tagger, each taking the 1; with no DIR
    the line lacks a model directory (not: '--thr could be --threshold or --threads')."""
    assert main(["evaluate", "--thr", "1"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: `rnnkit evaluate` needs a model directory: rnnkit evaluate DIR "
                                       "[flags]\n")


def test_a_verbs_help_lists_what_it_does_for_each_task(capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.tasks import TASKS

    assert main(["evaluate", "-h"]) == 0
    assert f"  classify models: {TASKS['classify'].verb('evaluate').help}\n" in capsys.readouterr().out


def test_out_of_memory_without_sizes_on_the_line_names_none() -> None:
    """A model verb's line (no sizes read): the line says what ran out, without an empty '(with )'."""
    assert cli._out_of_memory_line("2.00 GiB", None) == (
        "out of memory: torch could not allocate 2.00 GiB for the model or a batch; smaller sizes or a machine with "
        "more memory are needed")
