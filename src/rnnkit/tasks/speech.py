"""Speech recognition with CTC: ``rnnkit train speech``, ``rnnkit transcribe``, ``rnnkit evaluate``.

What a user gets: a recogniser trained on a speech corpus folder (``manifest.tsv`` + audio files, see
:mod:`rnnkit.data.speech`; ``rnnkit data speech`` makes one with espeak-ng) that writes phonemes (English)
or characters (Korean: Hangul decomposed into jamo for training, recomposed for output). Log-mel frames
(:mod:`rnnkit.data.audio`) go through :class:`rnnkit.models.speech.SpeechRecognizer`, trained with
``torch.nn.CTCLoss``; options: SpecAugment masks and speed perturbation. The checkpoint with the best
validation loss is kept in ``OUT/best``; the log also shows the phoneme (or character) error rate of
greedy decoding on validation utterances.

Python::

    rec = rnnkit.load("runs/speech")                      # a Transcriber
    rec.transcribe(["hello.wav"], beam=8)                 # ['h ə l oʊ']
    rec.evaluate("corpus/test")                           # {"per": ..., "wer": ..., "utterances": ...}
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from rnnkit import strictjson
from rnnkit.data.batching import FeatureBatches, pad_features
from rnnkit.data.speech import Utterance
from rnnkit.device import model_device, to_device
from rnnkit.errors import report_warnings
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.tasks import Generator, Task, Verb, register
from rnnkit.tasks._speech_config import FROZEN, SPEC_AUGMENT, SPEEDS, SYMBOLS, SpeechConfig, SpeechResult
from rnnkit.tasks._speech_data import (
    SymbolTable,
    _check_symbols,
    _warn_too_short,
    _with_phonemes,
    features_of,
    kept,
    opening_features,
    recordings_features,
    speech_corpora,
    warn_korean_phonemes,
    warn_low_rates,
    warn_val_trained,
)
from rnnkit.tasks._speech_decoding import _decode_all, error_rates, rate_said
from rnnkit.tasks._speech_trained import Transcriber
from rnnkit.tasks._speech_verbs import (
    _corpus_arguments,
    _corpus_command,
    _evaluate_arguments,
    _evaluate_command,
    _train_arguments,
    _transcribe_arguments,
    _transcribe_command,
)
from rnnkit.tasks.translate import DECODED, closing_line, last_and_kept, scored_part
from rnnkit.train.building import build_model
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.options import settings_of, start_run, train_config_from
from rnnkit.train.provenance import data_sources
from rnnkit.train.trainer import Trainer, TrainResult, run_summary, seed_everything
from rnnkit.wording import sides

__all__ = ["FROZEN", "SPEC_AUGMENT", "SPEEDS", "SYMBOLS", "SpeechConfig", "SymbolTable", "Transcriber",
           "VALIDATION_MEASURE", "error_rates", "features_of", "opening_features", "speech_corpora", "train"]


def _loss_fn() -> Any:
    ctc = torch.nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)

    def loss_fn(model: SpeechRecognizer, batch: dict[str, torch.Tensor], state: Any) -> tuple[torch.Tensor, int, None]:
        log_probs, out_len = model(batch["feats"], batch["lengths"])
        loss = ctc(log_probs.transpose(0, 1), batch["targets"], out_len, batch["target_lengths"])
        return loss, int(batch["target_lengths"].sum()), None

    return loss_fn


#: how the validation loss is scored, in the run's data record: a run saved before utterances too short for CTC
#: were left out of it (they counted as zero loss, so its figures read low) has none, and a resumed run then
#: starts a new best (:func:`rnnkit.train.provenance.other_validation`)
VALIDATION_MEASURE = "CTC loss per symbol over the utterances long enough for their transcripts"


def _eval_fn(val_feats: list[torch.Tensor], val: list[Utterance], table: SymbolTable, config: SpeechConfig,
             left_out: Sequence[int]) -> Any:
    """The validation metrics: the loss in nats per symbol over the utterances not ``left_out`` (those too
    short for CTC, whose zeroed loss would count their symbols for nothing), and the error rates of the first
    ``eval_utterances``."""
    skip = set(left_out)
    # by length: batches of like lengths pad less; the loss is a sum over utterances, so the same
    scored = sorted((i for i in range(len(val)) if i not in skip), key=lambda i: len(val_feats[i]))
    feats = [val_feats[i] for i in scored]
    targets = [table.encode(val[i]) for i in scored]
    loss_fn = _loss_fn()

    def eval_fn(model: SpeechRecognizer) -> dict[str, float]:
        total, count = 0.0, 0
        for start in range(0, len(feats), 32):
            x, lengths = pad_features(feats[start:start + 32])
            tgt = targets[start:start + 32]
            batch = {"feats": x, "lengths": lengths, "targets": torch.tensor([i + 1 for t in tgt for i in t]),
                     "target_lengths": torch.tensor([len(t) for t in tgt])}
            loss, n, _ = loss_fn(model, to_device(batch, model_device(model)), None)
            total, count = total + float(loss), count + n
        metrics = {"loss": total / max(count, 1)}
        n = min(config.eval_utterances, len(val))
        if n:
            hyps = [table.text(d.symbols) for d in _decode_all(model, val_feats[:n])]
            metrics.update(error_rates(hyps, [table.reference(u) for u in val[:n]], table.kind))
            metrics[DECODED] = n
        return metrics

    return eval_fn


def train(config: SpeechConfig, data: str | None, out: str | Path, *, val_data: str | None = None,
          resume: bool = False, overwrite: bool = False, progress: bool | None = None,
          verbose: bool = True) -> SpeechResult:
    """Train a recogniser on the corpus folder ``data`` into ``out`` (see :func:`speech_corpora` for where the
    validation utterances come from). ``resume=True`` continues the run in ``out``."""
    out = Path(out)
    ckpt, config = start_run(config, out, "speech", FROZEN, resume=resume, overwrite=overwrite, data=data,
                                 val_data=val_data)
    config.validate((ckpt.config.get("settings") or {}) if ckpt is not None else None)
    data, val_data = data_sources(ckpt, data, val_data,  # a resumed run's own, from any directory
                                  "--data is required:"
                                  " a folder with manifest.tsv (audio<TAB>text) and audio files")
    with report_warnings():  # a recording listed twice; Korean transcripts about to be trained as phonemes
        corpora = speech_corpora(str(data), val_data, config)
        warn_val_trained(str(data), val_data, *corpora)
        if ckpt is None:
            warn_korean_phonemes(corpora[0], config)
    train_utts, val_utts = (_with_phonemes(u, config) for u in corpora)
    # a fresh run's table (of every training utterance until --max-seconds has left the long ones out) sizes the
    # check: the one of the utterances kept has no more symbols
    table = (SymbolTable.from_json(ckpt.vocab, f"{ckpt.path}/vocab.json") if ckpt is not None
             else SymbolTable.build(train_utts, config.symbols, config.jamo))
    seed_everything(config.seed)  # the features draw no random numbers: a fresh model built after them is the same
    kwargs = _model_kwargs(config, len(table.symbols))
    check_fits(config, SpeechRecognizer.count_parameters(**kwargs),
               describe_stack(config.cell, config.layers, config.hidden, config.bidirectional),
               ("layers", "hidden", "n_mels", "subsample"))
    # before the features: a resumed run's n_mels (uncapped, see validate) is held to its weights first
    model = build_model(lambda: SpeechRecognizer(**kwargs), ckpt) if ckpt else None
    speeds = SPEEDS if config.speed_perturb else (1.0,)
    with report_warnings():  # 'rnnkit: warning:' lines before training: log_mel's empty filters, short utterances
        train_utts, train_feats, val_utts, val_feats = _kept_features(config, train_utts, val_utts, speeds)
        if model is None:  # the symbols of the recordings kept: one only a left-out recording used was a class
            table = SymbolTable.build(train_utts, config.symbols, config.jamo)  # the model never trained on
            model = SpeechRecognizer(**_model_kwargs(config, len(table.symbols)))
        targets = [table.encode(u) for u in train_utts]
        _check_symbols(train_utts, targets, table)
        lengths = [[copy.shape[0] for copy in f] for f in train_feats]  # each speed's copy
        _warn_too_short(train_utts, [min(n) for n in lengths], targets, model,
                        [max(n) for n in lengths] if len(speeds) > 1 else None)
        left_out = _warn_too_short(val_utts, [f.shape[0] for f in val_feats], [table.encode(u) for u in val_utts],
                                   model, what="validation") if val_utts else []
    model_config = {"task": "speech", "model": model.config(), "settings": settings_of(config),
                    "data": {"train": str(data), "val": str(val_data) if val_data else None,
                             "train_utterances": len(train_utts), "val_utterances": len(val_utts),
                             "measure": VALIDATION_MEASURE}}
    cfg = train_config_from(settings_of(config), overwrite=overwrite, progress=progress, verbose=verbose,
                            unit="sym")
    batches = FeatureBatches(train_feats, targets, config.batch_size, config.seed,
                             augment=_augment_settings(config), warp=config.vtlp)
    trainer = Trainer(model, cfg, batches=batches, loss_fn=_loss_fn(),
                      eval_fn=_eval_fn(val_feats, val_utts, table, config, left_out) if val_utts else None,
                      out_dir=out, model_config=model_config, resume=ckpt, vocab=table.to_json())
    if verbose:
        print(f"speech: {sides(len(train_utts), len(val_utts), 'utterance')}, {len(table.symbols)} "
              f"{table.kind}{' (jamo)' if table.jamo else ''}; {sum(p.numel() for p in model.parameters()):,} "
              "parameters", file=sys.stderr, flush=True)
    result = trainer.fit()
    return result.extended(SpeechResult, rated=min(config.eval_utterances, len(val_utts)), validation=len(val_utts))


def _kept_features(config: SpeechConfig, train_utts: list[Utterance], val_utts: list[Utterance],
                   speeds: Sequence[float]) -> tuple[list[Utterance], list[list[torch.Tensor]], list[Utterance],
                                                     list[torch.Tensor]]:
    """The training utterances and their features at each of ``speeds``, the validation ones and theirs, each file
    read once, less those longer than ``--max-seconds`` (:func:`recordings_features`, :func:`kept`); one warning of
    the recordings of both sampled below the model's rate."""
    train_feats, low = recordings_features([u.audio for u in train_utts], config.n_mels, config.sample_rate,
                                           speeds, "training", config.max_seconds, [u.listed for u in train_utts])
    val_copies, val_low = recordings_features([u.audio for u in val_utts], config.n_mels, config.sample_rate,
                                              (1.0,), "validation", config.max_seconds, [u.listed for u in val_utts])
    warn_low_rates(low + val_low, len(train_utts) + len(val_utts), config.sample_rate)
    train_utts, train_feats = kept(train_utts, train_feats)
    val_utts, val_copies = kept(val_utts, val_copies)
    return train_utts, train_feats, val_utts, [f[0] for f in val_copies]


