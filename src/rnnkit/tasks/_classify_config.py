"""The settings of ``rnnkit train classify`` and their checks: :class:`ClassifyConfig`, the values a setting not
given takes (:data:`FIXED`), what ``--autotune`` may search (:data:`SPACE`) and which settings go together
(:func:`_valid`), the settings a resumed run keeps (:data:`FROZEN`), and :class:`ClassifyResult`, what a run
returns. :mod:`rnnkit.tasks.classify` trains with them."""

from __future__ import annotations

import contextlib
import itertools
import math
import numbers
import os
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rnnkit.data.tokenize import check_char_ngrams
from rnnkit.errors import SettingError, UserError, check_fraction, check_positive
from rnnkit.models.classifier import POOLINGS
from rnnkit.tasks import _text as shared
from rnnkit.train.options import VOCAB_NOT_FOR_CHARS
from rnnkit.train.trainer import TrainResult

TOKENIZERS = ("char", "word", "ngram", "bpe")
CLASS_WEIGHTS = ("none", "balanced")


def parse_class_weights(spec: object) -> dict[str, float] | None:
    """``--class-weights``: None for ``none`` and ``balanced`` (weights from the counts), else the weight of each
    label named in ``LABEL=W,LABEL=W`` (scikit-learn's and Keras' class_weight dict: a label not named weighs 1; a
    comma in text without ``=`` is the label's own, ``good, mostly=3``) or in a dict of the same (from Python, or a
    TOML table); refused in one line unless each weight is a finite number above 0 and each label named once."""
    if isinstance(spec, str) and spec in CLASS_WEIGHTS:
        return None
    expected = ("expected none, balanced, or LABEL=WEIGHT pairs joined by commas (spam=5,ham=1), each weight a "
                "number above 0")
    if isinstance(spec, dict):
        return _weights_of_dict(spec, expected.replace("LABEL=WEIGHT pairs joined by commas (spam=5,ham=1)",
                                                       "a dict of label: weight ({'spam': 5, 'ham': 1})"))
    if not isinstance(spec, str):
        raise SettingError("class_weights", spec, expected)
    weights: dict[str, float] = {}
    pending = ""  # a label's text before its commas ('good, mostly=3' names the label 'good, mostly')
    for piece in spec.split(","):
        if not piece.strip():  # 'a=1,,b=2', 'a=1,', ',a=1'
            raise SettingError("class_weights", spec, expected)
        if "=" not in piece:  # no =WEIGHT yet: the comma is the label's own
            pending += piece + ","
            continue
        label, _, value = (pending + piece).rpartition("=")
        pending = ""
        try:
            weight = float(value)
        except ValueError:
            weight = math.nan
        if not label.strip() or not (math.isfinite(weight) and weight > 0) or label.strip() in weights:
            raise SettingError("class_weights", spec, expected + (f" ({label.strip()!r} twice)" if
                                                                  label.strip() in weights else ""))
        weights[label.strip()] = weight
    if pending:  # 'a,b': the last text has no =WEIGHT
        raise SettingError("class_weights", spec, expected)
    return weights


def _weights_of_dict(spec: dict[Any, Any], expected: str) -> dict[str, float]:
    """``class_weights={'spam': 5}``: each key a label (a str that is not blank), each value a finite number above 0
    (a bool is no weight); the labels as they are, as the data's labels are not stripped of spaces either."""
    weights: dict[str, float] = {}
    for label, weight in spec.items():
        if not (isinstance(label, str) and label.strip()):
            raise SettingError("class_weights", spec, expected + f" (the label {label!r} is no label's text)")
        try:  # an integer past float's range is infinite, as "spam=1e400" is (it raised OverflowError)
            value = float(weight) if isinstance(weight, numbers.Real) and not isinstance(weight, bool) else math.nan
        except OverflowError:
            value = math.inf
        if not (math.isfinite(value) and value > 0):
            raise SettingError("class_weights", spec, expected + f" ({label!r}: {weight!r})")
        weights[label] = value
    return weights


