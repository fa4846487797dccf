"""What the text classifier (:mod:`rnnkit.tasks.classify`) and the tagger (:mod:`rnnkit.tasks.tag`) share.

Not a task (the leading underscore keeps it out of the registry): the settings of the encoder and of the
validation split (:class:`TextModelConfig`), the start of a run (fresh or resumed), the call of the one
:class:`rnnkit.train.Trainer` (best checkpoint by validation accuracy), the closing report, the base of
their Python objects (:class:`TextModel`: loading, the reproduced split, the evaluation report and
ONNX export) and the flags of ``predict``, ``evaluate`` and ``export``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from torch import nn

from rnnkit import strictjson
from rnnkit.cells import CELLS
from rnnkit.data.split import stratified_split
from rnnkit.data.tabular import saved_labels
from rnnkit.data.tokenize import tokenizer_from_json
from rnnkit.data.utf8 import stdin_text, utf8_argument
from rnnkit.data.vectors import (
    Vectors,
    copy_vectors,
    coverage_line,
    looked_up,
    read_vectors,
    vector_dimension,
    vocabulary_words,
)
from rnnkit.errors import (
    SettingError,
    UserError,
    check_flag,
    check_fraction,
    check_path,
    check_positive,
    in_words,
    report_warnings,
    warn,
    warn_file_names,
    whole_number,
)
from rnnkit.export import INPUTS, export_onnx
from rnnkit.files import output_name, write_refusal
from rnnkit.metrics import classification_report, format_report
from rnnkit.multilabel import DEFAULT_THRESHOLD
from rnnkit.plots import confusion_png, drawing_format
from rnnkit.tasks import Verb, speaks_python
from rnnkit.tasks._ensemble import export_refused
from rnnkit.train.building import build_model, check_size, loaded_repr
from rnnkit.train.checkpoint import Checkpoint, as_checkpoint, refuse_run_output, run_folder
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.options import (
    RegulariserSettings,
    TrainSettings,
    add_data_arguments,
    settings_of,
    train_config_from,
)
from rnnkit.train.provenance import warn_trained_on
from rnnkit.train.trainer import Trainer, TrainResult, run_summary
from rnnkit.wording import counted, line_numbers, seconds

__all__ = ["FROZEN", "TextModel", "TextModelConfig"]

VerbRun = Callable[[Any, argparse.Namespace], int]
C = TypeVar("C", bound="TextModelConfig")


@dataclass
class TextModelConfig(TrainSettings, RegulariserSettings):
    """The encoder's shape, the examples' length and the validation split (both text tasks)."""

    batch_size: int = 32          # examples per update
    embedding: int = 64           # embedding size
    hidden: int = 128             # hidden units per direction
    layers: int = 1
    cell: str = "lstm"            # any cell of rnnkit.cells.CELLS
    bidirectional: bool = False
    dropout: float = 0.2          # on embeddings, between layers and before the head
    val_fraction: float = 0.1     # validation share when there is no --val-data
    split_seed: int = 0           # seed of the validation split
    max_len: int = 400            # tokens kept per example
    eval_every: int = 100
    keep_by: str | None = None    # the validation score that keeps best/ (None: the task's own; check_keep_by)

    @classmethod
    def kept_form(cls, key: str, value: Any) -> Any:
        """``pretrained_vectors`` as the absolute path a run records (``v.vec`` given from its folder, as a flag,
        in a ``--config`` file or from Python, is the run's ``/home/me/v.vec``); the rest as they are."""
        return os.path.abspath(value) if key == "pretrained_vectors" and isinstance(value, str) else value

    def validate(self) -> None:
        """Raise :class:`SettingError` naming the first setting out of range."""
        self.validate_training()
        for name in ("batch_size", "embedding", "hidden", "layers", "max_len"):
            check_positive(name, getattr(self, name))
        if self.cell not in CELLS:
            raise SettingError("cell", self.cell, f"expected one of {', '.join(CELLS)}")
        check_fraction("dropout", self.dropout)
        self.validate_regularisers()
        if self.keep_by is not None and self.keep_by not in KEEP_BY:  # the model's own are checked with its data
            raise SettingError("keep_by", self.keep_by, f"expected one of {', '.join(KEEP_BY)}")


#: every validation score a text model may keep its best checkpoint by (:func:`check_keep_by`: those of one model)
KEEP_BY = ("loss", "accuracy", "macro_f1", "micro_f1", "exact_match", "sentence_accuracy", "span_f1")
#: settings that fix the encoder's shape and the data split: a resumed run keeps them
FROZEN = ("cell", "embedding", "hidden", "layers", "bidirectional", "layer_norm", "max_len", "val_fraction",
          "split_seed", "keep_by")


# ------------------------------------------------------------------------------------------- train
def encoder_kwargs(config: TextModelConfig) -> dict[str, Any]:
    """The :class:`rnnkit.models.encoder.TextEncoder` arguments of ``config``."""
    return {"embedding_dim": config.embedding, "hidden_size": config.hidden, "num_layers": config.layers,
            "cell": config.cell, "bidirectional": config.bidirectional, "dropout": config.dropout,
            **config.regulariser_options()}


def data_record(data: str, val_data: str | None, config: TextModelConfig, sizes: tuple[int, int],
                noun: str) -> dict[str, Any]:
    """``config.json["data"]``: the files, the split and the number of ``noun`` (rows, sentences) each side."""
    return {"train": str(data), "val": str(val_data) if val_data else None,
            "val_fraction": None if val_data else float(config.val_fraction), "split_seed": int(config.split_seed),
            f"train_{noun}": sizes[0], f"val_{noun}": sizes[1]}


def split_indices(labels: Sequence[str | None], config: TextModelConfig) -> tuple[list[int], list[int]]:
    """The training run's stratified split ``(train, validation)`` of rows with ``labels``."""
    return stratified_split(labels, float(config.val_fraction), int(config.split_seed))


def new_model(cls: Any, kwargs: dict[str, Any], config: TextModelConfig, ckpt: Checkpoint | None) -> nn.Module:
    """The model to train, ``cls(**kwargs)``: refused before it is built when it cannot train here (its
    ``cls.count_parameters(**kwargs)``, :func:`~rnnkit.train.memory.check_fits`); fresh, or (resuming) checked
    against the checkpoint's tensors first."""
    what = (describe_stack(config.cell, config.layers, config.hidden, config.bidirectional) if config.layers
            else f"a bag of embeddings of size {config.embedding}")
    check_fits(config, cls.count_parameters(**kwargs), what, ("layers", "hidden", "embedding", "char_hidden",
                                                               "char_dim"))
    return build_model(lambda: cls(**kwargs), ckpt) if ckpt is not None else cls(**kwargs)


def check_vectors_name(value: object) -> None:
    """``pretrained_vectors``: None or the name of a file (a str that is not empty)."""
    if value is not None and (not isinstance(value, str) or not value):
        raise SettingError("pretrained_vectors", value, "expected the name of a file of word vectors (.vec or GloVe "
                           "text)")


def vectors_dimension(config: C, ckpt: Checkpoint | None, embedding_given: bool) -> C:
    """A fresh run with ``pretrained_vectors``: ``config`` with that file's absolute path and its vectors' size as
    the embedding (an ``embedding`` given, ``embedding_given``, of another size is refused in one line). A resumed
    run's as it is (its weights are in the checkpoint; the file is not read again)."""
    path = getattr(config, "pretrained_vectors", None)
    if ckpt is not None or not path:
        return config
    dim = vector_dimension(path)
    if embedding_given and config.embedding != dim:
        raise UserError(f"--embedding {config.embedding} with --pretrained-vectors {path}, whose vectors have {dim} "
                        f"values; give --embedding {dim}, or leave it out to take the vectors' size")
    return replace(config, embedding=dim, pretrained_vectors=os.path.abspath(path))  # type: ignore[type-var]


def read_pretrained(config: TextModelConfig, ckpt: Checkpoint | None, symbols: Sequence[str]) -> Vectors | None:
    """The vectors of a fresh run's ``pretrained_vectors`` for the tokenizer's ``symbols`` (read before the model
    is built, so that a bad file leaves nothing in --out); None without them or for a resumed run. Its warnings
    (words written twice, rows past the header's count) are ``rnnkit: warning:`` lines on the command line."""
    path = getattr(config, "pretrained_vectors", None)
    if ckpt is not None or not path:
        return None
    return read_for_symbols(path, symbols, "--pretrained-vectors")


def read_for_symbols(path: str, symbols: Sequence[str], flag: str) -> Vectors:
    """The vectors in ``path`` (given as ``flag``) of the words of a tokenizer's ``symbols``, in each form
    :func:`~rnnkit.data.vectors.copy_vectors` looks up; the reader's warnings as ``rnnkit: warning:`` lines.
    Classify's, the tagger's and each side of a translator's (``--src-vectors``)."""
    with report_warnings():
        return read_vectors(path, looked_up(vocabulary_words(symbols)), flag)


def start_from_vectors(model: nn.Module, symbols: Sequence[str], vectors: Vectors | None, ckpt: Checkpoint | None,
                       verbose: bool, freeze: bool = False) -> dict[str, Any] | None:
    """The record ``config.json`` keeps of the run's pretrained vectors: a fresh run's ``vectors`` copied into the
    rows of ``model.embedding`` of the ``symbols`` found in them (saying, ``verbose``, how many of the vocabulary's
    words were found); a resumed run's record as its checkpoint keeps it; None without vectors. With ``freeze``
    (``--freeze-vectors``) the whole table is left out of training, fresh or resumed (:func:`freeze_embedding`)."""
    if freeze:
        freeze_embedding(model.embedding)
    if vectors is None:
        return ckpt.config.get("pretrained_vectors") if ckpt is not None else None
    return start_embedding(model.embedding, symbols, vectors, verbose, frozen=freeze)


def refuse_freeze_added(ckpt: Checkpoint | None, freeze: bool) -> None:
    """``--freeze-vectors`` given to a resumed run saved before the setting was (its settings lack it): that run
    trained its table, and a table frozen now would not match the optimizer's saved state; refused in one line as
    any other change of a resumed run's model is (a run that has the setting is refused its change by the flag's
    check of kept settings)."""
    if ckpt is not None and freeze and "freeze_vectors" not in (ckpt.config.get("settings") or {}):
        raise UserError("--freeze-vectors: the resumed run had no freeze-vectors; a resumed run keeps its model and "
                        "data")


def parameters_said(model: nn.Module) -> str:
    """``N parameters`` of the line that starts a run, with ``(M frozen)`` where some do not train
    (``--freeze-vectors``; Keras' summary's non-trainable params): also on a resumed run, which reads no vectors
    and says no coverage line, so that the line shows the table still frozen."""
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    return f"{sum(p.numel() for p in model.parameters()):,} parameters" + (f" ({frozen:,} frozen)" if frozen else "")


def freeze_embedding(embedding: nn.Embedding) -> None:
    """``--freeze-vectors`` (OpenNMT-py's ``-freeze_word_vecs_enc``, Keras' ``Embedding(trainable=False)``): the
    whole table stops training, the rows of words the vectors lack at their random start too. Its weight needs no
    gradient, so the Trainer's optimizer, weight decay, clipping and moving average leave it out. Called on a
    resumed run as well: a model built from a checkpoint trains every parameter until told."""
    embedding.weight.requires_grad_(False)


def start_embedding(embedding: nn.Embedding, symbols: Sequence[str], vectors: Vectors, verbose: bool,
                    side: str = "", frozen: bool = False) -> dict[str, Any]:
    """``vectors`` copied into the rows of ``embedding`` of the ``symbols`` found in them, saying (``verbose``) how
    many of the vocabulary's words were found (after ``side``, a translator's "source") and, ``frozen``, that the
    whole table stays as it starts; the record ``config.json`` keeps of them: file, dim, words, found (and
    frozen, when it is)."""
    found, words = copy_vectors(embedding, symbols, vectors)
    if verbose:
        say(f"{side} " * bool(side) + coverage_line(found, words, vectors.path) + (
            "; the whole table is frozen (--freeze-vectors: the rows of words not found keep their random start)"
            if frozen else ""))
    return {"file": vectors.path, "dim": vectors.dim, "words": words, "found": found, **({"frozen": True} if frozen
                                                                                         else {})}


def check_keep_by(config: C, scores: Sequence[str], default: str) -> C:
    """Refuse a ``keep_by`` that is none of the validation ``scores`` this model is evaluated by, in one line
    naming them (before any training); else ``config`` with ``keep_by`` set, to the task's ``default`` when not
    given, so that the run's settings record the score it keeps by (a resumed run given that score again goes
    on, one given another is told which the run used, not that it had none)."""
    if config.keep_by is not None and config.keep_by not in scores:
        raise SettingError("keep_by", config.keep_by, f"expected one of this model's validation scores: "
                                                      f"{', '.join(scores)}")
    return replace(config, keep_by=config.keep_by or default)


def fit(model: nn.Module, config: TextModelConfig, out: Path, *, batches: Any, loss_fn: Callable[..., Any],
        eval_fn: Callable[[nn.Module], dict[str, float]], model_config: dict[str, Any], vocab: Any,
        ckpt: Checkpoint | None, unit: str, overwrite: bool, progress: bool | None, verbose: bool) -> TrainResult:
    """Train with the one :class:`Trainer`, keeping the checkpoint of the best validation score, the config's
    ``keep_by`` (set by :func:`check_keep_by`): the lowest ``"loss"``, the highest of any other score."""
    keep_by = config.keep_by
    if keep_by is None:
        raise ValueError("fit: config.keep_by is None; set it with check_keep_by first")
    cfg = train_config_from(settings_of(config), metric=keep_by, mode="min" if keep_by == "loss" else "max",
                            unit=unit, overwrite=overwrite, progress=progress, verbose=verbose)
    trainer = Trainer(model, cfg, batches=batches, loss_fn=loss_fn, eval_fn=eval_fn, out_dir=out,
                      model_config=model_config, vocab=vocab, resume=ckpt)
    return trainer.fit()


def report_training(result: TrainResult, as_json: bool, unit: str, extra: dict[str, Any] | None = None,
                    macro_f1: bool = False, loss_unit: str = "text") -> None:
    """The closing line of ``rnnkit train classify|tag``; with ``as_json`` one JSON object instead. A
    multi-label classifier's evaluations hold ``micro_f1`` where the others hold ``accuracy``: its score.
    ``unit``: what the speed counts (``texts``); ``loss_unit``: what the loss is a mean over (``nats/text``; a
    multi-label classifier's is a label's), as charlm's and translation's closing lines say theirs.
    ``macro_f1``: the line gives the kept checkpoint's macro-F1 beside its accuracy (``best_val_macro_f1``), so
    that a classifier that never finds a rare label does not read as accurate (95 % of the calls normal, every
    call said normal: accuracy 0.95, macro-F1 0.49)."""
    if "micro_f1" in result.best_eval or "micro_f1" in result.last_eval:
        _report_multi_label(result, as_json, unit, extra)
        return
    if as_json:
        summary = {
            "best_val_accuracy": result.at_best("accuracy"),
            **({"best_val_macro_f1": result.at_best("macro_f1")} if macro_f1 else {}),
            "best_step": result.best_step,
            "best_val_loss": result.at_best("loss"),
            **_kept_by(result),
            "val_loss": result.last_eval.get("loss"),
            "val_macro_f1": result.last_eval.get("macro_f1"),
            "final_val_accuracy": result.last_eval.get("accuracy"),
            "examples_per_s": round(result.tokens_per_s, 1),
            **(extra or {}),
            **run_summary(result),
        }
        print(strictjson.dumps(summary))
        return
    counts = f"{counted(result.steps, 'step')}, {seconds(result.seconds)}, {result.tokens_per_s:,.0f} {unit}/s"
    if result.best_metric is None:  # stopped before its first evaluation: where() says so
        print(f"{counts}; {result.where()}")
        return
    line = _best_line(result, "accuracy", "validation accuracy", loss_unit=loss_unit)
    if macro_f1 and result.metric != "macro_f1" and (f1 := result.at_best("macro_f1")) is not None:
        line += f", macro-F1 {f1:.4f}"
    print(f"{line} ({counts}); {result.where()}")


#: how the closing line names each validation score
SCORE_NAMES = {"macro_f1": "macro-F1", "micro_f1": "micro-F1", "exact_match": "exact match",
               "sentence_accuracy": "sentence accuracy", "span_f1": "span F1"}


def _kept_by(result: TrainResult) -> dict[str, Any]:
    """What a ``--json`` summary says of the score that kept the checkpoint: ``kept_by`` (``lowest validation
    loss``, ``highest validation macro_f1`` ...) and ``best_val_SCORE``, its value there (as the closing line)."""
    metric = result.metric
    return {"kept_by": "lowest validation loss" if metric == "loss" else f"highest validation {metric}",
            f"best_val_{metric}": result.best_metric}


def _best_line(result: TrainResult, score: str, shown: str, after: str = "", loss_unit: str = "") -> str:
    """``best validation SCORE X at step N`` (a loss in nats per ``loss_unit``), then the task's own ``score`` there
    (named ``shown``, ``after`` its value) when the run kept its checkpoint by another."""
    unit = f" nats/{loss_unit}" if result.metric == "loss" and loss_unit else ""
    line = f"best validation {SCORE_NAMES.get(result.metric, result.metric)} {result.best_metric:.4f}{unit} at step " \
           f"{result.best_step}"
    at_best = result.at_best(score) if result.metric != score else None
    return line + (f", {shown} {at_best:.4f}{after}" if at_best is not None else "")


def _report_multi_label(result: TrainResult, as_json: bool, unit: str, extra: dict[str, Any] | None) -> None:
    """:func:`report_training` for a multi-label classifier: validation micro-F1 (at the threshold 0.5)
    in place of accuracy."""
    counts = f"{counted(result.steps, 'step')}, {seconds(result.seconds)}, {result.tokens_per_s:,.0f} {unit}/s"
    if as_json:
        print(strictjson.dumps({
            "multi_label": True, "best_val_micro_f1": result.at_best("micro_f1"), "best_step": result.best_step,
            "best_val_loss": result.at_best("loss"), **_kept_by(result),
            "val_loss": result.last_eval.get("loss"), "val_macro_f1": result.last_eval.get("macro_f1"),
            "final_val_micro_f1": result.last_eval.get("micro_f1"),
            "examples_per_s": round(result.tokens_per_s, 1), **(extra or {}), **run_summary(result)}))
        return
    if result.best_metric is None:
        print(f"{counts}; {result.where()}")
        return
    line = _best_line(result, "micro_f1", "validation micro-F1", f" (threshold {DEFAULT_THRESHOLD:g})", "label")
    print(f"{line} ({counts}); {result.where()}")


# ------------------------------------------------------------------------------------------- use
@speaks_python(onnx="path")  # `rnnkit export --onnx FILE` is export(path)
class TextModel:
    """A trained text model (classifier or tagger) with its tokenizer and labels, in eval mode.

    ``labels`` are the classes (or tags) in the order of the model's outputs, ``tokenizer`` the one
    saved with it, ``model`` the :mod:`torch` module and ``checkpoint`` what was read.
    """

    task: ClassVar[str] = ""
    labels_key: ClassVar[str] = "labels"
    unit: ClassVar[str] = "texts"        # what the evaluation counts
    per_step: ClassVar[bool] = False     # one prediction per token

    def __init__(self, ckpt: Checkpoint | str | Path, model_class: type[nn.Module]) -> None:
        ckpt = as_checkpoint(ckpt, type(self).__name__)
        if ckpt.config.get("task") != self.task:
            raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} model, not a {self.task!r} model")
        self.checkpoint = ckpt
        self.config = ckpt.config
        try:
            kwargs = dict(self.config["model"])
            self.labels: list[str] = self.config[self.labels_key]
            self.max_len = self.config.get("max_len", 400)
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"{ckpt.path / 'config.json'}: missing or bad field ({exc})") from None
        where = ckpt.path / "config.json"
        self.labels = saved_labels(self.labels, where, self.labels_key)
        if not whole_number(self.max_len) or self.max_len < 1:
            raise UserError(f"{where}: max_len {self.max_len!r}: expected a positive integer")
        self.tokenizer = tokenizer_from_json(ckpt.vocab or {}, str(ckpt.path / "vocab.json"))
        self.model = build_model(lambda: model_class(**kwargs), ckpt)
        self.model.eval()
        check_size(ckpt, self.labels_key, len(self.labels), "num_tags" if self.per_step else "num_classes")
        check_size(ckpt, "the vocabulary", self.tokenizer.vocab_size, "vocab_size")

    def __repr__(self) -> str:
        return loaded_repr(self, self.checkpoint, self.model, **self._repr_facts())

    def _repr_facts(self) -> dict[str, int]:
        """What the ``repr`` says besides the directory and parameters (an ensemble's too): the tags or classes."""
        return {"tags" if self.per_step else "classes": len(self.labels)}

    @property
    def reads(self) -> list[Any]:
        """The files this model was read from (every model's, for an ensemble): outputs may not replace them."""
        return self.checkpoint.reads

    def split_side(self, labels: Sequence[str | None], split: str) -> list[int] | None:
        """The rows of the training run's ``"train"`` or ``"val"`` side (same fraction and seed) of a file
        with ``labels``; None for ``"all"``."""
        if split == "all":
            return None
        if split not in ("train", "val"):
            raise SettingError("split", split, "expected 'all', 'val' or 'train'")
        data = self.config.get("data", {})
        fraction = data.get("val_fraction")
        if fraction is None:
            raise UserError("--split val/train: this model was trained with --val-data, so there is no split to "
                            "reproduce; evaluate on that file with --split all")
        tr, va = stratified_split(labels, float(fraction), int(data.get("split_seed", 0)))
        return va if split == "val" else tr

    def warn_trained_on(self, data: str | Path, split: str, doing: str, held_out: str) -> None:
        """Warn where ``evaluate`` scores the whole of the file the model trained on (``split="all"``), as a
        translator's does (:func:`~rnnkit.train.provenance.warn_trained_on`; ``doing``: "classifies"; ``held_out``:
        what to give instead, "texts"); a run that held out part of the file is pointed to that part too."""
        if split == "all":
            split_off = (self.config.get("data") or {}).get("val_fraction") is not None
            warn_trained_on(data, self.checkpoints, doing,
                            f"held-out {held_out}" + (", or --split val (the part the run held out)" if split_off
                                                      else ""))

    def check_png(self, png: str | Path | None, *reads: tuple[str, str | Path | None]) -> None:
        """``evaluate``'s ``png``, before the evaluation: a folder is refused, and so is a file it reads (the
        ``reads``, its ``--data``; the model's own files), which the drawing would replace."""
        if png is not None:
            check_path("evaluate: png", png, "the name of a PNG file to write (a str or a path) or None")
            output_name(png, "--png", "a PNG file", [*reads, *self.reads])
            refuse_run_output(png, "--png")
            drawing_format(png, "--png")

    def scores(self, y_true: Sequence[int], y_pred: Sequence[int], data: str | Path,
               png: str | Path | None) -> dict[str, Any]:
        """The :func:`rnnkit.metrics.classification_report`; with ``png``, the confusion matrix drawn
        there too (its path under ``"confusion_png"``)."""
        report = classification_report(y_true, y_pred, self.labels)
        if png is not None:
            title = f"{self.task}: {Path(str(data)).name} ({counted(report['count'], self.unit.removesuffix('s'))})"
            confusion_png(report, Path(png), title)
            report["confusion_png"] = str(png)
        return report

    def export(self, path: str | Path, check: bool = True) -> dict[str, Any]:
        """Write the model as ONNX (inputs ``ids`` (B, T) int64 padded with 0 and ``lengths`` (B,) int64,
        output ``probabilities``; a tagger's also ``tags``, and with a spelling encoder the input ``chars``);
        with ``check``, compare onnxruntime's outputs with rnnkit's (see :func:`rnnkit.export.export_onnx`).
        A multi-label classifier's probabilities are each label's sigmoid
        (a row does not sum to one): its metadata says ``rnnkit_multi_label`` ``"true"`` and the result
        ``"multi_label": True``."""
        check_path("export", path, "the name of an ONNX file to write (a str or a path)")
        check = check_flag("export: check", check)
        multi = bool(self.config.get("multi_label"))
        metadata = {
            "rnnkit_task": self.task,
            "rnnkit_labels": json.dumps(self.labels, ensure_ascii=False),
            "rnnkit_vocab": json.dumps(self.checkpoint.vocab, ensure_ascii=False),
            "rnnkit_config": json.dumps(_shipped(self.config), ensure_ascii=False),
            **({"rnnkit_multi_label": "true"} if multi else {}),
        }
        num_chars, spelling = self._export_spelling()
        output_name(path, "--onnx", "an ONNX file", self.checkpoint.reads)  # not over the model it is made from
        refuse_run_output(path, "--onnx")
        result = export_onnx(self.model, path, vocab_size=self.model.embedding.num_embeddings, labels=self.labels,
                             metadata={**metadata, **spelling}, per_step=self.per_step, num_chars=num_chars,
                             check=check, where=str(self.checkpoint.path))
        return {**result, "multi_label": True} if multi else result

    def _export_spelling(self) -> tuple[int, dict[str, str]]:
        """What :meth:`export` adds for a model that reads each token's characters: their number (the file's
        input ``chars``; 0: none) and the metadata that says how a token becomes them."""
        return 0, {}


