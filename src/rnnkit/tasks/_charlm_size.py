"""The model's size and regularisation from the run's budget, where the flags leave them out: the planned
characters and passes over the text (:func:`planned_chars`, :func:`planned_passes`), the rules measured in
docs/CHARLM.md (:func:`auto_hidden`, :func:`auto_layers`, :func:`auto_dropout`, :func:`auto_weight_drop`),
the speed they are planned at (:func:`planning_rate`, :func:`measured_rate`) and :func:`_choose_size`, which
fills them in for :func:`rnnkit.tasks.charlm.train`."""

from __future__ import annotations

import math
import sys

import torch

from rnnkit.device import resolve_device
from rnnkit.errors import in_words
from rnnkit.models.language_model import LanguageModel
from rnnkit.models.match import replayed
from rnnkit.tasks._charlm_config import CharLMConfig, _model_kwargs
from rnnkit.train import distributed
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.tbptt import tbptt_lm_loss, training_rate
from rnnkit.train.threads import candidate_counts, threads_kept
from rnnkit.train.trainer import fast_bf16_available, resolved_precision
from rnnkit.wording import counted

__all__ = ["auto_dropout", "auto_hidden", "auto_layers", "auto_weight_drop", "measured_rate", "planned_chars",
           "planned_passes", "planning_rate"]


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


def planned_chars(config: CharLMConfig, rate: float | None = None, streams: int | None = None) -> float | None:
    """The characters the run's budget reads: ``steps × streams × window`` (``streams``: ``--batch-size``
    unless a short text gives fewer; × the processes under torchrun, each reading its own streams at every
    step; × ``--accumulate``, the batches an update reads), or ``minutes × 60 × rate`` (characters a second;
    :func:`planning_rate` when None) under ``--minutes`` (the smaller when both are given); None without a
    limit."""
    rate = planning_rate(config) if rate is None else rate
    streams = config.batch_size if streams is None else streams
    budgets = []
    if config.steps:
        budgets.append(config.steps * streams * config.seq_len * distributed.ranks().world_size * config.accumulate)
    if config.minutes:
        budgets.append(config.minutes * 60 * rate)
    return float(min(budgets)) if budgets else None


def planned_passes(config: CharLMConfig, train_chars: int, rate: float | None = None,
                   streams: int | None = None) -> float:
    """How many times the run's budget (:func:`planned_chars` at ``rate``, of ``streams``) reads the training
    text (1 without a limit)."""
    chars = planned_chars(config, rate, streams)
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


def _choose_size(config: CharLMConfig, train_chars: int, vocab_size: int, streams: int, verbose: bool) -> None:
    """Fill in the layers, hidden size, dropout and weight drop not given (a resumed run has them from its
    checkpoint), and say what was chosen: the size from the budget (:func:`auto_layers`, :func:`auto_hidden`;
    ``--minutes`` at the fixed :func:`planning_rate`, so one command builds one model on every machine of a
    kind), the dropout from the passes over the training text the budget will really make
    (:func:`auto_dropout`; ``--minutes`` at the speed :func:`measured_rate` finds for that model now), shared
    with the weight drop in stacked LSTMs (:func:`auto_weight_drop`; only when neither ``--dropout`` nor
    ``--weight-drop`` is given)."""
    chosen = []
    budget = planned_chars(config, streams=streams)
    sized = config.hidden is None  # the budget sizes the model; with --hidden given, one layer unless told
    if config.layers is None:
        config.layers = auto_layers(budget, planned_passes(config, train_chars, streams=streams)) if sized else 1
        chosen.append(counted(config.layers, "layer") + ("" if sized else " (--hidden given)"))
    if sized:
        config.hidden = auto_hidden(budget, config.layers)
        chosen.append(f"hidden {config.hidden}")
        if budget:
            chosen[-1] += f" for {_millions(budget)} planned characters"
    # before the throwaway model of measured_rate, and before the run's own: a size that cannot train here
    check_fits(config, LanguageModel.count_parameters(vocab_size, **_model_kwargs(config, None)),
               describe_stack(config.cell, config.layers, config.hidden), ("layers", "hidden", "embed_dim"))
    if config.dropout is None:
        measured = measured_rate(config, vocab_size, streams, train_chars) if config.minutes else None
        rate = measured or planning_rate(config)
        chars, passes = planned_chars(config, rate, streams), planned_passes(config, train_chars, rate, streams)
        config.dropout = auto_dropout(passes)
        if config.weight_drop is None:
            config.dropout, config.weight_drop = auto_weight_drop(config.dropout, config.layers, config.cell)
        what = f"dropout {config.dropout:g}" + (f", weight drop {config.weight_drop:g}" if config.weight_drop else "")
        speed = ""
        if measured and config.minutes and chars == config.minutes * 60 * measured:  # the clock ends the run
            speed = f" at {measured / 1e3:{'.0f' if measured >= 1e4 else '.2g'}} k chars/s (measured)"
        read = f"{passes:.2g}" if passes < 0.1 else f"{passes:.1f}"  # a few steps read 0.018 of it, not 0.0
        chosen.append(f"{what} for {_millions(chars)} characters{speed}, about {read} passes over the training "
                      "text" if chars else f"{what} (no limit)")
    if config.weight_drop is None:  # --dropout given: no weight drop unless asked for
        config.weight_drop = 0.0
    if chosen and verbose:
        print(in_words(f"charlm: {', '.join(chosen)} (--layers, --hidden, --dropout, --weight-drop set them)"),
              file=sys.stderr, flush=True)


def _millions(chars: float) -> str:
    """A count of characters as the size line says it: ``12.3 M``, or ``7.7 k`` while that rounds below a tenth of
    a million (a run of a few steps was ``0.0 M``; 99,950 to 99,999 were ``100.0 k``, now ``0.1 M``)."""
    thousands = f"{chars / 1e3:.1f}"
    return f"{thousands} k" if float(thousands) < 100 else f"{chars / 1e6:.1f} M"


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
    rates = []
    with threads_kept() as before:
        for count in [config.threads] if config.threads else candidate_counts(before):
            torch.set_num_threads(count)
            rates.append(_rate_now(config, vocab_size, streams, train_chars))
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
