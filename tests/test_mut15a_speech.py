"""Gaps a mutation audit of :mod:`rnnkit.tasks.speech` found (round 15): the CTC loss of a batch (a sum over
utterances, an impossible alignment zeroed, counted per symbol), the validation loss against torch's CTC loss
by hand, the validation utterances decoded, and what a short training run records and says."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from rnnkit.data.batching import pad_features
from rnnkit.data.speech import Utterance
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.tasks import speech
from rnnkit.tasks.speech import SpeechConfig, SymbolTable
from rnnkit.train.trainer import TrainResult

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _model() -> SpeechRecognizer:
    torch.manual_seed(0)
    return SpeechRecognizer(20, 2, hidden=8, layers=1, subsample=4).eval()


def _ctc_by_hand(model: SpeechRecognizer, feats: torch.Tensor, ids: list[int]) -> float:
    """torch's CTC loss of one utterance (class 0 the blank, symbol i class i + 1), in nats."""
    log_probs, out_len = model(feats[None], torch.tensor([len(feats)]))
    return float(torch.nn.functional.ctc_loss(log_probs.transpose(0, 1), torch.tensor([[i + 1 for i in ids]]),
                                              out_len, torch.tensor([len(ids)]), blank=0, reduction="sum"))


def test_the_loss_of_a_batch_is_its_sum_with_an_impossible_utterance_zeroed_and_counts_its_symbols() -> None:
    """An utterance too short for its transcript has an infinite CTC loss: zeroed, it leaves the others' loss
    finite (else one such utterance made every update's loss inf); the count is the batch's symbols."""
    model = _model()
    feats = [torch.randn(101, 20), torch.randn(6, 20)]
    targets = [[0, 1, 0, 1], [0, 1] * 8]  # 6 frames give 2 outputs: too few for 16 symbols
    x, lengths = pad_features(feats)
    batch = {"feats": x, "lengths": lengths, "targets": torch.tensor([i + 1 for t in targets for i in t]),
             "target_lengths": torch.tensor([len(t) for t in targets])}
    with torch.no_grad():
        loss, count, state = speech._loss_fn()(model, batch, None)
        alone = _ctc_by_hand(model, feats[0], targets[0])
    assert count == 20 and state is None
    assert float(loss) == pytest.approx(alone, rel=1e-5) and alone > 1.0


def test_the_validation_loss_is_torchs_ctc_per_symbol() -> None:
    model = _model()
    utts = [Utterance(Path("a.wav"), "abab"), Utterance(Path("b.wav"), "bba")]
    table = SymbolTable.build(utts, "chars", False)
    feats = [torch.randn(101, 20), torch.randn(61, 20)]
    config = SpeechConfig(symbols="chars", eval_utterances=0)
    with torch.no_grad():
        metrics = speech._eval_fn(feats, utts, table, config, [])(model)
        by_hand = sum(_ctc_by_hand(model, f, table.encode(u)) for f, u in zip(feats, utts, strict=True))
    assert metrics == {"loss": pytest.approx(by_hand / 7, rel=1e-5)}  # 4 + 3 symbols; no error rate asked for


