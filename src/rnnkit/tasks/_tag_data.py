"""The tagger's data: the training and validation sentences, the tag set and its checks, the token and
character vocabularies (a resumed run's own), whether words are folded, and word dropout's probabilities.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import torch
from torch import Tensor

from rnnkit.data.conll import Sentences
from rnnkit.data.slashtags import read_tagged
from rnnkit.data.spelling import char_vocab, fold
from rnnkit.data.split import warn_validation_trained
from rnnkit.data.tabular import saved_labels, sort_labels
from rnnkit.data.tokenize import TokenVocab, tokenizer_from_json
from rnnkit.errors import UserError, report_warnings, warn
from rnnkit.files import same_file
from rnnkit.spans import is_span_tagset, label_openings, span_openings
from rnnkit.tasks import _text as shared
from rnnkit.tasks._tag_config import CHAR_DIM, TagConfig
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.wording import counted


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


def check_model_knows(sentences: Sentences, labels: Sequence[str]) -> None:
    """Refuse a tag of ``sentences`` that a trained tagger (its ``labels``) does not know, naming where it is, as
    ``evaluate`` and ``rnnkit report`` both do."""
    _check_tags_known(sentences, labels, f"is not one the model knows ({', '.join(labels[:10])})")


def _keys(sentences: Sentences) -> Iterator[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each sentence as its tokens and tags, what :func:`~rnnkit.data.split.warn_validation_trained` compares, made
    one at a time (a list of them was a second copy of a large training corpus's sentences)."""
    return ((tuple(tokens), tuple(tags or ())) for tokens, tags in zip(sentences.tokens, sentences.tags, strict=True))


def _read_sentences(config: TagConfig, data: str, val_data: str | None) -> tuple[Sentences, Sentences]:
    sentences = read_tagged(data)
    warn_span_openings(sentences)
    warn_lone_types(sentences)
    warn_stray_tags(sentences)
    if val_data:
        val = read_tagged(val_data)
        warn_validation_trained(data, val_data, _keys(sentences), list(_keys(val)), "sentences",
                                "loss, accuracy and F1")
        if not same_file(data, val_data):  # the training file given again: its warning is said
            warn_span_openings(val, span_way(sentences.tags), f"the training file {data}'s")
        return sentences, val
    if len(sentences) < 2:
        raise UserError(f"{data}: only one sentence; give --val-data or more sentences for a validation split")
    tr, va = shared.split_indices([None] * len(sentences), config)
    return sentences.subset(tr), sentences.subset(va)


def warn_lone_types(sentences: Sentences) -> None:
    """Warn of a span type written on one token only of a training file, one slip of typing away from another of its
    types (:func:`_one_slip`: a ``B-PRE`` among many ``B-PER``), naming its line: a typo in the tag column was trained
    as a type of its own, unsaid. Types seen more than once, and the tags of a file that are not span tags, are not
    looked at; nor is a rare type of its own spelt like a common one (OntoNotes' ``PERCENT`` beside ``PERSON``,
    ``CARDINAL`` beside ``ORDINAL``, GermEval's ``PERpart`` beside ``PER``), which a likeness of spelling named."""
    if not is_span_tagset(sorted({t for tags in sentences.tags for t in tags or []})):
        return
    kinds = Counter(t.partition("-")[2] for tags in sentences.tags for t in tags or [] if t != "O")
    for kind in (k for k, n in kinds.items() if n == 1):
        near = max((k for k, n in kinds.items() if n > 1 and _one_slip(kind, k)), key=kinds.__getitem__, default=None)
        if near is not None:
            where = _first(sentences, lambda t, kind=kind: t.partition("-")[2] == kind)
            with report_warnings():
                warn(f"{where}: the only token of type {kind} in the file, beside type {near} "
                     f"({counted(kinds[near], 'token')}): a typo? It is trained as a type of its own; correct the "
                     "tag if so")


