"""Sequence tagging (many-to-many, one label per token): ``rnnkit train tag``, ``predict``, ``evaluate``,
``export``.

- ``rnnkit train tag --data FILE --out DIR``: a tagger from a two-column CoNLL file (TOKEN<tab>TAG per
  line, a blank line between sentences) or a ``word/TAG`` file (one sentence per line); bidirectional by
  default. Each word is its embedding (with word dropout; ``--fold-words`` keys it by the word
  lower-cased with digits as 0) joined to a BiLSTM encoding of its spelling as written
  (``--char-encoder cnn``: a character CNN; ``--char-dim 0`` turns it off), so words unseen in training
  are tagged by their shape and affixes;
  ``--crf`` puts a linear-chain CRF on top (Viterbi decoding). A file whose tokens are all single
  characters gives a character tagger (no spelling encoder; ``predict`` then splits a text into
  characters, else on spaces).
- ``rnnkit predict DIR TEXT... | --file FILE.conll [--json] [--output OUT]``: a tag for each token; a CoNLL file
  of bare tokens in, the same file with a tag column out (``--output`` a ``.jsonl``: a sentence a line as
  ``--json`` prints it); a file of plain sentences (not CoNLL), and ``--file -`` (standard input), are read one
  sentence a line, tagged as TEXT arguments are.
- ``rnnkit evaluate DIR --data FILE [--json]``: per-token accuracy, macro-F1, per-tag precision/recall/F1
  and the confusion matrix, printed and drawn as a PNG; the accuracy on words unseen in training
  (``oov_accuracy``, ``oov_count``); for BIO/IOBES tags the span scores as conlleval counts them
  (``span_precision``, ``span_recall``, ``span_f1``, ``true_spans``, ``pred_spans``, ``correct_spans``).
- ``rnnkit export DIR --onnx FILE``: the model as ONNX (output (B, T, K) probabilities); a tagger without
  a spelling encoder or CRF only.

``OUT/best/config.json`` holds ``"task": "tag"``, the model's shape, the ``tags``, the ``split`` (how a
text becomes tokens: ``chars`` or ``whitespace``) and the data settings; ``vocab.json`` the tokens
and, under ``"chars"``, the characters of the spelling encoder.

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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.data.batching import IGNORE, ShuffledBatches, length_sorted_batches, pad_tags
from rnnkit.data.conll import NotConll, Sentences, read_conll, write_conll
from rnnkit.data.slashtags import read_tagged
from rnnkit.data.spelling import Lexicon, char_vocab, fold, lexicon
from rnnkit.data.tabular import file_format, file_lines, sort_labels
from rnnkit.data.tokenize import UNK_ID, TokenVocab, pad_batch, tokenizer_from_json
from rnnkit.errors import SettingError, UserError, check_filled, check_ordered, check_path, check_positive
from rnnkit.files import output_file
from rnnkit.metrics import classification_report
from rnnkit.models.charword import CHAR_ENCODERS
from rnnkit.models.tagger import Tagger
from rnnkit.spans import is_span_tagset, span_scores
from rnnkit.tasks import Task, register, speaks_python
from rnnkit.tasks import _text as shared
from rnnkit.train.checkpoint import Checkpoint, check_size
from rnnkit.train.options import settings_of, start_run
from rnnkit.train.provenance import data_sources
from rnnkit.train.trainer import TrainResult, seed_everything

__all__ = ["SequenceTagger", "TagConfig", "train"]

DATA_HELP = "a CoNLL file (TOKEN<tab>TAG per line, blank line between sentences) or WORD/TAG tokens, a sentence a line"
#: the error when --data is not given (nor found in a resumed run)
MISSING_DATA = f"--data FILE is required ({DATA_HELP})"
CHAR_DIM = 30  # the spelling encoder's character embedding when --char-dim is not given (word tokens)


@dataclass
class TagConfig(shared.TextModelConfig):
    """Settings of ``rnnkit train tag``: a BiLSTM over word embeddings joined to a BiLSTM encoding of each
    word's spelling (Lample et al. 2016; Plank et al. 2016), dropout 0.2, Adam at 4e-3."""

    steps: int | None = 1000
    lr: float = 4e-3
    embedding: int = 100
    hidden: int = 100
    bidirectional: bool = True
    dropout: float = 0.2
    max_len: int = 1000
    eval_every: int = 200
    char_dim: int | None = None   # character embedding of the spelling encoder; 0 = off; None: 30, or 0
                                  # when every token is one character
    char_hidden: int = 30         # its LSTM units per direction (the CNN: 2x as many filters)
    char_encoder: str = "lstm"    # lstm (a BiLSTM over the characters) | cnn (width-3 filters, max-pooled)
    fold_words: bool = False      # the word embedding's key: lower-cased, digits as 0 (spellings keep the case)
    word_dropout: float = 0.25    # alpha: a training word of frequency f becomes <unk> with p = alpha/(alpha+f)
    crf: bool = False             # a linear-chain CRF output layer (Viterbi decoding)

    def validate(self) -> None:
        """Raise :class:`SettingError` naming the first setting out of range."""
        super().validate()
        check_positive("char_hidden", self.char_hidden)
        if self.char_encoder not in CHAR_ENCODERS:
            raise SettingError("char_encoder", self.char_encoder, f"expected one of {', '.join(CHAR_ENCODERS)}")
        if self.char_dim is not None and self.char_dim < 0:
            raise SettingError("char_dim", self.char_dim, "expected 0 (off) or a positive size")
        if not self.word_dropout >= 0:
            raise SettingError("word_dropout", self.word_dropout, "expected a number >= 0 (0 = off)")


