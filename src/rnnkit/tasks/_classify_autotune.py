"""``rnnkit train classify --autotune``: the search of a classifier's settings within a budget (its first trials,
:data:`PRESETS`; the search itself is :func:`rnnkit.train.autotune.search`), each trial a short run of
:func:`rnnkit.tasks.classify.train`, which calls :func:`_autotune` and hands itself over to run them (the form that
leaves the search's own record and trials alone, which a run that does not search refuses or, with
``--overwrite``, removes: :func:`refuse_earlier_search`)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.tabular import Table
from rnnkit.data.tokenize import check_char_ngrams
from rnnkit.errors import RnnkitWarning, UserError
from rnnkit.metrics import F1_AVERAGES, f1_standard_error, label_counts
from rnnkit.multilabel import DEFAULT_THRESHOLD, multi_hot, with_unseen
from rnnkit.tasks import _text as shared
from rnnkit.tasks._classify_config import (
    FIXED,
    SPACE,
    SUBWORD_MAX_LEN,
    ClassifyConfig,
    ClassifyResult,
    _given_settings,
    _valid,
)
from rnnkit.tasks._classify_data import (
    MISSING_DATA,
    _read_tables,
    _say_headerless,
    _warn_label_spellings,
    _warn_unsplit,
    is_multi_label,
    warn_val_trained,
)
from rnnkit.train import distributed
from rnnkit.train.autotune import search
from rnnkit.train.checkpoint import (
    AUTOTUNE_LOG,
    AUTOTUNE_TRIALS,
    KEPT_FOLDERS,
    RUN_FILES,
    clean_leftovers,
    discard_run,
    missing_folders,
    refuse_busy,
    run_lock,
    undone_on_failure,
)
from rnnkit.train.options import refuse_written_inputs
from rnnkit.train.provenance import data_sources
from rnnkit.train.trainer import TrainResult, check_out_dir


def _canonical(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings that make the model: a bag (no recurrent layer) has no hidden size or direction, so
    a perturbation of only those would train the same bag again."""
    if settings.get("layers") == 0:
        return {k: v for k, v in settings.items() if k not in ("hidden", "bidirectional", "cell")}
    return settings


#: the first trials of a search, strong settings for small labelled text sets: fastText's model (a bag of
#: word, word-bigram and character n-gram embeddings, no recurrent layer: cheap, and hard to beat on
#: little data) with its ids weighed as TF-IDF LR weighs them (at 0.003: at the mean bag's 0.01 it fit within
#: 50 updates; docs/CLASSIFY.md, "LR's weighting in the bag"), words or subwords with mean/max pooling over a
#: bidirectional LSTM, characters for unspaced scripts and noise
PRESETS: tuple[dict[str, Any], ...] = (
    {"tokenizer": "ngram", "char_ngrams": "3,6", "layers": 0, "pooling": "tfidf", "embedding": 64, "hidden": 64,
     "bidirectional": False, "dropout": 0.2, "token_dropout": 0.0, "lr": 3e-3, "min_count": 1, "vocab_size": 50000,
     "max_len": SUBWORD_MAX_LEN},
    {"tokenizer": "word", "char_ngrams": "0", "layers": 1, "pooling": "max", "embedding": 128, "hidden": 128,
     "bidirectional": True, "dropout": 0.5, "token_dropout": 0.2, "lr": 3e-3, "min_count": 2, "vocab_size": 16000,
     "max_len": 200},
    {"tokenizer": "word", "char_ngrams": "0", "layers": 1, "pooling": "mean", "embedding": 128, "hidden": 64,
     "bidirectional": True, "dropout": 0.5, "token_dropout": 0.2, "lr": 5e-3, "min_count": 1, "vocab_size": 16000,
     "max_len": 200},
    {"tokenizer": "bpe", "char_ngrams": "0", "layers": 1, "pooling": "max", "embedding": 128, "hidden": 128,
     "bidirectional": True, "dropout": 0.3, "token_dropout": 0.1, "lr": 3e-3, "min_count": 2, "vocab_size": 4000,
     "max_len": 200},
    {"tokenizer": "char", "char_ngrams": "0", "layers": 1, "pooling": "max", "embedding": 64, "hidden": 128,
     "bidirectional": True, "dropout": 0.3, "token_dropout": 0.0, "lr": 3e-3, "min_count": 1, "vocab_size": 8000,
     "max_len": 400},
)