def _shipped(config: dict[str, Any]) -> dict[str, Any]:
    """``config.json`` as an exported file carries it: what reading a text takes, without the training files'
    names, where they lay and their digests (``data``, and at any depth such as settings' ``pretrain_data`` and
    the pre-training summary's ``data``; ``pretrained_vectors``, the vectors' file), which a file handed to others
    should not give away."""
    return {k: _shipped(v) if isinstance(v, dict) else v for k, v in config.items()
            if k not in ("data", "pretrained_vectors") and not k.endswith("_data")}


# ------------------------------------------------------------------------------------------- CLI
def add_model_arguments(p: argparse.ArgumentParser, defaults: TextModelConfig, data_help: str,
                        max_len_else: str = "") -> None:
    """The flags of the encoder's shape, the data files and the split, and ``--out`` (``data_help``: what
    ``--data`` reads; ``max_len_else``: where ``--max-len``'s default is another, said after it)."""
    g = p.add_argument_group("model")
    g.add_argument("--cell", choices=list(CELLS), help=f"recurrent cell (default {defaults.cell})")
    g.add_argument("--embedding", type=int, help=f"embedding size (default {defaults.embedding})")
    g.add_argument("--hidden", type=int, help=f"hidden units per direction (default {defaults.hidden})")
    g.add_argument("--layers", type=int, help=f"stacked layers (default {defaults.layers})")
    g.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=None,
                   help=f"read the sequence both ways (default {'on' if defaults.bidirectional else 'off'})")
    g.add_argument("--dropout", type=float, help=f"dropout on embeddings, between layers and before the head "
                   f"(default {defaults.dropout})")
    g.add_argument("--batch-size", type=int, help=f"examples per update (default {defaults.batch_size})")
    g.add_argument("--max-len", type=int, help=f"tokens kept per example (default {defaults.max_len}{max_len_else})")
    g.add_argument("--keep-by", metavar="SCORE",
                   help="the validation score that picks OUT/best and that --patience and --schedule plateau watch "
                        "(Keras' monitor): loss (the lowest) or a score (the highest): accuracy, macro_f1; "
                        "multi-label micro_f1, exact_match; tags sentence_accuracy, span_f1 "
                        "(default: classify loss, tag accuracy)")
    add_data_arguments(p, data_help=data_help, val_fraction=defaults.val_fraction,
                       val_help="validation file (default: a stratified --val-fraction of --data)",
                       split_seed=defaults.split_seed)