#: settings a resumed run keeps: the model's shape and the split
FROZEN = (*shared.FROZEN, "char_dim", "char_hidden", "char_encoder", "fold_words", "crf")


# ------------------------------------------------------------------------------------------- data
def _tokens_are(sentences: Sentences) -> str:
    """``chars`` when every token is one character (a text is then split into characters), else ``whitespace``."""
    return "chars" if all(len(tok) == 1 for sent in sentences.tokens for tok in sent) else "whitespace"


def _check_tags_known(sentences: Sentences, tags: Sequence[str], why: str) -> None:
    """Refuse a tag outside ``tags`` (one line: file, line, column); ``why`` ends the message."""
    known = set(tags)
    for i, sent_tags in enumerate(sentences.tags):
        for offset, t in enumerate(sent_tags or []):
            if t not in known:
                raise UserError(f"{sentences.tag_at(i, offset)}: tag {t!r} {why}")


def _read_sentences(config: TagConfig, data: str, val_data: str | None) -> tuple[Sentences, Sentences]:
    sentences = read_tagged(data)
    if val_data:
        return sentences, read_tagged(val_data)
    if len(sentences) < 2:
        raise UserError(f"{data}: only one sentence; give --val-data or more sentences for a validation split")
    tr, va = shared.split_indices([None] * len(sentences), config)
    return sentences.subset(tr), sentences.subset(va)


def _vocabulary(ckpt: Checkpoint | None, train_s: Sentences, folded: bool,
                *tag_sources: Sentences) -> tuple[list[str], Any, str]:
    """The tags, the token vocabulary and how texts split (``chars``/``whitespace``): a resumed run's own,
    else from the training sentences (the tags from ``tag_sources``: the training file's both sides; the
    words :func:`fold`-ed when ``folded``)."""
    if ckpt is not None:
        return (ckpt.config["tags"], tokenizer_from_json(ckpt.vocab or {}, f"{ckpt.path}/vocab.json"),
                ckpt.config.get("split", "whitespace"))
    tags = sort_labels([t for part in tag_sources for sent in part.tags for t in (sent or [])])
    words = [[fold(t) for t in sent] for sent in train_s.tokens] if folded else train_s.tokens
    return tags, TokenVocab.build(words), _tokens_are(train_s)


