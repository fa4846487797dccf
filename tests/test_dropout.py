"""rnnkit's dropout: torch.nn.Dropout's contract with cheaper masks on the CPU."""

from __future__ import annotations

import pickle

import pytest
import torch
from torch import nn

from rnnkit.dropout import Dropout, bernoulli, dropout

F64 = torch.float64


@pytest.mark.parametrize("p", [0.0, 0.05, 0.5, 0.9, 1.0])
def test_mask_draws_have_the_rate_asked_for_and_follow_the_seed(p: float) -> None:
    torch.manual_seed(0)
    draws = bernoulli((100, 50, 40), p, torch.empty((), dtype=F64))
    assert draws.dtype == F64 and draws.shape == (100, 50, 40)
    assert set(draws.unique().tolist()) <= {0.0, 1.0}
    assert abs(draws.mean().item() - p) < 0.004  # 200,000 draws: about 4 standard deviations at p = 0.5
    assert abs(draws[:, :, :20].mean().item() - draws[:, :, 20:].mean().item()) < 0.008
    torch.manual_seed(0)
    assert torch.equal(bernoulli((100, 50, 40), p, torch.empty((), dtype=F64)), draws)


def test_each_of_the_four_uniforms_of_a_draw_has_the_rate() -> None:
    """Element i comes from the (i mod 4)-th 16 bits of a 64-bit draw: none of the four may be biased
    (a generator that left the top bit of its 64-bit draws at 0 would keep every fourth element)."""
    torch.manual_seed(1)
    draws = bernoulli((400_000,), 0.5, torch.empty(()))
    for part in range(4):
        assert abs(draws[part::4].mean().item() - 0.5) < 0.005  # 100,000 draws: 3.2 standard deviations


@pytest.mark.parametrize("p", [1e-7, 1 - 1e-7])
def test_rates_within_half_a_level_of_0_or_1_give_constant_draws(p: float) -> None:
    """A rate that rounds to 65,536/65,536 must not overflow the 16-bit threshold into all zeros."""
    draws = bernoulli((1000,), p, torch.empty(()))
    assert torch.equal(draws, torch.full((1000,), float(p > 0.5)))


@pytest.mark.parametrize("p", [0.1, 0.276, 0.731])
def test_dropout_zeroes_a_share_p_and_scales_the_rest_as_torch_does(p: float) -> None:
    x = torch.full((200_000,), 3.0, dtype=F64, requires_grad=True)
    y = dropout(x, p)
    kept = y != 0
    assert abs(1 - kept.double().mean().item() - p) < 0.005
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 3.0 / (1 - p)), rtol=1e-15, atol=0)
    y.sum().backward()  # the gradient is the mask, scaled
    torch.testing.assert_close(x.grad, kept.double() / (1 - p), rtol=1e-15, atol=0)


def test_dropout_is_identity_in_eval_and_at_zero_and_all_zeros_at_one() -> None:
    x = torch.randn(4, 5)
    assert dropout(x, 0.5, training=False) is x
    assert dropout(x, 0.0) is x
    assert torch.equal(dropout(x, 1.0), torch.zeros_like(x))
    with pytest.raises(ValueError, match="between 0 and 1"):
        dropout(x, 1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):  # the module's constructor is torch's
        Dropout(1.5)


def test_inplace_overwrites_the_input() -> None:
    x = torch.ones(1000)
    y = dropout(x, 0.5, inplace=True)
    assert y is x and set(x.unique().tolist()) == {0.0, 2.0}


def test_the_module_with_inplace_overwrites_its_input_as_torchs_does() -> None:
    for module in (Dropout(0.5, inplace=True), nn.Dropout(0.5, inplace=True)):
        x = torch.ones(1000)
        y = module(x)
        assert y is x and set(x.unique().tolist()) == {0.0, 2.0}, type(module)


def test_module_is_a_torch_dropout_with_fresh_masks_that_follow_the_seed() -> None:
    module = Dropout(0.3)
    assert isinstance(module, nn.Dropout) and repr(module) == repr(nn.Dropout(0.3))
    assert module.state_dict() == {}
    x = torch.ones(64, 64)
    torch.manual_seed(5)
    first = module(x)
    second = module(x)
    assert not torch.equal(first, second)
    torch.manual_seed(5)
    assert torch.equal(module(x), first)
    module.eval()
    assert torch.equal(module(x), x)
    copy = pickle.loads(pickle.dumps(Dropout(0.3)))
    assert copy.p == 0.3 and copy(x).ne(0).any()


def test_bf16_input_keeps_its_dtype() -> None:
    x = torch.ones(10_000, dtype=torch.bfloat16)
    y = dropout(x, 0.2)
    assert y.dtype == torch.bfloat16 and 0.75 < y.ne(0).float().mean().item() < 0.85


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning", "ignore:`torch.jit.trace:DeprecationWarning")
@pytest.mark.parametrize("p", [0.1, 0.8])
def test_mask_draws_under_torch_jit_trace_have_the_rate_asked_for(p: float) -> None:
    """Traced, :func:`bernoulli` draws with torch.rand (what the tracer records): P(1) is still p, as
    ``torch.bernoulli`` has it, so a traced layer's zoneout holds and its recurrent dropout keeps as many units."""
    torch.manual_seed(0)
    traced = torch.jit.trace(lambda like: bernoulli((200, 100), p, like), torch.zeros((), dtype=F64),
                             check_trace=False)
    draws = traced(torch.zeros((), dtype=F64))
    assert draws.dtype == F64 and set(draws.unique().tolist()) == {0.0, 1.0}
    assert abs(float(draws.mean()) - p) < 0.02


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning", "ignore:`torch.jit.trace:DeprecationWarning")
@pytest.mark.parametrize("options", [None, {"zoneout": 0.2}, {"recurrent_dropout": 0.2}, {"weight_drop": 0.3}])
def test_torch_jit_trace_records_the_masks_in_training_mode_as_for_torch_nn(options: dict | None) -> None:
    """``torch.jit.trace`` of a Dropout, or of a layer drawing masks, in training mode, as of torch.nn.Dropout:
    the graph draws fresh masks at each call (the tracer cannot record the int16 view of :func:`bernoulli`'s
    draws; it stopped on an internal assert)."""
    torch.manual_seed(0)
    if options is None:
        module: nn.Module = Dropout(0.3).train()
        x = torch.ones(200, 100)
    else:
        module = __import__("rnnkit").Recurrent("lstm", 3, 4, **options).train()
        x = torch.ones(6, 2, 3)
    traced = torch.jit.trace(module, x, check_trace=False)
    first, second = (traced(x) if options is None else traced(x)[0] for _ in range(2))
    assert not torch.equal(first, second)
    if options is None:
        assert abs(float((first == 0).float().mean()) - 0.3) < 0.02
        assert torch.allclose(first.unique(), torch.tensor([0.0, 1 / 0.7]))
    else:
        first.sum().backward()
