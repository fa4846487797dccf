"""Gaps a mutation audit of :mod:`rnnkit.tasks._speech_verbs` found (round 15): what ``rnnkit data speech``
passes on, refuses and says; the flags of ``rnnkit train speech`` that leave a setting to the config; and what
``transcribe`` and ``evaluate`` ask of a recogniser and print, against a stand-in recogniser."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rnnkit.cli import main
from rnnkit.tasks import _speech_verbs as verbs
from rnnkit.tasks._speech_decoding import BONUS, LM_WEIGHT


@pytest.fixture
def corpus_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    from rnnkit.data import speech_corpus

    calls: list[tuple[Any, ...]] = []

    def build(*args: Any) -> dict[str, int]:
        calls.append(args)
        return {"train": 4, "val": 2, "test": 1}

    monkeypatch.setattr(speech_corpus, "build_corpus", build)
    return calls


def test_data_speech_passes_its_defaults_on_and_counts_the_recordings(
        corpus_calls: list[tuple[Any, ...]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "c")
    assert main(["data", "speech", "--out", out]) == 0
    assert corpus_calls == [(out, "en", 2000, 500, 2, False, 0)]
    assert capsys.readouterr().out == f"wrote 7 recordings to {out}: train/ 4, val/ 2, test/ 1\n"
    assert main(["data", "speech", "--out", out, "--words", "3", "--phrases", "0", "--takes", "1", "--noise",
                 "--language", "ko", "--seed", "5"]) == 0
    assert corpus_calls[1] == (out, "ko", 3, 0, 1, True, 5)


@pytest.mark.parametrize("flags, said", [(["--words", "0"], "--words 0: expected a positive integer"),
                                         (["--takes", "0"], "--takes 0: expected a positive integer"),
                                         (["--phrases", "-1"], "--phrases -1: expected a number >= 0")])
def test_data_speech_refuses_counts_it_cannot_take(corpus_calls: list[tuple[Any, ...]], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str], flags: list[str],
                                                   said: str) -> None:
    assert main(["data", "speech", "--out", str(tmp_path / "c"), *flags]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {said}\n" and corpus_calls == []


def test_train_flags_left_out_leave_the_setting_to_the_config() -> None:
    """A default of False on a --x/--no-x flag would override `spec_augment = true` in a --config file."""
    p = argparse.ArgumentParser()
    verbs._train_arguments(p)
    args = p.parse_args([])
    assert (args.jamo, args.bidirectional, args.spec_augment, args.speed_perturb, args.vtlp) == (None,) * 5
    args = p.parse_args(["--vtlp", "0.1", "--eval-utterances", "3", "--no-bidirectional"])
    assert (args.vtlp, args.eval_utterances, args.bidirectional) == (0.1, 3, False)
    assert type(args.eval_utterances) is int  # 3.0 is no count of utterances


class Recogniser:
    """Answers transcribe and evaluate with what it is given, as a trained one would shape it."""

    def __init__(self, checkpoints: int = 1) -> None:
        self.checkpoints = [SimpleNamespace(path=f"m{i}") for i in range(checkpoints)]
        self.asked: list[dict[str, Any]] = []

    def transcribe(self, files: list[str], **kw: Any) -> list[Any]:
        self.asked.append(kw)
        if kw["timings"]:
            return [{"text": "ʃ iː", "symbols": [{"symbol": "ʃ", "start": 0.1}]} for _ in files]
        return ["ʃ iː" for _ in files]

    def evaluate(self, data: str, **kw: Any) -> dict[str, Any]:
        self.asked.append(kw)
        return {"utterances": 3, "beam": kw["beam"], "cer": 0.25, "wer": 0.5,
                **({"lm": kw["lm"], "lm_weight": kw["lm_weight"], "bonus": kw["bonus"]} if kw["lm"] else {})}


def _args(add: Any, argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add(p)
    return p.parse_args(argv)


def test_transcribe_asks_greedy_by_default_and_prints_each_text_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    rec = Recogniser()
    assert verbs._transcribe_command(rec, _args(verbs._transcribe_arguments, ["a.wav", "b.wav"])) == 0
    assert rec.asked == [{"beam": 1, "timings": False, "lm": None, "lm_weight": LM_WEIGHT, "bonus": BONUS}]
    assert capsys.readouterr().out == "ʃ iː\nʃ iː\n"
    argv = ["a.wav", "--json", "--timings", "--lm", "LM", "--lm-weight", "0.5", "--bonus", "2"]
    assert verbs._transcribe_command(rec, _args(verbs._transcribe_arguments, argv)) == 0
    assert rec.asked[1] == {"beam": 1, "timings": True, "lm": "LM", "lm_weight": 0.5, "bonus": 2.0}
    out = capsys.readouterr().out
    assert '"text": "ʃ iː"' in out or '"text":"ʃ iː"' in out  # the symbols themselves, not \u0283
    assert json.loads(out) == {"file": "a.wav", "text": "ʃ iː", "symbols": [{"symbol": "ʃ", "start": 0.1}]}


def test_evaluate_names_the_rate_the_language_model_and_its_weight_and_bonus(
        capsys: pytest.CaptureFixture[str]) -> None:
    rec = Recogniser()
    assert verbs._evaluate_command(rec, _args(verbs._evaluate_arguments, ["--data", "d"])) == 0
    assert rec.asked == [{"beam": 1, "lm": None, "lm_weight": LM_WEIGHT, "bonus": BONUS}]
    assert capsys.readouterr().out == "3 utterances, beam 1: CER 0.2500, WER 0.5000\n"
    argv = ["--data", "d", "--beam", "4", "--lm", "LM", "--lm-weight", "0.5", "--bonus", "2"]
    assert verbs._evaluate_command(rec, _args(verbs._evaluate_arguments, argv)) == 0
    assert capsys.readouterr().out == "3 utterances, beam 4 with LM (weight 0.5, bonus 2): CER 0.2500, WER 0.5000\n"
    with pytest.raises(SystemExit):
        _args(verbs._evaluate_arguments, [])  # --data is required


def test_evaluate_of_an_ensemble_with_json_prints_only_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    rec = Recogniser(checkpoints=2)
    assert verbs._evaluate_command(rec, _args(verbs._evaluate_arguments, ["--data", "d", "--json"])) == 0
    assert json.loads(capsys.readouterr().out)["cer"] == 0.25
    assert verbs._evaluate_command(rec, _args(verbs._evaluate_arguments, ["--data", "d"])) == 0
    assert capsys.readouterr().out.startswith("an ensemble of 2 models (m0, m1)")


def test_a_wav_file_after_ensemble_is_refused_with_the_way_to_give_it() -> None:
    from rnnkit.errors import UserError

    with pytest.raises(UserError, match=r"\(give AUDIO arguments before --ensemble\)$"):
        _args(verbs._transcribe_arguments, ["a.wav", "--ensemble", "/nonexistent/b.wav"])