def predict_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*", metavar="TEXT", type=utf8_argument("TEXT"), help="texts to classify (or tag)")
    p.add_argument("--file", help="a CSV/TSV/JSONL file of texts, or a .txt of one text a line (a tagger: a "
                   "CoNLL file, or one sentence a line); - reads one text "
                   "(a tagger: one sentence) a line from standard input (rnnkit transcribe ... | rnnkit predict DIR "
                   "--file -)")
    p.add_argument("--output", help="write the predictions here instead of standard output (classify: CSV, "
                                     "TSV or JSONL by its extension; tag: CoNLL, or JSONL for .jsonl), then say "
                                     "what was written on stderr")
    p.add_argument("--text-column", help="classifiers, with --file: the text column (default: the one used in "
                   "training)")
    p.add_argument("--json", action="store_true", help="one JSON object per text (per row or sentence of --file); "
                   "with --output, whose extension still decides the file's format, one JSON object on standard "
                   "output saying what was written (output, format, rows or sentences)")


def say_written(path: str, as_json: bool, line: str, **facts: Any) -> None:
    """What ``predict --output`` wrote: ``line`` on stderr, or with ``as_json`` (``--json``) one JSON object on
    standard output, ``{"output": PATH, **facts}``. The file's format is its extension's either way: ``--json``
    with ``--output out.csv`` wrote CSV and said nothing, the flag silently doing nothing a user could see."""
    if as_json:
        print(strictjson.dumps({"output": str(path), **facts}, ensure_ascii=False))
    else:
        print(line, file=sys.stderr)


