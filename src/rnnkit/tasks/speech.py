"""Speech recognition with CTC: ``rnnkit train speech``, ``rnnkit transcribe``, ``rnnkit evaluate``.

What a user gets: a recogniser trained on a speech corpus folder (``manifest.tsv`` + WAV files, see
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

import argparse
import itertools
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from rnnkit import strictjson
from rnnkit.cells import CELLS
from rnnkit.data.audio import SAMPLE_RATE, check_n_mels, log_mel, read_wav, resample
from rnnkit.data.batching import FeatureBatches, length_sorted_batches, pad_features
from rnnkit.data.speech import SPACE, Utterance, is_korean, phonemize, read_manifest, symbols_of, text_of
from rnnkit.data.split import corpus_sides
from rnnkit.device import model_device, to_device
from rnnkit.errors import (
    SettingError,
    UserError,
    check_beam,
    check_fraction,
    check_ordered,
    check_path,
    check_positive,
    in_words,
    is_single,
    report_warnings,
)
from rnnkit.models.ctc import Decoded, greedy_decode, prefix_beam_search
from rnnkit.models.speech import SUBSAMPLERS, SpeechRecognizer
from rnnkit.tasks import Generator, Task, Verb, register, speaks_python
from rnnkit.tasks.translate import closing_line
from rnnkit.train.checkpoint import Checkpoint, as_checkpoint, build_model, check_size, loaded_repr
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.options import (
    RegulariserSettings,
    TrainSettings,
    add_data_arguments,
    settings_of,
    start_run,
    train_config_from,
)
from rnnkit.train.provenance import data_sources
from rnnkit.train.trainer import Trainer, TrainResult, seed_everything

__all__ = ["SpeechConfig", "Transcriber", "error_rates", "train"]

SYMBOLS = ("phonemes", "chars")
SPEEDS = (0.9, 1.0, 1.1)   # speed perturbation (Ko et al. 2015)
#: SpecAugment's masks (Park et al. 2019) where ``--spec-augment`` is on and a mask setting is not given
SPEC_AUGMENT = {"freq_masks": 2, "freq_width": 10, "time_masks": 2, "time_width": 20}


@dataclass
class SpeechConfig(TrainSettings, RegulariserSettings):
    """Settings of ``rnnkit train speech``."""

    symbols: str = "phonemes"            # phonemes | chars
    jamo: bool | None = None             # chars: decompose Hangul into jamo (None: when the text is Korean)
    voice: str = "en-us"                 # espeak-ng voice that phonemizes transcripts without phonemes
    n_mels: int = 80
    cell: str = "gru"                    # the BiGRU beat the BiLSTM at 10 and 20 minutes (docs/SPEECH.md)
    hidden: int = 256
    layers: int = 3
    bidirectional: bool = True
    subsample: int = 2
    subsample_kind: str = "stack"        # stack | conv
    dropout: float = 0.1
    spec_augment: bool = False
    freq_masks: int | None = None        # the masks of SpecAugment, only with spec_augment (None: SPEC_AUGMENT's)
    freq_width: int | None = None
    time_masks: int | None = None
    time_width: int | None = None
    speed_perturb: bool = False
    vtlp: float = 0.0                    # bands stretched by a factor in [1 - vtlp, 1 + vtlp] per utterance
    batch_size: int = 16
    val_fraction: float = 0.1
    split_seed: int = 0
    eval_utterances: int = 200           # validation utterances decoded (greedy) for the error rate
    steps: int | None = 2000
    eval_every: int = 200

    def validate(self, saved: dict[str, Any] | None = None) -> None:
        """Raise :class:`SettingError` naming the first setting out of range, or a SpecAugment mask setting
        given without ``spec_augment`` (it would be ignored). ``saved``: the settings of the run being
        resumed, whose own values were not given now (runs saved before the masks defaulted to None
        recorded 2, 10, 2, 20 with SpecAugment off; runs saved before ``n_mels`` was capped at
        :func:`~rnnkit.data.audio.max_mels` may have more bands, which its weights hold it to)."""
        self.validate_training()
        for name in ("n_mels", "hidden", "layers", "subsample", "batch_size"):
            check_positive(name, getattr(self, name))
        if self.n_mels != (saved or {}).get("n_mels"):  # the cap is for new runs: a resumed one keeps its bands
            check_n_mels(self.n_mels)
        for name, choices in (("symbols", SYMBOLS), ("cell", tuple(CELLS)), ("subsample_kind", SUBSAMPLERS)):
            if getattr(self, name) not in choices:
                raise SettingError(name, getattr(self, name), f"expected one of {', '.join(choices)}")
        for name in (*SPEC_AUGMENT, "eval_utterances"):
            if getattr(self, name) is not None and getattr(self, name) < 0:
                raise SettingError(name, getattr(self, name), "expected a number >= 0")
        if not self.spec_augment:  # the masks would be ignored
            for name in SPEC_AUGMENT:
                value = getattr(self, name)
                if value is not None and value != (saved or {}).get(name):
                    raise SettingError(name, value, "applies only with --spec-augment (SpecAugment's masks)")
        check_fraction("dropout", self.dropout)
        check_fraction("val_fraction", self.val_fraction)
        if not 0.0 <= self.vtlp < 0.5:
            raise SettingError("vtlp", self.vtlp, "expected a warp in [0, 0.5); 0.1 is usual")
        self.validate_regularisers()


#: settings that fix the model's shape, the symbols and the data split: a resumed run keeps them
FROZEN = ("symbols", "jamo", "voice", "n_mels", "cell", "hidden", "layers", "bidirectional", "subsample",
          "subsample_kind", "dropout", "layer_norm", "val_fraction", "split_seed")


# ------------------------------------------------------------------------------------------- data
def speech_corpora(data: str, val_data: str | None, config: SpeechConfig) -> tuple[list[Utterance], list[Utterance]]:
    """Training and validation utterances: ``data`` is a corpus folder, or a folder with ``train/`` (and
    ``val/``) corpora as ``rnnkit data speech`` writes. Validation is ``val_data``, else ``data``'s ``val/``,
    else a seeded ``val_fraction`` of the training utterances (also of ``train/`` without a ``val/``)."""
    return corpus_sides(data, val_data, "manifest.tsv", read_manifest, config.val_fraction, config.split_seed)


def _with_phonemes(utts: list[Utterance], config: SpeechConfig) -> list[Utterance]:
    if config.symbols != "phonemes":
        return utts
    return [u if u.phonemes else Utterance(u.audio, u.text, phonemize(u.text, config.voice)) for u in utts]


def features_of(path: Path, n_mels: int, speed: float = 1.0) -> torch.Tensor:
    """Normalised log-mel frames of a WAV file at 16 kHz (``speed`` > 1 plays it faster)."""
    wave, rate = read_wav(path)
    wave = resample(wave, rate, SAMPLE_RATE)
    if speed != 1.0:
        wave = resample(wave, round(SAMPLE_RATE * speed), SAMPLE_RATE)
    return log_mel(wave, SAMPLE_RATE, n_mels)


def _features(utts: Sequence[Utterance], config: SpeechConfig, speeds: Sequence[float], what: str
              ) -> list[list[torch.Tensor]]:
    """Per utterance, its features at each of ``speeds``."""
    out = []
    for i, u in enumerate(utts):
        out.append([features_of(u.audio, config.n_mels, s) for s in speeds])
        if (i + 1) % 2000 == 0:
            print(f"  features: {i + 1} / {len(utts)} {what} utterances", file=sys.stderr, flush=True)
    return out


def _warn_too_short(utts: Sequence[Utterance], frames: Sequence[int], targets: Sequence[list[int]],
                    model: SpeechRecognizer, longest: Sequence[int] | None = None, what: str = "training"
                    ) -> list[int]:
    """Warn about utterances with fewer output frames than CTC needs for their transcript (one per symbol,
    one more between two equal symbols): their loss is infinite, zeroed (``zero_infinity``), so they
    teach nothing: a transcript on the wrong line of the manifest, or a clipped recording. ``frames`` is each
    utterance's shortest copy, ``longest`` its longest under --speed-perturb (None without: one copy): when
    no copy of any utterance is long enough, nothing could be learnt (the loss would read 0), a UserError
    instead. ``what="validation"``: the utterances are left out of the validation loss, whose zeros counted
    in its divisor (a loss that read lower than the model's). Returns the indices of those too short."""
    need = [len(t) + sum(a == b for a, b in itertools.pairwise(t)) for t in targets]
    out = model.output_lengths(torch.tensor(list(frames)))
    short = [i for i, n in enumerate(need) if n > int(out[i])]
    if not short:
        return short
    most = out if longest is None else model.output_lengths(torch.tensor(list(longest)))
    first = utts[short[0]]
    why = (f"(CTC needs an output frame per symbol; --subsample {model.subsample} leaves {int(out[short[0]])} for "
           f"the {need[short[0]]} of {first.audio}: {first.text!r})")
    if all(n > int(most[i]) for i, n in enumerate(need)):
        every = (f"all {len(utts)} {what} utterances are too short for their transcripts" if len(utts) > 1
                 else f"the one {what} utterance is too short for its transcript")
        raise UserError(in_words(f"{every} {why}; give a smaller --subsample, or check that the manifest's "
                                 "transcripts belong to their recordings"))
    where = (", left out of the validation loss (its error rates count them)" if what == "validation"
             else " and teach nothing" if longest is None
             else " at --speed-perturb's fastest speed and teach nothing at it")
    warnings.warn(in_words(f"{len(short)} of {len(utts)} {what} utterances are too short for their "
                           f"transcripts{where} {why}"), stacklevel=2)
    return short


def _check_symbols(utts: Sequence[Utterance], targets: Sequence[list[int]], table: SymbolTable) -> None:
    """Warn about training utterances whose transcripts hold symbols the table lacks (a run resumed on another
    corpus keeps its symbols): CTC has no unknown symbol, so they are left out of the targets, which teaches
    the model to write nothing for them. When no utterance keeps a symbol, nothing could be learnt: a
    UserError instead."""
    lacking = [[s for s in symbols_of(u.text, u.phonemes, table.kind, table.jamo) if s not in table.index]
               for u in utts]
    hit = [i for i, missing in enumerate(lacking) if missing]
    if not hit:
        return
    shown = ", ".join(repr(s) for s in dict.fromkeys(s for i in hit for s in lacking[i]))
    first = utts[hit[0]]
    why = (f"the model writes only the {len(table.symbols)} {table.kind} of its first run's corpus; first "
           f"{first.audio}: {first.text!r}")
    if not any(targets):
        raise UserError(in_words(f"no training utterance holds a symbol the model writes ({shown} are new; {why}); "
                                 "train a new run (another --out) on this corpus"))
    warnings.warn(in_words(f"{len(hit)} of {len(utts)} training utterances hold symbols the model does not write "
                           f"({shown}), left out of their targets ({why}); train a new run (another --out) to "
                           "learn them"), stacklevel=2)


class SymbolTable:
    """The symbols a recogniser writes: ``kind`` (phonemes or chars), ``jamo``, and the list (id i ↔ class
    i + 1 of the model; class 0 is the CTC blank)."""

    def __init__(self, kind: str, symbols: Sequence[str], jamo: bool = False) -> None:
        self.kind, self.symbols, self.jamo = kind, list(symbols), jamo
        self.index = {s: i for i, s in enumerate(self.symbols)}

    @classmethod
    def build(cls, utts: Sequence[Utterance], kind: str, jamo: bool | None) -> SymbolTable:
        if jamo is None:
            jamo = kind == "chars" and any(is_korean(u.text) for u in utts[:200])
        seen = {s for u in utts for s in symbols_of(u.text, u.phonemes, kind, jamo)}
        return cls(kind, sorted(seen), jamo)

    def encode(self, u: Utterance) -> list[int]:
        """Symbol ids of an utterance's reference; symbols outside the table are left out."""
        return [self.index[s] for s in symbols_of(u.text, u.phonemes, self.kind, self.jamo) if s in self.index]

    def reference(self, u: Utterance) -> str:
        return text_of(symbols_of(u.text, u.phonemes, self.kind, self.jamo), self.kind)

    def text(self, ids: Sequence[int]) -> str:
        return text_of([self.symbols[i] for i in ids], self.kind)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "symbols": self.symbols, "jamo": self.jamo}

    @classmethod
    def from_json(cls, data: Any, where: str) -> SymbolTable:
        if not (isinstance(data, dict) and data.get("kind") in SYMBOLS and isinstance(data.get("symbols"), list)
                and all(isinstance(s, str) for s in data["symbols"]) and isinstance(data.get("jamo"), bool)):
            raise UserError(f"{where}: expected an object with \"kind\" ({' or '.join(SYMBOLS)}), \"symbols\" "
                            "(a list of strings) and \"jamo\" (true or false)")
        return cls(data["kind"], data["symbols"], data["jamo"])


