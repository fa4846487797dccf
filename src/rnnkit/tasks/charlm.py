"""Character language model: ``rnnkit train charlm``, ``rnnkit sample``, ``rnnkit score``.

The char-rnn job: learn to predict the next character of a text, then write new text in its style
(``sample``) or say how likely a sentence is (``score``). Training reads the text as parallel streams
with truncated BPTT (:mod:`rnnkit.train.tbptt`); the last ``val_fraction`` of the text is held out
and the checkpoint with the best validation loss (nats per character) is kept in ``OUT/best``.

Python::

    from rnnkit.tasks.charlm import CharLMConfig, train
    train(CharLMConfig(minutes=1.5), data="shakespeare", out="runs/shakespeare")
    lm = rnnkit.load("runs/shakespeare")          # a CharLM
    print(lm.sample(prime="ROMEO:", length=200, seed=1))
    lm.score("To be, or not to be")               # {"log_prob": ..., "bits_per_char": ...}
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from rnnkit import strictjson
from rnnkit.cells import CELLS
from rnnkit.data.prepared import is_prepared, open_prepared, prepare_text
from rnnkit.data.text import decode_text, load_text
from rnnkit.data.tokenize import CharVocab
from rnnkit.data.utf8 import open_readable, utf8_argument
from rnnkit.device import resolve_device
from rnnkit.errors import (
    SettingError,
    UserError,
    check_count,
    check_filled,
    check_finite,
    check_fraction,
    check_positive,
    check_seed,
    check_texts,
    in_words,
    report_warnings,
)
from rnnkit.models import match
from rnnkit.models.dynamic_eval import (
    DYNAMIC_LR,
    DYNAMIC_SEGMENT,
    LR_LIMIT,
    RMS_DECAY,
    RMS_LR,
    RMS_PREFIX,
    dynamic_log_probs,
    gradient_rms,
)
from rnnkit.models.language_model import LanguageModel, generate, sequence_log_probs
from rnnkit.models.match import DEFAULT_ORDERS, replayed
from rnnkit.tasks import Task, Verb, register, speaks_python
from rnnkit.train import distributed
from rnnkit.train.checkpoint import Checkpoint, as_checkpoint, build_model, loaded_repr
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.options import (
    RegulariserSettings,
    TrainSettings,
    settings_of,
    start_run,
    train_config_from,
)
from rnnkit.train.provenance import differs_from_record, located
from rnnkit.train.tbptt import StreamBatches, evaluate_streams, smallest_int_dtype, tbptt_lm_loss, training_rate
from rnnkit.train.threads import candidate_counts
from rnnkit.train.trainer import Trainer, TrainResult, fast_bf16_available, resolved_precision, seed_everything

__all__ = ["BUILT_IN_TEXTS", "CharLM", "CharLMConfig", "data_record", "text_digest", "train"]

BUILT_IN_TEXTS = ("shakespeare", "korean")
DIGEST_CHARS = 65_536  # validation characters a run's digest covers
#: the error when --data is not given (nor found in a resumed run), as the other tasks say it
MISSING_DATA = "--data FILE is required ('shakespeare', 'korean' or a UTF-8 text file)"


@dataclass
class CharLMConfig(TrainSettings, RegulariserSettings):
    """Settings of ``rnnkit train charlm`` (tuned on Shakespeare, 2 CPU cores: see docs/CHARLM.md)."""

    cell: str = "lstm"            # any cell of rnnkit.cells.CELLS
    hidden: int | None = None     # hidden units per layer (None: auto_hidden, 384 or 512 by the budget)
    layers: int | None = None     # stacked layers (None: auto_layers, 1 or 2 by the budget)
    embed_dim: int = 64           # character embedding size
    seq_len: int = 64             # truncated-BPTT window in characters
    shift: int | None = None      # characters between window starts (None: seq_len)
    batch_size: int = 16          # parallel streams
    dropout: float | None = None  # on the embeddings, between layers and before the output (None: auto_dropout)
    weight_drop: float | None = None  # DropConnect on W_hh (None: with --dropout from the budget, auto_weight_drop)
    memory: bool = True           # copy from the text read so far (rnnkit.models.match; docs/CHARLM.md)
    val_fraction: float = 0.1     # the last part of the text, held out
    eval_chars: int = 0           # validation characters read at each evaluation (0: all)
    steps: int | None = 3500
    optimizer: str = "adamw"      # decoupled weight decay: 0.015-0.06 nats/char better than Adam (docs/CHARLM.md)
    lr: float = 6e-3
    weight_decay: float = 0.1
    ema: float = 0.999            # evaluate and keep the weights' moving average: 0.001-0.005 better (docs/CHARLM.md)
    eval_every: int = 5000
    log_every: int = 50
    precision: str = "auto"

    def validate(self) -> None:
        """Raise :class:`SettingError` naming the first setting out of range."""
        self.validate_training()
        for name in ("hidden", "layers", "seq_len", "batch_size", "embed_dim"):
            if getattr(self, name) is not None:
                check_positive(name, getattr(self, name))
        if self.cell not in CELLS:
            raise SettingError("cell", self.cell, f"expected one of {', '.join(CELLS)}")
        if self.shift is not None and not 1 <= self.shift <= self.seq_len:
            raise SettingError("shift", self.shift, f"expected 1 to seq_len ({self.seq_len})")
        if self.dropout is not None:
            check_fraction("dropout", self.dropout)
        self.validate_regularisers()
        check_fraction("val_fraction", self.val_fraction)
        if not isinstance(self.memory, bool):
            raise SettingError("memory", self.memory, "expected true or false")
        if self.memory and self.shift is not None and self.shift != self.seq_len:
            raise SettingError("shift", self.shift, "overlapping windows would read the text twice into the memory; "
                               "give --no-memory with --shift")
        if self.eval_chars < 0:
            raise SettingError("eval_chars", self.eval_chars, "expected a number of characters >= 0 (0: all)")


#: characters a second the default model (1 x 384) trains at on 2 quiet cores in bf16 (docs/CHARLM.md), to plan a
#: --minutes budget ...
PLANNING_RATE = 40_000
#: ... and in fp32, on CPUs without fast bf16 (AVX2 only: 24 k measured, docs/CHARLM.md)
PLANNING_RATE_FP32 = 24_000


#: the planned characters from which the default model is 1 x 512 instead of 1 x 384 (about 6 minutes)
WIDE_MODEL_CHARS = 15_000_000
#: the planned characters (10 minutes) and passes over the text from which it is 2 x 384 instead
DEEP_MODEL_CHARS = 24_000_000
DEEP_MODEL_PASSES = 16


def planning_rate(config: CharLMConfig) -> int:
    """The fixed rate a ``--minutes`` budget is planned at: :data:`PLANNING_RATE` where the run trains in bf16
    on a CPU (or GPU) that has it fast, :data:`PLANNING_RATE_FP32` elsewhere. It depends on the kind of machine,
    not on its load, so one command builds one model on every machine of a kind."""
    return PLANNING_RATE if config.precision in ("auto", "bf16") and fast_bf16_available() else PLANNING_RATE_FP32


def planned_chars(config: CharLMConfig, rate: float | None = None) -> float | None:
    """The characters the run's budget reads: ``steps × batch × window``, or ``minutes × 60 × rate``
    (characters a second; :func:`planning_rate` when None) under ``--minutes`` (the smaller when both are
    given); None without a limit."""
    rate = planning_rate(config) if rate is None else rate
    budgets = []
    if config.steps:
        budgets.append(config.steps * config.batch_size * config.seq_len)
    if config.minutes:
        budgets.append(config.minutes * 60 * rate)
    return float(min(budgets)) if budgets else None


def planned_passes(config: CharLMConfig, train_chars: int, rate: float | None = None) -> float:
    """How many times the run's budget (:func:`planned_chars` at ``rate``) reads the training text (1
    without a limit)."""
    chars = planned_chars(config, rate)
    return chars / max(train_chars, 1) if chars is not None else 1.0


def auto_hidden(chars: float | None, layers: int = 1) -> int:
    """Hidden units for a budget of ``chars`` characters: 384 (the best at 90 s and 3 minutes), 512 from
    :data:`WIDE_MODEL_CHARS` on for one layer (stacked layers stay at 384). Measured (docs/CHARLM.md): in 10
    minutes 1 x 512 ended 0.012 below 1 x 384 on the whole Shakespeare corpus and 0.020 below on its first
    million characters; in 90 s it lost. With AdamW, at 12 M characters, 512 won on that 1 MB text only and
    lost on the whole corpus and on a 1 MB Bible text, so the threshold stayed."""
    return 512 if layers == 1 and chars is not None and chars >= WIDE_MODEL_CHARS else 384


def auto_layers(chars: float | None, passes: float) -> int:
    """Stacked layers for a budget of ``chars`` characters that reads its text ``passes`` times: 2 (of 384,
    with the budget's dropout between them) from :data:`DEEP_MODEL_CHARS` on a text read at least
    :data:`DEEP_MODEL_PASSES` times, else 1. Measured (docs/CHARLM.md): at 10 minutes' updates on 1 MB
    texts (34 passes) 2 x 384 ended below 1 x 512 on Shakespeare and on the Bible text; at twice those updates
    it was still level with 2 x 512 (0.003 better static on Shakespeare), so no wider tier follows."""
    return 2 if chars is not None and chars >= DEEP_MODEL_CHARS and passes >= DEEP_MODEL_PASSES else 1


#: the budget's dropout: none up to this many passes over the text, then 0.1 per doubling beyond four ...
DROPOUT_FREE_PASSES = 8
#: ... and never more than this
DROPOUT_CAP = 0.25


def auto_dropout(passes: float) -> float:
    """Dropout for a run that reads its text ``passes`` times: none up to eight passes, then 0.1 per
    doubling beyond four, at most 0.25. Measured on the first million characters of Shakespeare (docs/
    CHARLM.md): at 4 passes (90 s) dropout 0.2 lost to none, at 27 passes (10 minutes, Adam) 0.47
    underfit; with the weight decay, at 16 passes 0.15 beat 0.27, and at 34 passes 0.25 beat 0.15 on that
    text and on a 1 MB Bible text; 0.35 lost to 0.25 (1 x 512 on both texts, 2 x 384 on the Bible text, 2 x 512
    on Shakespeare)."""
    return 0.0 if passes <= DROPOUT_FREE_PASSES else round(min(DROPOUT_CAP, 0.1 * math.log2(passes / 4)), 2)


#: in stacked LSTMs the budget's rate goes to DropConnect on W_hh, and this share of it to the dropout
#: (shares 0.2 and 0.6 ended 0.002-0.004 higher at the cap, one seed: docs/CHARLM.md)
STACKED_DROPOUT_SHARE = 0.4


def auto_weight_drop(dropout: float, layers: int, cell: str) -> tuple[float, float]:
    """``(dropout, weight drop)`` for the budget's ``dropout``: in two or more LSTM layers the weight drop
    (DropConnect on W_hh, AWD-LSTM) takes that rate and the dropout keeps :data:`STACKED_DROPOUT_SHARE` of
    it (0.25 → 0.1 and 0.25); otherwise ``(dropout, 0)``. Measured (docs/CHARLM.md): 2 x 384 at 10 minutes'
    updates, 0.1 and 0.25 against 0.25 and none: on Shakespeare's first million characters 0.006 and 0.004
    lower static (seeds 0, 1), 0.012 lower adapted; on a 1 MB Bible text 0.0065 lower; 0.25 and 0.25 ended
    0.017 higher on Shakespeare, still learning."""
    if layers > 1 and cell == "lstm" and dropout > 0:
        return round(STACKED_DROPOUT_SHARE * dropout, 2), dropout
    return dropout, 0.0


#: settings that fix the model's shape or the data: a resumed run keeps them
FROZEN = ("cell", "hidden", "layers", "embed_dim", "seq_len", "shift", "batch_size", "dropout", "weight_drop",
          "layer_norm", "memory", "val_fraction", "seed")


# ------------------------------------------------------------------------------------------- train
def _split_point(length: int, val_fraction: float) -> int:
    """Index where the validation split (the last ``val_fraction`` of the text) begins."""
    n_val = int(length * val_fraction)
    if val_fraction > 0 and n_val < 2:
        n_val = 2
    return length - n_val


def _read(data: str, val_fraction: float, ckpt: Checkpoint | None) -> tuple[torch.Tensor, CharVocab, int]:
    """The text's ids, its vocabulary and where validation begins. A built-in corpus is encoded in memory
    (the vocabulary of its training part); a file is prepared once into a memory-mapped token file
    (:mod:`rnnkit.data.prepared`: the vocabulary of the whole text) and read from there, never whole."""
    saved = CharVocab.from_json(ckpt.vocab, f"{ckpt.path}/vocab.json") if ckpt else None
    if data in BUILT_IN_TEXTS:
        text = load_text(data)
        cut = _split_point(len(text), val_fraction)
        vocab = saved or CharVocab.from_text(text[:cut])
        with report_warnings():  # one small integer per character
            return vocab.encode_tensor(text, warn=ckpt is not None, dtype=smallest_int_dtype(len(vocab))), vocab, cut
    prepared = open_prepared(data) if is_prepared(data) else prepare_text(
        data, expected="a UTF-8 text file (or a directory from rnnkit prepare)",
        missing="--data takes 'shakespeare', 'korean', a UTF-8 text file or a directory from rnnkit prepare")
    if saved is not None and saved.symbols != prepared.vocab.symbols:
        raise UserError(f"{data}: the text's characters changed since the run began ({prepared.directory}); a "
                        "resumed run keeps its data")
    return prepared.tokens, prepared.vocab, _split_point(prepared.tokens.numel(), val_fraction)


def train(
    config: CharLMConfig,
    data: str | None,
    out: str | Path,
    *,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    verbose: bool = True,
) -> TrainResult:
    """Train a character language model on ``data`` (``"shakespeare"``, ``"korean"`` or a UTF-8 file)
    into ``out``. ``resume=True`` continues the run in ``out``: its model and data settings come from the
    checkpoint, the training settings (steps, minutes, lr ...) from ``config``."""
    out = Path(out)
    config.validate()
    ckpt, config = start_run(config, out, "charlm", FROZEN, resume=resume, overwrite=overwrite, data=data)
    unchecked = False
    if ckpt is not None:
        data, unchecked = _resumed_data(ckpt, data)
    if not data:
        raise UserError(MISSING_DATA)
    ids, vocab, cut = _read(data, config.val_fraction, ckpt)
    if unchecked:
        _check_same_text(ckpt, data, ids, cut)
    if cut < config.seq_len + 1:
        raise UserError(
            f"{data}: too short: {ids.numel()} characters leave {max(cut, 0)} for training, and one "
            f"window of --seq-len {config.seq_len} needs {config.seq_len + 1}; use a longer text or a smaller --seq-len"
        )
    train_ids, val_ids = ids[:cut], (ids[cut:] if cut < ids.numel() else None)
    streams = min(config.batch_size, train_ids.numel() // (config.seq_len + 1))
    _choose_size(config, int(train_ids.numel()), len(vocab), streams, verbose)
    if streams < config.batch_size and ckpt is None:
        short = in_words(f"the text is short: {streams} stream(s) of --seq-len {config.seq_len} instead of "
                         f"--batch-size {config.batch_size}")
        print(f"rnnkit: warning: {short}", file=sys.stderr, flush=True)
    seed_everything(config.seed)
    kwargs = _model_kwargs(config, ckpt)
    config.memory = bool(kwargs.get("memory"))   # a run saved before the memory existed has none

    def factory() -> LanguageModel:
        return LanguageModel(len(vocab), **kwargs)

    model = build_model(factory, ckpt) if ckpt else factory()
    trainer = Trainer(
        model, train_config_from(settings_of(config), overwrite=overwrite, progress=progress, verbose=verbose,
                                 unit="char"),
        batches=StreamBatches(train_ids, streams, config.seq_len, config.shift),
        loss_fn=replayed(tbptt_lm_loss, model.match.orders) if model.match else tbptt_lm_loss,
        eval_fn=_eval_fn(val_ids, config.eval_chars, config.memory), out_dir=out,
        vocab=vocab.to_json(), resume=ckpt,
        model_config=_checkpoint_config(model, config, data, streams, train_ids, val_ids),
        best_tensors=lambda m: {RMS_PREFIX + n: t for n, t in gradient_rms(m, train_ids).items()},
    )
    _check_budget_left(trainer, out)
    if verbose:
        print(_header(model, len(vocab), int(train_ids.numel()), streams, config.seq_len), file=sys.stderr, flush=True)
    return trainer.fit()


def _resumed_data(ckpt: Checkpoint, data: str | None) -> tuple[str, bool]:
    """The text a resumed run reads, and whether its ids still need :func:`_check_same_text`: ``data`` when
    given, else the run's own, found from any working directory (:func:`~rnnkit.train.provenance.located`).
    A file is the run's when it has the size and SHA-256 the run recorded, or (a run saved before those)
    when it is at the same path; another text is refused."""
    saved = (ckpt.config.get("settings") or {}).get("data")
    if not isinstance(saved, str):
        raise UserError(f"{ckpt.path}/config.json: settings.data {saved!r}: expected the text the run trained "
                        "on; the checkpoint is damaged")
    if saved in BUILT_IN_TEXTS or data in BUILT_IN_TEXTS:
        if data not in (None, saved):
            raise UserError(f"--data {data}: the resumed run trained on {saved}; a resumed run keeps its data")
        return saved, False
    record = data_record(ckpt, saved)
    recorded = record.get("paths", {}).get("train", saved)
    path = data or located(record, "train") or saved
    if data is None and not Path(path).exists():
        raise UserError(f"{recorded}: no such file (the text the run at {ckpt.path} trained on); give --data with "
                        "where it is now")
    same = _same_file(path, record, recorded)
    if same is False:
        flag = "--data " if data is not None else ""
        raise UserError(f"{flag}{path}: not the text the resumed run trained on ({recorded}: another size or "
                        "SHA-256); a resumed run keeps its data")
    return path, same is None


def data_record(ckpt: Checkpoint, saved: str) -> dict[str, Any]:
    """The run's record of its text (``config.json["data"]``: the path as given, its absolute path and
    digest); for a run saved before those, or a record that does not name ``saved``, the name alone."""
    record = ckpt.config.get("data")
    if not isinstance(record, dict):
        return {"train": saved}
    well_formed = all(isinstance(record.get(k, {}), dict) and all(isinstance(v, str) for v in record.get(k, {})
                                                                  .values()) for k in ("paths", "digests"))
    return record if record.get("train") == saved and well_formed else {"train": saved}


def _same_file(path: str, record: dict[str, Any], recorded: str) -> bool | None:
    """Whether ``path`` is the text of the run's data ``record`` (at ``recorded``): by the digest the record
    keeps of it, else by its resolved path (None: cannot tell, the text must be compared)."""
    differs = differs_from_record(path, record, "train") if Path(path).is_file() else None
    if differs is not None:
        return not differs
    return True if Path(path).resolve() == Path(recorded).resolve() else None


def _check_same_text(ckpt: Checkpoint, data: str, ids: torch.Tensor, cut: int) -> None:
    """Refuse a text that is not the one the run trained on: another length or another validation text than
    ``config.json`` records (``train_chars``, ``val_chars``, ``val_digest``)."""
    config = ckpt.config
    counts = [n if isinstance(n, int) else 0 for n in (config.get("train_chars"), config.get("val_chars"))]
    digest = config.get("val_digest")
    if ids.numel() != sum(counts) or (digest is not None and text_digest(ids[cut:]) != digest):
        raise UserError(f"{data}: not the text the resumed run trained on ({config['settings']['data']}: "
                        f"{sum(counts):,} characters, the last {counts[1]:,} held out); a resumed run keeps its data")


def _choose_size(config: CharLMConfig, train_chars: int, vocab_size: int, streams: int, verbose: bool) -> None:
    """Fill in the layers, hidden size, dropout and weight drop not given (a resumed run has them from its
    checkpoint), and say what was chosen: the size from the budget (:func:`auto_layers`, :func:`auto_hidden`;
    ``--minutes`` at the fixed :func:`planning_rate`, so one command builds one model on every machine of a
    kind), the dropout from the passes over the training text the budget will really make
    (:func:`auto_dropout`; ``--minutes`` at the speed :func:`measured_rate` finds for that model now), shared
    with the weight drop in stacked LSTMs (:func:`auto_weight_drop`; only when neither ``--dropout`` nor
    ``--weight-drop`` is given)."""
    chosen = []
    budget = planned_chars(config)
    if config.layers is None:
        config.layers = auto_layers(budget, planned_passes(config, train_chars)) if config.hidden is None else 1
        chosen.append(f"{config.layers} layer{'s' if config.layers > 1 else ''}")
    if config.hidden is None:
        config.hidden = auto_hidden(budget, config.layers)
        chosen.append(f"hidden {config.hidden}")
    if chosen and budget:
        chosen[-1] += f" for {budget / 1e6:.1f} M planned characters"
    # before the throwaway model of measured_rate, and before the run's own: a size that cannot train here
    check_fits(config, LanguageModel.count_parameters(vocab_size, **_model_kwargs(config, None)),
               describe_stack(config.cell, config.layers, config.hidden), ("layers", "hidden", "embed_dim"))
    if config.dropout is None:
        measured = measured_rate(config, vocab_size, streams, train_chars) if config.minutes else None
        rate = measured or planning_rate(config)
        chars, passes = planned_chars(config, rate), planned_passes(config, train_chars, rate)
        config.dropout = auto_dropout(passes)
        if config.weight_drop is None:
            config.dropout, config.weight_drop = auto_weight_drop(config.dropout, config.layers, config.cell)
        what = f"dropout {config.dropout:g}" + (f", weight drop {config.weight_drop:g}" if config.weight_drop else "")
        speed = ""
        if measured and config.minutes and chars == config.minutes * 60 * measured:  # the clock ends the run
            speed = f" at {measured / 1e3:{'.0f' if measured >= 1e4 else '.2g'}} k chars/s (measured)"
        chosen.append(f"{what} for {chars / 1e6:.1f} M characters{speed}, about {passes:.1f} "
                      "passes over the training text" if chars else f"{what} (no limit)")
    if config.weight_drop is None:  # --dropout given: no weight drop unless asked for
        config.weight_drop = 0.0
    if chosen and verbose:
        print(in_words(f"charlm: {', '.join(chosen)} (--layers, --hidden, --dropout, --weight-drop set them)"),
              file=sys.stderr, flush=True)


def measured_rate(config: CharLMConfig, vocab_size: int, streams: int, train_chars: int) -> float | None:
    """Characters a second the model of ``config`` (its hidden size chosen) trains at on this machine now,
    over its ``--minutes``, timed by :func:`~rnnkit.train.tbptt.training_rate` on a throwaway model (under
    a second per thread count); with a memory, the first pass over the ``train_chars`` at the speed of
    building its tables and the later ones at the speed of replaying its offers
    (:func:`~rnnkit.models.match.replayed`). Timed at ``--threads``, or else at each count the trainer may
    choose (:func:`~rnnkit.train.threads.candidate_counts`), keeping the fastest, as the trainer will: on
    a busy machine two threads can run 14 times slower than one. None under torchrun, where each process
    would time its own share and might choose another dropout."""
    if distributed.ranks().world_size > 1:
        return None
    before = torch.get_num_threads()
    try:
        rates = []
        for count in [config.threads] if config.threads else candidate_counts(before):
            torch.set_num_threads(count)
            rates.append(_rate_now(config, vocab_size, streams, train_chars))
    finally:
        torch.set_num_threads(before)
    return max(rates)


def _rate_now(config: CharLMConfig, vocab_size: int, streams: int, train_chars: int) -> float:
    """:func:`measured_rate` at torch's present thread count."""
    model = LanguageModel(vocab_size, **{**_model_kwargs(config, None), "dropout": 0.0}).to(
        resolve_device(config.device))
    precision = resolved_precision(config.precision, model)
    first = training_rate(model, vocab_size, streams, config.seq_len, precision=precision)
    seconds = float(config.minutes or 0) * 60
    if model.match is None or seconds * first <= train_chars:
        return first
    later = training_rate(model, vocab_size, streams, config.seq_len, precision=precision, fresh=True,
                          loss_fn=replayed(tbptt_lm_loss, model.match.orders))
    return (train_chars + (seconds - train_chars / first) * later) / seconds