def _char_vocabulary(ckpt: Checkpoint | None, config: TagConfig, train_s: Sentences) -> TokenVocab | None:
    """The spelling encoder's characters: a resumed run's own, else the training words' (None when off)."""
    if ckpt is not None:
        return _saved_chars(ckpt.vocab or {}, f"{ckpt.path}/vocab.json")
    return char_vocab(train_s.tokens) if config.char_dim else None


def _saved_chars(vocab: dict[str, Any], where: str) -> TokenVocab | None:
    """``vocab.json["chars"]`` as a vocabulary; None for a tagger saved without one."""
    chars = vocab.get("chars")
    if chars is None:
        return None
    if not isinstance(chars, list) or not all(isinstance(c, str) for c in chars):
        raise UserError(f"{where}: field 'chars' must be a list of characters")
    return TokenVocab(chars)


def _resolve_char_dim(config: TagConfig, ckpt: Checkpoint | None, unit: str) -> TagConfig:
    """``char_dim`` None becomes 30 for word tokens, 0 for characters; a resumed run keeps its model's."""
    if ckpt is not None:
        return replace(config, char_dim=int(ckpt.config["model"].get("char_dim", 0)))
    if config.char_dim is None:
        return replace(config, char_dim=0 if unit == "chars" else CHAR_DIM)
    return config


def _folds(config: TagConfig, ckpt: Checkpoint | None, train_s: Sentences) -> bool:
    """Whether word ids are keyed by :func:`fold` of the word: a resumed run's choice, else ``fold_words``
    for word tokens read by a spelling encoder (which still sees the case); a character tagger and one
    without spellings keep the case in their ids."""
    if ckpt is not None:
        return bool(ckpt.config.get("fold_words", False))
    return config.fold_words and config.char_dim != 0 and _tokens_are(train_s) == "whitespace"


def _drop_probabilities(vocab: TokenVocab, train_s: Sentences, alpha: float, folded: bool) -> Tensor:
    """Word dropout (Kiperwasser & Goldberg 2016): p(id → <unk>) = alpha / (alpha + frequency) per word id."""
    counts = Counter(fold(tok) if folded else tok for sent in train_s.tokens for tok in sent)
    p = [0.0, 0.0] + [alpha / (alpha + counts[s]) if counts[s] else 0.0 for s in vocab.symbols[2:]]
    return torch.tensor(p)


