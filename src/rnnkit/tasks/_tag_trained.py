"""A trained tagger: :class:`SequenceTagger` (``rnnkit.load`` of a tag run): ``predict``, ``tag``, ``evaluate``
and ``export``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from rnnkit.data.slashtags import read_tagged
from rnnkit.data.spelling import MAX_CHARS, Lexicon, fold, lexicon
from rnnkit.data.tokenize import spelled_as_known
from rnnkit.errors import UserError, check_filled, check_ordered, check_read_path, check_text
from rnnkit.models.tagger import Tagger
from rnnkit.spans import is_span_tagset, span_scores
from rnnkit.tasks import _text as shared
from rnnkit.tasks import speaks_python
from rnnkit.tasks._ensemble import model_paths
from rnnkit.tasks._tag_data import _saved_chars, check_model_knows, span_way, warn_span_openings
from rnnkit.tasks._tag_decoding import _decode, _probabilities
from rnnkit.train.building import check_size
from rnnkit.train.checkpoint import Checkpoint


@speaks_python(onnx="path")  # `rnnkit export --onnx FILE` is export(path)
class SequenceTagger(shared.TextModel):
    """A trained sequence tagger: ``predict(texts)`` gives a tag for each token, ``evaluate(file)`` the
    per-token accuracy, macro-F1, per-tag scores, confusion matrix, accuracy on words unseen in training
    and (BIO/IOBES/BILUO tags) span precision/recall/F1, ``export(path)`` an ONNX file (outputs ``probabilities``
    (B, T, K) and ``tags`` (B, T), the tag ids ``predict`` gives, a CRF's Viterbi path included; a tagger
    with a spelling encoder also takes ``chars`` (B, T, L), see :meth:`_export_spelling`).

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
        self.checkpoints = [ckpt]  # one per model of an ensemble
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
        """The tokens of ``text`` as in training: its characters for a character tagger, else its words; NFC-normalised
        as the training files are (a syllable of Hangul typed as jamo is one character, not two or three), but a
        character the tagger knows only decomposed (saved before its files were read NFC) is split as it knows it
        (:func:`~rnnkit.data.tokenize.spelled_as_known`). Anything but a str is a TypeError."""
        text = unicodedata.normalize("NFC", check_text("split", text))
        if self.config.get("split") == "chars":
            return list(spelled_as_known(text, self.tokenizer.index))
        return text.split()

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """One tag per token of each sentence; a sentence longer than ``max_len`` tokens (the longest trained
        on) is tagged in consecutive pieces of ``max_len`` tokens; an empty sentence has no tags."""
        sentences = _token_lists(sentences)
        seqs, lex, owners = self._pieces(sentences)
        out: list[list[str]] = [[] for _ in sentences]
        for i, path in zip(owners, _decode(self.model, seqs, lex)[0], strict=True):
            out[i].extend(self.labels[j] for j in path)
        return out

    def token_probabilities(self, sentences: Sequence[Sequence[str]]) -> list[Tensor]:
        """Each sentence's (tokens, tags) probabilities of each tag at each token, in the order of ``tags``: the
        softmax of the scores, or with a CRF its posterior marginals p(tag at t | sentence) (whose most probable
        tags need not be the Viterbi path :meth:`tag` gives). Long sentences are read in pieces as by :meth:`tag`."""
        sentences = _token_lists(sentences, "token_probabilities")
        seqs, lex, owners = self._pieces(sentences)
        out: list[list[Tensor]] = [[] for _ in sentences]
        for i, probs in zip(owners, _probabilities(self.model, seqs, lex), strict=True):
            out[i].append(probs)
        return [torch.cat(parts) if parts else torch.zeros(0, len(self.labels)) for parts in out]

    def ensemble(self, *others: str | Path | SequenceTagger) -> SequenceTagger:
        """A tagger whose tag probabilities are the mean of this model's and those of ``others`` (model
        directories or taggers), each token tagged with its most probable tag:
        :class:`~rnnkit.tasks._tag_ensemble.TaggerEnsemble`. This tagger is left as it was.

        Each model reads the words with its own vocabulary and spelling encoder; they must have the same tags in
        the same order and split a text alike (words or characters), and another is refused naming its directory.
        A directory's model is read onto this tagger's device. Tagging costs the sum of the models' time."""
        from rnnkit.tasks._tag_ensemble import joined_taggers  # it subclasses this class

        return joined_taggers(self, others)

    def _pieces(self, sentences: list[list[str]]) -> tuple[list[list[int]], Lexicon, list[int]]:
        """The sentences cut in pieces of at most ``max_len`` tokens (none of an empty one: it was an IndexError
        from the decoder), as the type ids and lexicon the model reads, and the sentence each piece is of."""
        pieces, owners = [], []
        for i, sent in enumerate(sentences):
            for at in range(0, len(sent), self.max_len):
                pieces.append(sent[at: at + self.max_len])
                owners.append(i)
        seqs, lex = lexicon(pieces, self.tokenizer, self.chars, bool(self.config.get("fold_words", False)))
        return seqs, lex, owners

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
        for i, item in enumerate(texts):
            tokens = self.split(item) if isinstance(item, str) else list(item) if isinstance(item, Iterable) else None
            if tokens is None or not all(isinstance(t, str) for t in tokens):
                raise TypeError(f"predict takes a text or a list of texts (or of token lists); an item is {item!r}")
            if "" in tokens:  # no file or split text holds one (a character tagger's space is a token)
                raise UserError(f"texts[{i}][{tokens.index('')}] is an empty token; give each token's text")
            sentences.append(tokens)
        check_filled(sentences, "tag", lambda tokens: not tokens)
        return self.tag(sentences)

    def evaluate(self, data: str, split: str = "all", png: str | Path | None = None) -> dict[str, Any]:
        """Per-token accuracy, macro-F1, per-tag precision/recall/F1 and the confusion matrix on a tagged
        file, CoNLL or ``word/TAG`` (see :func:`rnnkit.metrics.classification_report`); ``oov_accuracy``
        over the ``oov_count`` tokens unseen in training (None when there are none); for BIO/IOBES/BILUO tags the
        span scores of :func:`rnnkit.spans.span_scores`. ``split="val"``/``"train"``: only that side of
        the training run's own split. ``png``: draw the confusion matrix there."""
        check_read_path("evaluate", "data", data, "a tagged file")
        self.check_png(png, ("the --data being read", data))
        sentences = read_tagged(data)
        side = self.split_side([None] * len(sentences), split)
        if side is not None:
            sentences = sentences.subset(side)
        check_model_knows(sentences, self.labels)
        index = {t: i for i, t in enumerate(self.labels)}
        true = [sent or [] for sent in sentences.tags]
        pred = self.tag(sentences.tokens)
        warn_span_openings(sentences, span_way(pred, self.labels), "the model's")
        report = self.scores([index[t] for s in true for t in s], [index[t] for s in pred for t in s], data, png)
        known, folded = self.tokenizer.index, bool(self.config.get("fold_words", False))
        oov = [t == p for toks, ts, ps in zip(sentences.tokens, true, pred, strict=True)
               for tok, t, p in zip(toks, ts, ps, strict=True) if (fold(tok) if folded else tok) not in known]
        report["oov_count"] = len(oov)
        report["oov_accuracy"] = sum(oov) / len(oov) if oov else None
        if is_span_tagset(self.labels):
            report.update(span_scores(true, pred))
        self.warn_trained_on(data, split, "tags", "sentences")  # once scored: not before a refusal
        return {**report, "models": model_paths(self.checkpoints)}

    def _export_spelling(self) -> tuple[int, dict[str, str]]:
        """A spelling encoder's characters, and the metadata ``rnnkit_spelling``: ``{"max_chars": N}``, a word
        longer than N characters is spelt by its first and last N // 2 (:func:`rnnkit.data.spelling.spell`);
        the characters are ``rnnkit_vocab``'s ``"chars"``, ids from 2 (1: any other character)."""
        if self.chars is None or self.model.chars is None:
            return 0, {}
        return len(self.chars.symbols), {"rnnkit_spelling": json.dumps({"max_chars": MAX_CHARS})}


def _token_lists(sentences: object, verb: str = "tag") -> list[list[str]]:
    """``sentences`` (an iterable, read once, of token lists) as lists of tokens, else a TypeError naming what
    ``verb`` (:meth:`SequenceTagger.tag`, :meth:`~SequenceTagger.token_probabilities`) takes: a text (each character
    was a sentence of its own), a number ("'int' object is not iterable") or a token that is no string (a traceback
    from the spelling encoder)."""
    expected = f"{verb} takes a list of sentences, each a list of tokens (strings); predict takes texts"
    if isinstance(sentences, str) or not isinstance(sentences, Iterable):
        raise TypeError(f"{expected}, not {type(sentences).__name__}")
    check_ordered(verb, sentences, "a list of sentences")
    out = []
    for sentence in sentences:
        tokens = list(sentence) if isinstance(sentence, Iterable) and not isinstance(sentence, str) else None
        if tokens is None or not all(isinstance(t, str) for t in tokens):
            raise TypeError(f"{expected}; a sentence is {sentence!r}")
        out.append(tokens)
    return out
