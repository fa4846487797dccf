"""Tokenizers (rnnkit.data.tokenize): what the other tests left open, found by a mutation audit; the expected
values are worked by hand or taken from Hugging Face ``tokenizers`` itself."""

from __future__ import annotations

import pytest

from rnnkit.data.tokenize import PAD, UNK, UNK_CHAR, CharVocab
from rnnkit.errors import UserError


def test_the_replacement_character_in_a_text_is_the_unknown_symbol_not_a_character_of_its_own() -> None:
    """U+FFFD is the stream layout's unknown symbol (id 0): a text holding it gives it no second id."""
    vocab = CharVocab.from_text("b\ufffdab")
    assert vocab.symbols == [UNK_CHAR, "a", "b"]
    assert vocab.encode("a\ufffdb") == [1, 0, 2]
    padded = CharVocab(["x", PAD, UNK, "y"])
    assert padded.symbols == [PAD, UNK, "x", "y"] and padded.encode("yx?") == [3, 2, 1]


@pytest.mark.parametrize("chars", [["ab"], ["a", ""], ["a", "a"]])
def test_a_saved_character_vocabulary_of_anything_but_distinct_single_characters_is_refused(chars: list) -> None:
    with pytest.raises(UserError, match="vocab.json: a character vocabulary holds distinct single characters"):
        CharVocab.from_json({"type": "char", "unk": UNK_CHAR, "chars": chars})


def test_the_special_symbols_are_not_characters_of_the_vocabulary() -> None:
    stream, padded = CharVocab.from_text("ab"), CharVocab.train(["ab"])
    assert "a" in stream and "a" in padded and "z" not in stream
    assert UNK_CHAR not in stream and PAD not in padded and UNK not in padded


def test_the_stream_layout_keeps_the_text_as_written_and_the_padded_one_reads_it_nfc() -> None:
    """e + U+0301 (combining acute) is two characters to a language model, one (é) to a classifier."""
    decomposed = "e\u0301"
    stream = CharVocab.from_text(decomposed)
    assert stream.tokens(decomposed) == ["e", "\u0301"] and stream.encode(decomposed) == [1, 2]
    assert stream.encode_tensor(decomposed, warn=False).tolist() == [1, 2]
    padded = CharVocab.train(["\u00e9"])
    assert padded.tokens(decomposed) == ["\u00e9"] and padded.encode(decomposed) == [2]
    assert padded.encode_tensor(decomposed, warn=False).tolist() == [2]


def test_a_character_just_past_the_highest_known_code_point_is_unknown() -> None:
    """'ab': the lookup table ends at 'b' (98); 'c' (99) is the first code point past it."""
    vocab = CharVocab.from_text("ab")
    assert vocab.encode_tensor("abc", warn=False).tolist() == [1, 2, 0]
    padded = CharVocab.train(["ab"])
    assert padded.encode_tensor("bca", warn=False).tolist() == [padded.index["b"], 1, padded.index["a"]]


def test_the_unknown_count_says_a_thousand_or_more_from_a_thousand_on() -> None:
    """Up to 1,000 unknown characters are counted a chunk; the warning says "1000+" when it stopped there."""
    from rnnkit.data.tokenize import UnknownCharacterWarning

    vocab = CharVocab.from_text("a")
    with pytest.warns(UnknownCharacterWarning, match=r"^1 character unknown to the model \(seen 999 times\), read "
                                                     "as its unknown symbol: 'z'$"):
        vocab.encode_tensor("z" * 999)
    with pytest.warns(UnknownCharacterWarning, match=r"^1 character unknown to the model \(seen 1000\+ times\)"):
        vocab.encode_tensor("z" * 1000)


@pytest.mark.parametrize("value, wanted", [("off", None), ("none", None), ("0", None), (0, None), (None, None),
                                           ("3,6", (3, 6)), ("3-6", (3, 6)), ([2, 2], (2, 2)), ("1,20", (1, 20))])
def test_char_ngrams_settings_are_read_in_each_spelling(value: object, wanted: object) -> None:
    from rnnkit.data.tokenize import check_char_ngrams

    assert check_char_ngrams(value) == wanted


@pytest.mark.parametrize("value", ["6,3", "3,21", "0,3", "3", "a,b"])
def test_char_ngrams_settings_outside_1_min_max_20_are_refused(value: str) -> None:
    from rnnkit.data.tokenize import check_char_ngrams

    with pytest.raises(UserError, match=f"--char-ngrams: {value!r}; expected"):
        check_char_ngrams(value, "--char-ngrams")


