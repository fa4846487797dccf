"""Sequence tagging (many-to-many, one label per token): ``rnnkit train tag``, ``predict``, ``evaluate``,
``export``.

- ``rnnkit train tag --data FILE.conll --out DIR``: a tagger from a two-column CoNLL file (TOKEN<tab>TAG
  per line, a blank line between sentences); bidirectional by default. A file whose tokens are all single
  characters gives a character tagger (``predict`` then splits a text into characters, else on spaces).
- ``rnnkit predict DIR TEXT... | --file FILE.conll [--json]``: a tag for each token; a CoNLL file of bare
  tokens in, the same file with a tag column out.
- ``rnnkit evaluate DIR --data FILE.conll [--json]``: per-token accuracy, macro-F1, per-tag
  precision/recall/F1 and the confusion matrix, printed and drawn as a PNG.
- ``rnnkit export DIR --onnx FILE``: the model as ONNX (output (B, T, K) probabilities).

``OUT/best/config.json`` holds ``"task": "tag"``, the model's shape, the ``tags``, the ``split`` (how a
text becomes tokens: ``chars`` or ``whitespace``) and the data settings; ``vocab.json`` the tokens.

Python::

    from rnnkit.tasks.tag import TagConfig, train
    train(TagConfig(steps=300), data="train.conll", out="runs/tagger")
    tagger = rnnkit.load("runs/tagger")            # a SequenceTagger
    tagger.predict(["Seoul is big", ["Seoul", "is", "big"]])   # [[tag, tag, tag], [tag, tag, tag]]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.data.batching import IGNORE, ShuffledBatches
from rnnkit.data.conll import Sentences, read_conll, write_conll
from rnnkit.data.tabular import sort_labels
from rnnkit.data.tokenize import TokenVocab, tokenizer_from_json
from rnnkit.errors import UserError
from rnnkit.metrics import probability_scores
from rnnkit.models.encoder import predict_probabilities
from rnnkit.models.tagger import Tagger
from rnnkit.tasks import Task, register
from rnnkit.tasks import _text as shared
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.train.options import settings_of, start_run
from rnnkit.train.trainer import TrainResult, seed_everything

__all__ = ["SequenceTagger", "TagConfig", "train"]

DATA_HELP = "a CoNLL file: TOKEN<tab>TAG per line, blank line between sentences"


@dataclass
class TagConfig(shared.TextModelConfig):
    """Settings of ``rnnkit train tag``."""

    steps: int | None = 500
    lr: float = 5e-3
    bidirectional: bool = True
    dropout: float = 0.1
    max_len: int = 1000


#: settings a resumed run keeps: the model's shape and the split
FROZEN = shared.FROZEN


# ------------------------------------------------------------------------------------------- data
def _tokens_are(sentences: Sentences) -> str:
    """``chars`` when every token is one character (a text is then split into characters), else ``whitespace``."""
    return "chars" if all(len(tok) == 1 for sent in sentences.tokens for tok in sent) else "whitespace"


def _check_tags_known(sentences: Sentences, tags: Sequence[str], why: str) -> None:
    """Refuse a tag outside ``tags`` (one line: file, line, column); ``why`` ends the message."""
    known = set(tags)
    for sent_tags, line in zip(sentences.tags, sentences.lines, strict=True):
        for offset, t in enumerate(sent_tags or []):
            if t not in known:
                raise UserError(f"{sentences.path}:{line + offset}: column 2 (tag): tag {t!r} {why}")


def _read_sentences(config: TagConfig, data: str, val_data: str | None) -> tuple[Sentences, Sentences]:
    sentences = read_conll(data)
    if val_data:
        return sentences, read_conll(val_data)
    if len(sentences) < 2:
        raise UserError(f"{data}: only one sentence; give --val-data or more sentences for a validation split")
    tr, va = shared.split_indices([None] * len(sentences), config)
    return sentences.subset(tr), sentences.subset(va)


def _vocabulary(ckpt: Checkpoint | None, train_s: Sentences) -> tuple[list[str], Any, str]:
    """The tags, the token vocabulary and how texts split (``chars``/``whitespace``): a resumed run's own,
    else from the training sentences."""
    if ckpt is not None:
        return (ckpt.config["tags"], tokenizer_from_json(ckpt.vocab or {}, f"{ckpt.path}/vocab.json"),
                ckpt.config.get("split", "whitespace"))
    tags = sort_labels([t for sent in train_s.tags for t in (sent or [])])
    return tags, TokenVocab.build(train_s.tokens), _tokens_are(train_s)


# ------------------------------------------------------------------------------------------- train
def train(config: TagConfig, data: str | None, out: str | Path, *, val_data: str | None = None, resume: bool = False,
          overwrite: bool = False, progress: bool | None = None, verbose: bool = True) -> TrainResult:
    """Train a sequence tagger on the CoNLL file ``data`` into ``out``; the validation sentences are
    ``val_data`` or a ``val_fraction`` of ``data``. ``resume=True`` continues the run in ``out``: its model,
    vocabulary and split come from the checkpoint (and its data, when ``data`` is None)."""
    out = Path(out)
    config.validate()
    ckpt, config = start_run(config, out, "tag", FROZEN, resume=resume, overwrite=overwrite)
    data, val_data = shared.sources(ckpt, data, val_data, DATA_HELP)
    train_s, val_s = _read_sentences(config, data, val_data)
    tags, vocab, unit = _vocabulary(ckpt, train_s)
    for part in (train_s, val_s):
        _check_tags_known(part, tags, f"is not in the training data (training tags: {', '.join(tags[:10])})")
    if len(tags) < 2:
        raise UserError(f"{data}: only one tag ({tags[0]!r}) in the training sentences; a tagger needs at least two")
    index = {t: i for i, t in enumerate(tags)}
    train_x, val_x = ([vocab.ids(sent)[: config.max_len] for sent in s.tokens] for s in (train_s, val_s))
    train_y, val_y = ([[index[t] for t in (sent or [])][: config.max_len] for sent in s.tags] for s in (train_s, val_s))
    model_kwargs = {"vocab_size": vocab.vocab_size, "num_tags": len(tags), **shared.encoder_kwargs(config)}
    model_config = {
        "task": "tag", "model": model_kwargs, "tags": tags, "split": unit, "max_len": config.max_len,
        "data": shared.data_record(data, val_data, config, (len(train_x), len(val_x)), "sentences"),
        "settings": settings_of(config),
    }
    seed_everything(config.seed)
    model = shared.new_model(lambda: Tagger(**model_kwargs), ckpt)
    batches = ShuffledBatches(train_x, train_y, config.batch_size, config.seed, tagging=True)
    if verbose:
        shared.say(f"tag: {len(train_x)} training sentences ({sum(len(x) for x in train_x)} tokens), "
                   f"{len(val_x)} validation, tags {tags}, {vocab.vocab_size} token ids ({unit}); model "
                   f"{sum(p.numel() for p in model.parameters()):,} parameters")
    return shared.fit(model, config, out, batches=batches, loss_fn=_loss_fn, eval_fn=_eval_fn(val_x, val_y, tags),
                      model_config=model_config, vocab=vocab.to_json(), ckpt=ckpt, unit="tok", overwrite=overwrite,
                      progress=progress, verbose=verbose)


def _loss_fn(m: nn.Module, batch: tuple[Tensor, Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
    ids, lengths, y = batch
    n = int((y != IGNORE).sum())
    return m.loss(m(ids, lengths), y) * n, n, None


def _eval_fn(val_x: list[list[int]], val_y: list[list[int]],
             tags: list[str]) -> Callable[[nn.Module], dict[str, float]]:
    def eval_fn(m: nn.Module) -> dict[str, float]:
        probs = predict_probabilities(m, val_x, 128)
        scores = probability_scores(torch.cat(probs), [t for sent in val_y for t in sent], tags)
        sentence_ok = sum(int(p.argmax(-1).tolist() == t) for p, t in zip(probs, val_y, strict=True))
        return {**scores, "sentence_accuracy": sentence_ok / max(len(val_y), 1)}

    return eval_fn


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train tag`` (one JSON object with ``--json``)."""
    shared.report_training(result, as_json, "tokens")