# ------------------------------------------------------------------------------------------- scoring
def error_rates(hyps: Sequence[str], refs: Sequence[str], kind: str) -> dict[str, float]:
    """``per`` (phonemes; word boundaries left out) or ``cer`` (characters), and ``wer`` (words: phoneme
    groups between ``|``, or words of the text), from ``jiwer``."""
    import jiwer

    if not refs:
        return {}
    if kind == "phonemes":
        def drop(s: str) -> str:
            return " ".join(p for p in s.split() if p != SPACE)

        def words(s: str) -> str:
            return " ".join(w.replace(" ", "") for w in s.split(SPACE))

        # an empty reference (a transcript espeak-ng gives no phonemes) counts each written phoneme as an insertion
        out = {"per": jiwer.wer([drop(r) for r in refs], [drop(h) for h in hyps])}
        out["wer"] = jiwer.wer([words(r) for r in refs], [words(h) for h in hyps])
        return out
    return {"cer": jiwer.cer(list(refs), list(hyps)), "wer": jiwer.wer(list(refs), list(hyps))}


# ------------------------------------------------------------------------------------------- train
def _loss_fn() -> Any:
    ctc = torch.nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)

    def loss_fn(model: SpeechRecognizer, batch: dict[str, torch.Tensor], state: Any) -> tuple[torch.Tensor, int, None]:
        log_probs, out_len = model(batch["feats"], batch["lengths"])
        loss = ctc(log_probs.transpose(0, 1), batch["targets"], out_len, batch["target_lengths"])
        return loss, int(batch["target_lengths"].sum()), None

    return loss_fn


