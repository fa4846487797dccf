"""Words as word ids AND spellings, for taggers that read a word's characters (Lample et al. 2016).

What a user gets: :func:`lexicon` turns tokenised sentences into sequences of *type* indices (1, 2, ...;
0 is padding) and a :class:`Lexicon` holding, for each distinct word type, its id in the word
vocabulary (``<unk>`` for a word the vocabulary lacks) and its spelling as character ids. A batch of
type indices ``tix`` (B, T) then gives the word ids ``lex.words[tix]``, the spellings
``lex.chars[tix]`` (B, T, L) and their lengths ``lex.lengths[tix]`` by indexing, so an unseen word
keeps its spelling although its word id is ``<unk>``. A word longer than ``max_chars`` keeps its first
and last ``max_chars // 2`` characters (prefixes and suffixes carry the shape).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from unicodedata import normalize

import torch
from torch import Tensor

from rnnkit.data.tokenize import TokenVocab, spelled_as_known

__all__ = ["MAX_CHARS", "Lexicon", "char_vocab", "fold", "lexicon", "spell"]

MAX_CHARS = 20


@dataclass
class Lexicon:
    """Per word type (row 0: padding): ``words`` (N+1,) word ids, ``chars`` (N+1, L) character ids padded
    with 0, ``lengths`` (N+1,) spelling lengths (1 for the padding row), ``types`` the words themselves."""

    types: list[str]
    words: Tensor
    chars: Tensor
    lengths: Tensor


def char_vocab(sentences: Sequence[Sequence[str]]) -> TokenVocab:
    """The characters of the training words, most frequent first (id 0 padding, id 1 unknown)."""
    return TokenVocab.build(list(word) for sent in sentences for word in sent)


def fold(word: str) -> str:
    """The word's key in a folded word vocabulary: lower-cased, every digit 0 (``"Jan-2000"`` → ``"jan-0000"``)."""
    return "".join("0" if c.isdigit() else c for c in word.lower())


def spell(word: str, chars: TokenVocab | None, max_chars: int = MAX_CHARS) -> list[int]:
    """The character ids of ``word`` (its first and last ``max_chars // 2`` characters when longer); a character
    ``chars`` knows only decomposed (saved before the words were read NFC) is spelled so."""
    if chars is None:
        return []
    word = spelled_as_known(word, chars.index)
    if len(word) > max_chars:
        half = max_chars // 2
        word = word[:half] + word[-half:]
    return chars.ids(list(word))


def lexicon(sentences: Sequence[Sequence[str]], words: TokenVocab, chars: TokenVocab | None,
            folded: bool = False) -> tuple[list[list[int]], Lexicon]:
    """``(type-index sequences, Lexicon)`` of ``sentences``; without ``chars`` the spellings are empty.
    ``folded``: a word's id is that of :func:`fold` of it (its spelling stays as written). A word is read
    NFC-normalised, as the tagged files are (:func:`rnnkit.data.conll.tagged_text`): a word with a combining accent
    or Hangul typed as jamo is the word of the other spelling."""
    index: dict[str, int] = {}
    seqs = [[index.setdefault(normalize("NFC", tok), len(index) + 1) for tok in sent] for sent in sentences]
    types = list(index)
    spellings = [spell(t, chars) for t in types]
    width = max([1, *(len(s) for s in spellings)])
    table = torch.zeros(len(types) + 1, width, dtype=torch.long)
    for row, s in enumerate(spellings, start=1):
        table[row, : len(s)] = torch.tensor(s, dtype=torch.long)
    lengths = torch.tensor([1, *(max(len(s), 1) for s in spellings)], dtype=torch.long)
    ids = torch.tensor([0, *words.ids([fold(t) for t in types] if folded else types)], dtype=torch.long)
    return seqs, Lexicon(types, ids, table, lengths)