@dataclass
class ClassifyConfig(shared.TextModelConfig):
    """Settings of ``rnnkit train classify``.

    The model's settings (:data:`MODEL_SETTINGS`) default to None: "not given". A run with none of
    them given and a ``minutes`` budget searches them (``autotune``, see :mod:`rnnkit.train.autotune`);
    otherwise the ones not given take the values of :data:`FIXED` (``autotune=True`` searches the ones
    not given, ``False`` never searches).
    """

    BUDGETS: ClassVar[tuple[str, ...]] = ("minutes", "pretrain_minutes")

    steps: int | None = 1000
    lr: float | None = None                # type: ignore[assignment]
    embedding: int | None = None           # type: ignore[assignment]
    hidden: int | None = None              # type: ignore[assignment]
    layers: int | None = None              # type: ignore[assignment]
    cell: str | None = None                # type: ignore[assignment]
    bidirectional: bool | None = None      # type: ignore[assignment]
    dropout: float | None = None           # type: ignore[assignment]
    pooling: str | None = None             # last | mean | max | attention | tfidf (a bag's)
    tokenizer: str | None = None           # char | word | bpe
    vocab_size: int | None = None          # most ids of the word and BPE tokenizers
    min_count: int | None = None           # char and word tokenizers: an id only for tokens seen this often
    token_dropout: float | None = None     # share of tokens replaced by <unk> during training
    char_ngrams: str | None = None         # "3,6": word and ngram tokens add their character 3- to 6-grams; "0": off
    buckets: int | None = None             # the character n-grams' hash buckets (fastText's -bucket; None: 2**17)
    max_len: int | None = None             # type: ignore[assignment]  # tokens kept per text
    autotune: bool | None = None           # None: search when no model setting is given and there is a budget
    class_weights: str | dict[str, float] = "none"  # none | balanced | "LABEL=W,LABEL=W" | {LABEL: W}
    label_smoothing: float = 0.0          # share of each training target spread over the classes (training loss)
    text_column: str = "text"
    label_column: str = "label"
    multi_label: bool = False             # several labels a text (sigmoid per label); on by itself when a text has two
    label_separator: str | None = None    # CSV/TSV: a label cell holds several labels split at this
    pretrain_data: str | None = None      # unlabelled texts: pre-train the encoder as a language model first
    pretrain_minutes: float | None = None  # its budget (1 when only pretrain_data is given)
    pretrain_steps: int | None = None
    pretrained_vectors: str | None = None  # word vectors (.vec/GloVe text) the embedding rows of found words start as
    freeze_vectors: bool = False          # the embedding table started from them does not train (whole table)

    @classmethod
    def kept_form(cls, key: str, value: Any) -> Any:
        """``char_ngrams`` as the lengths it names: ``[3, 6]`` and ``"3-6"`` are the run's ``"3,6"``, ``"0"`` and
        ``"off"`` its ``None``; ``pretrain_data`` as an absolute path (``u.txt`` and ``./u.txt`` are one file); the
        rest as the text models' :meth:`~rnnkit.tasks._text.TextModelConfig.kept_form` has them."""
        if key == "pretrain_data" and isinstance(value, str):
            return os.path.abspath(value)
        return check_char_ngrams(value) if key == "char_ngrams" else super().kept_form(key, value)

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
        ``minutes`` budget, no model setting given, no pre-training and no ``find_lr`` (which tests one model)."""
        if self.autotune is not None:
            return self.autotune
        given = [k for k in MODEL_SETTINGS if getattr(self, k) is not None]
        return self.minutes is not None and not given and not self.pretrain_data and not self.find_lr

    def validate(self, saved: dict[str, Any] | None = None) -> None:
        """Raise :class:`SettingError` naming the first setting out of range, or one given where it would be
        ignored (a pre-training budget without pre-training data, hash buckets without character n-grams).
        ``saved``: the settings of the run being resumed, whose own values were not given now (runs saved
        before ``buckets`` defaulted to None recorded it without character n-grams too)."""
        if self.find_lr and (self.autotune or self.pretrain_data):  # it tests one model, trained from the start
            flag, value = ("autotune", True) if self.autotune else ("pretrain_data", self.pretrain_data)
            raise SettingError(flag, value, "--find-lr tests the learning rates of one model from its first update; "
                               "give it without a search or pre-training")
        filled = self.with_defaults()
        shared.TextModelConfig.validate(replace(filled, layers=filled.layers or 1))  # 0: no recurrent layer
        if filled.layers == 0 and filled.pooling == "last":
            raise SettingError("pooling", "last", "a model without recurrent layers (--layers 0) pools its "
                               "embeddings with mean, max, attention or tfidf")
        if filled.layers and filled.pooling == "tfidf":
            raise SettingError("pooling", "tfidf", "weighs the ids of a bag without recurrent layers (--layers 0); "
                               f"--layers {filled.layers} pools its outputs with last, mean, max or attention")
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
                               "word or ngram tokens (--layers 0, --pooling mean, max, attention or tfidf); the other "
                               "settings given rule them out")
        if char_ngrams and not self.wants_autotune() and filled.tokenizer not in ("word", "ngram"):
            raise SettingError("char_ngrams", filled.char_ngrams, f"character n-grams are added to the words of "
                               f"--tokenizer word or ngram, not {filled.tokenizer}")
        if self.buckets is not None and self.buckets != (saved or {}).get("buckets") and not (
                _may_try_char_ngrams(_given_settings(self)) if self.wants_autotune() else char_ngrams):
            raise SettingError("buckets", self.buckets, "applies only with character n-grams (--char-ngrams MIN,MAX; "
                               "--autotune tries them in bags of word or ngram tokens)")
        if self.pretrained_vectors is not None:
            self._validate_vectors(filled)
        if self.freeze_vectors:
            self._validate_freeze(filled)
        check_fraction("label_smoothing", self.label_smoothing)
        parse_class_weights(filled.class_weights)
        for name, allowed in (("tokenizer", TOKENIZERS), ("pooling", POOLINGS)):
            if getattr(filled, name) not in allowed:
                raise SettingError(name, getattr(filled, name), f"expected one of {', '.join(allowed)}")
        if self.label_separator is not None and not self.label_separator.strip():
            raise UserError(f"--label-separator {self.label_separator!r}: expected a character or string that is "
                            "not blank, such as '|'")
        self._validate_names()
        if self.pretrain_steps is not None:  # pretrain_minutes is one of the BUDGETS, checked with minutes
            check_positive("pretrain_steps", self.pretrain_steps)
        for name in ("pretrain_minutes", "pretrain_steps"):
            value = getattr(self, name)
            if value is not None and not self.pretrain_data:  # a budget of nothing: it would be ignored
                raise SettingError(name, value, "applies only with --pretrain-data")

    def _validate_names(self) -> None:
        """Refuse an empty or blank name (an unset shell variable) naming the setting, as ``evaluate`` and
        ``predict`` refuse ``--text-column ''``: of a column, it was "text column '' is missing", naming the
        column, not the flag; of ``pretrain_data``, no pre-training, without a word."""
        for name in ("text_column", "label_column"):
            if isinstance(value := getattr(self, name), str) and not value.strip():
                default = type(self).__dataclass_fields__[name].default
                raise SettingError(name, value, "an empty name; expected a column of the file's header line, or "
                                   f"none for the default ({default!r})")
        if self.pretrain_data is not None and not self.pretrain_data.strip():
            raise SettingError("pretrain_data", self.pretrain_data, "an empty name; expected a file of unlabelled "
                               "texts to pre-train the encoder on")

    def refuse_unused_settings(self) -> None:
        """Refuse a setting given where the model would not use it, each of which did nothing, unsaid: with
        ``layers`` 0 (fastText's bag of embeddings: no recurrent layer) a recurrent layer's (``--hidden``,
        ``--cell``, ``--bidirectional``, a regulariser); ``vocab_size`` with the char tokenizer (given, or the
        default of a run that does not search). For a fresh run's given settings: not a search's trials, whose
        settings name a bag's unused sizes as the search proposed them, nor a resumed run's saved ones."""
        if self.layers == 0:
            given = [name for name in ("hidden", "cell", "bidirectional") if getattr(self, name) is not None]
            given += [name for name in ("weight_drop", "recurrent_dropout", "zoneout", "layer_norm")
                      if getattr(self, name)]
            if given:
                raise SettingError(given[0], getattr(self, given[0]), "applies to recurrent layers, and --layers 0 "
                                   "(a bag of embeddings) has none")
        if self.vocab_size is not None and not self.wants_autotune() and self.with_defaults().tokenizer == "char":
            default = "" if self.tokenizer is not None else " (the default)"
            raise SettingError("vocab_size", self.vocab_size, VOCAB_NOT_FOR_CHARS + default)

    def _validate_vectors(self, filled: ClassifyConfig) -> None:
        """``pretrained_vectors``: a file name, given to a run that does not search (the search tries tokenizers
        without words and other embedding sizes) and whose tokenizer has words (word, ngram)."""
        shared.check_vectors_name(self.pretrained_vectors)
        if self.wants_autotune():
            when = " (on by default with --minutes and no model flag)" if self.autotune is None else ""
            raise UserError(f"--pretrained-vectors with --autotune{when}: the search tries tokenizers without words "
                            "and other embedding sizes; add --no-autotune --tokenizer word (or ngram)")
        if filled.tokenizer not in ("word", "ngram"):
            given = "" if self.tokenizer is not None else " (the default)"
            raise UserError(f"--pretrained-vectors with --tokenizer {filled.tokenizer}{given}: its tokens are not "
                            "words, which the vectors are of; add --tokenizer word (or ngram)")

    def _validate_freeze(self, filled: ClassifyConfig) -> None:
        """``freeze_vectors``: with ``pretrained_vectors``, and a table whose ids are all words (the whole table
        is frozen: ``ngram``'s word pairs and ``char_ngrams``' hashed rows, which no vector starts, would stay at
        their random start)."""
        if self.pretrained_vectors is None:
            raise SettingError("freeze_vectors", True, "freezes the embedding table started from word vectors; give "
                                                       "--pretrained-vectors FILE too")
        if check_char_ngrams(filled.char_ngrams):
            raise SettingError("freeze_vectors", True, f"with --char-ngrams {filled.char_ngrams}: their hashed rows "
                               "share the embedding table and have no vectors, so freezing it would keep them at "
                               "their random start; leave one of the two out")
        if filled.tokenizer != "word":
            raise SettingError("freeze_vectors", True, f"with --tokenizer {filled.tokenizer}: its word pairs share the "
                               "embedding table and have no vectors, so freezing it would keep them at their random "
                               "start; use --tokenizer word")


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
    "pooling": ("max", "mean", "attention", "last", "tfidf"),
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
    """Settings that go together: a model without recurrent layers has no last state to pool, and tf-idf
    pooling weighs a bag's ids, not a recurrent layer's outputs; character
    n-grams are added to the word tokens of the bag (a recurrent layer would read them as a sequence);
    a recurrent layer reads at most :data:`RNN_MAX_LEN` tokens; a bag whose words bring their character
    n-grams reads at least :data:`SUBWORD_MAX_LEN` ids (100 ids would be its first eight words or so)."""
    if settings.get("layers") == 0 and settings.get("pooling") == "last":
        return False
    if settings.get("layers") and settings.get("pooling") == "tfidf":
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


#: settings a resumed run keeps: the model's shape, the tokenizer, the split and the pre-training
FROZEN = (*shared.FROZEN, "pooling", "tokenizer", "vocab_size", "min_count", "char_ngrams", "buckets", "pretrain_data",
          "pretrain_minutes", "pretrain_steps", "multi_label", "label_separator", "pretrained_vectors",
          "freeze_vectors")


@dataclass
class ClassifyResult(TrainResult):
    """The :class:`TrainResult` of a classifier run, with the pre-training and the autotune summaries
    (None without them)."""

    pretrain: dict[str, Any] | None = None
    autotune: dict[str, Any] | None = None