def _autotune(config: ClassifyConfig, data: str | None, out: Path, train: Callable[..., TrainResult], *,
              val_data: str | None, overwrite: bool, verbose: bool) -> ClassifyResult:
    """Search the model settings not given within ``config.minutes`` (else ``config.steps`` updates: a
    search that repeats itself), each trial a short ``train`` (:func:`rnnkit.tasks.classify.train`); record
    the trials in ``out/autotune.jsonl`` and leave the best model in ``out``."""
    world = distributed.ranks().world_size
    if world > 1:  # every process refuses alike, before any work: none is left waiting for another
        when = " (on by default with --minutes and no model flag)" if config.autotune is None else ""
        raise UserError(f"--autotune{when}: the search trains its trials in one process, not under torchrun ({world} "
                        "processes); search without torchrun, or give --no-autotune (or model flags) to train "
                        "under torchrun")
    if config.minutes is None and not config.steps:
        raise UserError("--autotune needs a budget to spend: --minutes M, or --steps N updates")
    if config.pretrain_data:
        raise UserError("--autotune does not pre-train; drop --pretrain-data, or give the model flags without "
                        "--autotune")
    check_out_dir(out, overwrite=overwrite)
    if (out / AUTOTUNE_TRIALS).is_dir() and not (out / AUTOTUNE_LOG).is_file():  # the user's, not a search's
        raise UserError(f"--out {out}: its {AUTOTUNE_TRIALS}/ is no earlier search's (no {AUTOTUNE_LOG} beside it), "
                        f"and the search removes {AUTOTUNE_TRIALS}/ at its end; move it away or give another --out")
    # the search empties its record, removes its trials
    refuse_written_inputs(out, (("--data", data), ("--val-data", val_data)), (AUTOTUNE_LOG,),
                          {AUTOTUNE_TRIALS: KEPT_FOLDERS[AUTOTUNE_TRIALS]})
    # bad data is refused before anything is written
    sources = data_sources(None, data, val_data, MISSING_DATA)
    tables = _read_tables(config, *sources, None)
    multi = is_multi_label(config, None, *tables[:2])
    if verbose:
        _say_headerless(*tables[:2])
    _warn_unsplit(config.label_separator, config.label_column, *tables[:2])
    _warn_label_spellings(config.label_column, *tables[:2])
    warn_val_trained(*sources, *tables[:2])
    # a second search into OUT is refused, not mixed with this one; a search that fails before any trial
    # trained (a model too big for the memory) leaves no OUT
    made = missing_folders(out)
    with run_lock(out), undone_on_failure(out, (AUTOTUNE_LOG,), (out / AUTOTUNE_TRIALS).exists, made):
        if overwrite:  # as a plain --overwrite run's: an interrupted search leaves no old model beside its trials
            clean_leftovers(out)
            discard_run(out, RUN_FILES)
        return _search(config, data, out, train, val_data=val_data, verbose=verbose, multi_label=multi, val=tables[1])


def refuse_earlier_search(out: Path, overwrite: bool, reads: Iterable[tuple[str, str | Path | None]]) -> None:
    """What an earlier search left in ``out`` (its ``autotune.jsonl`` and, stopped before its end, its
    ``autotune/``), which a run there that does not search would leave beside its own model as if they described
    it: refused in one line, before any work, without ``overwrite``; with it, the run's trainer removes them with
    the earlier model once torchrun's checks have passed (:func:`rnnkit.train.checkpoint.discard_run`), and a file
    the run ``reads`` among them is refused. An ``autotune/`` with no record beside it is the user's, not a
    search's, and is left alone; a search running there now is named (:func:`rnnkit.train.checkpoint.refuse_busy`;
    with ``overwrite``, the trainer's lock on ``out`` refuses the run)."""
    if not (out / AUTOTUNE_LOG).is_file():
        return
    left = [out / AUTOTUNE_LOG, *([out / AUTOTUNE_TRIALS] if (out / AUTOTUNE_TRIALS).is_dir() else [])]
    if not overwrite:
        refuse_busy(out)
        names = " and ".join(f"{p.name}/" if p.is_dir() else p.name for p in left)
        raise UserError(f"{out}: holds the {names} of an earlier --autotune search, which would stand beside this "
                        "run's model as if they described it; move them away, give another --out, or start with "
                        "--overwrite (which removes them)")
    refuse_written_inputs(out, reads, (AUTOTUNE_LOG,), {AUTOTUNE_TRIALS: "--overwrite removes"})


