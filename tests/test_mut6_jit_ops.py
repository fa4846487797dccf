"""Gaps a mutation audit of :mod:`rnnkit.jit_ops` found (round 6): registering an operator again, as a reloaded
module does."""

from __future__ import annotations

import warnings

import pytest
import torch

from rnnkit.jit_ops import register


def test_registered_again_an_operator_runs_the_new_function() -> None:
    op = register("mut6_again", "(Tensor x) -> Tensor", lambda x: x + 1)
    x = torch.tensor([1.0, 2.0])
    assert torch.equal(op(x), torch.tensor([2.0, 3.0]))
    again = register("mut6_again", "(Tensor x) -> Tensor", lambda x: x * 10)  # a reloaded module's Function
    assert torch.equal(again(x), torch.tensor([10.0, 20.0]))
    assert torch.equal(torch.ops.rnnkit.mut6_again(x), torch.tensor([10.0, 20.0]))


def test_registered_again_with_another_schema_is_refused_naming_both() -> None:
    register("mut6_schema", "(Tensor x) -> Tensor", lambda x: x + 1)
    with pytest.raises(RuntimeError, match=r"torch.ops.rnnkit.mut6_schema is defined with \(Tensor x\) -> Tensor "
                                           r"in this process; its new schema \(Tensor x, Tensor y\) -> Tensor takes"):
        register("mut6_schema", "(Tensor x, Tensor y) -> Tensor", lambda x, y: x + y)
    assert torch.equal(torch.ops.rnnkit.mut6_schema(torch.ones(2)), torch.full((2,), 2.0))  # the first one stands


def test_an_operator_is_differentiable_through_its_function_on_any_device() -> None:
    """CompositeImplicitAutograd: autograd sees the ops inside the function, so the operator has a gradient, unwarned
    (an operator registered for the CPU only backpropagates with torch's deprecation warning, "an autograd kernel
    was not registered"), and runs for any device's tensors (here the meta device's)."""
    op = register("mut6_grad", "(Tensor x) -> Tensor", lambda x: x * x)
    x = torch.tensor([3.0, -2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        op(x).sum().backward()
    assert torch.equal(x.grad, torch.tensor([6.0, -4.0]))
    assert op(torch.empty(2, 3, device="meta")).shape == (2, 3)
