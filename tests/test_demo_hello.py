"""The textbook 'hello' example learns all four transitions, including l->l versus l->o."""

import re
import subprocess
import sys

import pytest

from rnnkit.cli import main
from rnnkit.tasks.demo import run_hello

LINE = re.compile(r"step +(?P<step>\d+) +loss (?P<loss>\d+\.\d{4}) +"
                  r"(?P<pairs>(?:[ehlo]->[ehlo] +){4}) *(?P<right>\d)/4 right")
TARGETS = ["h->e", "e->l", "l->l", "l->o"]


def step_lines(out: str) -> list[dict]:
    rows = []
    for line in out.splitlines()[1:]:
        m = LINE.fullmatch(line.strip())
        assert m, f"not a step line: {line!r}"
        rows.append({"step": int(m["step"]), "loss": float(m["loss"]), "pairs": m["pairs"].split(),
                     "right": int(m["right"])})
    return rows


def test_hello_learns(capsys: pytest.CaptureFixture[str]) -> None:
    final = run_hello(steps=100)
    rows = step_lines(capsys.readouterr().out)
    assert [r["step"] for r in rows] == list(range(0, 101, 10))
    for r in rows:  # the count it prints is the count of its printed predictions that are right
        assert r["right"] == sum(p == t for p, t in zip(r["pairs"], TARGETS, strict=True)), r
    assert rows[-1]["pairs"] == TARGETS and rows[-1]["loss"] == round(final, 4) and final < 0.05
    untrained = run_hello(steps=0)  # the step-0 line is the loss before any update
    capsys.readouterr()
    assert rows[0]["loss"] == round(untrained, 4) and untrained > 20 * final


def test_cli_demo_hello(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--hello", "--steps", "20", "--cell", "gru", "--hidden", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("gru with 5 hidden units learns 'hello'")
    assert [r["step"] for r in step_lines(out)] == [0, 10, 20]


@pytest.mark.slow
def test_closed_pipe_gives_no_traceback() -> None:
    proc = subprocess.run(
        f"'{sys.executable}' -m rnnkit.cli demo --hello | head -1",
        shell=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.stdout.startswith("rnn_tanh")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("flags", "message"), [(["--cell", "foo"], "--cell foo: expected one of rnn_tanh"),
                                                (["--hidden", "0"], "--hidden 0: expected an integer >= 1"),
                                                (["--steps", "-1"], "--steps -1: expected an integer >= 0")])
def test_cli_demo_hello_refuses_bad_flags(capsys: pytest.CaptureFixture[str], flags: list[str], message: str) -> None:
    assert main(["demo", "--hello", *flags]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: {message}")


@pytest.mark.parametrize(("flags", "message"), [
    (["--hello", "--minutes", "5"], "--minutes: applies only to the Shakespeare demo (without --hello)"),
    (["--hello", "--out", "x", "--prime", "y"], "--out, --prime: apply only to the Shakespeare demo (without --hello)"),
    (["--steps", "3"], "--steps: applies only to --hello"),
    (["--hidden", "4", "--cell", "gru"], "--hidden, --cell: apply only to --hello")])
def test_cli_demo_refuses_the_other_modes_flags(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                flags: list[str], message: str) -> None:
    """``demo --hello --minutes 10`` ran the 100-step 'hello' RNN, and ``demo --steps 3`` the 3-minute demo: the
    flag of the other mode did nothing, unsaid."""
    monkeypatch.setattr("rnnkit.tasks.demo.run_charlm_demo", lambda **kw: pytest.fail("trained"))
    monkeypatch.setattr("rnnkit.tasks.demo.run_hello", lambda **kw: pytest.fail("trained"))
    assert main(["demo", *flags]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {message}\n"


def test_cli_demo_passes_its_flags_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict = {}
    monkeypatch.setattr("rnnkit.tasks.demo.run_charlm_demo", lambda **kw: seen.update(kw) or 0)
    assert main(["demo", "--minutes", "0.5", "--seed", "3"]) == 0
    assert seen == {"minutes": 0.5, "out": "runs/demo", "prime": "ROMEO:\n", "seed": 3}
