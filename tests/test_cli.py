"""How the command line reads a line, before any model is loaded: flag prefixes and usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rnnkit
from rnnkit import cli
from rnnkit.cli import _model_dir, build_parser, main
from rnnkit.errors import UserError


@pytest.fixture
def models(tmp_path: Path) -> dict[str, str]:
    """Model directories as far as the command line reads them before loading: a config.json naming the
    task, beside a model.safetensors."""
    dirs = {}
    for task in ("classify", "seq2seq", "tag", "speech"):
        (tmp_path / task).mkdir()
        (tmp_path / task / "config.json").write_text(json.dumps({"task": task}), encoding="utf-8")
        (tmp_path / task / "model.safetensors").touch()
        dirs[task] = str(tmp_path / task)
    return dirs


def test_a_prefix_before_the_model_directory_names_a_flag_of_its_task(models: dict[str, str]) -> None:
    """`--b` is --baseline (no value) for a classifier's evaluate, --beam (a value) for a translator's: each
    line is read as the task of its DIR reads it, not refused as '--b: could be --beam or --baseline'."""
    assert _model_dir("evaluate", ["--b", models["classify"], "--data", "x"]) == (models["classify"],
                                                                                   ["--b", "--data", "x"])
    assert _model_dir("evaluate", ["--b", "4", models["seq2seq"]]) == (models["seq2seq"], ["--b", "4"])
    assert _model_dir("evaluate", ["--te", "words", models["tag"]]) == (models["tag"], ["--te", "words"])
    # an ambiguous prefix lists the flags of DIR's task alone (--train is the classifier's, not the tagger's)
    with pytest.raises(UserError, match=r"^--t: could be --text-column or --threads \("):
        _model_dir("evaluate", ["--t", "x", models["tag"]])
    with pytest.raises(UserError, match=r"^--t: could be --text-column or --threshold or --train or --threads \("):
        _model_dir("evaluate", ["--t", "x", models["classify"]])
    with pytest.raises(UserError, match=r"^--beam: not a flag of `rnnkit evaluate` for a classify model \("):
        _model_dir("evaluate", ["--beam", "4", models["classify"]])
    # no model directory on the line: DIR is where a task puts it, for task_of to say why it is none
    assert _model_dir("evaluate", ["--b", "missing"]) == ("missing", ["--b"])
    with pytest.raises(UserError, match=r"^--bogus: not a flag of `rnnkit evaluate` \("):
        _model_dir("evaluate", ["--bogus", "missing"])


@pytest.mark.parametrize("line", [
    ["transcribe", "{speech}", "a.wav", "--spec-augment"],
    ["evaluate", "{speech}", "--data", "x", "--time-masks", "2"],
    ["evaluate", "--freq-width=3", "{speech}", "--data", "x"],   # before DIR: read by _model_dir
    ["evaluate", "{classify}", "--steps", "3"],                  # before argparse's '--data is required'
    ["predict", "{tag}", "--lr", "0.1", "some text"],
    ["translate", "{seq2seq}", "--resume", "x", "a sentence"],
])
def test_a_training_flag_given_to_another_verb_is_one_line(line: list[str], models: dict[str, str],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit transcribe RUN --spec-augment`, like any task's training flag given to a verb of its model, was
    argparse's usage and 'unrecognized arguments', which does not say where the flag belongs."""
    argv = [word.format(**models) for word in line]
    task = json.loads((Path(next(w for w in argv if w in models.values())) / "config.json").read_text())["task"]
    flag = next(w for w in line if w.startswith("--") and w not in ("--data", "--onnx")).split("=")[0]
    assert main(argv) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: {flag}: a training setting; it applies to `rnnkit train "
                                       f"{task}`, not to `rnnkit {line[0]}`\n")


@pytest.mark.parametrize("line", [["export", "{classify}", "--onnx", "m.onnx", "--device", "cpu"],
                                  ["export", "--device=cuda", "{tag}", "--onnx", "m.onnx"]])