def test_the_error_rates_are_of_the_first_eval_utterances(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model()
    utts = [Utterance(Path(f"{i}.wav"), "ab") for i in range(3)]
    table = SymbolTable.build(utts, "chars", False)
    feats = [torch.randn(41, 20) for _ in utts]
    decoded: list[int] = []
    real = speech._decode_all
    monkeypatch.setattr(speech, "_decode_all", lambda m, f: decoded.append(len(f)) or real(m, f))
    with torch.no_grad():
        metrics = speech._eval_fn(feats, utts, table, SpeechConfig(symbols="chars", eval_utterances=2), [])(model)
    assert decoded == [2] and set(metrics) == {"loss", "cer", "wer", "decoded"} and metrics["decoded"] == 2


def _result(tmp_path: Path, last_eval: dict[str, float], best: bool = True) -> TrainResult:
    if best:
        (tmp_path / "best").mkdir(exist_ok=True)
    return TrainResult(best_metric=1.5, best_step=3, metric="loss", steps=4, seconds=1.234, tokens=10,
                       tokens_per_s=1.0, stopped="steps", out_dir=tmp_path, last_eval=last_eval,
                       best_eval=dict(last_eval))


def test_the_closing_line_names_the_rate_and_the_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech.report(_result(tmp_path, {"loss": 1.5, "per": 0.25, "wer": 0.5}), False)
    line = capsys.readouterr().out
    assert line.startswith("best validation loss 1.5000 nats/symbol at step 3, PER 0.2500 (4 steps, 1.2 s); model in ")
    speech.report(_result(tmp_path, {"loss": 1.5, "cer": 0.125, "wer": 0.5}), True)
    assert json.loads(capsys.readouterr().out) == {
        "best_val_loss": 1.5, "best_step": 3, "val_cer": 0.125, "val_wer": 0.5, "best_val_cer": 0.125,
        "best_val_wer": 0.5, "steps": 4, "seconds": 1.23,
        "tokens_per_s": 1.0, "stopped": "steps", "model_dir": str(tmp_path / "best")}


def test_a_run_without_a_best_model_says_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech.report(_result(tmp_path, {}, best=False), True)
    doc = json.loads(capsys.readouterr().out)
    assert doc["model_dir"] is None and "val_wer" not in doc


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One step of `rnnkit train speech` with speed perturbation, VTLP and the model flags, on 6 + 2 utterances of
    tones; what it gave the batches, the warnings, the validation and the trainer is kept."""
    from test_speech import _tone_corpus

    from rnnkit.cli import main

    root = tmp_path_factory.mktemp("speech15a")
    train, val = _tone_corpus(root / "train", 6, 0), _tone_corpus(root / "val", 2, 1)
    seen: dict[str, Any] = {"warned": []}

    def spy(name: str, keep: Callable[..., Any]) -> Callable[..., Any]:
        real = getattr(speech, name)

        def call(*args: Any, **kw: Any) -> Any:
            keep(*args, **kw)
            return real(*args, **kw)

        return call

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(speech, "FeatureBatches", spy("FeatureBatches", lambda feats, targets, *a, **kw: seen.update(
            copies=[len(f) for f in feats], frames=[[len(c) for c in f] for f in feats], **kw)))
        mp.setattr(speech, "_warn_too_short", spy("_warn_too_short", lambda *a, **kw: seen["warned"].append((a, kw))))
        mp.setattr(speech, "_eval_fn", spy("_eval_fn", lambda fs, *a: seen.update(val_frames=[len(f) for f in fs])))
        mp.setattr(speech, "Trainer", spy("Trainer", lambda model, cfg, **kw: seen.update(unit=cfg.unit)))
        with contextlib.redirect_stderr(io.StringIO()) as err:
            assert main(["train", "speech", "--data", str(train), "--val-data", str(val), "--out", str(root / "run"),
                         "--steps", "1", "--hidden", "8", "--layers", "1", "--n-mels", "20", "--subsample", "4",
                         "--batch-size", "4", "--eval-every", "1", "--speed-perturb", "--vtlp", "0.1",
                         "--no-bidirectional", "--subsample-kind", "conv", "--dropout", "0.25",
                         "--no-progress"]) == 0
    seen.update(err=err.getvalue(), root=root, train=train, val=val,
                config=json.loads((root / "run" / "best" / "config.json").read_text(encoding="utf-8")))
    return seen


def test_speed_perturbation_gives_the_batches_three_copies_and_the_warp(run: dict[str, Any]) -> None:
    assert run["copies"] == [3] * 6 and run["warp"] == pytest.approx(0.1) and run["augment"] is None
    assert run["unit"] == "sym"


def test_the_short_utterance_check_sees_each_ones_shortest_and_longest_copy(run: dict[str, Any]) -> None:
    (train_args, train_kw), (val_args, val_kw) = run["warned"]
    assert list(train_args[1]) == [min(f) for f in run["frames"]]
    assert list(train_args[4]) == [max(f) for f in run["frames"]] and train_kw == {}
    assert val_kw == {"what": "validation"}


def test_validation_is_scored_at_the_speed_it_was_recorded(run: dict[str, Any]) -> None:
    from rnnkit.data.speech import read_manifest
    from rnnkit.tasks.speech import features_of

    assert run["val_frames"] == [len(features_of(u.audio, 20)) for u in read_manifest(run["val"])]


def test_the_run_records_its_data_and_model(run: dict[str, Any]) -> None:
    data = {k: v for k, v in run["config"]["data"].items() if k != "paths"}
    assert data == {"train": str(run["train"]), "val": str(run["val"]), "train_utterances": 6,
                    "val_utterances": 2, "measure": speech.VALIDATION_MEASURE}
    model = run["config"]["model"]
    assert (model["bidirectional"], model["subsample_kind"], model["dropout"]) == (False, "conv", 0.25)
    assert "speech: 6 training and 2 validation utterances" in run["err"] and "(jamo)" not in run["err"]


def test_a_model_past_the_free_memory_names_its_mel_bands_when_they_are_furthest_above_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_speech import _tone_corpus

    from rnnkit.errors import SettingError
    from rnnkit.train import memory

    corpus = _tone_corpus(tmp_path / "c", 2, 0)
    monkeypatch.setattr(memory, "free_memory", lambda place: 1)
    config = SpeechConfig(n_mels=114, hidden=8, layers=1, val_fraction=0.0, steps=1)
    with pytest.raises(SettingError, match="^n_mels 114: the model"):
        speech.train(config, str(corpus), tmp_path / "run", verbose=False, progress=False)


def test_the_model_is_built_from_the_runs_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the random state before: the same --seed, the same initial weights."""
    from test_speech import _tone_corpus

    corpus = _tone_corpus(tmp_path / "c", 2, 0)
    built: list[torch.Tensor] = []

    def stop(model: SpeechRecognizer, *a: Any, **kw: Any) -> None:
        built.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
        raise KeyboardInterrupt

    monkeypatch.setattr(speech, "Trainer", stop)
    for i in range(2):
        torch.manual_seed(100 + i)
        with pytest.raises(KeyboardInterrupt):
            speech.train(SpeechConfig(n_mels=20, hidden=8, layers=1, val_fraction=0.0, steps=1, seed=3), str(corpus),
                         tmp_path / f"run{i}", verbose=False, progress=False)
    assert torch.equal(built[0], built[1])


def test_validation_utterances_too_short_are_left_out_of_the_loss_the_run_scores(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_speech import _tone_corpus

    train, val = _tone_corpus(tmp_path / "train", 2, 0), _tone_corpus(tmp_path / "val", 2, 1)
    with (val / "manifest.tsv").open("a", encoding="utf-8") as fh:
        fh.write("wav/0.wav\t" + " ".join(["a b"] * 40) + "\t" + " ".join(["a b"] * 40) + "\n")
    left_out: list[list[int]] = []
    real = speech._eval_fn
    monkeypatch.setattr(speech, "_eval_fn", lambda *a: left_out.append(list(a[4])) or real(*a))
    monkeypatch.setattr(speech, "Trainer", lambda *a, **kw: pytest.fail("stop") if left_out else None)
    too_short = pytest.warns(UserWarning, match="^1 of 3 validation utterances are too short")
    with pytest.raises(pytest.fail.Exception), too_short:
        speech.train(SpeechConfig(n_mels=20, hidden=8, layers=1, subsample=4, steps=1), str(train), tmp_path / "run",
                     val_data=str(val), verbose=False, progress=False)
    assert left_out == [[2]]  # the third: its zeroed loss would count its 80 symbols for nothing
