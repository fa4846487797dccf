"""Mutation audit round 23 of what today's commands print: a multi-label classifier's `train --json` line (its
pretraining before the shared keys), `rnnkit info`'s time of a run of 0.01 s or of a damaged state file,
`predict --output --json`'s object and `sample --json`'s (a text and a path beyond ASCII written as they are)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_fixa_train_json import SCORES, _last_line

from rnnkit.tasks._charlm_verbs import _sample_command
from rnnkit.tasks._text import say_written
from rnnkit.wording import seconds as said_seconds


def test_a_multi_label_classifiers_pretraining_comes_before_the_shared_keys(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evals = {**SCORES, "micro_f1": 0.6}
    keys = _last_line("classify", tmp_path / "run", capsys, pretrain={"steps": 2}, best_eval=evals, last_eval=evals)
    assert "multi_label" in keys and "pretrain" in keys


@pytest.mark.parametrize(("seconds", "said"), [(0.01, "0.01 s"), (0.0099, "under 0.01 s"), (99.7, "100 s"),
                                               (True, "True s")])
def test_info_says_a_hundredth_of_a_second_and_a_damaged_time_as_it_is(seconds: object, said: str) -> None:
    """0.01 s is not 'under 0.01 s'; 99.7 s is '100 s' (two digits would say '1e+02 s'); a trainer_state.json
    holding true is shown as such (not as '1 s')."""
    assert said_seconds(seconds) == said


def test_say_written_writes_a_path_beyond_ascii_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    say_written("결과.csv", True, "wrote 결과.csv", format="csv", rows=2)
    got = capsys.readouterr()
    assert got.out == '{"output": "결과.csv", "format": "csv", "rows": 2}\n' and got.err == ""
    say_written("결과.csv", False, "wrote 결과.csv", format="csv", rows=2)
    assert capsys.readouterr() == ("", "wrote 결과.csv\n")


class _Drawn:
    """A stand-in for a trained CharLM: its stream gives ``chars`` whatever it is asked."""

    def __init__(self, chars: str) -> None:
        self.chars = chars

    def stream(self, prime: str, length: int, *args: object, **kwargs: object) -> Iterator[str]:
        return iter(self.chars[:length])


def test_sample_json_writes_the_text_as_it_is_and_verbose_still_says_the_speed(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(dir="lm", prime="café ", length=3, temperature=0.8, top_k=None, top_p=1.0, seed=3,
                              json=True, verbose=True, threads=None)
    assert _sample_command(_Drawn("été"), args) == 0  # type: ignore[arg-type]
    got = capsys.readouterr()
    assert '"text": "café été"' in got.out and json.loads(got.out)["seed"] == 3
    assert got.err.startswith("3 chars in ") and got.err.endswith(", seed 3\n")
