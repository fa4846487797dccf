"""``rnnkit score`` names the unit of the log-probability it prints: natural log, nats (it printed a bare
``log_prob -2864.622`` beside ``bits/char 2.028``, which read as bits; only the JSON's ``nats_per_char`` said)."""

from __future__ import annotations

import argparse
import math
from typing import Any

import pytest

from rnnkit.tasks import get_task
from rnnkit.tasks._charlm_verbs import _score_command


class Scores:
    """A stand-in model whose ``score`` gives ``results`` for the texts asked."""

    checkpoint = argparse.Namespace(path="run/best")

    def __init__(self, results: list[dict[str, Any]]) -> None:
        self.results = results

    def score(self, texts: list[str], **kw: Any) -> list[dict[str, Any]]:
        return [dict(r, text=t) for r, t in zip(self.results, texts, strict=True)]


def _args(texts: list[str]) -> argparse.Namespace:
    return argparse.Namespace(texts=texts, file=None, dynamic=False, dynamic_lr=None, segment=None,
                              dynamic_method=None, json=False, dir="run")


def test_the_printed_log_prob_is_said_in_nats(capsys: pytest.CaptureFixture[str]) -> None:
    nats = -2.0 * math.log(2)  # two characters at one bit each
    result = {"log_prob": nats, "bits_per_char": 1.0, "perplexity": 2.0, "chars": 2}
    none = {"log_prob": 0.0, "bits_per_char": None, "perplexity": None, "chars": 0}
    assert _score_command(Scores([result, none]), _args(["ab", "z"])) == 0
    known, unknown = capsys.readouterr().out.splitlines()
    assert f"log_prob {nats:10.3f} nats  bits/char 1.000" in known
    assert unknown.startswith(f"log_prob {0:10.3f} nats  (no known characters)")


def test_the_verb_help_names_the_unit() -> None:
    verb = next(v for v in get_task("charlm").verbs if v.name == "score")
    assert "(natural log, nats)" in verb.help
