"""Gaps the mutation audit (round 14) of rnnkit.data.spelling found: the shape of a lexicon without characters,
the padding row, where a long word is cut, and the characters' vocabulary."""

from __future__ import annotations

from rnnkit.data.spelling import MAX_CHARS, char_vocab, fold, lexicon, spell
from rnnkit.data.tokenize import UNK_ID, TokenVocab


def test_a_lexicon_without_characters_has_one_padding_column_and_lengths_of_one() -> None:
    words = TokenVocab.build([["a", "bb"]])
    seqs, lex = lexicon([["a", "bb", "a"], ["ccc"]], words, None)
    assert seqs == [[1, 2, 1], [3]] and lex.types == ["a", "bb", "ccc"]
    assert tuple(lex.chars.shape) == (4, 1) and lex.chars.sum().item() == 0
    assert lex.lengths.tolist() == [1, 1, 1, 1]
    assert lex.words.tolist() == [0, words.index["a"], words.index["bb"], UNK_ID]


def test_the_padding_row_spells_nothing_with_length_one_and_rows_are_as_wide_as_the_longest() -> None:
    train = [["ab", "abcd"]]
    chars = char_vocab(train)
    _, lex = lexicon(train, TokenVocab.build(train), chars)
    assert lex.chars.tolist() == [[0, 0, 0, 0], [*chars.ids(list("ab")), 0, 0], chars.ids(list("abcd"))]
    assert lex.lengths.tolist() == [1, 2, 4]


def test_a_word_one_past_the_limit_keeps_its_first_and_last_halves() -> None:
    chars = char_vocab([["abcdefghijklmnopqrstuvwxyz"]])
    word = "abcdefghijklmnopqrstu"  # MAX_CHARS + 1 characters
    assert len(word) == MAX_CHARS + 1
    assert spell(word, chars) == chars.ids(list("abcdefghijlmnopqrstu"))
    assert spell(word[:MAX_CHARS], chars) == chars.ids(list(word[:MAX_CHARS]))
    assert spell("abcdefg", chars, 5) == chars.ids(list("abfg"))
    assert spell("abc", None) == []


def test_the_characters_are_those_of_the_words_as_written() -> None:
    chars = char_vocab([["Ab", "ab"], ["A"]])
    assert chars.index["A"] != chars.index["a"]
    assert chars.ids(["A", "b", "Z"])[2] == UNK_ID


def test_folding_lowers_and_zeroes_every_digit_only() -> None:
    assert fold("Ab-12x9") == "ab-00x0" and fold("ÉTÉ") == "été"