@pytest.mark.parametrize("buckets", [0, -5])
def test_char_ngrams_need_a_positive_number_of_buckets(buckets: int) -> None:
    from rnnkit.data.tokenize import WordTokenizer

    with pytest.raises(UserError, match=f"buckets: {buckets}; expected a positive number of hash buckets"):
        WordTokenizer(["a"], char_ngrams=(3, 6), buckets=buckets)
    assert WordTokenizer(["a"], buckets=buckets).vocab_size == 3  # no n-grams: no buckets to count


def test_a_saved_word_tokenizer_keeps_its_buckets_and_an_ngram_one_its_pairs() -> None:
    import json

    from rnnkit.data.tokenize import NgramTokenizer, WordTokenizer, tokenizer_from_json

    words = WordTokenizer.train(["hello world"], char_ngrams=(3, 4), buckets=10)
    again = tokenizer_from_json(json.loads(json.dumps(words.to_json())))
    assert again.vocab_size == 4 + 10 and again.encode("hello world") == words.encode("hello world")
    pairs = NgramTokenizer.train(["not good"])
    again = tokenizer_from_json(json.loads(json.dumps(pairs.to_json())))
    assert type(again) is NgramTokenizer and again.encode("not good") == pairs.encode("not good") == [2, 3, 4]
    assert NgramTokenizer.split("a b c") == ["a", "b", "a b", "c", "b c"] and NgramTokenizer.split("a") == ["a"]


def test_a_saved_vocabulary_that_lists_a_symbol_twice_is_refused() -> None:
    from rnnkit.data.tokenize import tokenizer_from_json

    for kind in ("word", "token"):
        with pytest.raises(UserError, match="vocab.json: symbol 'a' appears twice in 'symbols'"):
            tokenizer_from_json({"type": kind, "symbols": ["a", "b", "a"]})


def test_words_are_joined_as_written_around_an_apostrophe_and_an_unknown_id_is_named_by_its_bucket() -> None:
    from rnnkit.data.tokenize import WordTokenizer, id_symbols, join_words

    assert join_words(WordTokenizer.split("isn't it?")) == "isn't it?"
    words = WordTokenizer.train(["b a a"], char_ngrams=(3, 3), buckets=10)   # <pad> <unk> a b
    assert id_symbols(words, [2, 3, 4, 7, 13]) == ["a", "b", "#0", "#3", "#9"]


def test_written_form_splits_and_joins_only_word_tokens_and_reads_every_text_nfc() -> None:
    from rnnkit.data.tokenize import BPETokenizer, WordTokenizer, written_form

    assert written_form(WordTokenizer(["well"]), "well-known") == "well - known"
    bpe = BPETokenizer.train(["well-known words"] * 3, vocab_size=40, min_frequency=1, reversible=True)
    assert written_form(bpe, "well-known") == "well-known"
    assert written_form(CharVocab.train(["e"]), "cafe\u0301") == "caf\u00e9"


def test_character_settings_of_build_tokenizer() -> None:
    from rnnkit.data.tokenize import build_tokenizer

    assert build_tokenizer("char", ["aab"], min_count=2).symbols == [PAD, UNK, "a"]
    for kind in ("char", "bpe"):
        with pytest.raises(UserError, match=f"--char-ngrams: .*not {kind}"):
            build_tokenizer(kind, ["ab"], char_ngrams=(3, 6))


def test_bpe_of_build_tokenizer_merges_only_pairs_seen_twice_and_reversible_decodes_the_exact_text() -> None:
    """min_count 1 is raised to tokenizers' min_frequency 2: 'ab' seen once stays a, b (4 ids with <pad>,
    <unk>), seen twice it is merged (5). A reversible one decodes spaces and all back, as tokenizers' Metaspace
    decoder does."""
    from rnnkit.data.tokenize import build_tokenizer, decode_ids

    assert build_tokenizer("bpe", ["ab"], vocab_size=100, min_count=1).vocab_size == 4
    assert build_tokenizer("bpe", ["ab ab"], vocab_size=100, min_count=1).vocab_size == 5
    text = "the cat  sat, the end"
    tok = build_tokenizer("bpe", [text] * 3, vocab_size=100, reversible=True)
    assert decode_ids(tok, tok.encode(text)) == text


@pytest.mark.parametrize("field", ["padding", "truncation", "post_processor"])
def test_a_saved_bpe_tokenizer_that_pads_cuts_or_post_processes_is_refused(field: str) -> None:
    from rnnkit.data.tokenize import BPETokenizer, tokenizer_from_json

    saved = BPETokenizer.train(["ab ab ab"], vocab_size=10, min_frequency=1).to_json()
    assert tokenizer_from_json(saved).encode("ab") == BPETokenizer.train(["ab ab ab"], 10, 1).encode("ab")
    saved["tokenizer"][field] = {"type": "anything"}
    with pytest.raises(UserError, match=f"vocab.json: the BPE tokenizer's '{field}' must be null"):
        tokenizer_from_json(saved)
