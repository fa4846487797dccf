"""Mutation audit round 26, the CLI: a flag given no value says what its value is (``Parser._what_is_missing``) also for
a flag that takes several values, one of several names, one without help and one hidden from -h; a command other
than train under torchrun names its own count of processes; and a Ctrl-C (torchrun's SIGTERM) met while a peer's stop
is being handled says the peer stopped however deep that stop lies, and only then."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit import cli
from rnnkit.cells import CELLS
from rnnkit.cli import Parser, main
from tests.test_walk32_distributed import GLOO_RESET


def _refusal(line: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line on stderr of ``rnnkit LINE``, refused with exit status 2."""
    with pytest.raises(SystemExit) as exited:
        main(line)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def _model_folder(tmp_path: Path, task: str) -> str:
    """A folder that names its task, enough for a verb to parse its flags (the model is read after them)."""
    folder = tmp_path / task
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"task": task}), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"")
    return str(folder)


def test_a_flag_of_several_values_given_none_says_what_they_are(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """argparse says 'expected at least one argument' of ``--ensemble DIR [DIR ...]``; it went unexplained."""
    run = _model_folder(tmp_path, "seq2seq")
    assert _refusal(["translate", run, "--ensemble"], capsys).startswith(
        f"rnnkit translate {run}: error: argument --ensemble: expected at least one argument, DIR: decode with these "
        "translators too")


def test_a_hidden_flag_or_one_without_help_adds_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """export's --ensemble is read only to refuse it (help=SUPPRESS: '==SUPPRESS==' is no help), diagnose's --hidden
    had none ('None' is none; walk42 gave it words, and bench's --device, still without, stands in)."""
    run = _model_folder(tmp_path, "classify")
    assert _refusal(["export", run, "--ensemble"], capsys) == (
        f"rnnkit export {run}: error: argument --ensemble: expected at least one argument; `rnnkit export {run} -h` "
        "for help\n")
    assert _refusal(["bench", "--device"], capsys) == (
        "rnnkit bench: error: argument --device: expected one argument; `rnnkit bench -h` for help\n")


def test_the_choices_are_listed_as_argparse_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    cells = ",".join(CELLS)
    assert _refusal(["train", "classify", "--cell"], capsys).startswith(
        f"rnnkit train classify: error: argument --cell: expected one argument, {{{cells}}}: recurrent cell (default ")


def test_a_flag_of_two_names_is_found_by_either(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse names such a flag '-n/--name' in its message; no rnnkit flag has two names yet, a new one may."""
    parser = Parser(prog="rnnkit x")
    parser.add_argument("-n", "--name", metavar="NAME", help="what to call it")
    with pytest.raises(SystemExit):
        parser.parse_args(["--name"])
    assert capsys.readouterr().err == ("rnnkit x: error: argument -n/--name: expected one argument, NAME: what to "
                                       "call it; `rnnkit x -h` for help\n")


def test_a_command_under_torchrun_names_its_count_of_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WORLD_SIZE", "3")
    monkeypatch.setenv("RANK", "0")
    assert main(["data", "dates", "--out", str(tmp_path / "d.tsv"), "--pairs", "10"]) == 2
    assert "each of the 3 processes would do all of it" in capsys.readouterr().err
    assert not (tmp_path / "d.tsv").exists()


def _interrupted_while(*handled: BaseException) -> object:
    """A ``_train`` met by Ctrl-C while it handles each of ``handled`` in turn (the first innermost)."""

    def train(task: object, args: object) -> int:
        def nest(errors: tuple[BaseException, ...]) -> None:
            if not errors:
                raise KeyboardInterrupt
            try:
                raise errors[0]
            except type(errors[0]):
                nest(errors[1:])

        nest(handled)
        return 0

    return train


@pytest.mark.parametrize(("handled", "code", "said"), [
    ((RuntimeError(GLOO_RESET), ValueError("while writing the loss plot")), 2, "rnnkit: error: another process of "
     "this run stopped (its own message, or torchrun's report of its exit, says why)\n"),
    ((RuntimeError("a fault of its own"),), 130, "rnnkit: interrupted\n")])
def test_a_ctrl_c_says_a_peer_stopped_only_after_a_peer_stopped(
        handled: tuple[BaseException, ...], code: int, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The peer's stop two errors down (its handling failed in turn) is still the cause; a RuntimeError of this
    process's own is not a peer's, and Ctrl-C then is the user's."""
    monkeypatch.setattr(cli, "_train", _interrupted_while(*handled))
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "run")]) == code
    assert capsys.readouterr().err == said