def refuse_standard_input(names: Sequence[str], metavar: str, files: str, verb: str, model: str | Path) -> None:
    """UserError where ``names`` (the ``metavar`` arguments of ``rnnkit VERB MODEL``, ``files`` such as "images")
    hold ``-`` and no file is named so: it was '-: no such file' (or image), as though one were missing, where the
    user meant standard input, as ``predict --file -`` reads it. Says how to give a list of names (xargs)."""
    if "-" in names and not Path("-").exists():
        raise UserError(f"{metavar} '-': {files} are read by their names, not from standard input; give the names, or "
                        f"a list of them one a line with xargs: xargs -d '\\n' rnnkit {verb} "
                        f"{shlex.quote(str(model))} < LIST")


def earlier_prediction(columns: Sequence[str], keep: Sequence[str] = ()) -> set[str]:
    """The columns of an earlier ``rnnkit predict`` in a file predicted again, which the new prediction replaces
    rather than copies through: with a ``predicted_label``/``predicted_labels`` column, those, every
    ``p_<label>`` column and an ``explanation`` (another model's labels, ``predicted_labels`` of a ``--top-k``
    or an ``explanation`` of an ``--explain`` not asked again, would stand stale beside the new ones); without
    one, none (a ``p_value`` column is the user's own). The columns in ``keep`` (the text and label columns read)
    are never among them."""
    marks = {"predicted_label", "predicted_labels"}
    if not marks & set(columns):
        return set()
    return {c for c in columns if (c in marks or c == "explanation" or c.startswith("p_")) and c not in keep}


