"""Gaps a mutation audit of :mod:`rnnkit.scan` found (round 10): each test fails on one changed line."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent, native
from rnnkit import scan as scan_module
from tests.test_native import needs_kernels

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_block_is_at_least_one_step_however_wide_a_step_is() -> None:
    """chunk_length's docstring: 1 to ``steps`` steps of about CHUNK_ELEMENTS numbers."""
    assert scan_module.chunk_length(5, 512, 512) == 1  # one step holds 262144 numbers, over 65536
    assert scan_module.chunk_length(0, 2, 3) == 1
    assert scan_module.chunk_length(100, 2, 3) == 100
    assert scan_module.chunk_length(100_000, 64, 64) == 16


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_the_sequential_scan_of_a_step_wider_than_a_block_equals_the_step_loop(
        cell: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "CHUNK_ELEMENTS", 4)  # a step of batch 2, hidden 3 holds 6 numbers
    torch.manual_seed(0)
    layer = Recurrent(cell, 2, 3, scan="sequential").double()
    loop = Recurrent(cell, 2, 3, impl="reference").double()
    loop.load_state_dict(layer.state_dict())
    x = torch.randn(4, 2, 2, dtype=torch.float64)
    torch.testing.assert_close(layer(x)[0], loop(x)[0], rtol=1e-10, atol=1e-12)


@needs_kernels
def test_the_cells_that_name_a_scan_kind_take_the_fused_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """minGRU's and minLSTM's CPU scans run rnnkit.native's fused operators, not the torch fallback (a build
    that fails fails here; it skipped this test without a word)."""
    assert native.ops() is not None
    asked = []

    def spy(x: torch.Tensor) -> object:
        asked.append(x.dtype)
        return native.ops_for(x)

    monkeypatch.setattr(scan_module, "native_ops", spy)
    for cell in ("mingru", "minlstm"):
        x = torch.randn(3, 2, 2, requires_grad=True)
        Recurrent(cell, 2, 3, scan="sequential")(x)[0].sum().backward()
    assert asked == [torch.float32] * 4  # each cell's forward and backward
