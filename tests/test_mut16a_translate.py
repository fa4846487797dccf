"""``rnnkit train seq2seq``: the teacher forcing of a progress outside 0 to 1, and what each evaluation reports
of the validation pairs it translates, the closing line with its scores, and the validation file the config names
(mutation audit round 16)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from rnnkit.cli import main
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.tasks import translate
from rnnkit.tasks.translate import Seq2SeqConfig, teacher_forcing_ratio
from rnnkit.train.trainer import TrainResult


def test_teacher_forcing_holds_its_start_before_the_run_and_its_floor_after() -> None:
    config = Seq2SeqConfig(teacher_forcing=1.0, teacher_forcing_floor=0.2)
    assert teacher_forcing_ratio(config, -1.0) == 1.0
    assert teacher_forcing_ratio(config, 1.0) == pytest.approx(0.2)


def test_an_evaluation_translates_the_first_pairs_in_file_order_and_scores_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first ``eval_sentences`` validation pairs, as the file holds them (not as the loss sorts them), are
    translated greedily with the training's length limit (1.5 x source + 10): the share written exactly and
    sacreBLEU's BLEU (not its chrF) join the loss."""
    val = [([3] * 5, [4]), ([3], [5]), ([3] * 3, [4, 5])]  # sources of 5, 1 and 3 tokens in file order
    pairs = [("s5", "five"), ("s1", "one"), ("s3", "three")]
    asked: list[Any] = []

    def greedy(model: Seq2Seq, srcs: list[list[int]], a: float, b: int) -> list[SimpleNamespace]:
        asked.append(([len(s) for s in srcs], a, b))
        return [SimpleNamespace(tokens=w) for w in ("five", "uno", "three")[: len(srcs)]]

    monkeypatch.setattr(translate, "_greedy", greedy)
    monkeypatch.setattr(translate, "decode_ids", lambda tok, ids: ids)
    monkeypatch.setattr(translate, "written_form", lambda tok, text: text)
    scored: list[Any] = []
    monkeypatch.setattr(translate, "sacre_scores", lambda hyps, refs: scored.append((hyps, refs)) or
                        {"bleu": 12.5, "chrf": 40.0, "bleu_signature": "b", "chrf_signature": "c"})
    torch.manual_seed(0)
    model = Seq2Seq(7, 6, embedding=4, hidden=4, layers=1).eval()
    with torch.no_grad():
        metrics = translate._eval_fn(val, pairs, None, Seq2SeqConfig(eval_sentences=3))(model)
    assert asked == [([5, 1, 3], 1.5, 10)]
    assert scored == [(["five", "uno", "three"], ["five", "one", "three"])]
    assert set(metrics) == {"loss", "exact_match", "bleu", "decoded"} and metrics["decoded"] == 3
    assert metrics["exact_match"] == pytest.approx(2 / 3) and metrics["bleu"] == 12.5
    with torch.no_grad():
        metrics = translate._eval_fn(val, pairs, None, Seq2SeqConfig(eval_sentences=1))(model)
    assert asked[-1] == ([5], 1.5, 10) and metrics["exact_match"] == 1.0


def _result(tmp_path: Path, last_eval: dict[str, float]) -> TrainResult:
    return TrainResult(best_metric=1.25, best_step=4, metric="loss", steps=6, seconds=2.345, tokens=10,
                       tokens_per_s=1.0, stopped="steps", out_dir=tmp_path, last_eval=last_eval,
                       best_eval=dict(last_eval, loss=1.25))


