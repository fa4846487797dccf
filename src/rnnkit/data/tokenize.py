"""Tokenizers that turn texts into id sequences, and padding of id sequences into batches with lengths.

What a user gets:

- :class:`CharVocab` (the default): one id per character seen in training (Unicode NFC, so Hangul
  syllables typed as jamo sequences and as precomposed syllables are the same). Works for any script;
  the character language model uses it too, in its own layout.
- :class:`WordTokenizer`: one id per word (runs of letters/digits, runs of punctuation) seen in training.
- :class:`NgramTokenizer`: the words and each pair of neighbouring words (fastText's word bigrams).
- ``char_ngrams=(3, 6)`` on either of those two: each word also brings the ids of its character n-grams
  (fastText's subwords, :func:`char_ngrams`), hashed (:func:`fasttext_hash`) into ``buckets`` ids after
  the vocabulary, so unseen words, misspellings and compounds still have features.
- :class:`BPETokenizer`: byte-pair encoding subwords trained on the training texts with Hugging Face
  ``tokenizers`` (no pretrained download), saved with the model as JSON.
- :class:`TokenVocab`: one id per whole token (a word, or a tag), used by the tagger.
- :func:`pad_batch`: a ``(B, T)`` LongTensor padded with id 0 and a ``(B,)`` tensor of lengths.

Every tokenizer reserves id 0 for padding and id 1 for unknown input; ``to_json``/:func:`tokenizer_from_json`
save and restore it (``vocab.json`` in a model directory).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from typing import Any

import numpy as np
import torch

from rnnkit import errors
from rnnkit.errors import RnnkitWarning, UserError, first_repeated
from rnnkit.wording import counted

__all__ = [
    "PAD",
    "UNK",
    "UNK_CHAR",
    "BPETokenizer",
    "CharVocab",
    "UnknownCharacterWarning",
    "unknown_tokens",
    "TokenVocab",
    "NgramTokenizer",
    "WordTokenizer",
    "build_tokenizer",
    "char_ngrams",
    "decode_ids",
    "fasttext_hash",
    "id_symbols",
    "join_words",
    "pad_batch",
    "spelled_as_known",
    "tokenizer_from_json",
    "warn_unknown",
    "written_form",
]

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def spelled_as_known(text: str, known: Container[str]) -> str:
    """``text`` in the spelling of a model whose characters are ``known``: a character it does not know, but whose
    decomposition (NFD: a letter and its combining accent, a Hangul syllable's jamo) it knows every part of, is
    written decomposed. A model trained before its input was read NFC-normalised kept the characters as typed (NFD
    where macOS wrote them), and the composed input it is given now was unknown to it. Other characters stay."""
    if all(c in known for c in text):
        return text
    spelled = []
    for c in text:
        parts = c if c in known else unicodedata.normalize("NFD", c)
        spelled.append(parts if len(parts) > 1 and all(p in known for p in parts) else c)
    return "".join(spelled)


class TokenVocab:
    """A fixed list of symbols: ``ids(tokens)`` maps each to its id (unknown ones to id 1); a symbol is found by its
    NFC spelling too (a word a tagger saved in NFD, as typed on a Mac, before its files were read NFC)."""

    kind = "token"

    def __init__(self, symbols: Sequence[str]) -> None:
        self.symbols = [PAD, UNK, *[s for s in symbols if s not in (PAD, UNK)]]
        self.index = {s: i for i, s in enumerate(self.symbols)}
        for i, s in enumerate(self.symbols):  # a symbol saved in NFD (a tagger's word before its files were read
            self.index.setdefault(_nfc(s), i)  # NFC) is found by the NFC spelling its input is read in now

    @classmethod
    def build(cls, sequences: Iterable[Iterable[str]], min_count: int = 1, max_size: int | None = None) -> TokenVocab:
        """The symbols seen at least ``min_count`` times, most frequent first (ties by first appearance); at
        most ``max_size`` ids with ``<pad>`` and ``<unk>``, so at least 3 (as Keras refuses ``max_tokens`` 1)."""
        if max_size is not None and max_size < 3:  # 2 kept no token (every text all <unk>), 1 gave 2 ids anyway
            raise UserError(f"--vocab-size {max_size}: <pad> and <unk> take two ids; expected at least 3 to keep "
                            "any token")
        counts: Counter[str] = Counter()
        for seq in sequences:
            counts.update(seq)
        kept = [s for s, c in counts.most_common() if c >= min_count]
        if max_size is not None:
            kept = kept[: max_size - 2]
        return cls(kept)

    def __len__(self) -> int:
        return len(self.symbols)

    @property
    def vocab_size(self) -> int:
        return len(self.symbols)

    def ids(self, tokens: Iterable[str]) -> list[int]:
        """Each token's id; one not listed gets ``<unk>``'s, and so does a token written ``<pad>``: a word of the
        text is never padding (it read as id 0, the zero vector, where an exported file's reader gives it 1)."""
        return [self.index.get(t, UNK_ID) or UNK_ID for t in tokens]  # only <pad> has id 0

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, "symbols": self.symbols[2:]}


class UnknownCharacterWarning(RnnkitWarning):
    """Text contained characters outside the model's vocabulary (mapped to the unknown symbol)."""


def warn_unknown(noun: str, symbols: Sequence[str], model: str, treated: str, *, where: str = "", detail: str = "",
                 category: type[Warning] = RnnkitWarning, shown: int = 10) -> None:
    """The one wording of every warning about input a model does not know (a text's characters, a translation's
    source or target tokens, a recogniser's letters a language model lacks): ``[WHERE: ]N NOUNs unknown to MODEL[
    (DETAIL)], TREATED: 'a', 'b', ...``, N the distinct ``symbols``, the first ``shown`` of them listed."""
    listed = ", ".join(repr(s) for s in symbols[:shown]) + (" ..." if len(symbols) > shown else "")
    said = f"{counted(len(symbols), noun)} unknown to {model}" + (f" ({detail})" if detail else "")
    errors.warn(f"{where + ': ' if where else ''}{said}, {treated}: {listed}", category)


UNK_CHAR = "\ufffd"  # U+FFFD REPLACEMENT CHARACTER: the language model's unknown symbol


class CharVocab(TokenVocab):
    """Characters ↔ ids: rnnkit's one character vocabulary, in one of two layouts.

    - **padded** (text classifiers, the default of :meth:`train`): id 0 is padding, id 1 unknown, the
      characters most frequent first; text is NFC-normalised (Hangul typed as jamo or as syllables is
      the same). JSON ``{"type": "char", "symbols": [...]}``.
    - **stream** (character language models, :meth:`from_text`): no padding, id 0 is the unknown
      symbol (shown as U+FFFD), the characters by code point; text is kept exactly as written. JSON
      ``{"type": "char", "unk": "\ufffd", "chars": [...]}``.

    :meth:`from_json` reads both. :meth:`encode_tensor` encodes long texts through a code-point lookup
    table (memory close to the size of the result) and warns about unknown characters.
    """

    kind = "char"

    def __init__(self, chars: Sequence[str], padded: bool = True) -> None:
        chars = [c for c in chars if c not in (PAD, UNK, UNK_CHAR)]
        if len(set(chars)) != len(chars) or any(len(c) != 1 for c in chars):
            raise ValueError("a character vocabulary holds distinct single characters")
        self.padded = padded
        specials = [PAD, UNK] if padded else [UNK_CHAR]
        self.symbols = [*specials, *chars]
        self.index = {s: i for i, s in enumerate(self.symbols)}
        self.unk_index = UNK_ID if padded else 0

    @classmethod
    def train(cls, texts: Iterable[str], min_count: int = 1, max_size: int | None = None) -> CharVocab:
        """The padded layout: the characters of ``texts`` (NFC), most frequent first."""
        vocab = TokenVocab.build((_nfc(t) for t in texts), min_count=min_count, max_size=max_size)
        return cls(vocab.symbols[2:], padded=True)

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        """The stream layout: every character of ``text``, by code point."""
        return cls(sorted(set(text)), padded=False)

    @property
    def itos(self) -> list[str]:
        return self.symbols

    @property
    def stoi(self) -> dict[str, int]:
        return self.index

    def __contains__(self, char: object) -> bool:
        return char in self.index and char not in (PAD, UNK, UNK_CHAR)

    def ids(self, tokens: Iterable[str]) -> list[int]:
        return [self.index.get(t, self.unk_index) for t in tokens]

    def tokens(self, text: str) -> list[str]:
        return list(_nfc(text) if self.padded else text)

    def encode(self, text: str) -> list[int]:
        return self.ids(self.tokens(text))

    def decode(self, ids: Iterable[int]) -> str:
        if isinstance(ids, torch.Tensor):
            ids = ids.tolist()
        return "".join(self.symbols[i] for i in ids)

    def to_json(self) -> dict[str, Any]:
        first = 2 if self.padded else 1
        if self.padded:
            return {"type": self.kind, "symbols": self.symbols[first:]}
        return {"type": self.kind, "unk": UNK_CHAR, "chars": self.symbols[first:]}

    @classmethod
    def from_json(cls, data: Any, source: str = "vocab.json") -> CharVocab:
        """Either layout, as :meth:`to_json` writes it; anything else is a :class:`UserError` naming ``source``."""
        if isinstance(data, dict) and data.get("type") == "char":
            chars = data.get("symbols", data.get("chars"))
            if isinstance(chars, list) and all(isinstance(c, str) for c in chars):  # 0 is not the character "0"
                try:
                    return cls([str(c) for c in chars], padded="symbols" in data)
                except ValueError as exc:
                    raise UserError(f"{source}: {exc}") from None
        raise UserError(f"{source}: not a character vocabulary (expected type 'char' and a list of characters)")

    def encode_tensor(self, text: str, *, warn: bool = True, dtype: torch.dtype = torch.long) -> torch.Tensor:
        """Ids of ``text`` as a 1-D tensor; unseen characters become the unknown id (with a warning)."""
        if self.padded:
            text = _nfc(text)
        table = self._lookup
        out = torch.empty(len(text), dtype=dtype)
        unknown: Counter[str] = Counter()
        chunk = 1 << 20
        for start in range(0, len(text), chunk):
            piece = text[start : start + chunk]
            cps = np.frombuffer(piece.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            inside = cps < len(table)
            ids = np.full(len(cps), self.unk_index, dtype=np.int64)
            ids[inside] = table[cps[inside]]
            if warn:
                unknown.update(piece[i] for i in np.flatnonzero(ids == self.unk_index)[:1000])
            out[start : start + len(piece)] = torch.from_numpy(ids)
        if warn and unknown:
            total = sum(unknown.values())
            seen = counted(f"{total}+" if total >= 1000 else total, "time")
            warn_unknown("character", [c for c, _ in unknown.most_common()], "the model", "read as its unknown symbol",
                         detail=f"seen {seen}", category=UnknownCharacterWarning)
        return out

    def known_form(self, text: str) -> tuple[str, str | None]:
        """``text`` in the Unicode form, as written, composed (NFC) or decomposed (NFD), that leaves fewest of its
        characters unknown, and that form's name (None: as written, which wins a tie). A stream vocabulary keeps a
        text as written, so Hangul or accents pasted from macOS (decomposed) were unknown to a model of a text typed
        composed, each jamo its own character, or the reverse."""
        def unknown(t: str) -> int:
            return int((self.encode_tensor(t, warn=False) == self.unk_index).sum())

        given = unknown(text)
        if not given:
            return text, None
        forms = [(unknown(t), form, t) for form in ("NFC", "NFD") if (t := unicodedata.normalize(form, text)) != text]
        best = min(forms, default=(given, None, text))
        return (best[2], best[1]) if best[0] < given else (text, None)

    @functools.cached_property
    def _lookup(self) -> np.ndarray:
        chars = [c for c in self.symbols if len(c) == 1 and c != UNK_CHAR]
        table = np.full(max((ord(c) for c in chars), default=0) + 1, self.unk_index, dtype=np.int64)
        for c in chars:
            table[ord(c)] = self.index[c]
        return table


_WORD = re.compile(r"\w+|[^\w\s]+")

#: fastText's default number of hash buckets is 2,000,000; rnnkit's bag trains a dense table, so fewer
DEFAULT_BUCKETS = 1 << 17

#: the most words whose character n-gram ids a tokenizer remembers; past it the memory starts again, so
#: a model serving an endless stream of new words keeps a bounded cache
SUBWORD_CACHE_WORDS = 1 << 17


def fasttext_hash(text: str) -> int:
    """32-bit FNV-1a of the UTF-8 bytes of ``text``, exactly as fastText's ``Dictionary::hash`` computes it
    (each byte is read as a signed char, so bytes >= 0x80 are sign-extended before the xor). Stable
    across processes and machines, unlike Python's salted ``hash()``."""
    h = 2166136261
    for byte in text.encode("utf-8"):
        h = ((h ^ (byte | 0xFFFFFF00 if byte & 0x80 else byte)) * 16777619) & 0xFFFFFFFF
    return h


_cached_hash = functools.lru_cache(maxsize=1 << 20)(fasttext_hash)


def char_ngrams(word: str, minn: int, maxn: int) -> list[str]:
    """fastText's subwords of ``word``: every run of ``minn`` to ``maxn`` characters of ``<word>`` (the
    brackets mark its start and end; a bracket alone is never one), in fastText's order: by start, then
    by length (``where``, 3..3 → ``<wh whe her ere re>``)."""
    marked = f"<{word}>"
    return [marked[i : i + n] for i in range(len(marked)) for n in range(minn, maxn + 1)
            if i + n <= len(marked) and marked[i : i + n] not in ("<", ">")]


def check_char_ngrams(value: Any, where: str = "char_ngrams") -> tuple[int, int] | None:
    """``(minn, maxn)`` from ``"3,6"``, ``[3, 6]`` or ``(3, 6)``; None from ``None``, ``0``, ``"0"`` or ``"off"``;
    anything else is a :class:`UserError` naming ``where``."""
    if value in (None, 0, "0", "off", "none", "", [], ()):
        return None
    parts = value.replace("-", ",").split(",") if isinstance(value, str) else value
    try:
        minn, maxn = (int(x) for x in parts)
    except (TypeError, ValueError):
        raise UserError(f"{where}: {value!r}; expected MIN,MAX character lengths such as 3,6 (or 0: off)") from None
    if not 1 <= minn <= maxn <= 20:
        raise UserError(f"{where}: {value!r}; expected 1 <= MIN <= MAX <= 20 (fastText's -minn/-maxn, e.g. 3,6)")
    return minn, maxn


class WordTokenizer(TokenVocab):
    """One id per word seen in training: text is NFC-normalised and split into runs of letters/digits
    and runs of punctuation (``"isn't it?"`` → ``isn ' t it ?``); unseen words map to ``<unk>``.

    With ``char_ngrams=(minn, maxn)`` each word is followed by the ids of its character n-grams
    (:func:`char_ngrams`), each ``vocab + fasttext_hash(gram) % buckets``: fastText's subword features
    (``-minn -maxn -bucket``). ``vocab_size`` then counts the buckets too.
    """

    kind = "word"

    def __init__(self, symbols: Sequence[str], char_ngrams: tuple[int, int] | None = None,
                 buckets: int = DEFAULT_BUCKETS) -> None:
        super().__init__(symbols)
        self.char_ngrams = check_char_ngrams(char_ngrams)
        if self.char_ngrams and not buckets > 0:
            raise UserError(f"buckets: {buckets!r}; expected a positive number of hash buckets")
        self.buckets = int(buckets) if self.char_ngrams else 0
        self._subwords: dict[str, list[int]] = {}

    @classmethod
    def train(cls, texts: Iterable[str], min_count: int = 1, max_size: int | None = None,
              char_ngrams: tuple[int, int] | None = None, buckets: int = DEFAULT_BUCKETS) -> WordTokenizer:
        """The words of ``texts``, most frequent first (at most ``max_size`` ids in all, buckets aside)."""
        vocab = TokenVocab.build((cls.split(t) for t in texts), min_count=min_count, max_size=max_size)
        return cls(vocab.symbols[2:], char_ngrams, buckets)

    @property
    def vocab_size(self) -> int:
        return len(self.symbols) + self.buckets

    @staticmethod
    def split(text: str) -> list[str]:
        return _WORD.findall(_nfc(text))

    def tokens(self, text: str) -> list[str]:
        return self.split(text)

    def encode(self, text: str) -> list[int]:
        tokens = self.split(text)
        if not self.char_ngrams:
            return self.ids(tokens)
        ids: list[int] = []
        for token in tokens:
            ids.append(self.index.get(token, UNK_ID))
            if " " not in token:  # a word, not a pair of words
                ids += self.subword_ids(token)
        return ids

    def subword_ids(self, word: str) -> list[int]:
        """The ids of ``word``'s character n-grams (none without ``char_ngrams``)."""
        if not self.char_ngrams:
            return []
        found = self._subwords.get(word)
        if found is None:
            start = len(self.symbols)
            found = [start + _cached_hash(g) % self.buckets for g in char_ngrams(word, *self.char_ngrams)]
            if len(self._subwords) >= SUBWORD_CACHE_WORDS:
                self._subwords.clear()
            self._subwords[word] = found
        return found

    def to_json(self) -> dict[str, Any]:
        extra = {"char_ngrams": list(self.char_ngrams), "buckets": self.buckets,
                 "hash": "fnv1a-32 (fastText)"} if self.char_ngrams else {}
        return {**super().to_json(), **extra}


class NgramTokenizer(WordTokenizer):
    """Words and word bigrams (fastText's ``-wordNgrams 2``): each word of :class:`WordTokenizer`
    followed by the pair it makes with the word before (``"not good"`` → ``not``, ``good``, ``not good``),
    so that a model that pools its inputs without reading their order still sees local word order, and
    a text cut to its first tokens keeps words and pairs alike. ``char_ngrams`` adds each word's
    character n-grams after it, as for :class:`WordTokenizer`."""

    kind = "ngram"

    @staticmethod
    def split(text: str) -> list[str]:
        words = WordTokenizer.split(text)
        tokens = words[:1]
        for a, b in zip(words, words[1:], strict=False):
            tokens += [b, f"{a} {b}"]
        return tokens


class BPETokenizer:
    """Byte-pair-encoding subwords learned from the training texts with Hugging Face ``tokenizers``.

    Text is NFC-normalised and split on whitespace and punctuation before merges are learned, so a word
    never spans two tokens' boundaries across a space. ``<pad>`` is id 0 and ``<unk>`` id 1. A
    ``reversible`` one keeps the spaces inside its pieces (SentencePiece's "▁") and decodes to the exact
    text: the target side of a translator.
    """

    kind = "bpe"

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    @staticmethod
    def _lib() -> Any:
        try:
            import tokenizers
        except ImportError:
            raise UserError("--tokenizer bpe needs the 'tokenizers' package: pip install 'rnnkit[text]'") from None
        return tokenizers

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int = 4000, min_frequency: int = 2,
              reversible: bool = False) -> BPETokenizer:
        """Learn up to ``vocab_size`` subwords from ``texts``. A ``vocab_size`` below the ids every character
        of the texts and ``<pad>``, ``<unk>`` take is refused, as sentencepiece refuses it ("Vocabulary size is
        smaller than required_chars"): ``tokenizers`` keeps them all and would give more ids than asked."""
        tk = cls._lib()
        tok = tk.Tokenizer(tk.models.BPE(unk_token=UNK, fuse_unk=True))
        tok.normalizer = tk.normalizers.NFC()
        if reversible:  # spaces become part of the pieces (SentencePiece's "▁"), so decode() restores the text
            tok.pre_tokenizer = tk.pre_tokenizers.Metaspace()
            tok.decoder = tk.decoders.Metaspace()
        else:
            tok.pre_tokenizer = tk.pre_tokenizers.Whitespace()
        trainer = tk.trainers.BpeTrainer(
            vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=[PAD, UNK], show_progress=False
        )
        tok.train_from_iterator(list(texts), trainer=trainer)
        if tok.get_vocab_size() > vocab_size:  # no merge learned: the vocabulary is the alphabet, over the cap
            need = tok.get_vocab_size()
            raise UserError(f"--vocab-size {vocab_size}: BPE keeps each of the {need - 2} distinct characters of the "
                            f"training text, and <pad> and <unk>; expected at least {need} (more to learn any "
                            "subwords)")
        return cls(tok)

    @property
    def vocab_size(self) -> int:
        return int(self.tokenizer.get_vocab_size())

    def tokens(self, text: str) -> list[str]:
        return list(self.tokenizer.encode(text).tokens)

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``'s pieces; ``<pad>`` written in the text is ``<unk>``, as a word tokenizer reads it:
        ``tokenizers`` matches its special tokens in the text, and a text's ``<pad>`` was id 0, padding, which a
        classifier's mean and a decoder's mask leave out."""
        return [i or UNK_ID for i in self.tokenizer.encode(text).ids]

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, "tokenizer": json.loads(self.tokenizer.to_str())}


Tokenizer = CharVocab | WordTokenizer | NgramTokenizer | BPETokenizer | TokenVocab


def unknown_tokens(tokenizer: Tokenizer, text: str, ids: Sequence[int]) -> list[str]:
    """The text of each token of ``text`` that ``tokenizer`` read as ``<unk>`` (``ids``: its encoding), as a
    warning names them: a BPE piece by the characters it covers (``'ë'``), which its tokens list only as
    ``'<unk>'`` (a warning named the unknown piece '<unk>'), others by their tokens."""
    if isinstance(tokenizer, BPETokenizer):
        text = unicodedata.normalize("NFC", text)  # the text its pieces' offsets index (its normalizer's)
        spans = tokenizer.tokenizer.encode(text).offsets
        return [text[start:end] for (start, end), i in zip(spans, ids, strict=False) if i == UNK_ID]
    return [tok for tok, i in zip(tokenizer.tokens(text), ids, strict=False) if i == UNK_ID]


def build_tokenizer(
    kind: str, texts: Sequence[str], vocab_size: int = 4000, min_count: int = 1, reversible: bool = False,
    char_ngrams: tuple[int, int] | None = None, buckets: int = DEFAULT_BUCKETS,
) -> CharVocab | WordTokenizer | BPETokenizer:
    """Train the tokenizer called ``kind`` (``"char"``, ``"word"``, ``"ngram"`` or ``"bpe"``) on ``texts``;
    ``vocab_size`` caps the ids of ``word``, ``ngram`` and ``bpe``; ``min_count`` drops rarer chars and words;
    ``reversible`` BPE decodes back to the exact text (what a decoder's output side needs);
    ``char_ngrams`` and ``buckets`` add hashed character n-grams to ``word`` and ``ngram``."""
    if char_ngrams and kind not in ("word", "ngram"):
        raise UserError(f"--char-ngrams: character n-grams are added to the words of --tokenizer word or ngram, "
                        f"not {kind}")
    if kind == "char":
        return CharVocab.train(texts, min_count=min_count)
    if kind == "word":
        return WordTokenizer.train(texts, min_count=min_count, max_size=vocab_size, char_ngrams=char_ngrams,
                                   buckets=buckets)
    if kind == "ngram":
        return NgramTokenizer.train(texts, min_count=min_count, max_size=vocab_size, char_ngrams=char_ngrams,
                                    buckets=buckets)
    if kind == "bpe":
        return BPETokenizer.train(texts, vocab_size=vocab_size, min_frequency=max(2, min_count), reversible=reversible)
    raise UserError(f"--tokenizer {kind!r}: expected 'char', 'word', 'ngram' or 'bpe'")


def _plain_bpe(spec: Any, where: str) -> Any:
    """The saved BPE tokenizer, refused when it asks for what rnnkit never writes and would obey blindly:
    padding (a fixed length of 3e8 took gigabytes), truncation, a post-processor, BPE dropout (random
    answers at prediction), a subword prefix or suffix (a prefix panicked in Rust), ids other than 0 to
    N - 1 (past the embedding, or two pieces on one), or an unknown token other than ``<unk>`` at id 1."""
    if not isinstance(spec, dict) or not isinstance(spec.get("model"), dict):
        raise UserError(f"{where}: field 'tokenizer' must be a tokenizers BPE object")
    for field in ("padding", "truncation", "post_processor"):
        if spec.get(field) is not None:
            raise UserError(f"{where}: the BPE tokenizer's {field!r} must be null (rnnkit pads and cuts itself)")
    _plain_bpe_model(spec["model"], where)
    return spec


def _plain_bpe_model(model: dict[str, Any], where: str) -> None:
    """:func:`_plain_bpe`'s checks of the BPE ``model`` itself."""
    if model.get("dropout") not in (None, 0, 0.0):
        raise UserError(f"{where}: the BPE model's dropout must be null: a saved model reads a text one way")
    for field in ("continuing_subword_prefix", "end_of_word_suffix"):  # a prefix panicked in Rust at the first text
        if model.get(field) not in (None, ""):
            raise UserError(f"{where}: the BPE model's {field!r} must be null, as rnnkit writes it; found "
                            f"{model[field]!r}")
    vocab = model.get("vocab")
    ids = sorted(i for i in vocab.values() if type(i) is int) if isinstance(vocab, dict) else None
    if ids is not None and ids != list(range(len(vocab))):  # an id past the embedding, or two pieces on one
        raise UserError(f"{where}: the BPE model's vocab must give its {len(vocab)} pieces the ids 0 to "
                        f"{len(vocab) - 1}, each once, as rnnkit writes it")
    if model.get("unk_token") != UNK or not isinstance(vocab, dict) or vocab.get(UNK) != UNK_ID:
        # one missing from the vocabulary failed at the first text; null read an unseen character as nothing
        raise UserError(f"{where}: the BPE model's unk_token must be {UNK!r}, id {UNK_ID} of its vocab, as rnnkit "
                        f"writes it; found {model.get('unk_token')!r}")


def _symbols(obj: dict[str, Any], where: str) -> list[str]:
    """``obj["symbols"]``: distinct strings (a symbol twice would map two ids to one token)."""
    symbols = obj["symbols"]
    if not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
        raise UserError(f"{where}: field 'symbols' must be a list of strings")
    if (twice := first_repeated(symbols)) is not None:
        raise UserError(f"{where}: symbol {twice!r} appears twice in 'symbols'")
    return symbols


def tokenizer_from_json(obj: dict[str, Any], where: str = "vocab.json") -> Tokenizer:
    """The tokenizer saved by ``to_json``; a file that is not one is refused naming ``where``."""
    kind = obj.get("type") if isinstance(obj, dict) else None
    try:
        if kind == "char":
            return CharVocab.from_json(obj, where)
        if kind in ("word", "ngram"):
            cls = WordTokenizer if kind == "word" else NgramTokenizer
            return cls(_symbols(obj, where), check_char_ngrams(obj.get("char_ngrams"), where),
                       int(obj.get("buckets", DEFAULT_BUCKETS)))
        if kind == "token":
            return TokenVocab(_symbols(obj, where))
        if kind == "bpe":
            tk = BPETokenizer._lib()
            return BPETokenizer(tk.Tokenizer.from_str(json.dumps(_plain_bpe(obj["tokenizer"], where))))
    except Exception as exc:  # KeyError, TypeError, or the tokenizers library's own exception
        if isinstance(exc, UserError):
            raise
        said = str(exc).replace("\r", "\\r").replace("\n", "\\n")  # the library quotes the bad value, newlines too
        raise UserError(f"{where}: not a valid {kind} tokenizer ({said})") from None
    raise UserError(f"{where}: unknown tokenizer type {kind!r}; expected 'char', 'word', 'ngram', 'bpe' or 'token'")


def pad_batch(
    sequences: Sequence[Sequence[int]], pad_id: int = PAD_ID, max_len: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ids, lengths)``: the sequences cut to ``max_len``, padded with ``pad_id`` on the right into a
    ``(B, T)`` LongTensor, ``T`` the longest length; ``lengths`` (B,) holds each one's length (≥ 1: an
    empty sequence becomes a single ``<unk>``)."""
    if max_len is not None and max_len < 1:
        raise ValueError(f"max_len must be at least 1 (None: no cut), got {max_len}")
    seqs = [list(s[:max_len]) if max_len else list(s) for s in sequences]
    seqs = [s if s else [UNK_ID] for s in seqs]
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    width = int(lengths.max()) if seqs else 0
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, lengths


_NO_SPACE_BEFORE = set(".,;:!?)]}%'»")
_NO_SPACE_AFTER = set("([{¿¡«'")


def decode_ids(tok: Tokenizer, ids: Sequence[int]) -> str:
    """Target ids → text: characters joined, words joined with spaces (none before closing punctuation)."""
    if tok.kind == "bpe":
        return str(tok.tokenizer.decode([i for i in ids if 0 < i < tok.vocab_size]))  # type: ignore[union-attr]
    # a word's hashed character n-grams (ids past the symbols) have no text of their own: left out
    symbols = [tok.symbols[i] for i in ids if 0 < i < len(tok.symbols)]  # type: ignore[union-attr]
    if tok.kind == "char":
        return "".join(symbols)
    return join_words(symbols)


def join_words(words: Sequence[str]) -> str:
    """Words and punctuation marks joined as :func:`decode_ids` joins a word tokenizer's output: with
    spaces, none before closing punctuation or after opening punctuation."""
    text = ""
    for s in words:
        glue = not text or s[0] in _NO_SPACE_BEFORE or text[-1] in _NO_SPACE_AFTER
        text += s if glue else " " + s
    return text


def written_form(tok: Tokenizer, text: str) -> str:
    """``text`` as a model writing through ``tok`` would write it: NFC-normalised, as every tokenizer
    reads text, and for word tokens split and joined again as :func:`decode_ids` joins them (a word
    tokenizer keeps no record of the spacing around punctuation: ``well-known`` is written
    ``well - known``). What a decoded output is compared with, so a model that writes a reference
    exactly scores as exact."""
    text = _nfc(text)
    return join_words(WordTokenizer.split(text)) if tok.kind == "word" else text


def id_symbols(tok: Tokenizer, ids: Sequence[int]) -> list[str]:
    """The token strings of ``ids`` (BPE pieces as the tokenizer writes them; a hashed character n-gram,
    which cannot be turned back into its text, as ``#bucket``)."""
    if tok.kind == "bpe":
        return [str(tok.tokenizer.id_to_token(i)) for i in ids]  # type: ignore[union-attr]
    symbols = tok.symbols  # type: ignore[union-attr]
    return [symbols[i] if i < len(symbols) else f"#{i - len(symbols)}" for i in ids]