def check_one_source(args: argparse.Namespace) -> None:
    """``predict`` reads TEXT arguments or a ``--file``: exactly one of them."""
    if bool(args.texts) == bool(args.file):
        raise UserError("give either TEXT arguments or --file FILE (not both, not neither)")


def check_output(m: TextModel, args: argparse.Namespace) -> None:
    """``predict``'s ``--output``, before any text is read: a folder is refused, and so is the ``--file`` being
    read or a file of the model (by any name), which the predictions would replace."""
    if args.output:
        output_name(args.output, "--output", "a file",
                    [("the --file being read", None if args.file == "-" else args.file), *m.reads])
        refuse_run_output(args.output, "--output")


def stdin_texts() -> list[str]:
    """``--file -``: the non-empty lines of standard input (UTF-8), one text each. Empty lines among them are left
    out with a warning naming them: the output then has fewer lines than the input (``rnnkit transcribe a.wav
    b.wav c.wav | rnnkit predict DIR --file -``, b heard as nothing, gave c's verdict on b's line, unsaid)."""
    lines = stdin_text().split("\n")
    texts = [line.strip() for line in lines if line.strip()]
    if not texts:
        raise UserError("--file -: standard input holds no text (expected one text a line)")
    last = max(i for i, line in enumerate(lines) if line.strip())
    empty = [i + 1 for i, line in enumerate(lines[:last]) if not line.strip()]
    if empty:
        with report_warnings():
            warn(f"--file -: {counted(len(empty), 'empty line')} of standard input left out ({line_numbers(empty)}); "
                 f"the output has a line for each of the {counted(len(texts), 'text')}, not one for each input line")
    return texts


