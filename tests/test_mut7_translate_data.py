"""Gaps a mutation audit of :mod:`rnnkit.tasks._translate_data` found (round 7): the translator's pairs, tokenizers,
the share of <unk> and its warnings, and the decoder's targets, against hand-worked values."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from rnnkit.data.pairs import split_pairs
from rnnkit.errors import UserError
from rnnkit.tasks import _translate_data as td
from rnnkit.tasks._translate_config import Seq2SeqConfig
from rnnkit.train.provenance import digest


def test_unknown_share_counts_unk_ids_among_all_tokens() -> None:
    assert td.unknown_share([[1, 2, 1], [3]]) == 0.5
    assert td.unknown_share([]) == 0.0 and td.unknown_share([[], []]) == 0.0
    assert td._unknown_shares([([1, 1], [2, 3, 1, 4])]) == {"source": 1.0, "target": 0.25}


def said(shares: dict[str, float], built: dict[str, float] | None) -> str | None:
    """The warning check_unknown gives (None: none); a refusal raises."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        td.check_unknown("new.tsv", shares, built)
    assert len(caught) <= 1
    return str(caught[0].message) if caught else None


def test_a_side_above_a_tenth_unknown_and_three_times_the_built_share_is_warned_about() -> None:
    assert said({"source": 0.10, "target": 0.0}, None) is None          # a tenth: not above it
    assert said({"source": 0.11, "target": 0.0}, None) is not None
    assert said({"source": 0.30, "target": 0.0}, {"source": 0.10, "target": 0.0}) is None   # 3 x: not above it
    assert said({"source": 0.31, "target": 0.0}, {"source": 0.10, "target": 0.0}) is not None
    assert said({"source": 0.25, "target": 0.0}, {"source": 0.10, "target": 0.0}) is None   # 2.5 x
    assert said({"source": 0.375, "target": 0.0}, {"source": 0.125, "target": 0.0}) is None  # exactly 3 x
    assert said({"source": 0.15, "target": 0.0}, {"source": 0.08, "target": 0.0}) is None   # under 3 x


def test_the_warning_gives_both_sides_and_the_shares_the_vocabularies_were_built_on() -> None:
    assert said({"source": 0.2, "target": 0.05}, {"source": 0.02, "target": 0.01}) == (
        "new.tsv: 20% of the source and 5% of the target tokens are unknown to the run's vocabularies (<unk>), "
        "against 2% and 1% on the pairs they were built from; a resumed run keeps its vocabularies: train a new run "
        "(another --out) to learn these words")
    assert said({"source": 0.5, "target": 0.0}, None) == (
        "new.tsv: 50% of the source and 0% of the target tokens are unknown to the run's vocabularies (<unk>); a "
        "resumed run keeps its vocabularies: train a new run (another --out) to learn these words")


def test_one_side_is_one_vocabulary() -> None:
    with pytest.raises(UserError) as info:
        td.check_unknown("caps", {"caption": 0.95}, {"caption": 0.01}, items="captions")
    assert str(info.value) == (
        "caps: 95% of the caption tokens are unknown to the run's vocabulary (<unk>), against 1% on the captions it "
        "was built from; a resumed run keeps its vocabulary, so nothing could be learnt: train a new run (another "
        "--out) on these captions")


def test_a_side_above_nine_tenths_unknown_is_refused() -> None:
    assert said({"source": 0.90, "target": 0.0}, None) is not None       # nine tenths: warned, not refused
    with pytest.raises(UserError, match="nothing could be learnt"):
        said({"source": 0.91, "target": 0.5}, None)                      # one side is enough
    # a side its vocabularies already read as mostly <unk> is not new: the other, far side decides (a warning)
    assert said({"source": 0.95, "target": 0.2}, {"source": 0.9, "target": 0.0}) is not None


def test_built_shares_are_the_record_or_the_pairs_own_when_it_resumes_on_them(tmp_path: Path) -> None:
    shares = {"source": 0.3, "target": 0.1}
    data = tmp_path / "train.tsv"
    data.write_text("a\tb\n", encoding="utf-8")

    def ckpt(data_record: dict) -> SimpleNamespace:
        return SimpleNamespace(config={"data": data_record})

    assert td.built_shares(ckpt({"vocabulary_unknown": {"source": 0, "target": 0.25}}), "x", shares) == {
        "source": 0.0, "target": 0.25}
    # a record of an older run without them: the pairs' own shares where they are its own pairs
    assert td.built_shares(ckpt({}), None, shares) == shares
    assert td.built_shares(ckpt({"vocabulary_unknown": {"source": "?", "target": 0.1}}), None, shares) == shares
    assert td.built_shares(ckpt({"digests": {"train": digest(data)}}), str(data), shares) == shares
    assert td.built_shares(ckpt({"digests": {"train": "0" * 64}}), str(data), shares) is None  # other pairs
    assert td.built_shares(ckpt({}), str(data), shares) is None                             # not known
    assert td.built_shares(ckpt({"digests": {"train": digest(data)}}), str(tmp_path / "gone.tsv"), shares) is None


