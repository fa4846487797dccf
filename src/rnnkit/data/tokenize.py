"""Tokenizers that turn texts into id sequences, and padding of id sequences into batches with lengths.

What a user gets:

- :class:`CharTokenizer` (the default): one id per character seen in training (Unicode NFC, so Hangul
  syllables typed as jamo sequences and as precomposed syllables are the same). Works for any script.
- :class:`WordTokenizer`: one id per word (runs of letters/digits, runs of punctuation) seen in training.
- :class:`BPETokenizer`: byte-pair encoding subwords trained on the training texts with Hugging Face
  ``tokenizers`` (no pretrained download), saved with the model as JSON.
- :class:`TokenVocab`: one id per whole token (a word, or a tag), used by the tagger.
- :func:`pad_batch`: a ``(B, T)`` LongTensor padded with id 0 and a ``(B,)`` tensor of lengths.

Every tokenizer reserves id 0 for padding and id 1 for unknown input; ``to_json``/:func:`tokenizer_from_json`
save and restore it (``vocab.json`` in a model directory).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import torch

from rnnkit.errors import UserError

__all__ = [
    "PAD",
    "UNK",
    "BPETokenizer",
    "CharTokenizer",
    "TokenVocab",
    "WordTokenizer",
    "build_tokenizer",
    "pad_batch",
    "tokenizer_from_json",
]

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class TokenVocab:
    """A fixed list of symbols: ``ids(tokens)`` maps each to its id (unknown ones to id 1)."""

    kind = "token"

    def __init__(self, symbols: Sequence[str]) -> None:
        self.symbols = [PAD, UNK, *[s for s in symbols if s not in (PAD, UNK)]]
        self.index = {s: i for i, s in enumerate(self.symbols)}

    @classmethod
    def build(cls, sequences: Iterable[Iterable[str]], min_count: int = 1, max_size: int | None = None) -> TokenVocab:
        """The symbols seen at least ``min_count`` times, most frequent first (ties by first appearance)."""
        counts: Counter[str] = Counter()
        for seq in sequences:
            counts.update(seq)
        kept = [s for s, c in counts.most_common() if c >= min_count]
        if max_size is not None:
            kept = kept[: max(0, max_size - 2)]
        return cls(kept)

    def __len__(self) -> int:
        return len(self.symbols)

    @property
    def vocab_size(self) -> int:
        return len(self.symbols)

    def ids(self, tokens: Iterable[str]) -> list[int]:
        return [self.index.get(t, UNK_ID) for t in tokens]

    def count_unknown(self, tokens: Iterable[str]) -> int:
        return sum(1 for t in tokens if t not in self.index)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, "symbols": self.symbols[2:]}


class CharTokenizer(TokenVocab):
    """One id per character seen in training (NFC-normalised); unseen characters map to ``<unk>``."""

    kind = "char"

    @classmethod
    def train(cls, texts: Iterable[str], min_count: int = 1, max_size: int | None = None) -> CharTokenizer:
        """The characters of ``texts``, most frequent first."""
        vocab = TokenVocab.build((_nfc(t) for t in texts), min_count=min_count, max_size=max_size)
        return cls(vocab.symbols[2:])

    def tokens(self, text: str) -> list[str]:
        return list(_nfc(text))

    def encode(self, text: str) -> list[int]:
        return self.ids(self.tokens(text))


_WORD = re.compile(r"\w+|[^\w\s]+")


class WordTokenizer(TokenVocab):
    """One id per word seen in training: text is NFC-normalised and split into runs of letters/digits
    and runs of punctuation (``"isn't it?"`` → ``isn ' t it ?``); unseen words map to ``<unk>``."""

    kind = "word"

    @classmethod
    def train(cls, texts: Iterable[str], min_count: int = 1, max_size: int | None = None) -> WordTokenizer:
        """The words of ``texts``, most frequent first (at most ``max_size`` ids in all)."""
        vocab = TokenVocab.build((cls.split(t) for t in texts), min_count=min_count, max_size=max_size)
        return cls(vocab.symbols[2:])

    @staticmethod
    def split(text: str) -> list[str]:
        return _WORD.findall(_nfc(text))

    def tokens(self, text: str) -> list[str]:
        return self.split(text)

    def encode(self, text: str) -> list[int]:
        return self.ids(self.split(text))


class BPETokenizer:
    """Byte-pair-encoding subwords learned from the training texts with Hugging Face ``tokenizers``.

    Text is NFC-normalised and split on whitespace and punctuation before merges are learned, so a word
    never spans two tokens' boundaries across a space. ``<pad>`` is id 0 and ``<unk>`` id 1.
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
    def train(cls, texts: Iterable[str], vocab_size: int = 4000, min_frequency: int = 2) -> BPETokenizer:
        """Learn up to ``vocab_size`` subwords from ``texts``."""
        tk = cls._lib()
        tok = tk.Tokenizer(tk.models.BPE(unk_token=UNK, fuse_unk=True))
        tok.normalizer = tk.normalizers.NFC()
        tok.pre_tokenizer = tk.pre_tokenizers.Whitespace()
        trainer = tk.trainers.BpeTrainer(
            vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=[PAD, UNK], show_progress=False
        )
        tok.train_from_iterator(list(texts), trainer=trainer)
        return cls(tok)

    @property
    def vocab_size(self) -> int:
        return int(self.tokenizer.get_vocab_size())

    def tokens(self, text: str) -> list[str]:
        return list(self.tokenizer.encode(text).tokens)

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text).ids)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, "tokenizer": json.loads(self.tokenizer.to_str())}


Tokenizer = CharTokenizer | WordTokenizer | BPETokenizer | TokenVocab


def build_tokenizer(
    kind: str, texts: Sequence[str], vocab_size: int = 4000, min_count: int = 1
) -> CharTokenizer | WordTokenizer | BPETokenizer:
    """Train the tokenizer called ``kind`` (``"char"``, ``"word"`` or ``"bpe"``) on ``texts``;
    ``vocab_size`` caps the ids of ``word`` and ``bpe``; ``min_count`` drops rarer chars and words."""
    if kind == "char":
        return CharTokenizer.train(texts, min_count=min_count)
    if kind == "word":
        return WordTokenizer.train(texts, min_count=min_count, max_size=vocab_size)
    if kind == "bpe":
        return BPETokenizer.train(texts, vocab_size=vocab_size, min_frequency=max(2, min_count))
    raise UserError(f"--tokenizer {kind!r}: expected 'char', 'word' or 'bpe'")


def tokenizer_from_json(obj: dict[str, Any], where: str = "vocab.json") -> Tokenizer:
    """The tokenizer saved by ``to_json``; a file that is not one is refused naming ``where``."""
    kind = obj.get("type") if isinstance(obj, dict) else None
    try:
        if kind == "char":
            return CharTokenizer([str(s) for s in obj["symbols"]])
        if kind == "word":
            return WordTokenizer([str(s) for s in obj["symbols"]])
        if kind == "token":
            return TokenVocab([str(s) for s in obj["symbols"]])
        if kind == "bpe":
            tk = BPETokenizer._lib()
            return BPETokenizer(tk.Tokenizer.from_str(json.dumps(obj["tokenizer"])))
    except Exception as exc:  # KeyError, TypeError, or the tokenizers library's own exception
        if isinstance(exc, UserError):
            raise
        raise UserError(f"{where}: not a valid {kind} tokenizer ({exc})") from None
    raise UserError(f"{where}: unknown tokenizer type {kind!r}; expected 'char', 'word', 'bpe' or 'token'")


def pad_batch(
    sequences: Sequence[Sequence[int]], pad_id: int = PAD_ID, max_len: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ids, lengths)``: the sequences cut to ``max_len``, padded with ``pad_id`` on the right into a
    ``(B, T)`` LongTensor, ``T`` the longest length; ``lengths`` (B,) holds each one's length (≥ 1: an
    empty sequence becomes a single ``<unk>``)."""
    seqs = [list(s[:max_len]) if max_len else list(s) for s in sequences]
    seqs = [s if s else [UNK_ID] for s in seqs]
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    width = int(lengths.max()) if seqs else 0
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, lengths