def _decode_all(model: SpeechRecognizer, feats: Sequence[torch.Tensor], beam: int = 1,
                batch_size: int = 32, frames: int = 32 * 2000) -> list[Decoded]:
    """The decoding of each utterance, returned in the order given, computed in batches of at most
    ``batch_size`` utterances of similar lengths and ``frames`` padded frames (32 of 20 s), a longer one alone:
    batches cut in the order given padded 31 utterances to the length of a long recording among them
    (2.0 GB for three minutes among short words, 0.5 GB now)."""
    out: dict[int, Decoded] = {}
    for batch in length_sorted_batches(feats, batch_size, frames):
        x, lengths = to_device(pad_features([feats[i] for i in batch]), model_device(model))
        log_probs, out_len = (t.cpu() for t in model(x, lengths))  # the searches read them on the CPU
        for i, lp, n in zip(batch, log_probs, out_len.tolist(), strict=True):
            out[i] = greedy_decode(lp, n) if beam == 1 else prefix_beam_search(lp, beam, n)
    return [out[i] for i in range(len(feats))]


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
    scored = [i for i in range(len(val)) if i not in skip]
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
        return metrics

    return eval_fn


def train(config: SpeechConfig, data: str | None, out: str | Path, *, val_data: str | None = None,
          resume: bool = False, overwrite: bool = False, progress: bool | None = None,
          verbose: bool = True) -> TrainResult:
    """Train a recogniser on the corpus folder ``data`` into ``out`` (see :func:`speech_corpora` for where the
    validation utterances come from). ``resume=True`` continues the run in ``out``."""
    out = Path(out)
    ckpt, config = start_run(config, out, "speech", FROZEN, resume=resume, overwrite=overwrite, data=data,
                                 val_data=val_data)
    config.validate((ckpt.config.get("settings") or {}) if ckpt is not None else None)
    data, val_data = data_sources(ckpt, data, val_data,  # a resumed run's own, from any directory
                                  "--data is required:"
                                  " a folder with manifest.tsv (audio<TAB>text) and WAV files")
    train_utts, val_utts = (_with_phonemes(u, config) for u in speech_corpora(str(data), val_data, config))
    table = (SymbolTable.from_json(ckpt.vocab, f"{ckpt.path}/vocab.json") if ckpt is not None
             else SymbolTable.build(train_utts, config.symbols, config.jamo))
    seed_everything(config.seed)
    kwargs = _model_kwargs(config, len(table.symbols))
    check_fits(config, SpeechRecognizer.count_parameters(**kwargs),
               describe_stack(config.cell, config.layers, config.hidden, config.bidirectional),
               ("layers", "hidden", "n_mels", "subsample"))
    # before the features: a resumed run's n_mels (uncapped, see validate) is held to its weights first
    model = build_model(lambda: SpeechRecognizer(**kwargs), ckpt) if ckpt else SpeechRecognizer(**kwargs)
    speeds = SPEEDS if config.speed_perturb else (1.0,)
    targets = [table.encode(u) for u in train_utts]
    with report_warnings():  # 'rnnkit: warning:' lines before training: log_mel's empty filters, short utterances
        train_feats = _features(train_utts, config, speeds, "training")
        val_feats = [f[0] for f in _features(val_utts, config, (1.0,), "validation")]
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
        print(f"speech: {len(train_utts)} training and {len(val_utts)} validation utterances, {len(table.symbols)} "
              f"{table.kind}{' (jamo)' if table.jamo else ''}; {sum(p.numel() for p in model.parameters()):,} "
              "parameters", file=sys.stderr, flush=True)
    return trainer.fit()


