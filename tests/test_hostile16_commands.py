"""Round 16 of hostile command lines, the commands (``bench``, ``demo``, ``data``): a number past what torch or
numpy takes is refused in one line naming the flag, not their traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

HUGE = "99999999999999999999999"  # past int64


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: ") and err.count("\n") == 1, err
    return err


def refused_in_an_empty_folder(argv: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> str:
    """:func:`refused`, run in the empty ``folder`` (where an empty name pointed), which it leaves empty."""
    monkeypatch.chdir(folder)
    err = refused(argv, capsys)
    assert list(folder.iterdir()) == []
    return err


@pytest.mark.parametrize("flag", ["--batch", "--length", "--hidden", "--input"])
def test_bench_refuses_sizes_it_cannot_hold(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    """torch's "Overflow when unpacking long long" came as a traceback."""
    tiny = {"--batch": "2", "--length": "3", "--hidden": "4", "--input": "2"}
    argv = ["bench", "--cells", "gru", "--rounds", "1", *(x for f, v in {**tiny, flag: HUGE}.items() for x in (f, v))]
    err = refused(argv, capsys)
    assert err.startswith(f"rnnkit: error: {flag} {HUGE}: the input, the hidden states and an LSTM's weights take "
                          "at least ")


@pytest.mark.parametrize(("flag", "message"), [
    ("--seed", f"--seed {HUGE}: expected an integer from 0 to "),
    ("--hidden", f"--hidden {HUGE}: the model (a 1-layer rnn_tanh of hidden {HUGE}) has ")])
def test_demo_hello_refuses_a_seed_or_a_size_torch_cannot_take(flag: str, message: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert message in refused(["demo", "--hello", "--steps", "1", flag, HUGE], capsys)


@pytest.mark.parametrize("name", ["digits", "dates", "scam"])
def test_data_refuses_a_negative_seed(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """digits: numpy's traceback, "expected non-negative integer"; dates and scam: Python's random took -1 as 1,
    the same corpus without a word."""
    out = tmp_path / "out"
    assert refused(["data", name, "--seed", "-1", "--out", str(out)], capsys) == (
        "rnnkit: error: --seed -1: expected an integer >= 0\n")
    assert not out.exists()


@pytest.mark.parametrize("empty", ["", " "])
def test_experiment_refuses_an_empty_config_name(empty: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """``--config "$CONFIG"`` unset ran the experiment on its defaults, without the file's settings or a word."""
    out = tmp_path / "out"
    err = refused(["experiment", "adding", "--seeds", "1", "--steps", "2", "--hidden", "4", "--batch-size", "2",
                   "--length", "5", "--eval-size", "4", "--cells", "gru", "--quiet", "--out", str(out),
                   "--config", empty], capsys)
    assert err == f"rnnkit: error: --config {empty!r}: an empty name; expected a TOML file of settings " \
                  "(experiments/*.toml)\n"
    assert not out.exists()


@pytest.mark.parametrize("empty", ["", " "])
def test_report_refuses_an_empty_run_name_as_one(empty: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """``report ""`` (an unset shell variable) was read as the working directory: ".: not a model directory"."""
    assert refused_in_an_empty_folder(["report", empty], tmp_path, monkeypatch, capsys) == (
        f"rnnkit: error: {empty!r}: an empty name; expected a run directory of `rnnkit train`, `rnnkit experiment` "
        "or `rnnkit diagnose`\n")


@pytest.mark.parametrize("empty", ["", " "])
def test_prepare_refuses_an_empty_text_name_as_one(empty: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``prepare ""`` was ": is a directory; expected a UTF-8 text file" (the working directory)."""
    assert refused_in_an_empty_folder(["prepare", empty], tmp_path, monkeypatch, capsys) == (
        f"rnnkit: error: TEXT {empty!r}: an empty name; expected a UTF-8 text file\n")


@pytest.mark.parametrize("name", ["dates", "scam", "shapes", "digits"])
def test_data_refuses_an_empty_out(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``--out ""`` (an unset shell variable) wrote scam's, shapes' and digits' files into the working directory
    when it was empty ("wrote 9 call transcripts to : ..."), and dates' was refused as ".: is a folder"."""
    assert refused_in_an_empty_folder(["data", name, "--out", ""], tmp_path, monkeypatch, capsys) == (
        "rnnkit: error: --out '': an empty name; expected where to write the corpus (a file or a folder)\n")


@pytest.mark.parametrize("empty", ["", " "])
def test_demo_refuses_an_empty_out(empty: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``demo --out ""`` trained in the working directory with overwrite on: over any run there."""
    monkeypatch.setattr("rnnkit.tasks.demo.run_charlm_demo", lambda **kw: pytest.fail(f"trained into {kw['out']!r}"))
    assert refused_in_an_empty_folder(["demo", "--out", empty, "--minutes", "0.01"], tmp_path, monkeypatch, capsys) == (
        f"rnnkit: error: --out {empty!r}: an empty name; expected the model directory to write (default runs/demo)\n")


@pytest.mark.parametrize("flag", ["--text", "--data"])
def test_report_refuses_an_empty_input_name(flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """``--text ""`` named the working directory, said as "--output PAGE: is the --text being read"."""
    argv = ["report", str(tmp_path / "run"), flag, "", "--output", str(tmp_path / "r.html")]
    assert refused_in_an_empty_folder(argv, tmp_path, monkeypatch, capsys) == (
        f"rnnkit: error: {flag} '': an empty name; expected the file to read\n")
