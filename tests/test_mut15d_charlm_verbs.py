"""Gaps a mutation audit of :mod:`rnnkit.tasks._charlm_verbs` found (round 15): what ``rnnkit sample`` and
``rnnkit score`` print, over a stand-in model whose ``stream`` and ``score`` give known answers (the trained
model's own methods have their tests)."""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from typing import Any

import pytest

from rnnkit.tasks._charlm_verbs import _sample_command, _score_command


class Model:
    """``stream`` yields ``text``; ``score`` gives ``results``; both record their arguments."""

    checkpoint = argparse.Namespace(path="run/best")  # the model read, which score --json names in "models"

    def __init__(self, text: str = "", results: list[dict[str, Any]] | None = None) -> None:
        self.text, self.results, self.calls = text, results or [], []

    def stream(self, *args: Any, **kw: Any) -> Any:
        self.calls.append(args)
        yield from self.text

    def score(self, texts: list[str], **kw: Any) -> list[dict[str, Any]]:
        self.calls.append((texts, kw))
        return [dict(r, text=t) for r, t in zip(self.results, texts, strict=True)]


class Writes(io.StringIO):
    """stdout that keeps each flushed piece."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []
        self.mark = 0

    def flush(self) -> None:
        self.flushed.append(self.getvalue()[self.mark :])
        self.mark = len(self.getvalue())


def sample_args(**kw: Any) -> argparse.Namespace:
    return argparse.Namespace(**{"prime": "A:", "length": 9, "temperature": 0.8, "top_k": None, "seed": 5,
                                 "top_p": 1.0, "verbose": False, "json": False, **kw})


def test_sample_flushes_each_line_as_it_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    out = Writes()
    monkeypatch.setattr(sys, "stdout", out)
    assert _sample_command(Model("ab\ncd\ne"), sample_args()) == 0
    assert out.getvalue() == "A:ab\ncd\ne\n" and out.flushed == ["A:ab\n", "cd\n", "e\n"]


def test_sample_without_a_seed_draws_one_and_says_it(capsys: pytest.CaptureFixture[str]) -> None:
    lm = Model("xy")
    assert _sample_command(lm, sample_args(seed=None, verbose=True)) == 0
    seed = lm.calls[0][4]
    assert isinstance(seed, int) and 0 <= seed < 2**31
    assert capsys.readouterr().err.rstrip().endswith(f"chars/s), seed {seed}")


def score_args(texts: list[str], **kw: Any) -> argparse.Namespace:
    return argparse.Namespace(**{"texts": texts, "file": None, "dynamic": False, "dynamic_lr": None, "segment": None,
                                 "dynamic_method": None, "json": False, "dir": "run", **kw})


RESULT = {"log_prob": -2.0, "bits_per_char": 1.0, "perplexity": 2.0, "chars": 2}


def test_score_shows_a_text_of_60_characters_whole_and_a_longer_one_cut(capsys: pytest.CaptureFixture[str]) -> None:
    texts = ["a" * 60, "b" * 61]
    assert _score_command(Model(results=[RESULT, RESULT]), score_args(texts)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(repr("a" * 60)) and lines[1].endswith(repr("b" * 57 + "..."))


def test_score_says_when_no_character_was_known_and_scores_a_text_of_spaces(
        capsys: pytest.CaptureFixture[str]) -> None:
    none = {"log_prob": 0.0, "bits_per_char": math.nan, "perplexity": math.nan, "chars": 0}
    assert _score_command(Model(results=[none]), score_args(["   "])) == 0
    assert capsys.readouterr().out == f"log_prob {0:10.3f} nats  (no known characters)  '   '\n"


def test_score_json_writes_an_infinite_perplexity_as_null(capsys: pytest.CaptureFixture[str]) -> None:
    huge = {"log_prob": -1e6, "bits_per_char": 1e6, "perplexity": math.inf, "chars": 1}
    assert _score_command(Model(results=[huge, RESULT]), score_args(["z", "ab"], json=True)) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["perplexity"] for r in out["results"]] == [None, 2.0] and out["model"] == "run"
    assert out["models"] == ["run/best"]
