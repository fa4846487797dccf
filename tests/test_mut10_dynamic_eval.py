"""Gaps a mutation audit of :mod:`rnnkit.models.dynamic_eval` found (round 10): each test fails on one changed
line."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from rnnkit.models.dynamic_eval import dynamic_log_probs, gradient_rms
from rnnkit.models.language_model import LanguageModel


@pytest.fixture
def model() -> LanguageModel:
    torch.manual_seed(0)
    return LanguageModel(7, hidden_size=6, num_layers=1, embed_dim=4).eval()


def ids(n: int, seed: int = 1) -> torch.Tensor:
    return torch.randint(7, (n,), generator=torch.Generator().manual_seed(seed))


def test_a_negative_decay_is_refused(model: LanguageModel) -> None:
    """decay is the share of the way back to the trained weights, 0 to 1: below 0 it would push them further off."""
    with pytest.raises(ValueError, match="decay must be between 0 and 1, got -0.1"):
        dynamic_log_probs(model, ids(1), ids(5), decay=-0.1)


def test_no_tokens_to_score_give_an_empty_result(model: LanguageModel) -> None:
    got = dynamic_log_probs(model, ids(1), ids(0))
    assert got.shape == (0,)


def test_statistics_that_only_broadcast_to_a_parameters_shape_are_refused(model: LanguageModel) -> None:
    """One number a tensor (shape (1,)) broadcasts against every weight, but is no statistic of each weight."""
    rms = {n: torch.full_like(p, 0.1) for n, p in model.named_parameters()}
    name = next(iter(rms))
    rms[name] = torch.full((1,), 0.1)
    with pytest.raises(ValueError, match=f"rms: no statistics of the shape of {name}"):
        dynamic_log_probs(model, ids(1), ids(5), rms=rms)


def test_statistics_all_zero_give_the_sgd_step_of_lr_over_eps_and_no_pull_back(model: LanguageModel) -> None:
    """RMS 0 everywhere: the step is lr · g / (0 + eps), SGD with lr / eps; the pull back's rate, proportional to each
    weight's RMS (decay · rms / mean, here 0 / 0), is 0: no pull back whatever the decay."""
    context, text = ids(1), ids(20)
    zeros = {n: torch.zeros_like(p) for n, p in model.named_parameters()}
    got = dynamic_log_probs(model, context, text, lr=0.2, segment=5, decay=0.5, rms=zeros, eps=0.5)
    sgd = dynamic_log_probs(model, context, text, lr=0.4, segment=5)
    torch.testing.assert_close(got, sgd, rtol=0, atol=1e-5)


def test_gradient_rms_reads_each_batch_at_its_time_in_the_streams() -> None:
    """Brute force with a clockwork model, whose modules tick on the step's time: the second batch of segment 3 is
    read at time 3 (read at time 0 its slow modules tick when they should not)."""
    torch.manual_seed(0)
    model = LanguageModel(7, cell="clockwork", hidden_size=8, num_layers=1, embed_dim=4).eval()
    text = ids(20, seed=5)
    got = gradient_rms(model, text, streams=1, segment=3, batches=2)
    total = {n: torch.zeros_like(p) for n, p in model.named_parameters()}
    state = None
    for start in (0, 3):
        logits, state = model(text[start : start + 3].unsqueeze(1), state, time_offset=start)
        model.zero_grad()
        F.cross_entropy(logits.reshape(-1, 7), text[start + 1 : start + 4]).backward()
        for n, p in model.named_parameters():
            total[n] += p.grad**2
        state = state.detach() if isinstance(state, torch.Tensor) else tuple(s.detach() for s in state)
    assert all(torch.allclose(got[n], (total[n] / 2).sqrt(), atol=1e-6) for n in total)


def test_gradient_rms_of_a_short_text_takes_as_many_streams_as_whole_segments(model: LanguageModel) -> None:
    """21 tokens, segments of 5: 20 inputs make 4 streams of one whole segment each (asked for 64), as brute force
    over those 4 streams gives it; a fifth stream would make each shorter than a segment."""
    text = ids(21, seed=2)
    got = gradient_rms(model, text, streams=64, segment=5, batches=3)
    x = torch.stack([text[s * 5 : s * 5 + 5] for s in range(4)], 1)
    y = torch.stack([text[s * 5 + 1 : s * 5 + 6] for s in range(4)], 1)
    model.zero_grad()
    F.cross_entropy(model(x)[0].reshape(-1, 7), y.reshape(-1)).backward()
    assert all(torch.allclose(got[n], p.grad.abs(), atol=1e-7) for n, p in model.named_parameters())
