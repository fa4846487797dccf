"""Dynamic evaluation: each segment scored by the model as updated on the segments before it."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F

from rnnkit.models.dynamic_eval import dynamic_log_probs, gradient_rms
from rnnkit.models.language_model import LanguageModel, sequence_log_probs


@pytest.fixture
def model() -> LanguageModel:
    torch.manual_seed(0)
    return LanguageModel(7, hidden_size=12, num_layers=2, embed_dim=5, dropout=0.3).eval()


def ids(n: int, seed: int = 1) -> torch.Tensor:
    return torch.randint(7, (n,), generator=torch.Generator().manual_seed(seed))


def segment_by_segment(model: LanguageModel, context: torch.Tensor, text: torch.Tensor, segment: int,
                       update: Callable[[LanguageModel], None]) -> torch.Tensor:
    """Brute force on a copy of ``model``: score ``segment`` tokens with the state carried, back-propagate
    their mean loss, call ``update(copy)``, and so on; the log-probs of ``text`` (the first target follows
    the whole ``context``)."""
    ref = copy.deepcopy(model).eval()
    seq = torch.cat([context, text])
    expected, state = [], None
    for start in range(0, len(seq) - 1, segment):
        x, y = seq[start : start + segment][: len(seq) - 1 - start], seq[start + 1 : start + segment + 1]
        logits, state = ref(x.unsqueeze(1), state, time_offset=start)
        logp = F.log_softmax(logits[:, 0], -1).gather(1, y.unsqueeze(1)).squeeze(1)
        expected.append(logp.detach())
        ref.zero_grad()
        (-logp.mean()).backward()
        update(ref)
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
    return torch.cat(expected)[len(context) - 1 :]


def test_without_updates_it_is_the_static_score(model: LanguageModel) -> None:
    context, text = ids(1), ids(23)
    static = sequence_log_probs(model, context, text)
    for segment in (1, 4, 50):
        assert torch.allclose(dynamic_log_probs(model, context, text, lr=0.0, segment=segment), static, atol=1e-5)


def sgd_by_segment(model: LanguageModel, context: torch.Tensor, text: torch.Tensor, lr: float,
                   segment: int) -> torch.Tensor:
    """:func:`segment_by_segment` with torch.optim.SGD's step (one optimizer over the reference copy)."""
    optimizers: list[torch.optim.SGD] = []

    def sgd_step(ref: LanguageModel) -> None:
        if not optimizers:
            optimizers.append(torch.optim.SGD(ref.parameters(), lr=lr))
        optimizers[0].step()

    return segment_by_segment(model, context, text, segment, sgd_step)


@pytest.mark.parametrize("cell", ["lstm", "gru", "clockwork"])
def test_each_segment_is_scored_by_the_model_after_one_sgd_step_per_segment_before(cell: str) -> None:
    """Brute force with torch.optim.SGD: score 3 tokens, step on their mean loss, score the next 3 with the
    state carried, and so on; the first target follows a context of two tokens."""
    torch.manual_seed(0)
    model = LanguageModel(7, cell=cell, hidden_size=8, num_layers=1, embed_dim=4)
    context, text = ids(2, seed=3), ids(10, seed=4)
    got = dynamic_log_probs(model, context, text, lr=0.5, segment=3)
    expected_all = sgd_by_segment(model, context, text, 0.5, 3)
    assert got.shape == text.shape
    assert torch.allclose(got, expected_all, atol=1e-5)
    assert not torch.allclose(got[3:], sequence_log_probs(model, context, text)[3:], atol=1e-3)


def test_the_model_passed_in_is_not_changed(model: LanguageModel) -> None:
    before = {k: v.clone() for k, v in model.state_dict().items()}
    dynamic_log_probs(model, ids(1), ids(40), lr=1.0, segment=5)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not model.training


def test_a_text_that_repeats_is_learnt_as_it_is_read(model: LanguageModel) -> None:
    motif = ids(12, seed=9)
    text = motif.repeat(15)
    static = sequence_log_probs(model, ids(1), text)
    dynamic = dynamic_log_probs(model, ids(1), text, lr=0.5, segment=12)
    # the first motif is scored before any update; the last ones after fourteen steps on the same motif
    assert torch.allclose(dynamic[:12], static[:12], atol=1e-5)
    assert dynamic[-12:].sum() > static[-12:].sum() + 2.0  # 3.5 nats here


def test_decay_pulls_back_to_the_trained_weights(model: LanguageModel) -> None:
    context, text = ids(1), ids(30)
    full = dynamic_log_probs(model, context, text, lr=0.5, segment=5, decay=1.0)  # every step undone
    assert torch.allclose(full, sequence_log_probs(model, context, text), atol=1e-5)


@pytest.mark.parametrize(("kw", "word"), [({"lr": -0.1}, "lr"), ({"lr": float("nan")}, "lr"), ({"lr": 1e39}, "lr"),
                                          ({"segment": 0}, "segment"), ({"decay": 1.5}, "decay")])