def _header(model: LanguageModel, vocab_size: int, chars: int, streams: int, window: int) -> str:
    """The line that opens a training run: the model and the data it reads."""
    params = sum(p.numel() for p in model.parameters())
    return (f"charlm: {model.cell} {model.num_layers}x{model.hidden_size}, {params:,} parameters, vocabulary "
            f"{vocab_size}, {chars:,} training chars in {streams} streams, window {window}")


def _model_kwargs(config: CharLMConfig, ckpt: Checkpoint | None) -> dict[str, Any]:
    """The LanguageModel arguments: the checkpoint's when there is one, else the config's."""
    if ckpt is not None:
        return _saved_model_kwargs(ckpt)
    return {"cell": config.cell, "hidden_size": config.hidden, "num_layers": config.layers,
            "embed_dim": config.embed_dim, "dropout": config.dropout,
            "memory": list(DEFAULT_ORDERS) if config.memory else [], **config.regulariser_options()}


def _saved_model_kwargs(ckpt: Checkpoint) -> dict[str, Any]:
    kwargs = ckpt.config.get("model")
    if not isinstance(kwargs, dict):
        raise UserError(f"{ckpt.path}/config.json: \"model\" must be an object of the model's settings")
    return {k: v for k, v in kwargs.items() if k != "vocab_size"}