# ------------------------------------------------------------------------------------------- train
def train(config: TagConfig, data: str | None, out: str | Path, *, val_data: str | None = None, resume: bool = False,
          overwrite: bool = False, progress: bool | None = None, verbose: bool = True) -> TrainResult:
    """Train a sequence tagger on ``data`` (a CoNLL or ``word/TAG`` file) into ``out``; the validation
    sentences are ``val_data`` or a ``val_fraction`` of ``data`` (whose tags, both sides, are the tag set).
    ``resume=True`` continues the run in ``out``: its model, vocabulary and split come from the checkpoint
    (and its data, when ``data`` is None)."""
    out = Path(out)
    config.validate()
    ckpt, config = start_run(config, out, "tag", FROZEN, resume=resume, overwrite=overwrite, data=data,
                                 val_data=val_data)
    data, val_data = data_sources(ckpt, data, val_data, MISSING_DATA)
    train_s, val_s = _read_sentences(config, data, val_data)
    # a tag seen only in the validation side of the training file is still one of its tags
    folded = _folds(config, ckpt, train_s)
    tags, vocab, unit = _vocabulary(ckpt, train_s, folded, *((train_s,) if val_data else (train_s, val_s)))
    config = _resolve_char_dim(config, ckpt, unit)
    chars = _char_vocabulary(ckpt, config, train_s)
    for part in (train_s, val_s):
        _check_tags_known(part, tags, f"is not in the training data (training tags: {', '.join(tags[:10])})")
    if len(tags) < 2:
        raise UserError(f"{data}: only one tag ({tags[0]!r}) in the training sentences; a tagger needs at least two")
    index = {t: i for i, t in enumerate(tags)}
    (train_x, train_lex), (val_x, val_lex) = (lexicon([sent[: config.max_len] for sent in s.tokens], vocab, chars,
                                                      folded) for s in (train_s, val_s))
    train_y, val_y = ([[index[t] for t in (sent or [])][: config.max_len] for sent in s.tags] for s in (train_s, val_s))
    model_kwargs = {"vocab_size": vocab.vocab_size, "num_tags": len(tags), **shared.encoder_kwargs(config),
                    "num_chars": chars.vocab_size if chars else 0, "char_dim": config.char_dim or 0,
                    "char_hidden": config.char_hidden, "char_encoder": config.char_encoder, "crf": config.crf}
    model_config = {
        "task": "tag", "model": model_kwargs, "tags": tags, "split": unit, "fold_words": folded,
        "max_len": config.max_len,
        "data": shared.data_record(data, val_data, config, (len(train_x), len(val_x)), "sentences"),
        "settings": settings_of(config),
    }
    seed_everything(config.seed)
    model = shared.new_model(Tagger, model_kwargs, config, ckpt)
    batches = ShuffledBatches(train_x, train_y, config.batch_size, config.seed, tagging=True)
    if verbose:
        shared.say(f"tag: {len(train_x)} training sentences ({sum(len(x) for x in train_x)} tokens), "
                   f"{len(val_x)} validation, tags {tags}, {vocab.vocab_size} token ids ({unit}), "
                   f"{chars.vocab_size if chars else 'no'} character ids; model "
                   f"{sum(p.numel() for p in model.parameters()):,} parameters")
    saved_vocab = {**vocab.to_json(), **({"chars": chars.symbols[2:]} if chars else {})}
    drop = _drop_probabilities(vocab, train_s, config.word_dropout, folded)
    return shared.fit(model, config, out, batches=batches, loss_fn=_loss_fn(train_lex, drop),
                      eval_fn=_eval_fn(val_x, val_lex, val_y, tags), model_config=model_config, vocab=saved_vocab,
                      ckpt=ckpt, unit="tok", overwrite=overwrite, progress=progress, verbose=verbose)


def _scores(m: Tagger, lex: Lexicon, tix: Tensor, lengths: Tensor, drop: Tensor | None = None) -> Tensor:
    """The model's tag scores for a padded batch of type indices (``drop``: word dropout per word id). The
    lexicon's lookups run where it lives, on the CPU; the model's work on its own device."""
    tix = tix.cpu()
    ids = lex.words[tix]
    if drop is not None:
        ids = ids.masked_fill(torch.rand(ids.shape) < drop[ids], UNK_ID)
    device = m.head.weight.device
    rows, index = torch.unique(tix, return_inverse=True)  # each distinct word's spelling is encoded once
    return m(ids.to(device), lengths.to(device), lex.chars[rows].to(device), lex.lengths[rows].to(device),
             index.to(device))