def given_texts(args: argparse.Namespace) -> list[str] | None:
    """What ``predict`` reads as texts: its TEXT arguments, or with ``--file -`` the lines of standard input
    (:func:`stdin_texts`); None when ``--file`` names a file, which the task reads in its own format."""
    if args.texts:
        warn_file_names(args.texts)
        return list(args.texts)
    return stdin_texts() if args.file == "-" else None


def vectors_argument(g: Any, words: str, kin: str) -> None:
    """``--pretrained-vectors FILE`` of classify and tag: ``words`` names the rows that start as the vectors,
    ``kin`` what the flag is as (and its limits), in its help."""
    g.add_argument("--pretrained-vectors", metavar="FILE",
                   help=f"word vectors (fastText/word2vec .vec text with its 'COUNT DIM' line, or GloVe text; .gz "
                        f"too) that the embedding rows of {words} found there start as ({kin}); the embedding size "
                        "is theirs")


def evaluate_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("--data", required=True, help="labelled file (CSV/TSV/JSONL, 'polarity', or CoNLL for a tagger)")
    e.add_argument("--split", choices=("all", "val", "train"), default="all",
                   help="evaluate on the whole file (default) or on the side of the training run's own "
                        "validation split (same fraction and seed)")
    e.add_argument("--text-column", help="classifiers: the text column (default: the one used in training)")
    e.add_argument("--label-column", help="classifiers: the label column (default: the one used in training)")
    e.add_argument("--png", help="where to draw the confusion matrix, in the format its suffix names (.png, .svg, "
                   ".pdf, .jpg ...; default DIR/confusion.png; for a run's best/ or last/, which every save "
                   "replaces, the run's folder)")
    e.add_argument("--json", action="store_true", help="one JSON object on the last line")


