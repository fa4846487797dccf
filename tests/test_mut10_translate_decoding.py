"""Gaps a mutation audit of :mod:`rnnkit.tasks._translate_decoding` found (round 10): each test fails on one changed
line."""

from __future__ import annotations

import math

import pytest
import torch

from rnnkit.errors import SettingError
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.sampling import Sampling
from rnnkit.tasks._translate_decoding import (
    Decoding,
    _greedy,
    _max_lengths,
    replace_unknown,
    sources_per_batch,
    words_at,
)


def test_greedy_decoding_stops_at_a_times_the_source_length_plus_b() -> None:
    """Against the model's own greedy search given the limits worked by hand (an untrained model rarely ends)."""
    torch.manual_seed(0)
    model = Seq2Seq(9, 9, embedding=8, hidden=8, attention="general").eval()
    srcs = [[3, 4, 5, 6], [2, 3]]
    for a, b in ((0.0, 2), (1.0, 0), (0.5, 3)):
        got = _greedy(model, srcs, a, b)
        limits = torch.tensor([max(1, math.floor(a * len(s) + b)) for s in srcs])
        want = model.greedy(torch.tensor([[3, 4, 5, 6], [2, 3, 0, 0]]), torch.tensor([4, 2]), limits)
        assert [h.tokens for h in got] == [h.tokens for h in want]
        assert all(len(h.tokens) <= int(n) for h, n in zip(got, limits, strict=True))


def test_an_output_limit_of_b_alone_or_a_alone_is_allowed_and_alpha_must_be_finite() -> None:
    assert Decoding(max_len_a=0.0, max_len_b=5).checked().max_len_b == 5
    assert Decoding(max_len_a=2.0, max_len_b=0).checked().max_len_a == 2.0
    assert Decoding(no_repeat_ngram=0).checked().no_repeat_ngram == 0
    for bad in (math.nan, math.inf):
        with pytest.raises(SettingError, match="^alpha"):
            Decoding(alpha=bad).checked()


def test_the_reported_settings_leave_out_n_best_and_the_sampling() -> None:
    d = Decoding(beam=1, sample=Sampling(seed=3)).checked()
    assert set(d.settings()) == {"beam", "alpha", "max_len_a", "max_len_b", "no_repeat_ngram", "replace_unk",
                                 "min_len"}


def test_replace_unknown_without_attention_keeps_the_symbols() -> None:
    assert replace_unknown(["a", "<unk>"], [4, 1], None, ["x", "y"]) == ["a", "<unk>"]


@pytest.mark.parametrize(("rows_each", "most", "want"), [(1, 64, 64), (1, 10, 10), (16, 64, 64), (32, 64, 32),
                                                          (1000, 64, 1), (5000, 64, 1), (0, 64, 64)])
def test_a_batch_holds_at_most_1024_decoder_rows_and_one_source_at_least(rows_each: int, most: int,
                                                                        want: int) -> None:
    assert sources_per_batch(rows_each, most) == want


def test_the_length_limit_is_one_token_at_least_and_worked_in_float64() -> None:
    assert _max_lengths(torch.tensor([3, 10]), 0.1, 0, 40).tolist() == [1, 1]
    assert _max_lengths(torch.tensor([1]), 1.0, 2**24, 2**30).tolist() == [2**24 + 1]  # float32 rounds it away


def test_an_offset_before_the_first_of_several_words_gives_the_first() -> None:
    assert words_at("  ab cd", [0, 1, 2, 4]) == ["ab", "ab", "ab", "cd"]