def test_bad_settings_are_refused(model: LanguageModel, kw: dict, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        dynamic_log_probs(model, ids(1), ids(5), **kw)


# ------------------------------------------------------------------ the RMS-normalised rule (Krause et al. 2018)
def constant_rms(model: LanguageModel, value: float) -> dict[str, torch.Tensor]:
    return {n: torch.full_like(p, value) for n, p in model.named_parameters()}


def test_statistics_that_are_one_constant_give_the_sgd_step(model: LanguageModel) -> None:
    """g / (c + eps) with a constant c is SGD with lr / (c + eps); the pull back's rate c / mean = 1 is the
    plain decay."""
    context, text = ids(1), ids(30)
    for decay in (0.0, 0.3):
        sgd = dynamic_log_probs(model, context, text, lr=0.5, segment=5, decay=decay)
        rms = dynamic_log_probs(model, context, text, lr=0.5 * 2.5, segment=5, decay=decay,
                                rms=constant_rms(model, 2.5), eps=0.0)
        assert torch.allclose(rms, sgd, atol=1e-5)
        assert not torch.allclose(sgd, sequence_log_probs(model, context, text), atol=1e-3)


@pytest.mark.parametrize("decay", [0.5, 1.0])  # at 1.0 the weights with more than the mean RMS are pulled all the way
def test_the_rms_rule_step_by_step(decay: float) -> None:
    """Brute force, Krause et al.'s update written out: θ ← θ - lr·g/(rms + eps) + min(λ·rms/mean, 1)·(θ0 - θ)."""
    torch.manual_seed(0)
    model = LanguageModel(7, hidden_size=8, num_layers=1, embed_dim=4)
    rms = {n: torch.rand_like(p) * 0.1 + 0.01 for n, p in model.named_parameters()}
    lr, eps = 0.02, 1e-3
    context, text = ids(1, seed=3), ids(12, seed=4)
    got = dynamic_log_probs(model, context, text, lr=lr, segment=4, decay=decay, rms=rms, eps=eps)

    names = [n for n, _ in model.named_parameters()]
    theta0 = {n: p.detach().clone() for n, p in model.named_parameters()}
    mean = sum(float(rms[n].mean()) for n in names) / len(names)

    def krause_step(ref: LanguageModel) -> None:
        with torch.no_grad():
            for n, p in ref.named_parameters():
                rate = torch.clamp(decay * rms[n] / mean, max=1.0)
                stepped = p - lr * p.grad / (rms[n] + eps)
                p.copy_(stepped + rate * (theta0[n] - stepped))

    expected = segment_by_segment(model, context, text, 4, krause_step)
    assert torch.allclose(got, expected, atol=1e-5)


def test_statistics_of_the_wrong_shape_are_refused(model: LanguageModel) -> None:
    rms = constant_rms(model, 1.0)
    rms.pop(next(iter(rms)))
    with pytest.raises(ValueError, match="rms"):
        dynamic_log_probs(model, ids(1), ids(5), rms=rms)


def test_gradient_rms_is_the_root_mean_square_of_each_batch_gradient(model: LanguageModel) -> None:
    """Brute force: two streams over the text, segments of 5, the state carried, two batches."""
    text = ids(60, seed=5)
    got = gradient_rms(model, text, streams=2, segment=5, batches=2)
    ref = copy.deepcopy(model).eval()
    length = (len(text) - 1) // 2
    total = {n: torch.zeros_like(p) for n, p in ref.named_parameters()}
    state = None
    for start in (0, 5):
        x = torch.stack([text[start : start + 5], text[length + start : length + start + 5]], 1)
        y = torch.stack([text[start + 1 : start + 6], text[length + start + 1 : length + start + 6]], 1)
        logits, state = ref(x, state, time_offset=start)
        ref.zero_grad()
        F.cross_entropy(logits.reshape(-1, 7), y.reshape(-1)).backward()
        for n, p in ref.named_parameters():
            total[n] += p.grad**2
        state = tuple(s.detach() for s in state)
    assert set(got) == set(total)
    assert all(torch.allclose(got[n], (total[n] / 2).sqrt(), atol=1e-6) for n in total)
    assert all(v.gt(0).any() for v in got.values())


def test_gradient_rms_of_a_short_text_uses_what_there_is(model: LanguageModel) -> None:
    got = gradient_rms(model, ids(8), streams=64, segment=50, batches=25)  # one stream of 7 inputs
    assert all(torch.isfinite(v).all() for v in got.values())
    with pytest.raises(ValueError, match="too short"):
        gradient_rms(model, ids(1))


def test_a_model_in_training_mode_is_adapted_and_measured_without_dropout(model: LanguageModel) -> None:
    """Both work on a copy in eval mode (the fixture's dropout is 0.3): a model passed in training mode gives
    what it gives in eval mode, and stays in training mode."""
    context, text = ids(1), ids(20)
    want_lp = dynamic_log_probs(model, context, text, lr=0.5, segment=5)
    want_rms = gradient_rms(model, ids(40, seed=5), streams=2, segment=5, batches=2)
    model.train()
    torch.manual_seed(1)
    assert torch.allclose(dynamic_log_probs(model, context, text, lr=0.5, segment=5), want_lp, atol=1e-6)
    got_rms = gradient_rms(model, ids(40, seed=5), streams=2, segment=5, batches=2)
    assert all(torch.allclose(got_rms[n], want_rms[n], atol=1e-7) for n in want_rms)
    assert model.training


def test_frozen_parameters_are_left_as_they_are() -> None:
    """A model with a frozen embedding adapts its other weights only, as torch.optim.SGD over the model does
    (it skips a parameter without a gradient)."""
    torch.manual_seed(0)
    model = LanguageModel(7, hidden_size=8, num_layers=1, embed_dim=4)
    model.embedding.weight.requires_grad_(False)
    context, text = ids(2, seed=3), ids(9, seed=4)
    got = dynamic_log_probs(model, context, text, lr=0.5, segment=3)
    assert torch.allclose(got, sgd_by_segment(model, context, text, 0.5, 3), atol=1e-5)
