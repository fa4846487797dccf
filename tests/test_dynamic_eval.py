"""Dynamic evaluation: each segment scored by the model as updated on the segments before it."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from rnnkit.models.dynamic_eval import dynamic_log_probs
from rnnkit.models.language_model import LanguageModel, sequence_log_probs


@pytest.fixture
def model() -> LanguageModel:
    torch.manual_seed(0)
    return LanguageModel(7, hidden_size=12, num_layers=2, embed_dim=5, dropout=0.3).eval()


def ids(n: int, seed: int = 1) -> torch.Tensor:
    return torch.randint(7, (n,), generator=torch.Generator().manual_seed(seed))


def test_without_updates_it_is_the_static_score(model: LanguageModel) -> None:
    context, text = ids(1), ids(23)
    static = sequence_log_probs(model, context, text)
    for segment in (1, 4, 50):
        assert torch.allclose(dynamic_log_probs(model, context, text, lr=0.0, segment=segment), static, atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru", "clockwork"])
def test_each_segment_is_scored_by_the_model_after_one_sgd_step_per_segment_before(cell: str) -> None:
    """Brute force with torch.optim.SGD: score 3 tokens, step on their mean loss, score the next 3 with the
    state carried, and so on; the first target follows a context of two tokens."""
    torch.manual_seed(0)
    model = LanguageModel(7, cell=cell, hidden_size=8, num_layers=1, embed_dim=4)
    context, text = ids(2, seed=3), ids(10, seed=4)
    got = dynamic_log_probs(model, context, text, lr=0.5, segment=3)

    ref = copy.deepcopy(model).eval()
    opt = torch.optim.SGD(ref.parameters(), lr=0.5)
    seq = torch.cat([context, text])
    expected, state = [], None
    for start in range(0, len(seq) - 1, 3):
        x, y = seq[start : start + 3][: len(seq) - 1 - start], seq[start + 1 : start + 4]
        logits, state = ref(x.unsqueeze(1), state, time_offset=start)
        logp = F.log_softmax(logits[:, 0], -1).gather(1, y.unsqueeze(1)).squeeze(1)
        expected.append(logp.detach())
        opt.zero_grad()
        (-logp.mean()).backward()
        opt.step()
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
    expected_all = torch.cat(expected)[len(context) - 1 :]
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


@pytest.mark.parametrize(("kw", "word"), [({"lr": -0.1}, "lr"), ({"lr": float("nan")}, "lr"),
                                          ({"segment": 0}, "segment"), ({"decay": 1.5}, "decay")])
def test_bad_settings_are_refused(model: LanguageModel, kw: dict, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        dynamic_log_probs(model, ids(1), ids(5), **kw)
