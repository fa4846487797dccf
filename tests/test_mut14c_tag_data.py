"""Mutation audit round 14: the tagger's data (:mod:`rnnkit.tasks._tag_data`), on tiny tagged files."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.data.slashtags import read_tagged
from rnnkit.data.tokenize import TokenVocab
from rnnkit.errors import UserError
from rnnkit.tasks._tag_config import TagConfig
from rnnkit.tasks._tag_data import (
    _char_vocabulary,
    _check_tags_known,
    _drop_probabilities,
    _folds,
    _read_sentences,
    _resolve_char_dim,
    _saved_chars,
    _vocabulary,
)


def slash(path: Path, *lines: str) -> str:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return str(path)


def conll(path: Path, *sentences: list[tuple[str, str]]) -> str:
    path.write_text("\n".join("".join(f"{w}\t{t}\n" for w, t in s) for s in sentences), encoding="utf-8")
    return str(path)


def test_an_unknown_tag_is_named_at_its_own_line_even_first_in_its_sentence(tmp_path: Path) -> None:
    s = read_tagged(conll(tmp_path / "a.conll", [("the", "D"), ("cat", "N")], [("dogs", "Q"), ("run", "V")]))
    with pytest.raises(UserError, match=r"a.conll:4: .*tag 'Q' is new"):
        _check_tags_known(s, ["D", "N", "V"], "is new")
    t = read_tagged(conll(tmp_path / "b.conll", [("the", "D"), ("cat", "Q")]))
    with pytest.raises(UserError, match=r"b.conll:2: .*tag 'Q'"):
        _check_tags_known(t, ["D", "N"], "is new")
    _check_tags_known(t, ["D", "Q"], "is new")


def test_a_validation_file_is_read_and_one_sentence_is_refused_without_one(tmp_path: Path) -> None:
    data = slash(tmp_path / "a.txt", "the/D cat/N", "a/D dog/N")
    val = slash(tmp_path / "v.txt", "one/X two/Y")
    train, held = _read_sentences(TagConfig(), data, val)
    assert len(train) == 2 and held.tokens == [["one", "two"]]
    one = slash(tmp_path / "one.txt", "the/D cat/N")
    with pytest.raises(UserError, match="one.txt: only one sentence"):
        _read_sentences(TagConfig(), one, None)
    train, held = _read_sentences(TagConfig(), data, None)  # two sentences: one each side
    assert len(train) == 1 and len(held) == 1


def test_a_resumed_run_keeps_its_tags_vocabulary_split_and_spelling(tmp_path: Path) -> None:
    s = read_tagged(slash(tmp_path / "a.txt", "ab/Z cd/A"))
    vocab = TokenVocab(["<pad>", "<unk>", "x"])
    old = SimpleNamespace(config={"tags": ["Z", "A"], "model": {}}, vocab={**vocab.to_json(), "chars": ["q"]},
                          path="old")
    tags, words, unit = _vocabulary(old, s, False, s)
    assert tags == ["Z", "A"] and words.symbols == vocab.symbols and unit == "whitespace"
    assert _resolve_char_dim(TagConfig(char_dim=50), old, "whitespace").char_dim == 0
    assert _resolve_char_dim(TagConfig(char_dim=7), None, "chars").char_dim == 7
    chars = _char_vocabulary(old, TagConfig(), s)
    assert chars is not None and chars.symbols[-1] == "q"


def test_tags_come_from_every_source_and_words_are_folded_only_when_asked(tmp_path: Path) -> None:
    train = read_tagged(slash(tmp_path / "a.txt", "The/D Cat/N"))
    other = read_tagged(slash(tmp_path / "b.txt", "x/Q y/Q"))
    tags, words, _ = _vocabulary(None, train, True, train, other)
    assert tags == ["D", "N", "Q"] and "the" in words.symbols and "The" not in words.symbols
    _, kept, _ = _vocabulary(None, train, False, train)
    assert "The" in kept.symbols and "the" not in kept.symbols


def test_no_spelling_vocabulary_without_a_spelling_encoder(tmp_path: Path) -> None:
    s = read_tagged(slash(tmp_path / "a.txt", "ab/X cd/X"))
    assert _char_vocabulary(None, TagConfig(char_dim=0), s) is None
    assert _char_vocabulary(None, TagConfig(char_dim=5), s) is not None
    assert _saved_chars({}, "v.json") is None
    for bad in ("abc", ["a", 1]):
        with pytest.raises(UserError, match="v.json: field 'chars' must be a list of characters"):
            _saved_chars({"chars": bad}, "v.json")


def test_fold_words_is_refused_for_characters_and_without_spellings(tmp_path: Path) -> None:
    words = read_tagged(slash(tmp_path / "w.txt", "The/D cat/N"))
    chars = read_tagged(slash(tmp_path / "c.txt", "a/X b/Y"))
    assert _folds(TagConfig(fold_words=True, char_dim=30), None, words, "w.txt") is True
    assert _folds(TagConfig(fold_words=False, char_dim=30), None, words, "w.txt") is False
    assert _folds(TagConfig(fold_words=True, char_dim=None), None, words, "w.txt") is True
    with pytest.raises(UserError, match="c.txt: its tokens are single characters"):
        _folds(TagConfig(fold_words=True, char_dim=30), None, chars, "c.txt")
    with pytest.raises(UserError, match="--char-dim 0"):
        _folds(TagConfig(fold_words=True, char_dim=0), None, words, "w.txt")
    resumed = SimpleNamespace(config={"fold_words": True})
    assert _folds(TagConfig(), resumed, words, "w.txt") is True  # type: ignore[arg-type]


def test_word_dropout_counts_unfolded_words_and_never_drops_an_unseen_one(tmp_path: Path) -> None:
    s = read_tagged(slash(tmp_path / "a.txt", "The/D the/D cat/N"))
    vocab = TokenVocab(["<pad>", "<unk>", "The", "the", "cat", "unseen"])
    p = _drop_probabilities(vocab, s, 0.5, folded=False).tolist()
    assert p == pytest.approx([0.0, 0.0, 0.5 / 1.5, 0.5 / 1.5, 0.5 / 1.5, 0.0])