def _eval_fn(val_ids: torch.Tensor | None, eval_chars: int, memory: bool) -> Any:
    """Validation: 64 streams side by side; for a model with a memory of the text read, streams no shorter
    than the memory reaches back (two blocks of :data:`rnnkit.models.match.BLOCK`), one for most texts, so
    that it reads the validation text as ``score --file`` does, with all of its past that it can use."""
    if val_ids is None:
        return None
    length = min(val_ids.numel(), eval_chars or val_ids.numel())
    streams, window = (max(1, length // (2 * match.BLOCK)), 4096) if memory else (64, 256)

    def eval_fn(m: torch.nn.Module) -> dict[str, float]:
        return evaluate_streams(m, val_ids, batch_size=streams, window=window, max_tokens=eval_chars or None)

    return eval_fn


def text_digest(ids: torch.Tensor) -> str:
    """SHA-256 of the first ``DIGEST_CHARS`` character ids: what a run records of its validation text, so
    that ``rnnkit report`` reads the file the run names only if it still holds that text (a run directory
    from someone else cannot make the page embed an unrelated file of yours)."""
    import hashlib

    return hashlib.sha256(ids[:DIGEST_CHARS].to(torch.int64).numpy().tobytes()).hexdigest()


def _checkpoint_config(model: LanguageModel, config: CharLMConfig, data: str, streams: int,
                       train_ids: torch.Tensor, val_ids: torch.Tensor | None) -> dict[str, Any]:
    settings = {"data": data, **settings_of(config), "streams": streams}
    out = {"task": "charlm", "model": model.config(), "settings": settings, "train_chars": int(train_ids.numel()),
           "val_chars": int(val_ids.numel()) if val_ids is not None else 0}
    if data not in BUILT_IN_TEXTS:  # the trainer adds the file's absolute path and digest (rnnkit.train.provenance)
        out["data"] = {"train": data}
    if val_ids is not None:
        out["val_digest"] = text_digest(val_ids)
    return out


def _check_budget_left(trainer: Trainer, out: Path) -> None:
    c = trainer.cfg
    if trainer.step and c.steps and trainer.step >= c.steps:
        raise UserError(f"{out}: the run already reached its end (step {trainer.step} of --steps {c.steps}); "
                        "give a larger --steps to train on")
    if trainer.step and c.minutes and trainer.elapsed >= 60 * c.minutes:
        raise UserError(f"{out}: the run already used its --minutes {c.minutes:g} ({trainer.elapsed:.0f} s); "
                        "give a larger --minutes (the total budget) to train on")


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train charlm`` (on stderr with ``--json``, which prints one object)."""
    out = result.out_dir
    took = f"{result.steps} steps in {result.seconds:.0f} s, {result.tokens_per_s:,.0f} chars/s"
    way_on = result.stopped == "interrupted"
    if result.best_metric is not None:
        name = "validation" if result.last_eval else "training"
        line = (f"best {name} loss {result.best_metric:.4f} nats/char ({result.best_metric / math.log(2):.3f} "
                f"bits/char) at step {result.best_step}; {took}; model in {out}")
    elif result.steps and result.model_dir() is None:  # stopped before its first evaluation: as classify says it,
        line, way_on = f"{took}; {result.where()}", False  # with the way on
    elif result.steps:  # trained, never evaluated (--val-fraction 0: no validation text; best/ is the last step)
        line = f"no validation text, so no validation loss; {took}; model in {out}"
    else:
        line = f"no step was trained; {out}"
    if way_on:
        line += f"; interrupted: continue with --resume {out}"
    print(line, file=sys.stderr if as_json else sys.stdout, flush=True)
    if as_json:
        print(strictjson.dumps({
            "best_val_loss": result.best_metric, "best_step": result.best_step, "steps": result.steps,
            "seconds": round(result.seconds, 3), "tokens_per_s": round(result.tokens_per_s, 1),
            "stopped": result.stopped, "out": str(out),
        }))


# ------------------------------------------------------------------------------------------- use
def _prime_text(prime: object) -> str:
    """``prime`` as the text sampling starts from: None is no prime; anything but a str is a TypeError."""
    if prime is None:
        return ""
    if not isinstance(prime, str):
        raise TypeError(f"prime takes a text (str) or None, not {type(prime).__name__}")
    return prime


@speaks_python(dynamic_method="method")  # `rnnkit score --dynamic-method`
class CharLM:
    """A trained character language model: ``sample()`` writes text, ``score()`` says how likely a text is.

    Get one with ``rnnkit.load(DIR)``. ``model`` is the :class:`LanguageModel` (eval mode), ``vocab`` its
    :class:`CharVocab`.
    """

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        ckpt = as_checkpoint(ckpt, "CharLM")
        if ckpt.config.get("task") != "charlm":
            raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} model, not a character language model")
        if ckpt.vocab is None:
            raise UserError(f"{ckpt.path}: vocab.json is missing")
        self.checkpoint = ckpt
        self.vocab = CharVocab.from_json(ckpt.vocab, f"{ckpt.path}/vocab.json")
        kwargs = _saved_model_kwargs(ckpt)
        self.model = build_model(lambda: LanguageModel(len(self.vocab), **kwargs), ckpt)
        self.model.eval()
        self.dynamic_rms = _saved_rms(ckpt, self.model)

    def __repr__(self) -> str:
        return loaded_repr(self, self.checkpoint, self.model, cell=self.model.cell, vocab=len(self.vocab))

    def stream(self, prime: str | None = "", length: int = 500, temperature: float = 0.8, top_k: int | None = None,
               seed: int | None = None) -> Iterator[str]:
        """The characters written after ``prime``, one at a time (the prime itself is not repeated).

        Temperature 0 picks the most likely character; ``top_k`` samples among the k most likely only;
        the same ``seed`` (any integer torch takes, -2**63 to 2**64 - 1) gives the same text. An empty
        prime (``""`` or None) starts from a new line. The arguments are checked at the call, before the first
        character.
        """
        prime = _prime_text(prime)
        length = check_count("length", length, 0)
        temperature = check_finite("temperature", temperature, "expected a finite number >= 0 (0 = greedy)", 0.0)
        if top_k is not None:
            top_k = check_count("top_k", top_k, 1)
        if seed is not None:
            seed = check_seed("seed", seed)
        return self._stream(prime, length, temperature, top_k, seed)

    def _stream(self, prime: str, length: int, temperature: float, top_k: int | None,
                seed: int | None) -> Iterator[str]:
        gen = torch.Generator().manual_seed(seed if seed is not None else int(time.time_ns() % 2**31))
        if not prime:
            prime = "\n" if "\n" in self.vocab else self.vocab.itos[1 + int(torch.randint(len(self.vocab) - 1, (1,),
                                                                                        generator=gen))]
        with report_warnings():
            prime_ids = self.vocab.encode_tensor(prime)
        for token in generate(self.model, prime_ids, length, temperature=temperature, top_k=top_k, generator=gen,
                              banned=[self.vocab.unk_index]):
            yield self.vocab.itos[token]

    def sample(self, prime: str | None = "", length: int = 500, temperature: float = 0.8, top_k: int | None = None,
               seed: int | None = None) -> str:
        """``prime`` followed by ``length`` generated characters (see :meth:`stream`)."""
        prime = _prime_text(prime)
        return prime + "".join(self.stream(prime, length, temperature, top_k, seed))

    def score(self, texts: str | list[str], *, dynamic: bool = False, dynamic_lr: float | None = None,
              segment: int | None = None, method: str | None = None) -> dict[str, Any] | list[dict[str, Any]]:
        """Log-probability (nats), bits per character and perplexity of each text, scored as if it began a
        line; characters outside the vocabulary are left out of the total and the count (a warning names
        them). One text gives one dict, a list a list.

        ``dynamic=True`` scores by dynamic evaluation: the model keeps learning from each text as it
        reads it, one step after every ``segment`` characters, each character scored before the model
        trains on it (see :func:`rnnkit.models.dynamic_eval.dynamic_log_probs`). ``method="rms"`` (the
        default for a model that carries its gradient statistics, as one trained by this rnnkit does)
        takes Krause et al.'s RMS-normalised step of ``dynamic_lr`` (default 1e-4) with a pull back to
        the trained weights; ``"sgd"`` (the default for older models) a plain SGD step (default 0.3);
        ``segment`` defaults to 50. Each text starts from the trained weights; the loaded model is not
        changed. ``dynamic_lr``, ``segment`` or ``method`` without ``dynamic=True`` is a :class:`SettingError`.
        """
        if not dynamic:
            for name, value in (("dynamic_lr", dynamic_lr), ("segment", segment), ("method", method)):
                if value is not None:
                    raise SettingError(name, value, "applies to dynamic evaluation only; add dynamic=True")
        options = self._dynamic_options(dynamic_lr, segment, method) if dynamic else None
        if isinstance(texts, str):
            return self._score_one(texts, options)
        items = check_texts("score", texts)
        check_filled(items, "score", lambda text: not text)  # by its place, before any is scored; spaces are text
        return [self._score_one(t, options) for t in items]

    def _dynamic_options(self, lr: float | None, segment: int | None, method: str | None) -> dict[str, Any]:
        method = method or ("rms" if self.dynamic_rms is not None else "sgd")
        if method not in ("rms", "sgd"):
            raise SettingError("method", method, "expected 'rms' or 'sgd'")
        if method == "rms" and self.dynamic_rms is None:
            raise UserError(f"{self.checkpoint.path}: holds no gradient statistics for the RMS rule (saved by an "
                            "older rnnkit or by hand); use --dynamic-method sgd")
        expected = f"expected a number from 0 to {LR_LIMIT:.3g}"
        # a str was "'<=' not supported" from here, np.float32 a traceback from torch's set_grad_enabled
        lr = (RMS_LR if method == "rms" else DYNAMIC_LR) if lr is None else check_finite("dynamic_lr", lr, expected, 0)
        if lr > LR_LIMIT:
            raise SettingError("dynamic_lr", lr, expected)
        segment = DYNAMIC_SEGMENT if segment is None else check_count("segment", segment, 1)
        return {"method": method, "lr": lr, "segment": segment}

    def scoring_ids(self, text: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The ids :meth:`score` reads ``text`` as: ``(context, targets, known)``, the text read as if it began
        a line (from a newline, or from its first character when the vocabulary has none), and which targets
        count (those outside the vocabulary are left out; a warning names them)."""
        with report_warnings():
            ids = self.vocab.encode_tensor(text)
        if "\n" in self.vocab:
            context, targets = self.vocab.encode_tensor("\n", warn=False), ids
        else:
            context, targets = ids[:1], ids[1:]
        return context, targets, targets != self.vocab.unk_index

    def _score_one(self, text: str, dynamic: dict[str, Any] | None) -> dict[str, Any]:
        if not text:
            raise UserError("cannot score an empty text")
        context, targets, known = self.scoring_ids(text)
        if not targets.numel():
            logp = torch.zeros(0)
        elif dynamic:
            rms = dynamic["method"] == "rms"
            logp = dynamic_log_probs(self.model, context, targets, lr=dynamic["lr"], segment=dynamic["segment"],
                                     rms=self.dynamic_rms if rms else None, decay=RMS_DECAY if rms else 0.0)
        else:
            logp = sequence_log_probs(self.model, context, targets)
        total = float(logp.cpu()[known].double().sum())
        n = int(known.sum())
        if dynamic:
            adapted = dynamic["lr"] > 0 and targets.numel() > dynamic["segment"]  # an update came before a guess
            _check_adapted(total, n if adapted else 0, len(self.vocab), dynamic["lr"],
                           lambda: float(sequence_log_probs(self.model, context, targets).cpu()[known].double().sum()))
        return {
            "text": text, "log_prob": total, "chars": n,
            "nats_per_char": -total / n if n else None,
            "bits_per_char": -total / n / math.log(2) if n else None,
            "perplexity": (math.inf if -total / n >= 709 else math.exp(-total / n)) if n else None,  # nan: nan
            **({"dynamic": dynamic} if dynamic else {}),
        }


def _saved_rms(ckpt: Checkpoint, model: LanguageModel) -> dict[str, torch.Tensor] | None:
    """The gradient statistics a checkpoint carries for dynamic evaluation (``dynamic_rms.*``), checked
    against the model's parameters; None when it has none."""
    rms = {k[len(RMS_PREFIX):]: v for k, v in ckpt.tensors.items() if k.startswith(RMS_PREFIX)}
    if not rms:
        return None
    for name, p in model.named_parameters():
        if name not in rms or rms[name].shape != p.shape or not bool(torch.isfinite(rms[name]).all()):
            held = f"of shape {list(rms[name].shape)}" if name in rms else "missing"
            raise UserError(f"{ckpt.path}: its gradient statistics do not fit the model: {RMS_PREFIX}{name} is "
                            f"{held}; expected finite values of shape {list(p.shape)}")
    return rms  # dynamic_log_probs puts them in the parameters' dtype


def _check_adapted(total: float, chars: int, vocab_size: int, lr: float, static: Callable[[], float]) -> None:
    """Refuse a dynamic score that the updates made not finite; warn about one worse than a uniform guess
    (``chars`` 0: no warning, nothing was adapted: the static model's own score), and about one that is not
    finite because the static score (``static()``, the text's log-probability without updates) is not either."""
    if not math.isfinite(total):
        unadapted = static() if chars else total  # nothing adapted: the dynamic score is the static one
        if math.isfinite(unadapted):
            raise UserError(f"dynamic evaluation with --dynamic-lr {lr:g} diverged (the log-probability is not "
                            "finite); give a smaller --dynamic-lr")
        # reported as the static score is (nan; null in --json): no step size causes or mends it
        warnings.warn(in_words(f"the dynamic score is not finite because the static one is not: the model "
                               f"scores this text log_prob {unadapted:g} without --dynamic too (its activations "
                               "overflow on it); no --dynamic-lr changes that"), stacklevel=3)
        return
    if chars and -total / chars > math.log(vocab_size):
        warnings.warn(in_words(f"dynamic evaluation scored {-total / chars:.3g} nats/char, worse than a uniform "
                               f"guess over the {vocab_size} characters ({math.log(vocab_size):.2f}): --dynamic-lr "
                               f"{lr:g} may be too large"), stacklevel=3)


# ------------------------------------------------------------------------------------------- CLI
def _sample_command(lm: CharLM, args: argparse.Namespace) -> int:
    seed = args.seed if args.seed is not None else int(time.time_ns() % 2**31)
    out = sys.stdout
    out.write(args.prime)
    buf: list[str] = []
    last = args.prime[-1:]
    start = time.perf_counter()
    for ch in lm.stream(args.prime, args.length, args.temperature, args.top_k, seed):
        buf.append(ch)
        last = ch
        if ch == "\n" or len(buf) >= 64:
            out.write("".join(buf))
            out.flush()
            buf.clear()
    out.write("".join(buf) + ("" if last == "\n" else "\n"))
    out.flush()
    if args.verbose:
        dt = time.perf_counter() - start
        print(f"{args.length} chars in {dt:.2f} s ({args.length / max(dt, 1e-9):,.0f} chars/s), seed {seed}",
              file=sys.stderr)
    return 0


def _score_command(lm: CharLM, args: argparse.Namespace) -> int:
    named = [(None, t) for t in args.texts] + [(f, _read_score_file(f)) for f in args.file or []]
    if not named:
        raise UserError("nothing to score: give one or more TEXT arguments or --file PATH")
    if "" in args.texts:  # the command line's words; score() names a list's place (texts[1])
        raise UserError("cannot score an empty text")
    given = [flag for flag, value in (("--dynamic-lr", args.dynamic_lr), ("--segment", args.segment),
                                      ("--dynamic-method", args.dynamic_method)) if value is not None]
    if given and not args.dynamic:
        raise UserError(f"{given[0]} sets dynamic evaluation; add --dynamic")
    with report_warnings():
        results = lm.score([t for _, t in named], dynamic=args.dynamic, dynamic_lr=args.dynamic_lr,
                           segment=args.segment,
                           method=args.dynamic_method)
    for (file, _), r in zip(named, results, strict=True):
        if file is not None:
            del r["text"]  # a file's whole text is not echoed back
            r["file"] = file
    if args.json:
        for r in results:  # JSON has no infinity: a perplexity beyond the float range is null
            if r["perplexity"] == math.inf:
                r["perplexity"] = None
        print(strictjson.dumps({"model": str(args.dir), "results": results}, ensure_ascii=False))
        return 0
    for r in results:
        shown = r["file"] if "file" in r else r["text"] if len(r["text"]) <= 60 else r["text"][:57] + "..."
        if r["chars"]:
            print(f"log_prob {r['log_prob']:10.3f}  bits/char {r['bits_per_char']:.3f}  "
                  f"perplexity {r['perplexity']:8.3f}  chars {r['chars']:5d}  {shown!r}")
        else:
            print(f"log_prob {0:10.3f}  (no known characters)  {shown!r}")
    return 0


def _read_score_file(path: str) -> str:
    """The text of ``score --file``: a folder, a device (``/dev/zero`` was read until memory ran out) or an
    unreadable file is refused in one line, as :func:`~rnnkit.data.utf8.open_readable` says it."""
    with open_readable(path, "a UTF-8 text file", missing="--file takes a UTF-8 text file") as fh:
        try:
            raw = fh.read()
        except OSError as exc:
            raise UserError(f"{path}: cannot read ({exc.strerror}); --file takes a UTF-8 text file") from None
    return decode_text(raw, path)


def _sample_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--prime", default="", type=utf8_argument("--prime"), help="text to start from (printed first)")
    sp.add_argument("--length", type=int, default=500, help="characters to generate (default 500)")
    sp.add_argument("--temperature", type=float, default=0.8, help="softmax temperature, 0 = greedy (default 0.8)")
    sp.add_argument("--top-k", type=int, default=None, help="sample only among the k most likely characters")
    sp.add_argument("--seed", type=int, default=None, help="random seed (same seed, same text)")
    sp.add_argument("--verbose", action="store_true", help="print the speed on stderr")


def _score_arguments(sc: argparse.ArgumentParser) -> None:
    sc.add_argument("texts", nargs="*", metavar="TEXT", type=utf8_argument("TEXT"))
    sc.add_argument("--file", action="append", metavar="PATH", help="score the text of a UTF-8 file (repeatable)")
    sc.add_argument("--json", action="store_true", help="one JSON object with every result")
    sc.add_argument("--dynamic", action="store_true",
                    help="dynamic evaluation: the model keeps learning from each text as it reads it, each "
                    "character scored before the model trains on it (Krause et al. 2018)")
    sc.add_argument("--dynamic-method", choices=("rms", "sgd"), default=None,
                    help="with --dynamic: rms, Krause et al.'s step normalised by the weights' gradient statistics "
                    "from training (the default for a model that carries them), or sgd, a plain SGD step (the "
                    "default for a model saved by an older rnnkit)")
    sc.add_argument("--dynamic-lr", type=float, default=None,
                    help=f"with --dynamic: step size on each segment's mean loss (default {RMS_LR:g} for rms, "
                    f"{DYNAMIC_LR:g} for sgd)")
    sc.add_argument("--segment", type=int, default=None,
                    help=f"with --dynamic: characters scored between two updates (default {DYNAMIC_SEGMENT})")


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = CharLMConfig()
    p.add_argument("--data", help="'shakespeare', 'korean' or the path of a UTF-8 text file")
    p.add_argument("--out", help="model directory to write (best/, last/, metrics.jsonl, loss.png)")
    p.add_argument("--cell", choices=list(CELLS), help=f"recurrent cell (default {d.cell})")
    p.add_argument("--hidden", type=int, help="hidden units per layer (default: from the budget: 384, or 512 for "
                   f"budgets of {WIDE_MODEL_CHARS / 1e6:g} M characters and more, about 6 minutes; 384 when stacked)")
    p.add_argument("--layers", type=int, help="stacked layers (default: from the budget: 1, or 2 for budgets of "
                   f"{DEEP_MODEL_CHARS / 1e6:g} M characters and more, about 10 minutes, that read the text "
                   f"{DEEP_MODEL_PASSES} times or more; 1 when --hidden is given)")
    p.add_argument("--embed-dim", type=int, help=f"character embedding size (default {d.embed_dim})")
    p.add_argument("--seq-len", type=int, help=f"truncated-BPTT window in characters (default {d.seq_len})")
    p.add_argument("--shift", type=int, help="characters between window starts (default: --seq-len)")
    p.add_argument("--batch-size", type=int, help=f"parallel streams (default {d.batch_size})")
    p.add_argument("--dropout", type=float, help="dropout on the embeddings, between layers and before the output "
                   f"(default: from the budget: none up to {DROPOUT_FREE_PASSES} passes over the text, then 0.1 per "
                   f"doubling beyond 4, at most {DROPOUT_CAP:g})")
    p.add_argument("--no-memory", dest="memory", action="store_const", const=False,
                   help="no memory of the text read: the plain char-rnn (by default the model also learns to copy "
                   "what followed the last occurrence of the current 2-24 characters)")
    p.add_argument("--val-fraction", type=float, help=f"last part of the text held out (default {d.val_fraction})")
    p.add_argument("--eval-chars", type=int,
                   help=f"validation characters read at each evaluation (default {d.eval_chars:,}; 0 = all)")


register(Task(
    name="charlm", help="character language model (char-rnn)",
    description="Train a character language model on a text with truncated BPTT.",
    config=CharLMConfig, train=train, load=CharLM, add_arguments=_train_arguments, report=report,
    frozen=FROZEN,  # and the data, which train() compares as files (the CLI would compare the names)
    verbs=(
        Verb("sample", "write text with a trained character language model", _sample_arguments, _sample_command),
        Verb("score", "log-probability, bits per character and perplexity of texts", _score_arguments,
             _score_command),
    ),
))
