"""Mutation audit round 24 of rnnkit.wording.seconds and its callers: a time that is no number is shown as its repr
(a string '12' is not the 12 s of a number), and a short run's time reads in two digits also in a multi-label
classifier's closing line, autotune's trial line and classify's pre-training line (each said '0.0 s' or '0 s')."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.tasks import _text, classify
from rnnkit.train.autotune import Trial, _trial_line
from rnnkit.wording import seconds
from tests.test_fixc_closing_times import _result


def test_a_time_that_is_no_number_is_shown_as_its_repr() -> None:
    assert seconds("12") == "'12' s" and seconds(None) == "None s"


def test_a_multi_label_classifiers_closing_line_gives_a_short_runs_time_in_two_digits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = dataclasses.replace(_result(tmp_path, 0.0314), best_eval={"micro_f1": 0.5})
    _text.report_training(result, False, "texts")
    line = capsys.readouterr().out
    assert "validation micro-F1 0.5000" in line and "(3 steps, 0.031 s, " in line, line


def test_autotunes_trial_line_gives_a_short_trials_time_in_two_digits() -> None:
    trial = Trial(number=1, kind="preset", settings={}, score=0.5, steps=3, seconds=0.0314, stopped="steps")
    assert _trial_line(trial, lambda settings: "x").endswith("(3 steps, 0.031 s)")


def test_classifys_pre_training_line_gives_a_short_runs_time_in_two_digits(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    done = SimpleNamespace(steps=2, seconds=0.0314, loss=1.5, as_dict=dict)
    monkeypatch.setattr(classify, "_encode_texts", lambda tokenizer, texts, max_len: [[1, 2]])
    monkeypatch.setattr(classify, "pretrain_encoder", lambda *args, **kwargs: done)
    config = SimpleNamespace(pretrain_minutes=0.0, pretrain_steps=2, pretrain_data="lm.txt", max_len=8,
                             batch_size=2, lr=0.01, clip=0.0, seed=0, log_every=1, device="cpu")
    classify._pretrain(None, SimpleNamespace(vocab_size=4), ["ab"], config, verbose=True)
    assert "pre-training done: 2 updates in 0.031 s, " in capsys.readouterr().err