def _augment_settings(config: SpeechConfig) -> dict[str, int] | None:
    if not config.spec_augment:
        return None
    return {name: default if getattr(config, name) is None else getattr(config, name)
            for name, default in SPEC_AUGMENT.items()}


def _model_kwargs(config: SpeechConfig, n_symbols: int) -> dict[str, Any]:
    return {"n_features": config.n_mels, "n_symbols": n_symbols, "cell": config.cell, "hidden": config.hidden,
            "layers": config.layers, "bidirectional": config.bidirectional, "subsample": config.subsample,
            "subsample_kind": config.subsample_kind, "dropout": config.dropout, **config.regulariser_options()}


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train speech`` (one JSON object with ``--json``)."""
    ev = result.last_eval
    rate = next((k for k in ("per", "cer") if k in ev), None)
    if as_json:
        print(strictjson.dumps({"best_val_loss": result.best_metric, "best_step": result.best_step,
                          **({f"val_{rate}": ev[rate], "val_wer": ev.get("wer")} if rate else {}),
                          "steps": result.steps, "seconds": round(result.seconds, 2), "stopped": result.stopped,
                          "model_dir": str(result.model_dir()) if result.model_dir() else None}))
        return
    print(closing_line(result, "symbol", f", {rate.upper()} {ev[rate]:.3f}" if rate else "", "utterances"))


# ------------------------------------------------------------------------------------------- use
@speaks_python
class Transcriber:
    """A trained recogniser: ``transcribe()`` writes the phonemes or text of WAV files, ``evaluate()``
    scores a corpus folder (error rates from ``jiwer``).

    Get one with ``rnnkit.load(DIR)``. ``model`` is the :class:`SpeechRecognizer` (eval mode), ``symbols``
    the :class:`SymbolTable`.
    """

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        ckpt = as_checkpoint(ckpt, "Transcriber")
        if ckpt.config.get("task") != "speech":
            raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} model, not a speech recogniser")
        self.checkpoint = ckpt
        self.symbols = SymbolTable.from_json(ckpt.vocab, f"{ckpt.path}/vocab.json")
        kwargs = ckpt.config.get("model")
        if not isinstance(kwargs, dict):
            raise UserError(f"{ckpt.path}/config.json: \"model\" must be an object of the model's settings")
        self.model: SpeechRecognizer = build_model(lambda: SpeechRecognizer(**kwargs), ckpt)  # type: ignore[assignment]
        check_size(ckpt, "the symbol table", len(self.symbols.symbols), "n_symbols")
        self.model.eval()
        self.n_mels = int(kwargs.get("n_features", 80))
        self.frame_seconds = 0.010 * self.model.subsample

    def __repr__(self) -> str:
        return loaded_repr(self, self.checkpoint, self.model, symbols=self.symbols.kind)

    @torch.no_grad()
    def transcribe(self, paths: str | Path | Sequence[str | Path], beam: int = 1,
                   timings: bool = False) -> Any:
        """Transcribe one WAV file (a path; a result) or a list of them (a list of results, in the order given);
        a set is a TypeError (it has no order: give a list), and bytes, an open file or a dict are refused. A
        result is the transcript (phonemes separated by spaces, words by ``|``; or text); with ``timings`` a dict
        with ``text`` and ``symbols`` (``symbol``, ``start`` in seconds each). ``beam=1`` is greedy decoding."""
        beam, _ = check_beam(beam)
        check_ordered("transcribe", paths, "a WAV file or a list of them")
        single = is_single(paths)
        items = [paths] if single else list(paths)
        for item in items:  # transcribe(5) was "'int' object is not iterable", [5] pathlib's TypeError
            check_path("transcribe", item, "a WAV file or a list of them (each a str or a path)")
        feats = [features_of(Path(p), self.n_mels) for p in items]
        results = [self._result(d, timings) for d in _decode_all(self.model, feats, beam)]
        return results[0] if single else results

    def _result(self, d: Decoded, timings: bool) -> Any:
        text = self.symbols.text(d.symbols)
        if not timings:
            return text
        return {"text": text, "log_prob": d.log_prob, "symbols": [
            {"symbol": self.symbols.symbols[s], "start": round(f * self.frame_seconds, 3)}
            for s, f in zip(d.symbols, d.frames, strict=True)]}

    @torch.no_grad()
    def evaluate(self, corpus: str | Path, beam: int = 1) -> dict[str, Any]:
        """Transcribe every utterance of a corpus folder and compare with its references: ``per`` (or
        ``cer``), ``wer``, ``utterances``, ``beam``."""
        check_path("evaluate", corpus, "a corpus folder (a str or a path)")
        beam, _ = check_beam(beam)  # reported as Python's int (np.int64(2) made the report no JSON), checked first
        utts = read_manifest(corpus)
        if self.symbols.kind == "phonemes":
            voice = (self.checkpoint.config.get("settings") or {}).get("voice", "en-us")
            utts = [u if u.phonemes else Utterance(u.audio, u.text, phonemize(u.text, voice)) for u in utts]
        hyps = self.transcribe([u.audio for u in utts], beam=beam)
        refs = [self.symbols.reference(u) for u in utts]
        return {**error_rates(hyps, refs, self.symbols.kind), "utterances": len(utts), "beam": beam}


# ------------------------------------------------------------------------------------------- CLI
def _transcribe_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE.wav", help="WAV files to transcribe")
    p.add_argument("--beam", type=int, default=1, help="prefix beam size, 1 = greedy (default 1)")
    p.add_argument("--timings", action="store_true", help="with --json: the start of every symbol")
    p.add_argument("--json", action="store_true", help="one JSON object per file")


def _transcribe_command(rec: Transcriber, args: argparse.Namespace) -> int:
    if args.timings and not args.json:
        raise UserError("--timings: applies only with --json (the start of every symbol is a JSON field)")
    with report_warnings():  # log_mel's empty filters, for a model trained before --n-mels was capped
        results = rec.transcribe(args.files, beam=args.beam, timings=args.timings)
    for path, r in zip(args.files, results, strict=True):
        if args.json:
            print(strictjson.dumps({"file": path, **(r if isinstance(r, dict) else {"text": r})}, ensure_ascii=False))
        else:
            print(r)
    return 0


def _evaluate_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("--data", required=True, help="a corpus folder (manifest.tsv and WAV files)")
    e.add_argument("--beam", type=int, default=1, help="prefix beam size, 1 = greedy (default 1)")
    e.add_argument("--json", action="store_true", help="one JSON object on the last line")


def _evaluate_command(rec: Transcriber, args: argparse.Namespace) -> int:
    with report_warnings():
        result = rec.evaluate(args.data, beam=args.beam)
    if args.json:
        print(strictjson.dumps(result))
        return 0
    rate = "per" if "per" in result else "cer"
    print(f"{result['utterances']} utterances, beam {result['beam']}: {rate.upper()} {result[rate]:.4f}, "
          f"WER {result['wer']:.4f}")
    return 0


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = SpeechConfig()
    g = p.add_argument_group("model")
    g.add_argument("--symbols", choices=SYMBOLS, help=f"what the model writes (default {d.symbols})")
    g.add_argument("--jamo", action=argparse.BooleanOptionalAction, default=None,
                   help="chars: decompose Hangul syllables into jamo (default: when the transcripts are Korean)")
    g.add_argument("--voice", help=f"espeak-ng voice for transcripts without phonemes (default {d.voice})")
    g.add_argument("--n-mels", type=int, help=f"mel bands (default {d.n_mels})")
    g.add_argument("--cell", choices=list(CELLS), help=f"recurrent cell (default {d.cell})")
    g.add_argument("--hidden", type=int, help=f"hidden units per layer and direction (default {d.hidden})")
    g.add_argument("--layers", type=int, help=f"recurrent layers (default {d.layers})")
    g.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=None,
                   help="read the frames both ways (default on)")
    g.add_argument("--subsample", type=int,
                   help=f"frames merged into one before the recurrence (default {d.subsample})")
    g.add_argument("--subsample-kind", choices=SUBSAMPLERS, help=f"stack frames or a strided convolution "
                   f"(default {d.subsample_kind})")
    g.add_argument("--dropout", type=float, help=f"dropout (default {d.dropout})")
    g.add_argument("--spec-augment", action=argparse.BooleanOptionalAction, default=None,
                   help="SpecAugment time and frequency masks (default off)")
    sa = SPEC_AUGMENT
    g.add_argument("--freq-masks", type=int,
                   help=f"with --spec-augment: frequency masks (default {sa['freq_masks']})")
    g.add_argument("--freq-width", type=int,
                   help=f"with --spec-augment: ... of up to this many bands (default {sa['freq_width']})")
    g.add_argument("--time-masks", type=int, help=f"with --spec-augment: time masks (default {sa['time_masks']})")
    g.add_argument("--time-width", type=int,
                   help=f"with --spec-augment: ... of up to this many frames (default {sa['time_width']})")
    g.add_argument("--speed-perturb", action=argparse.BooleanOptionalAction, default=None,
                   help="train on copies at 0.9x and 1.1x speed too (default off)")
    g.add_argument("--vtlp", type=float, help="vocal tract length perturbation: stretch each utterance's mel bands "
                   "by a random factor in [1-W, 1+W] (Jaitly & Hinton 2013; 0.1 is usual; default 0: off)")
    g.add_argument("--batch-size", type=int, help=f"utterances per update (default {d.batch_size})")
    g.add_argument("--eval-utterances", type=int,
                   help=f"validation utterances decoded at each evaluation (default {d.eval_utterances})")
    add_data_arguments(p, data_help="corpus folder (manifest.tsv + WAV), or one with train/ and val/ corpora",
                       val_help="validation corpus folder (default: DATA/val, or --val-fraction of DATA)",
                       val_fraction=d.val_fraction, split_seed=d.split_seed)


def _corpus_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--language", default="en", choices=("en", "ko"), help="language and espeak-ng voice (default en)")
    p.add_argument("--words", type=int, default=2000, help="frequent words to speak (default 2000)")
    p.add_argument("--phrases", type=int, default=500, help="short phrases to speak (default 500)")
    p.add_argument("--takes", type=int, default=2, help="recordings of each training item, in different voices "
                   "(default 2)")
    p.add_argument("--noise", action="store_true", help="add white noise at 10-30 dB SNR")


def _corpus_command(args: argparse.Namespace) -> int:
    from rnnkit.data.speech_corpus import build_corpus

    for name in ("words", "takes"):
        if getattr(args, name) < 1:
            raise UserError(f"--{name} {getattr(args, name)}: expected a positive integer")
    if args.phrases < 0:
        raise UserError(f"--phrases {args.phrases}: expected a number >= 0")
    counts = build_corpus(args.out, args.language, args.words, args.phrases, args.takes, args.noise, args.seed)
    print(f"wrote {sum(counts.values())} recordings to {args.out}: "
          + ", ".join(f"{k}/ {v}" for k, v in counts.items()))
    return 0


register(Task(
    name="speech",
    help="speech recognition with CTC (phonemes or characters)",
    description="Train a CTC speech recogniser on a folder of WAV files with manifest.tsv (audio<TAB>text).",
    config=SpeechConfig,
    train=train,
    load=Transcriber,
    add_arguments=_train_arguments,
    report=report,
    frozen=FROZEN,
    verbs=(
        Verb("transcribe", "transcribe WAV files with a trained recogniser", _transcribe_arguments,
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