def test_the_closing_line_and_its_json_give_the_exact_match_and_bleu(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "best").mkdir()
    scores = {"loss": 1.5, "exact_match": 0.25, "bleu": 12.34, "chrf": 56.78}
    translate.report(_result(tmp_path, scores), True)
    assert json.loads(capsys.readouterr().out) == {
        "best_val_loss": 1.25, "best_step": 4, "val_exact_match": 0.25, "val_bleu": 12.34,
        "best_val_exact_match": 0.25, "best_val_bleu": 12.34, "steps": 6,
        "seconds": 2.35, "tokens_per_s": 1.0, "stopped": "steps", "model_dir": str(tmp_path / "best")}
    translate.report(_result(tmp_path, scores), False)
    assert capsys.readouterr().out == ("best validation loss 1.2500 nats/token at step 4, exact match 0.250, "
                                       f"BLEU 12.3 (6 steps, 2.3 s); model in {tmp_path / 'best'}\n")
    translate.report(_result(tmp_path, {"loss": 1.5}), False)  # --eval-sentences 0: the loss alone
    assert capsys.readouterr().out.startswith("best validation loss 1.2500 nats/token at step 4 (6 steps")


def test_the_config_names_a_validation_file_given_apart(tmp_path: Path) -> None:
    data, val = tmp_path / "pairs.tsv", tmp_path / "val.tsv"
    data.write_text("".join(f"ab{'c' * (i % 3)}\txy{'z' * (i % 2)}\n" for i in range(8)), encoding="utf-8")
    val.write_text("abc\txyz\nab\txy\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--val-data", str(val), "--out", str(out), "--hidden", "4",
                 "--embedding", "4", "--steps", "1", "--eval-sentences", "0", "--no-progress",
                 "--save-minutes", "0"]) == 0
    recorded = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))["data"]
    assert (recorded["val"], recorded["train_pairs"], recorded["val_pairs"]) == (str(val), 8, 2)


def test_a_run_resumed_on_other_pairs_keeps_the_unknown_shares_its_vocabularies_were_built_with(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The shares of <unk> a resumed run is measured against are those of the pairs its vocabularies were built
    from, whatever --data it resumes with (one resume on far other pairs would move the base of the next)."""
    first, other = tmp_path / "first.tsv", tmp_path / "other.tsv"
    first.write_text("".join(f"ab{'c' * (i % 3)}\txy{'z' * (i % 2)}\n" for i in range(8)), encoding="utf-8")
    other.write_text("".join(f"abq{'c' * (i % 3)}\txyw{'z' * (i % 2)}\n" for i in range(8)), encoding="utf-8")
    out = tmp_path / "run"
    flags = ["--no-progress", "--save-minutes", "0", "--eval-sentences", "0"]
    assert main(["train", "seq2seq", "--data", str(first), "--out", str(out), "--hidden", "4", "--embedding", "4",
                 "--steps", "1", "--val-fraction", "0", *flags]) == 0

    def unknown() -> dict[str, float]:
        return json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))["data"]["vocabulary_unknown"]

    built = unknown()
    assert built == {"source": 0.0, "target": 0.0}
    assert main(["train", "seq2seq", "--resume", str(out), "--data", str(other), "--steps", "2", *flags]) == 0
    capsys.readouterr()  # q and w are unknown: about a fifth of each side, below the warning
    assert unknown() == built


def test_the_model_is_built_with_the_settings_given_and_the_first_line_counts_each_side(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import rnnkit

    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"abcdefg{'h' * (i % 3)}\txy{'z' * (i % 2)}\n" for i in range(8)), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--hidden", "4", "--embedding", "4",
                 "--layers", "2", "--decoder-layers", "1", "--dropout", "0.25", "--steps", "1", "--val-fraction", "0",
                 "--no-progress", "--save-minutes", "0"]) == 0
    model = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))["model"]
    assert (model["layers"], model["decoder_layers"], model["dropout"]) == (2, 1, 0.25)
    tr = rnnkit.load(out)
    assert tr.source.vocab_size != tr.target.vocab_size
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("seq2seq: ")]
    assert said and said[0].startswith(f"seq2seq: 8 training and 0 validation pairs, source char "
                                       f"{tr.source.vocab_size} ids, target char {tr.target.vocab_size} ids, "
                                       "attention bahdanau; "), said
