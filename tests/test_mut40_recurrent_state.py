"""Mutation round 40: rnnkit.Recurrent reads the initial state by either name through walk50's given_state."""

from __future__ import annotations

import pytest
import torch

import rnnkit

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_layer_takes_state_as_hx_and_refuses_both() -> None:
    torch.manual_seed(0)
    layer = rnnkit.GRU(3, 4, batch_first=True)
    x, h0 = torch.randn(2, 5, 3), torch.randn(1, 2, 4)
    torch.testing.assert_close(layer(x, state=h0)[0], layer(x, h0)[0])
    assert not torch.allclose(layer(x, state=h0)[0], layer(x)[0])
    with pytest.raises(TypeError, match="as hx or as state, not both"):
        layer(x, h0, state=h0)