def test_export_given_a_device_says_it_runs_on_the_cpu(line: list[str], models: dict[str, str],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit export DIR --device cpu` was refused as 'a training setting; it applies to `rnnkit train classify`',
    while predict and evaluate take --device: export takes none because it always writes from the CPU."""
    assert main([word.format(**models) for word in line]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --device: `rnnkit export` runs on the CPU whatever the machine "
                                       "has, and takes no --device\n")


@pytest.mark.parametrize(("line", "count"), [
    (["export", "{classify}", "--ensemble", "{classify}", "--onnx", "m.onnx"], 2),
    (["export", "{tag}", "--onnx", "m.onnx", "--ensemble", "a", "b"], 3),
])
def test_export_given_an_ensemble_says_each_model_is_exported_alone(line: list[str], count: int,
                                                                    models: dict[str, str],
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit export DIR --ensemble DIR2`, as predict and evaluate take it, said only '--ensemble: not a flag of
    `rnnkit export`'; it says why now, as an ensemble's export() does, before any model is read."""
    assert main([word.format(**models) for word in line]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: export: an ensemble of {count} models is no one ONNX graph; "
                                       "export each model (rnnkit export DIR --onnx FILE) and average their "
                                       "probabilities\n")


def test_a_flag_the_verb_reads_is_not_refused_as_a_training_one(models: dict[str, str],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """--out is a flag of `rnnkit train` and a prefix of predict's --output, which argparse reads it as; a word
    after '--' is a text; a flag of neither is refused as no flag of the verb."""
    for argv in (["predict", models["classify"], "--out", "x.jsonl", "text"], ["predict", models["classify"], "--",
                                                                              "--lr"]):
        assert main(argv) == 2   # the empty model.safetensors, read after the line
        err = capsys.readouterr().err
        assert "training setting" not in err and "not a flag" not in err
    assert main(["evaluate", models["classify"], "--data", "x", "--bogus"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --bogus: not a flag of `rnnkit evaluate` for a classify model "
                                       "(`rnnkit evaluate DIR -h` lists its flags)\n")


@pytest.mark.parametrize(("line", "said"), [
    # a slip in a required flag: argparse said 'the following arguments are required: --data' (or --onnx, --out)
    (["evaluate", "{seq2seq}", "--dta", "x.tsv"], "--dta: not a flag of `rnnkit evaluate` for a seq2seq model "
                                                  "(`rnnkit evaluate DIR -h` lists its flags)"),
    (["export", "{classify}", "--onx", "x.onnx"], "--onx: not a flag of `rnnkit export` for a classify model "
                                                  "(`rnnkit export DIR -h` lists its flags)"),
    (["data", "dates", "--ot", "x.tsv"], "--ot: not a flag of `rnnkit data dates` (`rnnkit data dates -h` lists its "
                                         "flags)"),
    # argparse said 'unrecognized arguments' under the top-level usage, `rnnkit [-h] [--version] VERB ...`
    (["train", "classify", "--data", "x.csv", "--stesp", "5"], "--stesp: not a flag of `rnnkit train classify` "
                                                               "(`rnnkit train classify -h` lists its flags)"),
    (["train", "tag", "--data", "x.conll", "--text-column", "w"], "--text-column: not a flag of `rnnkit train tag` "
                                                                  "(`rnnkit train tag -h` lists its flags)"),
    (["experiment", "adding", "--lenght", "5", "--out", "x"], "--lenght: not a flag of `rnnkit experiment` "
                                                              "(`rnnkit experiment -h` lists its flags)"),
], ids=["evaluate-required", "export-required", "data-required", "train", "train-tag-column", "experiment"])
def test_a_mistyped_flag_is_one_line_naming_it(line: list[str], said: str, models: dict[str, str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped flag is named in one line, whatever the subcommand, before anything is read or written."""
    assert main([word.format(**models) for word in line]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {said}\n"


def test_a_prefix_after_train_task_names_a_flag_of_that_task(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["train", "classify", "--j"]).json  # --jamo is speech's
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["train", "speech", "--j"])
    assert exit_.value.code == 2
    assert "ambiguous option: --j could match --jamo, --json" in capsys.readouterr().err


@pytest.mark.parametrize(("line", "said"), [
    (["train", "classify", "t.csv", "--steps", "2"],
     "t.csv: `rnnkit train classify` reads its data from --data FILE (--data t.csv), not from a word alone"),
    (["train", "charlm", "--lr", "-1e-3", "--attention", "shakespeare"], None),  # charlm takes no --attention
    (["train", "caption", "--attention", "--steps", "2", "imgs"],
     "imgs: `rnnkit train caption` reads its data from --data FILE (--data imgs), not from a word alone"),
    (["train", "tag", "--data=x.conll", "--steps", "2", "extra"],
     "extra: an unexpected argument; `rnnkit train tag` takes flags and their values only, and this word follows "
     "no flag that takes one (its data comes from --data x.conll; `rnnkit train tag -h` lists its flags)"),
], ids=["forgotten-data", "unknown-flag-first", "optional-value", "stray-after-data"])
def test_a_word_after_train_task_that_is_no_flags_value_is_named(line: list[str], said: str | None,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit train classify t.csv` said 'unrecognized arguments: t.csv' under the top-level usage, where the user
    had forgotten --data; the word is named, with the flag it was likely meant for."""
    assert main(line) == 2
    err = capsys.readouterr().err
    assert err == f"rnnkit: error: {said}\n" if said else "--attention: not a flag of `rnnkit train charlm`" in err


def test_a_flags_value_and_what_follows_dash_dash_are_no_stray_words() -> None:
    flags = {"--data": True, "--json": False, "--val-data": True, "--val-fraction": True}
    assert cli._stray_word(["--data", "x", "--json", "--", "y"], flags) is None
    assert cli._stray_word(["--val", "0.1", "y"], flags) is None  # an ambiguous prefix: argparse names it
    assert cli._stray_word(["--val-f", "0.1", "--json", "y"], flags) == "y"
    assert cli._stray_word(["--json", "-"], flags) == "-"
    assert cli._stray_word(["--data", "-", "--val-fraction", "-.5"], flags) is None  # standard input, a number


def test_a_value_of_a_minus_and_a_digit_is_the_flags_value(capsys: pytest.CaptureFixture[str]) -> None:
    """SVM-style labels and exponents: `--class-weights -1=3,1=1` and `--lr -1e-3` said 'expected one argument'
    (Python 3.11's argparse took only a bare negative number for a value; 3.13's takes any '-' and a digit)."""
    args = build_parser().parse_args(["train", "classify", "--class-weights", "-1=3,1=1", "--label-smoothing", "-1e-3"])
    assert (args.class_weights, args.label_smoothing) == ("-1=3,1=1", -1e-3)
    assert build_parser().parse_args(["train", "classify", "--class-weights", "-.5=2"]).class_weights == "-.5=2"
    with pytest.raises(SystemExit):  # a flag is still a flag, a missing value still missing
        build_parser().parse_args(["train", "classify", "--class-weights", "--json"])
    assert "argument --class-weights: expected one argument" in capsys.readouterr().err


def test_argparse_still_reads_the_private_negative_number_matcher_the_parser_sets() -> None:
    """cli.Parser replaces argparse's private ``_negative_number_matcher`` (argparse has no public way to say which
    words starting with '-' are values: it sorts them before any type or action sees them). A Python whose argparse
    renames the attribute or stops reading it would silently bring back 3.11's 'expected one argument' for
    ``--lr -1e-3``; this fails loudly there, on argparse's side of the contract, whatever that Python's own pattern."""
    import argparse
    import re

    assert isinstance(getattr(argparse.ArgumentParser(), "_negative_number_matcher", None), re.Pattern), \
        "argparse has no _negative_number_matcher any more: cli.Parser's override does nothing; see its __init__"
    parser = cli.Parser(prog="t")
    parser.add_argument("--lr", type=float)
    assert parser.parse_args(["--lr", "-1e-3"]).lr == -1e-3
    parser._negative_number_matcher = re.compile(r"(?!)")  # matches nothing: '-1' must now read as a flag
    with pytest.raises(SystemExit):
        parser.parse_args(["--lr", "-1"])


@pytest.mark.parametrize(("line", "said"), [
    (["train", "classify", "--lr", "-1"], "rnnkit train classify: error: argument --lr: expected a finite number >= 0, "
                                          "got -1; `rnnkit train classify -h` for help"),
    # --minutes 0 said "a number > 0" but --minutes -1 "a finite number >= 0", as if 0 were allowed
    (["train", "charlm", "--minutes", "-1"], "rnnkit train charlm: error: argument --minutes: expected a finite number "
                                             "> 0, got -1; `rnnkit train charlm -h` for help"),
    (["train", "charlm", "--minutes", "0"], "rnnkit train charlm: error: argument --minutes: expected a finite number "
                                            "> 0, got 0;"),
    (["data", "dates", "--out", "x.tsv", "--seed", "abc"], "rnnkit data dates: error: argument --seed: invalid int"),
    (["train", "classify", "--tokenizer", "wrd"], "rnnkit train classify: error: argument --tokenizer: invalid choice: "
                                                  "'wrd'"),
    (["train", "nosuchtask"], "rnnkit train: error: argument TASK: invalid choice: 'nosuchtask'"),
    ([], "rnnkit: error: the following arguments are required: VERB; `rnnkit -h` for help"),
])
def test_a_value_argparse_refuses_is_one_line(line: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    """argparse printed the subcommand's whole usage first (about 40 lines for `train classify`), burying the line
    that says what is wrong; the README promises one line for a setting out of range."""
    with pytest.raises(SystemExit) as exit_:
        main(line)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(said) and err.count("\n") == 1


@pytest.mark.parametrize("rank", [0, 1])
def test_under_torchrun_rank_0_alone_prints_a_usage_error(rank: int, models: dict[str, str],
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Every process of `torchrun --nproc_per_node N -m rnnkit ...` reads the same line: N copies of the same
    usage and error were printed. Every process still exits with status 2. (Rank 1 is ended by torchrun's
    SIGTERM while it waits, once rank 0 has exited: rnnkit's handler raises KeyboardInterrupt in the wait.)"""
    for key, value in {"RANK": rank, "WORLD_SIZE": 2, "LOCAL_RANK": rank}.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.setattr(cli.time, "sleep", lambda s: (_ for _ in ()).throw(KeyboardInterrupt))
    lines = ["train", "classify", "--lr", "-1"], ["train", "nosuchtask"], ["evaluate", models["classify"]]
    for argv in lines:
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        if rank == 0:
            assert err.startswith("rnnkit ") and err.count(": error: ") == 1 and err.count("\n") == 1
        else:
            assert err == ""
    for argv in ["train", "classify", "-h"], ["evaluate", models["classify"], "-h"], ["evaluate", "-h"]:
        try:
            code = main(argv)
        except SystemExit as exit_help:   # argparse's help action exits; `rnnkit VERB -h` returns
            code = exit_help.code
        assert code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: rnnkit ") if rank == 0 else out == ""


@pytest.mark.parametrize("seed", [str(2**64), str(-(2**63) - 1)])
def test_train_refuses_a_seed_torch_cannot_take_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            seed: str) -> None:
    """--seed 99999999999999999999 was torch's traceback ('Overflow when unpacking long long') in every task;
    the trainer's settings, which every task checks before it writes anything, refuse it."""
    (tmp_path / "t.txt").write_text("the quick brown fox. " * 40, encoding="utf-8")
    (tmp_path / "t.csv").write_text("text,label\n" + "good film,pos\nbad film,neg\n" * 10, encoding="utf-8")
    for task, data in (("charlm", "t.txt"), ("classify", "t.csv")):
        out = tmp_path / task
        assert main(["train", task, "--data", str(tmp_path / data), "--out", str(out), "--steps", "1",
                     "--hidden", "8", "--no-progress", "--seed", seed]) == 2
        err = capsys.readouterr().err
        assert err == f"rnnkit: error: --seed {seed}: expected an integer from {-(2**63)} to {2**64 - 1}\n", task
        assert not out.exists()


#: torch's CPU allocator's error, as this CPU build raises it
CPU_OOM = ("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: you tried to "
           "allocate 1024000000000 bytes. Error code 12 (Cannot allocate memory)")


def test_a_model_too_big_for_the_memory_is_one_line_and_leaves_no_out(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """--embedding 10**13 (or --hidden 10**9) ended in torch's allocator traceback. The tables asked for are
    hundreds of TB: refused from their sizes before anything is built (rnnkit.train.memory), naming the flag."""
    (tmp_path / "t.csv").write_text("text,label\n" + "good film,pos\nbad film,neg\n" * 10, encoding="utf-8")
    out = tmp_path / "new" / "run"
    assert main(["train", "classify", "--data", str(tmp_path / "t.csv"), "--out", str(out), "--steps", "1",
                 "--embedding", str(10**13), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: --embedding {10**13}: the model (a 1-layer LSTM of hidden 128) has ")
    assert err.count("\n") == 1 and " GB free\n" in err
    assert not (tmp_path / "new").exists()


def test_out_of_memory_in_training_is_one_line_and_removes_what_the_run_wrote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Memory that runs out in the first update (a batch, the optimiser's state) left OUT with .lock and an
    empty metrics.jsonl, after the traceback; another RuntimeError still shows its traceback."""
    from rnnkit.train.trainer import Trainer

    def update(self: Trainer, lr: float, progress: float) -> None:
        raise RuntimeError(CPU_OOM)

    monkeypatch.setattr(Trainer, "_update", update)
    (tmp_path / "t.txt").write_text("the quick brown fox. " * 40, encoding="utf-8")
    (tmp_path / "given").mkdir()
    argv = ["train", "charlm", "--data", str(tmp_path / "t.txt"), "--steps", "1", "--hidden", "8", "--batch-size",
            "4", "--no-progress"]
    for out in (tmp_path / "new" / "run", tmp_path / "given"):
        assert main([*argv, "--out", str(out)]) == 1
        assert capsys.readouterr().err.splitlines()[-1] == (
            "rnnkit: error: out of memory: torch could not allocate 1,024 GB for the model or a batch (with "
            "--hidden 8, --batch-size 4); smaller sizes or a machine with more memory are needed")
    assert not (tmp_path / "new").exists() and list((tmp_path / "given").iterdir()) == []

    def broken(self: Trainer, lr: float, progress: float) -> None:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(Trainer, "_update", broken)
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        main([*argv, "--out", str(tmp_path / "o")])


@pytest.mark.parametrize(("argv", "module", "function", "sizes"), [
    (["experiment", "adding", "--cells", "gru", "--length", "10", "--eval-size", "1000000000"],
     "rnnkit.tasks.experiments", "run_experiment", "--length 10, --eval-size 1000000000"),
    (["diagnose", "--cells", "gru", "--length", "10", "--hidden", "4", "--clip-length", "1000000000"],
     "rnnkit.tasks.diagnose", "run_diagnose", "--hidden 4, --length 10, --clip-length 1000000000"),
])
def test_out_of_memory_names_the_test_set_and_clipping_sizes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
        module: str, function: str, sizes: str) -> None:
    """experiment --eval-size 1000000000 and diagnose --clip-length 1000000000 ran out of memory with a line
    naming only --length (and --hidden): the sizes to make smaller were the ones it left out."""
    import importlib

    def allocate(*args: object, **kwargs: object) -> None:
        raise RuntimeError(CPU_OOM)

    monkeypatch.setattr(importlib.import_module(module), function, allocate)
    monkeypatch.setattr("rnnkit.train.memory.free_memory", lambda device: None)  # sizes the checks cannot judge
    assert main([*argv, "--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == (f"rnnkit: error: out of memory: torch could not allocate 1,024 GB for the "
                                       f"model or a batch (with {sizes}); smaller sizes or a machine with more "
                                       "memory are needed\n")


def test_out_of_memory_names_what_could_not_be_allocated() -> None:
    import torch

    from rnnkit.errors import out_of_memory

    assert out_of_memory(RuntimeError(CPU_OOM)) == "1,024 GB"
    assert out_of_memory(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total "
                                                "capacity of 79.15 GiB of which 1.2 GiB is free.")) == "2.1 GB"
    assert out_of_memory(MemoryError()) == ""
    assert out_of_memory(RuntimeError("Expected all tensors to be on the same device")) is None
    assert out_of_memory(ValueError("you tried to allocate 5 bytes")) is None


def test_every_flag_of_every_subcommand_passes_the_unknown_flag_check() -> None:
    """The one-line refusal of a flag a subcommand does not read lists the flags itself; it must list every flag
    the real parser has (it missed the regularisers' `--weight-drop` ..., which `rnnkit train charlm` adds only for
    tasks whose settings take them, and refused them)."""
    import argparse

    from rnnkit.cli import _refuse_unknown_command_flags

    def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return dict(found[0].choices) if found else {}

    def flags(parser: argparse.ArgumentParser) -> list[str]:
        return [f for a in parser._actions for f in a.option_strings if f.startswith("--")]

    top = subparsers(build_parser())
    lines = [["train", task, *flags(p)] for task, p in subparsers(top["train"]).items()]
    lines += [["data", name, *flags(p)] for name, p in subparsers(top["data"]).items()]
    lines += [[verb, *flags(p)] for verb, p in top.items() if verb not in ("train", "data") and flags(p)]
    assert any("--weight-drop" in line for line in lines)
    for line in lines:
        _refuse_unknown_command_flags(line)   # raises on a flag it does not know


def test_the_korean_example_generator_takes_a_folder_or_flags(tmp_path: Path) -> None:
    """``generate.py --help`` was handed to the corpus writer as its output folder: an argparse error."""
    script = Path(__file__).resolve().parents[1] / "examples" / "korean_scam" / "generate.py"
    env = {**os.environ, "PYTHONPATH": str(Path(rnnkit.__file__).resolve().parents[1])}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(script), *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120)

    shown = run("--help")
    assert shown.returncode == 0 and shown.stdout.startswith("usage: rnnkit data scam"), shown
    assert run("corpus", "--train", "20", "--val", "6", "--test", "6").returncode == 0
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["test.csv", "train.csv", "val.csv"]
    assert run("--train", "20", "--val", "6", "--test", "6").returncode == 0  # the default folder
    assert (tmp_path / "runs" / "korean_scam" / "data" / "train.csv").is_file()


def test_a_verb_without_a_model_directory_is_a_usage_error_and_its_help_is_not(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("usage: rnnkit evaluate DIR [flags]") and not captured.out
    assert main(["evaluate", "-h"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("usage: rnnkit evaluate DIR [flags]") and not captured.err


@pytest.mark.parametrize(("raised", "status", "said"), [
    (KeyboardInterrupt(), 130, "rnnkit: interrupted\n"),
    (OSError(13, "Permission denied", "/no/such/out"), 2, "rnnkit: error: /no/such/out: Permission denied\n"),
])
def test_exit_statuses_of_an_interrupt_and_of_a_path_that_cannot_be_used(
        raised: BaseException, status: int, said: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """130 for Ctrl-C, as a shell reports a process ended by SIGINT; 2 for a path the user gave, as a UserError."""
    def fail(argv: object) -> None:
        raise raised

    monkeypatch.setattr(cli, "_refuse_unknown_command_flags", fail)
    assert main(["info"]) == status
    assert capsys.readouterr().err == said


def test_a_reader_gone_away_is_a_quiet_exit_141(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit sample ... | head`: 128 + SIGPIPE, as other Unix tools stop, with stdout sent to /dev/null."""
    def fail(argv: object) -> None:
        raise BrokenPipeError

    class Stdout:
        def fileno(self) -> int:
            return 99

    redirected: list[tuple[int, int]] = []
    monkeypatch.setattr(cli, "_refuse_unknown_command_flags", fail)
    monkeypatch.setattr(cli.os, "dup2", lambda a, b: redirected.append((a, b)))
    monkeypatch.setattr(sys, "stdout", Stdout())
    assert main(["info"]) == 141
    os.close(redirected[0][0])
    assert [b for _, b in redirected] == [99] and capsys.readouterr().err == ""


def test_a_flag_with_its_value_after_an_equals_sign_is_one_word_before_dir(models: dict[str, str]) -> None:
    assert _model_dir("evaluate", ["--data=x", models["tag"], "--batch-size", "4"]) == (
        models["tag"], ["--data=x", "--batch-size", "4"])


def test_a_bad_setting_from_a_config_file_names_the_file_the_key_and_the_value() -> None:
    import argparse

    from rnnkit.errors import SettingError

    exc = SettingError("batch_size", 0, "expected a positive integer")
    from_file = argparse.Namespace(from_config=("batch_size",), config="c.toml")
    assert cli._setting_line(exc, from_file) == "c.toml: batch_size = 0: expected a positive integer"
    assert cli._setting_line(exc, argparse.Namespace()) == "--batch-size 0: expected a positive integer"


def test_a_failed_rename_into_place_names_the_path_the_user_gave() -> None:
    """os.replace(TMP, OUT) fails naming both: OUT (filename2) is what the user wrote, TMP rnnkit's own."""
    import errno

    exc = OSError(errno.EACCES, "Permission denied", "/out/.model.onnx.tmp", None, "/out/model.onnx")
    assert cli._os_error_line(exc) == "/out/model.onnx: Permission denied"


def test_a_frozen_setting_is_named_by_the_flag_that_sets_that_value() -> None:
    """--no-memory sets memory False; memory True (from a --config file) has no flag of its own."""
    from rnnkit.tasks import TASKS, discover

    discover()
    task = TASKS["charlm"]
    assert cli._flag_given(task, "memory", False) == "--no-memory"
    assert cli._flag_given(task, "memory", True) == "--memory True"
    assert cli._flag_given(task, "hidden", 8) == "--hidden 8"
    translate = TASKS["seq2seq"]  # an on/off pair (argparse's BooleanOptionalAction): the one given
    assert cli._flag_given(translate, "bidirectional", False) == "--no-bidirectional"
    assert cli._flag_given(translate, "bidirectional", True) == "--bidirectional"


def test_a_verb_several_tasks_answer_is_described_in_general_in_the_top_level_help() -> None:
    verbs = next(a for a in build_parser()._actions if a.dest == "verb")
    helps = {c.dest: c.help for c in verbs._choices_actions}  # type: ignore[attr-defined]
    assert helps["evaluate"].startswith(cli.SHARED_VERBS["evaluate"] + " (")