# ------------------------------------------------------------------------------------------- use
class SequenceTagger(shared.TextModel):
    """A trained sequence tagger: ``predict(texts)`` gives a tag for each token, ``evaluate(file)`` the
    per-token accuracy, macro-F1, per-tag scores and confusion matrix, ``export(path)`` an ONNX file.

    Get one with ``rnnkit.load(DIR)``. ``tags`` (also ``labels``) are the tags in the order of the
    model's outputs, ``model`` the :class:`Tagger` (eval mode).
    """

    task = "tag"
    labels_key = "tags"
    unit = "tokens"
    per_step = True

    def __init__(self, ckpt: Checkpoint) -> None:
        super().__init__(ckpt, Tagger)

    @property
    def tags(self) -> list[str]:
        """The tags in the order of the model's outputs (the same list as ``labels``)."""
        return self.labels

    def split(self, text: str) -> list[str]:
        """The tokens of ``text`` as in training: its characters for a character tagger, else its words."""
        return list(text) if self.config.get("split") == "chars" else text.split()

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """One tag per token of each sentence (tokens past ``max_len`` get ``O``, or the first tag)."""
        seqs = [self.tokenizer.ids(sent)[: self.max_len] or [1] for sent in sentences]
        out = []
        for sent, p in zip(sentences, predict_probabilities(self.model, seqs), strict=True):
            tags = [self.labels[i] for i in p.argmax(-1).tolist()]
            out.append(tags + ["O" if "O" in self.labels else self.labels[0]] * (len(sent) - len(tags)))
        return out

    def predict(self, texts: str | Sequence[str | Sequence[str]]) -> list[str] | list[list[str]]:
        """The tags of each item, a text (split as :meth:`split` does) or a list of tokens; a single text
        gives its list of tags. An empty item is refused."""
        if isinstance(texts, str):
            return self.predict([texts])[0]
        sentences = [self.split(t) if isinstance(t, str) else list(t) for t in texts]
        for text, sent in zip(texts, sentences, strict=True):
            if not sent:
                raise UserError(f"an empty TEXT argument {text!r}; give the text to tag")
        return self.tag(sentences)

    def evaluate(self, data: str, split: str = "all", png: str | Path | None = None) -> dict[str, Any]:
        """Per-token accuracy, macro-F1, per-tag precision/recall/F1 and the confusion matrix on a tagged
        CoNLL file (see :func:`rnnkit.metrics.classification_report`). ``split="val"``/``"train"``: only
        that side of the training run's own split. ``png``: draw the confusion matrix there."""
        sentences = read_conll(data)
        side = self.split_side([None] * len(sentences), split)
        if side is not None:
            sentences = sentences.subset(side)
        _check_tags_known(sentences, self.labels, f"is not one the model knows ({', '.join(self.labels[:10])})")
        index = {t: i for i, t in enumerate(self.labels)}
        y_true = [index[t] for sent in sentences.tags for t in (sent or [])]
        y_pred = [index[t] for sent in self.tag(sentences.tokens) for t in sent]
        return self.scores(y_true, y_pred, data, png)