def _one_slip(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ, case aside, by one slip of typing: a letter wrong, missing or extra, or two
    neighbours swapped (``PRE`` for ``PER``)."""
    a, b = sorted((a.casefold(), b.casefold()), key=len)
    if len(b) - len(a) > 1:
        return False
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))  # the first that differs
    if len(a) < len(b):
        return a[i:] == b[i + 1:]
    return a[i + 1:] == b[i + 1:] or (a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:])


def warn_stray_tags(sentences: Sentences) -> None:
    """Warn where a training file's tags are span tags (IOB, IOBES, BILUO) but for one or two that are neither ``O``
    nor a prefix and a type (a ``0`` typed for ``O``, a ``B_PER``), naming the first line of each: its tagger gets
    no span scores (``evaluate``'s conlleval line, ``--keep-by span_f1``), which was unsaid."""
    written = Counter(t for tags in sentences.tags for t in tags or [])
    stray = [t for t in written if t != "O" and not is_span_tagset([t])]
    if not 0 < len(stray) <= 2 or len(written) - len(stray) - ("O" in written) < 2:
        return
    with report_warnings():
        for tag in stray:
            warn(f"{_first(sentences, lambda t, tag=tag: t == tag)}: neither O nor a span tag (B-, I-, E-, S-, L- "
                 "or U- and a type) as the file's other tags are: a tagger of these tags gets no span scores "
                 "(conlleval's, evaluate's span F1); correct the tag if it is a typo")


def _first(sentences: Sentences, wanted: Callable[[str], bool]) -> str:
    """Where the first tag of ``sentences`` that is ``wanted`` is written, and the tag (``FILE:LINE: column C (tag)
    'B-PRE'``), for a warning."""
    return next(f"{sentences.tag_at(i, offset)} {t!r}" for i, tags in enumerate(sentences.tags)
                for offset, t in enumerate(tags or []) if wanted(t))


#: how a span's first tag is written, by its prefix (:func:`~rnnkit.spans.span_openings`)
_OPENED = {"I": "I- as in IOB1 (CoNLL-2003's original files)", "B": "B- as in IOB2"}


def _openings(sentences: Sentences) -> dict[str, str]:
    """Where the sentences' first span opened by ``I-`` and their first opened by ``B-`` are (``FILE:LINE: column C
    (tag) 'I-PER'``), by prefix; a prefix no span opens with is missing."""
    found: dict[str, str] = {}
    for i, tags in enumerate(sentences.tags):
        for prefix, offset in span_openings(tags or []).items():
            found.setdefault(prefix, f"{sentences.tag_at(i, offset)} {(tags or [])[offset]!r}")
        if len(found) == len(_OPENED):
            break
    return found


def span_way(tagged: Sequence[Sequence[str] | None], labels: Sequence[str] | None = None) -> str | None:
    """The one way spans are opened, for :func:`warn_span_openings`: in ``tagged``, a training file's tags; or,
    given ``labels``, by a model of those labels whose guesses are ``tagged``. ``"I"`` (IOB1), ``"B"`` (IOB2), or
    ``"IOBES"`` or ``"BILUO"`` where the tags (the labels) mark a span's end (those open spans with ``B-`` too); None
    where spans open both ways or the way is unknown. A model's way is its labels' (``I`` where a type has ``I-`` and
    no ``B-``, surely IOB1: :func:`~rnnkit.spans.label_openings`); where they say ``B-``, that way only where more of
    its guesses open a span with ``B-`` than with ``I-``. Labels with ``B-`` for each type are IOB2's and also an IOB1
    corpus's with two spans of each type side by side somewhere, whose tagger opens with ``I-``; and the guesses of a
    half-trained IOB2 tagger may open with ``I-``: the way is unknown then (not for labels that mark a span's end,
    surely IOBES's or BILUO's)."""
    counts = Counter(prefix for tags in tagged for prefix in span_openings(tags or []))
    opened = set(counts) if labels is None else label_openings(labels)
    written = labels if labels is not None else (t for tags in tagged for t in tags or [])  # no copy of a corpus
    ends = {t[:2] for t in written} & _ENDED
    if len(opened) != 1:
        return None  # both ways, or no span
    way = opened.pop()
    if ends and way == "B":
        return "BILUO" if ends & {"L-", "U-"} else "IOBES"
    model_unsure = labels is not None and way == "B" and counts["B"] <= counts["I"]  # its guesses open with I- as often
    return None if model_unsure else way


def warn_span_openings(sentences: Sentences, way: str | None = None, whose: str = "") -> None:
    """Warn where a tagged file opens spans both with ``I-`` (IOB1) and with ``B-`` (IOB2), or (given the ``way``
    ``whose`` spans open, the training file's or the model's: :func:`span_way`) only the other way: a tagger is taught
    two tags for a span's first token, and token accuracy counts one wrong where the other is written, while the span
    scores (conlleval's) read both alike. Such a file was read without a word. A file of IOBES or BILUO tags (any
    ``E-``, ``S-``, ``L-`` or ``U-``) is none of the two, and not looked at; a ``way`` of IOBES or BILUO is named so
    (not IOB2, though they too open spans with ``B-``), and an IOB2 file beside it is warned of too: it marks no
    span's end, so a span's last token and a one-token span are counted wrong where the model writes them its way."""
    if any(t[:2] in _ENDED for tags in sentences.tags for t in tags or []):
        return
    found = _openings(sentences)
    harm = ("token accuracy and per-tag scores count a span's first token wrong wherever the two differ (the span "
            "scores, conlleval's, read both alike)")
    if len(found) == len(_OPENED):
        message = (f"{sentences.path}: spans open with {_OPENED['I']} (first: {found['I']}) and with {_OPENED['B']} "
                   f"(first: {found['B']}): the tagger is taught two tags for a span's first token, and {harm}; write "
                   "every span one way (IOB2: its first tag B-)")
    elif way is not None and len(found) == 1 and ("B" if way in _SCHEMES else way) not in found:
        (mine, where), = found.items()
        said, advice = ((f"B- as in {way}", f"the file as {way}: {_SCHEMES[way]}") if way in _SCHEMES
                        else (_OPENED[way], "IOB1 to IOB2: a span's first I- made B-"))
        message = (f"{sentences.path}: its spans open with {_OPENED[mine]} (first: {where}), {whose} with {said}: "
                   f"{harm}; write both one way ({advice})")
    elif way in _SCHEMES and found:
        message = _unended(sentences.path, found["B"], way, whose)
    else:
        return
    with report_warnings():
        warn(message)


def _unended(path: str, where: str, way: str, whose: str) -> str:
    """The warning of an IOB2 file (its first span opened at ``where``) beside ``whose`` tags of the ``way`` IOBES or
    BILUO: both open spans with ``B-``, but the file marks no span's end."""
    last, single = ("E-", "S-") if way == "IOBES" else ("L-", "U-")
    return (f"{path}: its spans are written as IOB2, marking no span's end (first span: {where}), {whose} as {way}: "
            f"token accuracy and per-tag scores count a span's last token ({last}) and a span of one token ({single}) "
            f"wrong wherever the two differ (the span scores, conlleval's, read both alike); write both one way (the "
            f"file as {way}: {_SCHEMES[way]})")


#: the prefixes of the tag schemes that mark a span's end (IOBES's, spaCy's BILUO's), and how each writes a span
_ENDED = {"E-", "S-", "L-", "U-"}
_SCHEMES = {"IOBES": "a span's first tag B-, its last E-, a span of one token S-",
            "BILUO": "a span's first tag B-, its last L-, a span of one token U-"}


def _vocabulary(ckpt: Checkpoint | None, train_s: Sentences, folded: bool,
                *tag_sources: Sentences) -> tuple[list[str], Any, str]:
    """The tags, the token vocabulary and how texts split (``chars``/``whitespace``): a resumed run's own,
    else from the training sentences (the tags from ``tag_sources``: the training file's both sides; the
    words :func:`fold`-ed when ``folded``)."""
    if ckpt is not None:
        tags = saved_labels(ckpt.config.get("tags"), f"{ckpt.path}/config.json", "tags")
        vocab = tokenizer_from_json(ckpt.vocab or {}, f"{ckpt.path}/vocab.json")
        return tags, vocab, ckpt.config.get("split", "whitespace")
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


def _folds(config: TagConfig, ckpt: Checkpoint | None, train_s: Sentences, data: str) -> bool:
    """Whether word ids are keyed by :func:`fold` of the word: a resumed run's choice, else ``fold_words``
    for word tokens read by a spelling encoder (which still sees the case); a character tagger and one
    without spellings keep the case in their ids. A refusal of --fold-words names the file, ``data``."""
    if ckpt is not None:
        return bool(ckpt.config.get("fold_words", False))
    if not config.fold_words:
        return False
    if _tokens_are(train_s) == "chars":   # given, and it would be dropped without a word
        raise UserError(f"{data}: its tokens are single characters, each its own key; --fold-words folds the "
                        "words of a tagger of words")
    if config.char_dim == 0:
        raise UserError("--fold-words keys words for a tagger that also reads their spelling, which keeps the "
                        "case; with --char-dim 0 there is none: leave out --fold-words or --char-dim 0")
    return True


def _drop_probabilities(vocab: TokenVocab, train_s: Sentences, alpha: float, folded: bool) -> Tensor:
    """Word dropout (Kiperwasser & Goldberg 2016): p(id → <unk>) = alpha / (alpha + frequency) per word id."""
    counts = Counter(fold(tok) if folded else tok for sent in train_s.tokens for tok in sent)
    p = [0.0, 0.0] + [alpha / (alpha + counts[s]) if counts[s] else 0.0 for s in vocab.symbols[2:]]
    return torch.tensor(p)