def evaluation_png(args: argparse.Namespace) -> Path | None:
    """``--png``, or ``DIR/confusion.png`` for the DIR named on the command line: ``OUT/confusion.png`` for a
    run's ``OUT/best`` or ``OUT/last``, whose next save would remove it. None, with a warning, where that
    default cannot be written (a model on a read-only share): the scores are printed without the drawing
    nobody asked for, which failed after the whole evaluation and printed nothing."""
    if args.png:
        return Path(args.png)
    png = run_folder(args.dir) / "confusion.png"
    if (refusal := write_refusal(png, "the confusion matrix is not drawn (give --png FILE to draw it elsewhere)")):
        print(f"rnnkit: warning: {refusal}", file=sys.stderr)
        return None
    return png


def print_evaluation(report: dict[str, Any], unit: str, as_json: bool) -> int:
    """What ``rnnkit evaluate`` prints: the report as JSON, or as a table and where the PNG is."""
    if as_json:
        print(strictjson.dumps(report, ensure_ascii=False))
    else:
        print(format_report(report, unit))
        if "confusion_png" in report:
            print(f"confusion matrix drawn in {report['confusion_png']}")
    return 0


def export_arguments(x: argparse.ArgumentParser) -> None:
    x.add_argument("--onnx", required=True, metavar="FILE", help="the .onnx file to write")
    x.add_argument("--no-check", action="store_true", help="skip the onnxruntime comparison")
    x.add_argument("--json", action="store_true", help="print one JSON object")
    # predict's and evaluate's flag, read to say why export takes none (it said only 'not a flag'); not in -h
    x.add_argument("--ensemble", nargs="+", metavar="DIR", action=_EnsembleRefused, help=argparse.SUPPRESS)