def _augment_settings(config: SpeechConfig) -> dict[str, int] | None:
    if not config.spec_augment:
        return None
    return {name: default if getattr(config, name) is None else getattr(config, name)
            for name, default in SPEC_AUGMENT.items()}


def _model_kwargs(config: SpeechConfig, n_symbols: int) -> dict[str, Any]:
    return {"n_features": config.n_mels, "n_symbols": n_symbols, "cell": config.cell, "hidden": config.hidden,
            "layers": config.layers, "bidirectional": config.bidirectional, "subsample": config.subsample,
            "subsample_kind": config.subsample_kind, "dropout": config.dropout, **config.regulariser_options()}


#: what the validation loss is a mean over (in nats): a transcript's symbol (CTC)
LOSS_UNIT = "symbol"


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train speech`` (one JSON object with ``--json``): the best validation loss and
    the error rate of that evaluation, the model in ``OUT/best``; ``--json``: the last evaluation's and the kept
    model's PER (or CER) and WER (:func:`last_and_kept`)."""
    rate = next((k for k in ("per", "cer") if k in result.last_eval or k in result.best_eval), None)
    some, counts = scored_part(result, "utterances", "eval_utterances") if rate else ("", {})
    if as_json:
        print(strictjson.dumps({"best_val_loss": result.best_metric, "best_step": result.best_step,
                                **(last_and_kept(result, (rate, "wer")) if rate else {}), **counts,
                                **run_summary(result)}))
        return
    at_best = result.at_best(rate) if rate else None
    print(closing_line(result, LOSS_UNIT, f", {rate_said(rate, at_best)}{some}" if at_best is not None else "",
                       "utterances"))


register(Task(
    name="speech",
    help="speech recognition with CTC (phonemes or characters)",
    description="Train a CTC speech recogniser on a folder of audio files with manifest.tsv (audio<TAB>text).",
    config=SpeechConfig,
    train=train,
    load=Transcriber,
    add_arguments=_train_arguments,
    report=report,
    frozen=FROZEN,
    loss_unit=LOSS_UNIT,
    verbs=(
        Verb("transcribe", "transcribe audio files with a trained recogniser", _transcribe_arguments,
             _transcribe_command),
        Verb("evaluate", "phoneme/character and word error rates of a recogniser on a corpus folder",
             _evaluate_arguments, _evaluate_command),
    ),
))

register(Generator(
    name="speech",
    help="a spoken corpus made with espeak-ng: words and phrases in many voices (--out DIR)",
    add_arguments=_corpus_arguments,
    run=_corpus_command,
))