def _loss_fn(lex: Lexicon, drop: Tensor) -> Callable[..., tuple[Tensor, int, None]]:
    def loss_fn(m: Tagger, batch: tuple[Tensor, Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
        tix, lengths, y = batch
        n = int((y != IGNORE).sum())
        return m.loss(_scores(m, lex, tix, lengths, drop), y.to(m.head.weight.device)) * n, n, None

    return loss_fn


@torch.no_grad()
def _decode(m: Tagger, seqs: Sequence[Sequence[int]], lex: Lexicon, targets: Sequence[Sequence[int]] | None = None,
            batch_size: int = 128) -> tuple[list[list[int]], float]:
    """The tag ids of each sentence (in input order) and, given ``targets``, the mean loss per token."""
    m.eval()
    out: list[list[int]] = [[] for _ in seqs]
    total, count = 0.0, 0
    for idx in length_sorted_batches(seqs, batch_size):
        tix, lengths = pad_batch([seqs[i] for i in idx])
        scores = _scores(m, lex, tix, lengths)
        for i, path in zip(idx, m.decode(scores, lengths), strict=True):
            out[i] = path
        if targets is not None:
            y = pad_tags([list(targets[i]) for i in idx], tix.shape[1]).to(scores.device)
            n = int((y != IGNORE).sum())
            total, count = total + float(m.loss(scores, y)) * n, count + n
    return out, total / max(count, 1)


def _eval_fn(val_x: list[list[int]], val_lex: Lexicon, val_y: list[list[int]],
             tags: list[str]) -> Callable[[nn.Module], dict[str, float]]:
    spans = is_span_tagset(tags)

    def eval_fn(m: nn.Module) -> dict[str, float]:
        paths, loss = _decode(m, val_x, val_lex, val_y)  # type: ignore[arg-type]
        report = classification_report([t for s in val_y for t in s], [t for s in paths for t in s], tags)
        scores = {"loss": loss, "accuracy": report["accuracy"], "macro_f1": report["macro_f1"],
                  "sentence_accuracy": sum(p == t for p, t in zip(paths, val_y, strict=True)) / max(len(val_y), 1)}
        if spans:
            named = [[tags[i] for i in s] for s in paths]
            scores["span_f1"] = float(span_scores([[tags[i] for i in s] for s in val_y], named)["span_f1"])
        return scores

    return eval_fn


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train tag`` (one JSON object with ``--json``)."""
    shared.report_training(result, as_json, "tokens")


# ------------------------------------------------------------------------------------------- use
@speaks_python(onnx="path")  # `rnnkit export --onnx FILE` is export(path)
class SequenceTagger(shared.TextModel):
    """A trained sequence tagger: ``predict(texts)`` gives a tag for each token, ``evaluate(file)`` the
    per-token accuracy, macro-F1, per-tag scores, confusion matrix, accuracy on words unseen in training
    and (BIO/IOBES tags) span precision/recall/F1, ``export(path)`` an ONNX file.

    Get one with ``rnnkit.load(DIR)``. ``tags`` (also ``labels``) are the tags in the order of the
    model's outputs, ``model`` the :class:`Tagger` (eval mode).
    """

    task = "tag"
    labels_key = "tags"
    unit = "tokens"
    per_step = True

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        super().__init__(ckpt, Tagger)
        ckpt = self.checkpoint
        self.chars = _saved_chars(ckpt.vocab or {}, str(ckpt.path / "vocab.json"))
        if self.model.chars is not None and self.chars is None:
            raise UserError(f"{ckpt.path / 'vocab.json'}: missing field 'chars' (the spelling encoder's characters)")
        if self.chars is not None:
            check_size(ckpt, "the spelling encoder's characters", len(self.chars.symbols), "num_chars")

    @property
    def tags(self) -> list[str]:
        """The tags in the order of the model's outputs (the same list as ``labels``)."""
        return self.labels

    def split(self, text: str) -> list[str]:
        """The tokens of ``text`` as in training: its characters for a character tagger, else its words."""
        return list(text) if self.config.get("split") == "chars" else text.split()

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """One tag per token of each sentence; a sentence longer than ``max_len`` tokens (the longest trained
        on) is tagged in consecutive pieces of ``max_len`` tokens; an empty sentence has no tags."""
        sentences = _token_lists(sentences)
        pieces, owners = [], []
        for i, sent in enumerate(sentences):
            for at in range(0, len(sent), self.max_len):  # an empty one was an IndexError from the decoder
                pieces.append(sent[at: at + self.max_len])
                owners.append(i)
        seqs, lex = lexicon(pieces, self.tokenizer, self.chars, bool(self.config.get("fold_words", False)))
        out: list[list[str]] = [[] for _ in sentences]
        for i, path in zip(owners, _decode(self.model, seqs, lex)[0], strict=True):
            out[i].extend(self.labels[j] for j in path)
        return out

    def predict(self, texts: str | Sequence[str | Sequence[str]]) -> list[str] | list[list[str]]:
        """The tags of each item, a text (split as :meth:`split` does) or a list of tokens; a single text
        gives its list of tags, a list a list in its order (a set, which has none, is a TypeError). An empty
        item is refused, a list's by its place (``texts[1] is empty``)."""
        if isinstance(texts, str):
            if not self.split(texts):
                raise UserError(f"an empty text {texts!r}; give the text to tag")
            return self.predict([texts])[0]
        if not isinstance(texts, Iterable):
            raise TypeError(f"predict takes a text or a list of texts (or of token lists), not {type(texts).__name__}")
        check_ordered("predict", texts, "a text or a list of texts (or of token lists)")
        texts, sentences = list(texts), []
        for item in texts:
            tokens = self.split(item) if isinstance(item, str) else list(item) if isinstance(item, Iterable) else None
            if tokens is None or not all(isinstance(t, str) for t in tokens):
                raise TypeError(f"predict takes a text or a list of texts (or of token lists); an item is {item!r}")
            sentences.append(tokens)
        check_filled(sentences, "tag", lambda tokens: not tokens)
        return self.tag(sentences)

    def evaluate(self, data: str, split: str = "all", png: str | Path | None = None) -> dict[str, Any]:
        """Per-token accuracy, macro-F1, per-tag precision/recall/F1 and the confusion matrix on a tagged
        file, CoNLL or ``word/TAG`` (see :func:`rnnkit.metrics.classification_report`); ``oov_accuracy``
        over the ``oov_count`` tokens unseen in training (None when there are none); for BIO/IOBES tags the
        span scores of :func:`rnnkit.spans.span_scores`. ``split="val"``/``"train"``: only that side of
        the training run's own split. ``png``: draw the confusion matrix there."""
        check_path("evaluate", data, "a tagged file (a str or a path)")
        self.check_png(png, ("the --data being read", data))
        sentences = read_tagged(data)
        side = self.split_side([None] * len(sentences), split)
        if side is not None:
            sentences = sentences.subset(side)
        _check_tags_known(sentences, self.labels, f"is not one the model knows ({', '.join(self.labels[:10])})")
        index = {t: i for i, t in enumerate(self.labels)}
        true = [sent or [] for sent in sentences.tags]
        pred = self.tag(sentences.tokens)
        report = self.scores([index[t] for s in true for t in s], [index[t] for s in pred for t in s], data, png)
        known, folded = self.tokenizer.index, bool(self.config.get("fold_words", False))
        oov = [t == p for toks, ts, ps in zip(sentences.tokens, true, pred, strict=True)
               for tok, t, p in zip(toks, ts, ps, strict=True) if (fold(tok) if folded else tok) not in known]
        report["oov_count"] = len(oov)
        report["oov_accuracy"] = sum(oov) / len(oov) if oov else None
        if is_span_tagset(self.labels):
            report.update(span_scores(true, pred))
        return report

    def export(self, path: str | Path, check: bool = True) -> dict[str, Any]:
        """The model as ONNX (see :meth:`TextModel.export`); a tagger with a spelling encoder or a CRF is
        refused (its inputs are not token ids alone, its decoding not a softmax)."""
        if self.model.chars is not None or self.model.crf is not None:
            raise UserError(f"{self.checkpoint.path}: ONNX export covers taggers without a spelling encoder or CRF; "
                            "train with --char-dim 0 and without --crf to export")
        return super().export(path, check)


def _token_lists(sentences: object) -> list[list[str]]:
    """``sentences`` (an iterable, read once, of token lists) as lists of tokens, else a TypeError naming what
    :meth:`SequenceTagger.tag` takes: a text (each character was a sentence of its own), a number ("'int'
    object is not iterable") or a token that is no string (a traceback from the spelling encoder)."""
    expected = "tag takes a list of sentences, each a list of tokens (strings); predict takes texts"
    if isinstance(sentences, str) or not isinstance(sentences, Iterable):
        raise TypeError(f"{expected}, not {type(sentences).__name__}")
    check_ordered("tag", sentences, "a list of sentences")
    out = []
    for sentence in sentences:
        tokens = list(sentence) if isinstance(sentence, Iterable) and not isinstance(sentence, str) else None
        if tokens is None or not all(isinstance(t, str) for t in tokens):
            raise TypeError(f"{expected}; a sentence is {sentence!r}")
        out.append(tokens)
    return out


# ------------------------------------------------------------------------------------------- CLI
def _json_line(tokens: Sequence[str], tags: Sequence[str]) -> str:
    """One sentence as ``predict --json`` prints it, from TEXT arguments or a file alike."""
    return json.dumps({"tokens": list(tokens), "tags": list(tags)}, ensure_ascii=False)


def _refuse_columns(args: argparse.Namespace) -> None:
    """``--text-column``/``--label-column`` (the flags ``predict`` and ``evaluate`` share with the classifier)
    name columns of a CSV/TSV/JSONL file; the tagger's files have none, so a given one is refused, not ignored."""
    for flag in ("text_column", "label_column"):
        if getattr(args, flag, None) is not None:
            raise UserError(f"--{flag.replace('_', '-')}: applies to classifiers (CSV, TSV or JSONL files); a "
                            "tagger reads CoNLL (TOKEN<tab>TAG) or WORD/TAG files, whose columns have no names")


def _output_format(path: str) -> str:
    """``predict --output``'s format from its extension: ``jsonl`` (``.jsonl``, ``.ndjson``: a sentence a line, as
    ``--json`` prints it) or ``conll`` (any other); a ``.csv`` or ``.tsv`` is refused (a tagger has no table)."""
    fmt = file_format(path)
    if fmt == "jsonl":
        return fmt
    if str(path).lower().endswith((".csv", ".tsv", ".tab")):
        raise UserError(f"--output {path}: a tagger writes CoNLL (TOKEN<tab>TAG lines, e.g. .conll or .txt) or JSON "
                        "Lines (.jsonl: one sentence's tokens and tags a line), not a CSV/TSV table")
    return "conll"


def _write_tagged(path: str, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]]) -> None:
    if _output_format(path) == "conll":
        write_conll(path, sentences, tags)
        return
    with output_file(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for sent, sent_tags in zip(sentences, tags, strict=True):
            fh.write(_json_line(sent, sent_tags) + "\n")


def _predict_command(m: SequenceTagger, args: argparse.Namespace) -> int:
    _refuse_columns(args)
    shared.check_one_source(args)
    shared.check_output(m, args)  # a refused --output before any tagging
    if args.output:
        _output_format(args.output)
    texts = shared.given_texts(args)  # TEXT arguments, or one sentence a line of standard input (--file -)
    source = _file_to_tag(args.file, m.labels) if texts is None else texts
    if isinstance(source, list):
        _tag_texts(m, source, args)
    else:
        _tag_conll(m, source, args)
    return 0


def _tag_texts(m: SequenceTagger, texts: list[str], args: argparse.Namespace) -> None:
    """Sentences given as texts: ``token/TAG ...`` a line, a JSON object a line, or ``--output``."""
    sentences = [m.split(t) for t in texts]
    for text, sent in zip(texts, sentences, strict=True):
        if not sent:
            raise UserError(f"an empty TEXT argument {text!r}; give the text to tag")
    predicted = m.predict(texts)
    if args.output:
        _write_tagged(args.output, sentences, predicted)
        return
    for sent, tags in zip(sentences, predicted, strict=True):
        if args.json:
            print(_json_line(sent, tags))
        else:
            shown = repr if m.config.get("split") == "chars" else str
            print(" ".join(f"{shown(tok)}/{tag}" for tok, tag in zip(sent, tags, strict=True)))


def _tag_conll(m: SequenceTagger, sentences: Sentences, args: argparse.Namespace) -> None:
    """A CoNLL file's sentences: the same file with a tag column, a JSON object a sentence, or ``--output``."""
    tagged = m.tag(sentences.tokens)
    if args.output:
        _write_tagged(args.output, sentences.tokens, tagged)
        if not args.json:
            print(f"wrote {len(tagged)} tagged sentences to {args.output}", file=sys.stderr)
        return
    for sent, tags in zip(sentences.tokens, tagged, strict=True):
        if args.json:  # one JSON object per sentence, as for TEXT arguments
            print(_json_line(sent, tags))
            continue
        for tok, tag in zip(sent, tags, strict=True):
            sys.stdout.write(f"{tok}\t{tag}\n")
        sys.stdout.write("\n")


def _file_to_tag(path: str, tags: Sequence[str]) -> Sentences | list[str]:
    """What ``predict --file`` tags: a CoNLL file's sentences, or the non-blank lines of a file of plain
    sentences, one a line. A file is plain sentences when its lines have different numbers of words, or
    when it is one block of lines (no blank line) whose last column is not tags the model knows: three
    sentences of three words each read as CoNLL were one sentence of their first words."""
    try:
        sentences = read_conll(path, require_tags=False)
    except NotConll:
        return _plain_sentences(path)
    only = sentences.tags[0] if len(sentences) == 1 else None
    if only is not None and len(only) > 1 and not set(only) <= set(tags):
        return _plain_sentences(path)
    return sentences


def _plain_sentences(path: str) -> list[str]:
    shared.say(f"{path}: read as one sentence a line (not CoNLL: a token and its tag a line)")
    return [line.strip() for line in file_lines(Path(path)) if line.strip()]


def _evaluate_command(m: SequenceTagger, args: argparse.Namespace) -> int:
    _refuse_columns(args)
    scores = m.evaluate(args.data, split=args.split, png=shared.evaluation_png(args))
    shared.print_evaluation(scores, "tokens", args.json)
    if not args.json:
        oov = "n/a" if scores["oov_accuracy"] is None else f"{scores['oov_accuracy']:.4f}"
        print(f"accuracy on words unseen in training {oov} ({scores['oov_count']} tokens)")
        if "span_f1" in scores:
            print(f"spans (conlleval): precision {scores['span_precision']:.4f}  recall {scores['span_recall']:.4f}  "
                  f"F1 {scores['span_f1']:.4f}  ({scores['correct_spans']} correct of {scores['true_spans']} true, "
                  f"{scores['pred_spans']} predicted)")
    return 0


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = TagConfig()
    shared.add_model_arguments(p, d)
    g = p.add_argument_group("tagger")
    g.add_argument("--char-dim", type=int, help=f"character embedding of the spelling encoder, 0 = no spelling "
                   f"encoder (default {CHAR_DIM} for word tokens, 0 when every token is one character)")
    g.add_argument("--char-hidden", type=int,
                   help=f"spelling encoder LSTM units per direction; with --char-encoder cnn half its "
                   f"filters (default {d.char_hidden})")
    g.add_argument("--word-dropout", type=float, help="alpha of word dropout: a training word seen f times becomes "
                   f"<unk> with probability alpha/(alpha+f); 0 = off (default {d.word_dropout})")
    g.add_argument("--char-encoder", choices=CHAR_ENCODERS, help="how the spelling encoder reads a word's "
                   f"characters: lstm (a BiLSTM) or cnn (width-3 filters, max-pooled; faster) "
                   f"(default {d.char_encoder})")
    g.add_argument("--fold-words", action=argparse.BooleanOptionalAction, default=None,
                   help="key the word embedding by the word lower-cased with digits as 0 (the spelling encoder still "
                   f"sees the word as written) (default {'on' if d.fold_words else 'off'})")
    g.add_argument("--crf", action=argparse.BooleanOptionalAction, default=None,
                   help="a linear-chain CRF output layer with Viterbi decoding (default off)")


register(Task(
    name="tag", help="sequence tagger (one label per token) from a two-column CoNLL file",
    description="Train [word embedding + character BiLSTM of its spelling] -> recurrent stack -> per-token "
                "softmax (or --crf) on a CoNLL file (TOKEN<tab>TAG per line, a blank line between sentences) or "
                "a WORD/TAG file (a sentence a line). Bidirectional by default.",
    config=TagConfig, train=train, load=SequenceTagger, add_arguments=_train_arguments, report=report, frozen=FROZEN,
    verbs=shared.verbs(predict=("a tag for each token, from a trained tagger", _predict_command),
                       evaluate=("per-token accuracy, macro-F1, per-tag scores and confusion matrix",
                                 _evaluate_command),
                       export_help="a trained tagger as ONNX"),
))