class _EnsembleRefused(argparse.Action):
    """``rnnkit export DIR --ensemble DIR2 ...``, refused in one line as it is read (before any model is): an
    ensemble is no one ONNX graph, each model is exported by itself (as the Python API's ``export`` says)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        raise export_refused(1 + len(values))


def export_command(m: TextModel, args: argparse.Namespace) -> int:
    """``rnnkit export DIR --onnx FILE``."""
    output_name(args.onnx, "--onnx", "an ONNX file")
    result = m.export(args.onnx, check=not args.no_check)
    if args.json:
        print(strictjson.dumps(result, ensure_ascii=False))
    else:
        check = (f"onnxruntime agrees (largest difference {result['max_abs_diff']:.2g})" if result.get("checked")
                 else "not checked (--no-check)" if args.no_check else "not checked (onnxruntime is not installed)")
        sigmoid = " (each label's sigmoid: multi-label)" if result.get("multi_label") else ""
        *first, last = (f"{name} {INPUTS[name]}" for name in result["inputs"])
        inputs = f"{', '.join(first)} and {last}"
        print(f"wrote {result['onnx']}: inputs {inputs}; output{'s' if len(result['outputs']) > 1 else ''} "
              f"{' and '.join(result['outputs'])}{sigmoid}; {check}")
    return 0


def verbs(predict: tuple[Any, ...], evaluate: tuple[Any, ...], export_help: str) -> tuple[Verb, ...]:
    """The three verbs of a text model, each ``(help, run)``: ``predict`` and ``evaluate`` with the flags
    above (either may add a third item, its own flags), and ``export`` (:func:`export_command`)."""
    return (Verb("predict", predict[0], predict[2] if len(predict) > 2 else predict_arguments, predict[1]),
            Verb("evaluate", evaluate[0], evaluate[2] if len(evaluate) > 2 else evaluate_arguments, evaluate[1]),
            Verb("export", export_help, export_arguments, export_command))


def say(message: str) -> None:
    """A progress line on stderr (in the Python API's words in a call of it: :func:`~rnnkit.errors.in_words`)."""
    print(in_words(message), file=sys.stderr, flush=True)