# ------------------------------------------------------------------------------------------- CLI
def _predict_command(m: SequenceTagger, args: argparse.Namespace) -> int:
    shared.check_one_source(args)
    if args.texts:
        sentences = [m.split(t) for t in args.texts]
        for sent, tags in zip(sentences, m.predict(list(args.texts)), strict=True):
            if args.json:
                print(json.dumps({"tokens": sent, "tags": tags}, ensure_ascii=False))
            else:
                shown = repr if m.config.get("split") == "chars" else str
                print(" ".join(f"{shown(tok)}/{tag}" for tok, tag in zip(sent, tags, strict=True)))
        return 0
    sentences = read_conll(args.file, require_tags=False)
    tagged = m.tag(sentences.tokens)
    if args.output:
        write_conll(args.output, sentences.tokens, tagged)
        if not args.json:
            print(f"wrote {len(tagged)} tagged sentences to {args.output}", file=sys.stderr)
        return 0
    for sent, tags in zip(sentences.tokens, tagged, strict=True):
        for tok, tag in zip(sent, tags, strict=True):
            sys.stdout.write(f"{tok}\t{tag}\n")
        sys.stdout.write("\n")
    return 0


def _evaluate_command(m: SequenceTagger, args: argparse.Namespace) -> int:
    scores = m.evaluate(args.data, split=args.split, png=shared.evaluation_png(args))
    return shared.print_evaluation(scores, "tokens", args.json)


def _train_arguments(p: argparse.ArgumentParser) -> None:
    shared.add_model_arguments(p, TagConfig())


register(Task(
    name="tag", help="sequence tagger (one label per token) from a two-column CoNLL file",
    description="Train embedding -> recurrent stack -> per-token softmax on a CoNLL file (TOKEN<tab>TAG per "
                "line, a blank line between sentences). Bidirectional by default.",
    config=TagConfig, train=train, load=SequenceTagger, add_arguments=_train_arguments, report=report, frozen=FROZEN,
    verbs=shared.verbs(predict=("a tag for each token, from a trained tagger", _predict_command),
                       evaluate=("per-token accuracy, macro-F1, per-tag scores and confusion matrix",
                                 _evaluate_command),
                       export_help="a trained tagger as ONNX"),
))