def test_decoder_targets_put_bos_before_and_eos_after_each_target_padded_with_0() -> None:
    got = td.decoder_targets([[5, 6], [7]], bos=2, eos=3)
    assert got["tgt_in"].tolist() == [[2, 5, 6], [2, 7, 0]]
    assert got["tgt_out"].tolist() == [[5, 6, 3], [7, 3, 0]]


def test_pair_batches_hold_the_sources_and_the_decoders_targets() -> None:
    batches = td._PairBatches([([4, 5, 6], [7]), ([8], [9, 10])], batch_size=2, seed=0, bos=2, eos=3)
    got = batches.collate([0, 1])
    assert got["src"].tolist() == [[4, 5, 6], [8, 0, 0]] and got["src_len"].tolist() == [3, 1]
    assert got["tgt_in"].tolist() == [[2, 7, 0], [2, 9, 10]] and got["tgt_out"].tolist() == [[7, 3, 0], [9, 10, 3]]
    assert isinstance(got["src"], torch.Tensor)


def test_encode_cuts_both_sides_to_max_len() -> None:
    src, tgt = td._tokenizers(Seq2SeqConfig(), None, [("abcdef", "uvwxyz")])
    assert [(len(s), len(t)) for s, t in td._encode([("abcdef", "uvwxyz")], src, tgt, 4)] == [(4, 4)]


def test_each_side_takes_its_own_tokenizer_trained_on_its_own_side() -> None:
    pairs = [("the cat", "el gato"), ("a dog", "un perro")]
    src, tgt = td._tokenizers(Seq2SeqConfig(tokenizer="char", src_tokenizer="word"), None, pairs)
    assert type(src).__name__ == "WordTokenizer" and type(tgt).__name__ == "CharVocab"
    assert src.encode("the dog") == [src.encode("the")[0], src.encode("dog")[0]] and 1 not in src.encode("the dog")
    src, tgt = td._tokenizers(Seq2SeqConfig(tokenizer="char", tgt_tokenizer="word"), None, pairs)
    assert type(src).__name__ == "CharVocab" and type(tgt).__name__ == "WordTokenizer"
    assert 1 not in tgt.encode("el perro") and 1 in tgt.encode("the")  # the target's words, not the source's


def test_a_small_vocab_size_caps_the_source_words_too() -> None:
    pairs = [(" ".join(f"w{i}" for i in range(50)), "x")]
    src, _ = td._tokenizers(Seq2SeqConfig(tokenizer="word", vocab_size=10), None, pairs)
    assert len(src) <= 10


def test_saved_tokenizers_are_source_then_target_and_a_bad_vocab_is_one_line() -> None:
    src, tgt = td._tokenizers(Seq2SeqConfig(), None, [("abc", "xyz")])
    saved = SimpleNamespace(path="run", config={}, vocab={"source": src.to_json(), "target": tgt.to_json()})
    got_src, got_tgt = td._saved_tokenizers(saved)
    assert got_src.encode("abc") == src.encode("abc") and 1 in got_src.encode("x")
    assert got_tgt.encode("xyz") == tgt.encode("xyz") and 1 in got_tgt.encode("a")
    for vocab in ({"source": src.to_json()}, ["a"], {"source": src.to_json(), "target": "x"}):
        with pytest.raises(UserError, match=r'^run/vocab.json: expected an object with "source" and "target"'):
            td._saved_tokenizers(SimpleNamespace(path="run", vocab=vocab))


def test_the_validation_pairs_are_the_split_seeds(tmp_path: Path) -> None:
    data = tmp_path / "p.tsv"
    data.write_text("".join(f"s{i}\tt{i}\n" for i in range(30)), encoding="utf-8")
    pairs = [(f"s{i}", f"t{i}") for i in range(30)]
    for seed in (0, 5):
        assert td.translation_data(str(data), None, Seq2SeqConfig(split_seed=seed)) == split_pairs(pairs, 0.1, seed)


def test_no_training_pairs_left_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "p.tsv"
    data.write_text("a\tb\n", encoding="utf-8")
    with pytest.raises(UserError, match="p.tsv: no training pairs left"):
        td.translation_data(str(data), None, Seq2SeqConfig(val_fraction=0.9))
