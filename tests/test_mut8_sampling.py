"""Gaps a mutation audit of :mod:`rnnkit.sampling` found (round 8): each test fails on one changed line."""

from __future__ import annotations

import math

import pytest
import torch

from rnnkit.sampling import choose


def _last_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch.rand giving its largest float32, so the inverse CDF takes the last token of the order it is given."""
    monkeypatch.setattr(torch, "rand", lambda *shape, **kw: torch.full(shape, 1 - 2 ** -24))


def test_a_top_p_just_below_1_still_cuts_the_tail(monkeypatch: pytest.MonkeyPatch) -> None:
    """top_p 0.9995 over probabilities 0.9996 and 0.0004: the first reaches it alone, so the second is never drawn,
    however high the uniform number (a nucleus skipped for a top_p near 1 took it)."""
    _last_draw(monkeypatch)
    scores = torch.tensor([math.log(0.9996), math.log(0.0004)])
    assert choose(scores, 1.0, None, 0.9995, None) == 0
    assert choose(scores, 1.0, None, 1.0, None) == 1  # without the nucleus the same number takes the tail


def test_the_nucleus_stops_at_the_token_whose_predecessors_reach_top_p_exactly() -> None:
    """Probabilities 0.5, 0.25, 0.125, 0.125 (exact in float32) and top_p 0.75: the first two sum to exactly 0.75,
    so the nucleus is those two (Hugging Face's TopPLogitsWarper drops the tokens whose ascending cumulative
    probability is at most 1 - top_p, here 0.125 + 0.125); the third, after a mass of 0.75 already, stays out."""
    from rnnkit.sampling import nucleus

    logits = torch.tensor([0.125, 0.5, 0.125, 0.25]).log()
    assert torch.softmax(logits, -1)[[1, 3]].sum() == 0.75
    assert nucleus(logits, 0.75).tolist() == [1, 3]


def test_a_top_k_of_0_without_sampling_is_said_to_go_unused() -> None:
    """top_k has no default value to be quiet about (None is its absence): even 0 given without sampling is named."""
    from rnnkit.sampling import warn_unused_sampling

    with pytest.warns(UserWarning, match="^--top-k is used only with --sample; without it the most likely output "
                                         "is written$"):
        warn_unused_sampling(None, 0, None, None)


def test_a_top_k_of_0_is_refused_naming_it() -> None:
    """top_k counts from 1 (None: off); 0 drew from every token, as if it were off, saying nothing."""
    from rnnkit.errors import SettingError
    from rnnkit.sampling import check_sampling

    with pytest.raises(SettingError, match="^top_k 0: "):
        check_sampling(1.0, 0, 1.0, None)
    assert check_sampling(1.0, 1, 1.0, None) == (1.0, 1, 1.0, None)


def test_the_flags_of_sample_reach_the_sampling_settings() -> None:
    """``--sample --temperature 0.5 --top-k 3 --seed 7`` gives exactly those settings (top_p its default 1);
    without --sample, none."""
    import argparse

    from rnnkit.sampling import Sampling, add_sampling_arguments, sampling_from

    p = argparse.ArgumentParser()
    add_sampling_arguments(p, "outputs", "a test")
    args = p.parse_args(["--sample", "--temperature", "0.5", "--top-k", "3", "--seed", "7"])
    assert sampling_from(args) == Sampling(0.5, 3, 1.0, 7)
    assert sampling_from(p.parse_args(["--sample", "--top-p", "0.9"])) == Sampling(1.0, None, 0.9, None)
    assert sampling_from(p.parse_args([])) is None


def test_a_python_calls_seed_reaches_the_sampling_settings_and_sample_is_a_bool() -> None:
    """sample=True gives the settings as given, seed too; a string for the flag ("no" is truthy) is refused."""
    from rnnkit.sampling import Sampling, sampling_of

    assert sampling_of(True, 0.5, 3, 0.9, 7) == Sampling(0.5, 3, 0.9, 7)
    with pytest.raises(TypeError, match="^sample takes True or False, not 'no'$"):
        sampling_of("no", 1.0, None, 1.0, None)


def test_the_checked_settings_are_python_numbers() -> None:
    """NumPy scalars and ints come back as Python floats (the settings end in JSON and reprs)."""
    import numpy as np

    from rnnkit.sampling import check_sampling

    got = check_sampling(np.float32(0.5), None, np.float64(0.75), None)
    assert got == (0.5, None, 0.75, None) and all(type(v) is float for v in got[::2])
    assert type(check_sampling(1, None, 1, None)[0]) is float


def test_without_a_seed_each_chooser_draws_anew() -> None:
    """seed None: a new draw each time, so two choosers over 60 rows of 10 equally likely tokens differ (the chance
    that they agree is 10**-60); with a seed they repeat."""
    from rnnkit.sampling import Sampling

    logp = torch.full((60, 10), -math.log(10))
    assert not torch.equal(Sampling().chooser()(logp), Sampling().chooser()(logp))
    assert torch.equal(Sampling(seed=3).chooser()(logp), Sampling(seed=3).chooser()(logp))


def test_samples_of_each_source_are_capped_as_the_beam_is() -> None:
    from rnnkit.errors import MAX_BEAM, SettingError
    from rnnkit.sampling import Sampling, check_beam_or_samples

    assert check_beam_or_samples(1, MAX_BEAM, Sampling())[1] == MAX_BEAM
    with pytest.raises(SettingError, match=f"^n_best {MAX_BEAM + 1}: "):
        check_beam_or_samples(1, MAX_BEAM + 1, Sampling())


def test_a_row_with_nothing_but_banned_tokens_left_draws_among_them() -> None:
    """Where the ban leaves nothing (min_len or blocked n-grams took the rest), the row is drawn unbanned: one of
    its possible tokens, never a blocked one (a row of only -inf took token 0 by argmax)."""
    from rnnkit.sampling import Sampling

    inf = float("-inf")
    logp = torch.tensor([[inf, -0.1, -2.4, inf], [-0.7, -0.7, inf, inf]])
    got = Sampling(seed=0).chooser(banned=[1, 2])(logp)
    assert got[0] in (1, 2) and got[1] == 0


def test_a_sampling_flag_given_at_its_default_without_sample_is_said_to_go_unused() -> None:
    """``--temperature 1`` or ``--top-p 1`` without --sample was quiet (their defaults, which argparse filled in
    whether given or not), while ``--temperature 0.9`` was warned of; a flag not given still says nothing, and
    --sample alone samples with the defaults."""
    import argparse
    import warnings

    from rnnkit.sampling import Sampling, add_sampling_arguments, sampling_from

    p = argparse.ArgumentParser()
    add_sampling_arguments(p, "outputs", "a test")
    every = (["--temperature", "1.0", "--top-p", "1", "--seed", "0"], "--temperature, --top-p and --seed are")
    for given, named in ((["--temperature", "1"], "--temperature is"), (["--top-p", "1"], "--top-p is"), every):
        with pytest.warns(UserWarning, match=f"^{named} used only with --sample; without it the most likely output"):
            assert sampling_from(p.parse_args(given)) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sampling_from(p.parse_args([])) is None
        assert sampling_from(p.parse_args(["--sample"])) == Sampling(1.0, None, 1.0, None)
        assert sampling_from(p.parse_args(["--sample", "--top-p", "0.5"])) == Sampling(1.0, None, 0.5, None)