def _search(config: ClassifyConfig, data: str | None, out: Path, train: Callable[..., TrainResult], *,
            val_data: str | None, verbose: bool, multi_label: bool = False,
            val: Table | None = None) -> ClassifyResult:
    fixed = _given_settings(config)
    by_steps = config.minutes is None
    budget = f"{config.steps} updates" if by_steps else f"{config.minutes:g} min"

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        trial = replace(config, **settings, **limit, autotune=False).with_defaults()
        if not check_char_ngrams(trial.char_ngrams):
            trial = replace(trial, buckets=None)  # --buckets is for the trials with character n-grams
        # a trial may train over an earlier search's trial-N; the final run trains into OUT, emptied of any earlier
        # run at the search's start, where --overwrite would remove this search's record and trials (discard_run)
        return train(trial, data, where, val_data=val_data, overwrite=where != out, progress=False, verbose=False)

    # trials are compared by accuracy (micro-F1 multi-label), or by the score --keep-by names
    score = config.keep_by if config.keep_by not in (None, "loss") else "micro_f1" if multi_label else "accuracy"
    if verbose:
        kept = ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in fixed.items())
        kept = f" ({kept} as given)" if kept else ""
        scored = {"accuracy": "", "micro_f1": " (scored by micro-F1: multi-label)"}.get(score, f" (scored by {score})")
        shared.say(f"autotune: searching tokenizer, pooling, size, dropout and learning rate on the validation "
                   f"split{scored} for {budget}{kept}; trials in {out / AUTOTUNE_LOG}")
    try:
        found = search(run, budget_s=None if by_steps else 60.0 * (config.minutes or 0.0),
                       budget_steps=config.steps if by_steps else None, presets=PRESETS, space=SPACE, fixed=fixed,
                       seed=config.seed, out=out, record=out / AUTOTUNE_LOG, say=shared.say if verbose else None,
                       describe=_describe, valid=_valid, canonical=_canonical, simple=_is_bag,
                       score=score, spread=_f1_spread(val, score) if val is not None and score in F1_AVERAGES
                       else None)
    except KeyboardInterrupt:   # nothing is in out/best yet: say where the models trained so far are
        if verbose:
            shared.say(f"autotune: interrupted; the trials kept so far are in {out / AUTOTUNE_TRIALS}, scored in "
                       f"{out / AUTOTUNE_LOG} (each a run: rnnkit predict {out / AUTOTUNE_TRIALS}/trial-N ...)")
        raise
    return found.result.extended(ClassifyResult, autotune=found.summary())


def _f1_spread(val: Table, score: str) -> Callable[[Path], float | None]:
    """``spread(dir)``: the bootstrap standard error (:func:`rnnkit.metrics.f1_standard_error`) of the micro- or
    macro-F1 (``score``) on the validation texts ``val`` of the model a trial kept in ``dir/best``, from its
    predictions as its training scored them (the most probable label; multi-label, those at 0.5 or more, a
    label unseen in training missed); None when the model cannot be read (the search then takes an accuracy's
    binomial error). The trials' records hold no per-text predictions, so the model predicts them again."""
    def spread(where: Path) -> float | None:
        from rnnkit.tasks._classify_trained import TextClassifier

        try:
            model = TextClassifier(where / "best")
            with warnings.catch_warnings():  # a trial's own cut of long texts: said once, by the final run's training
                warnings.simplefilter("ignore", RnnkitWarning)
                probs = model.probabilities(val.texts)
        except (UserError, OSError, ValueError):
            return None
        if not model.multi_label:
            index = {label: i for i, label in enumerate(model.labels)}
            return f1_standard_error(*label_counts([index[str(lab)] for lab in val.labels],
                                                   probs.argmax(-1).tolist(), len(model.labels)), score)
        lists = val.label_lists()
        columns = with_unseen(lists, model.labels)
        targets = torch.tensor(multi_hot(lists, columns), dtype=torch.bool).reshape(len(lists), len(columns))
        given = torch.zeros(len(lists), len(columns), dtype=torch.bool)
        given[:, : probs.shape[1]] = probs >= DEFAULT_THRESHOLD
        return f1_standard_error(targets & given, ~targets & given, targets & ~given, score)

    return spread


def _is_bag(settings: dict[str, Any]) -> bool:
    """Whether the settings are fastText's bag (no recurrent layer): the simple model of the search, which
    a recurrent trial replaces only by clearly beating it."""
    return not {**FIXED, **settings}["layers"]


def _describe(settings: dict[str, Any]) -> str:
    """Model settings in a few words: ``word tokens, max pooling, BiLSTM 128/128, dropout 0.5 ...``."""
    s = {**FIXED, **settings}
    vocab = f", vocab {s['vocab_size']}" if s["tokenizer"] != "char" else ""
    chars = check_char_ngrams(s["char_ngrams"])
    vocab += f", char n-grams {chars[0]}-{chars[1]}" if chars else ""
    rnn = (f"{'Bi' if s['bidirectional'] else ''}{str(s['cell']).upper()} {s['embedding']}/{s['hidden']}"
           + (f" x{s['layers']}" if s["layers"] > 1 else "")) if s["layers"] else f"no RNN, embedding {s['embedding']}"
    return (f"{s['tokenizer']} tokens{vocab}, min count {s['min_count']}, {s['pooling']} pooling, {rnn}, "
            f"dropout {s['dropout']:g}, token dropout {s['token_dropout']:g}, lr {s['lr']:g}, max len {s['max_len']}")
