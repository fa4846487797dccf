"""Gaps a mutation audit of :mod:`rnnkit.tasks.demo` found (round 15): ``rnnkit demo`` without ``--hello``
(the Shakespeare run, here with ``charlm.train`` swapped for a few steps on a tiny text) and the edges of the
``--hello`` flags."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.tasks import charlm
from rnnkit.tasks.demo import run_charlm_demo


def tiny_train(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """``charlm.train`` replaced by a few steps on a tiny text; the calls it got are returned."""
    text = tmp_path / "tiny.txt"
    text.write_text("to be or not to be, that is the question.\n" * 40, encoding="utf-8")
    real = charlm.train
    calls: list[dict[str, Any]] = []

    def train(config: charlm.CharLMConfig, data: str, out: str, **kw: Any) -> Any:
        calls.append({"minutes": config.minutes, "steps": config.steps, "seed": config.seed, "data": data,
                      "out": out, **kw})
        tiny = charlm.CharLMConfig(hidden=8, embed_dim=4, seq_len=16, batch_size=2, steps=2, eval_every=2,
                                   seed=config.seed)
        return real(tiny, str(text), out, verbose=False, progress=False, **kw)

    monkeypatch.setattr(charlm, "train", train)
    return calls


def test_the_demo_trains_then_writes_a_sample_after_the_prime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    calls = tiny_train(tmp_path, monkeypatch)
    out = str(tmp_path / "demo")
    assert run_charlm_demo(minutes=0.25, out=out, seed=3, prime="to be", length=40) == 0
    assert calls == [{"minutes": 0.25, "steps": None, "seed": 3, "data": "shakespeare", "out": out,
                      "overwrite": True}]
    text = capsys.readouterr().out
    m = re.search(r"\nvalidation loss (\d+\.\d{4}) nats/char \((\d+\.\d{3}) bits/char\)\. A 40-character sample "
                  r"primed with 'to be' \(temperature 0\.8\):\n\n", text)
    assert m and float(m[2]) == pytest.approx(float(m[1]) / math.log(2), abs=2e-3)
    sample = text[m.end() : text.index("\n\nMore: rnnkit sample")]
    lm = rnnkit.load(out)
    assert sample == "to be" + "".join(lm.stream("to be", 40, temperature=0.8, seed=3))
    other = "".join(lm.stream("to be", 40, temperature=0.8, seed=4)) + "".join(lm.stream("to be", 40, seed=3,
                                                                                         temperature=1.5))
    assert other != 2 * sample[len("to be"):]  # the seed and the temperature count


def test_the_demo_fails_when_training_never_evaluated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Result:
        best_metric = None

    monkeypatch.setattr(charlm, "train", lambda *a, **k: Result())
    assert run_charlm_demo(minutes=0.01, out=str(tmp_path / "d")) == 1


def test_the_cli_passes_its_flags_to_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    calls = tiny_train(tmp_path, monkeypatch)
    out = str(tmp_path / "demo")
    assert main(["demo", "--minutes", "0.5", "--out", out, "--seed", "2", "--prime", "JULIET:"]) == 0
    assert calls == [{"minutes": 0.5, "steps": None, "seed": 2, "data": "shakespeare", "out": out, "overwrite": True}]
    assert "primed with 'JULIET:'" in capsys.readouterr().out


def test_hello_takes_the_smallest_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--hello", "--hidden", "1", "--steps", "0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("rnn_tanh with 1 hidden units learns 'hello'") and out.count("\nstep ") == 1


def test_hello_prints_the_last_step_off_the_tens(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--hello", "--steps", "13"]) == 0
    steps = [int(line.split()[1]) for line in capsys.readouterr().out.splitlines()[1:]]
    assert steps == [0, 10, 13]
