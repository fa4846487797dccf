"""Gaps a mutation audit of :mod:`rnnkit.init` found (round 11): each test fails on one changed line."""

from __future__ import annotations

from functools import partial

import pytest
import torch

from rnnkit.init import INITIALISERS, identity_, initialize_


@pytest.mark.parametrize("shape", [(4,), (2, 3, 4)])
def test_a_weight_that_is_not_2d_is_refused_saying_so(shape: tuple[int, ...]) -> None:
    for scheme in ("xavier_uniform", "orthogonal", "identity", "gaussian"):
        with pytest.raises(ValueError, match="expected a 2-D weight"):
            initialize_(torch.empty(shape), scheme)


def test_orthogonal_draws_from_the_generator_given() -> None:
    torch.manual_seed(0)
    a = initialize_(torch.empty(5, 3), "orthogonal", generator=torch.Generator().manual_seed(2))
    torch.manual_seed(1)   # another global stream: the generator's draws alone decide
    b = initialize_(torch.empty(5, 3), "orthogonal", generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b)


def test_a_gaussian_of_zero_spread_is_refused_whatever_its_mean() -> None:
    """std=0 with a mean of 0.5 gives every unit the same weight (no symmetry broken either): refused as a
    std that is not positive, not taken as a constant."""
    with pytest.raises(ValueError, match="gaussian std must be > 0, got 0"):
        initialize_(torch.empty(3, 3), "gaussian(std=0, mean=0.5)")


def test_the_gaussians_default_spread_is_a_hundredth() -> None:
    w = initialize_(torch.empty(3, 4), "gaussian", generator=torch.Generator().manual_seed(3))
    want = torch.empty(3, 4).normal_(0.0, 0.01, generator=torch.Generator().manual_seed(3))
    assert torch.equal(w, want)


@pytest.mark.parametrize(("alias", "reference"), [
    ("glorot_uniform", torch.nn.init.xavier_uniform_), ("glorot_normal", torch.nn.init.xavier_normal_),
    ("kaiming_uniform", partial(torch.nn.init.kaiming_uniform_, nonlinearity="relu")),
    ("kaiming_normal", partial(torch.nn.init.kaiming_normal_, nonlinearity="relu")),
    ("normal(std=0.3)", partial(torch.nn.init.normal_, std=0.3))])
def test_each_alias_draws_what_torch_nn_init_draws(alias: str, reference: partial) -> None:
    ours = initialize_(torch.empty(7, 3), alias, generator=torch.Generator().manual_seed(5))
    torch.testing.assert_close(ours, reference(torch.empty(7, 3), generator=torch.Generator().manual_seed(5)))
    assert alias.partition("(")[0] in INITIALISERS


@pytest.mark.parametrize("scheme", ["  identity(scale=0.5) ", "identity( )", "Identity(scale = 0.5)"])
def test_spaces_around_a_name_or_inside_its_brackets_are_read_over(scheme: str) -> None:
    w = initialize_(torch.empty(2, 2), scheme)
    assert torch.equal(w, torch.eye(2) * (1.0 if "( )" in scheme else 0.5))


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0)])
def test_a_weight_of_no_elements_is_not_an_all_zero_start(shape: tuple[int, int]) -> None:
    """torch.nn builds layers of size 0 (``torch.nn.Linear(0, 3)``): their empty weight holds no zero to refuse,
    and no value to draw. He's initialisers divided by the fan-in of 0 (ZeroDivisionError) where
    torch.nn.init.kaiming_uniform_ and kaiming_normal_ return the weight as it is."""
    assert torch.nn.Linear(shape[1], shape[0]).weight.shape == shape   # the judge
    for reference in (torch.nn.init.kaiming_uniform_, torch.nn.init.kaiming_normal_):
        assert reference(torch.empty(shape)).shape == shape
    for scheme in INITIALISERS:
        assert initialize_(torch.empty(shape), scheme).shape == shape, scheme


@pytest.mark.parametrize("scheme", ["orthogonal", "xavier_uniform", "gaussian"])
def test_a_skeletons_meta_weight_draws_nothing_from_the_global_generator(scheme: str) -> None:
    """A model built on the meta device (a checkpoint's skeleton) has no values to draw: orthogonal's Gaussian
    was drawn on the CPU all the same, moving the global generator, so that the same seed gave other numbers
    after a skeleton was built."""
    torch.manual_seed(0)
    want = torch.rand(3)
    torch.manual_seed(0)
    w = initialize_(torch.empty(4, 4, device="meta"), scheme)
    assert w.is_meta and torch.equal(torch.rand(3), want)


def test_the_identity_initialiser_called_itself_refuses_a_scale_of_zero() -> None:
    """identity_ is public (rnnkit.init.__all__): called directly, not through initialize_'s check, a scale of 0
    must still be refused rather than leave an all-zero weight."""
    w = torch.ones(3, 3)
    with pytest.raises(ValueError, match="symmetry"):
        identity_(w, 0.0)
    assert torch.equal(w, torch.ones(3, 3))   # refused before anything was written
