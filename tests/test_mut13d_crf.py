"""A gap the mutation audit of rnnkit.models.crf found: the tags past a sentence's mask may hold any value."""

from __future__ import annotations

import pytest
import torch

from rnnkit.models.crf import LinearChainCRF

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("padding", [3, 99, -100])
def test_score_and_nll_ignore_whatever_the_tags_hold_past_the_mask(padding: int) -> None:
    """``score`` takes tags with any value past the mask: a padding tag id of its own (``num_tags``, or a large
    one) scores as -100 or 0 does, and is not an index out of range."""
    torch.manual_seed(0)
    crf = LinearChainCRF(3).double()
    with torch.no_grad():
        for p in crf.parameters():
            p.normal_()
    emissions = torch.randn(2, 4, 3, dtype=torch.float64)
    mask = torch.tensor([[True, True, True, True], [True, True, False, False]])
    zeros = torch.tensor([[0, 2, 1, 1], [1, 2, 0, 0]])
    padded = zeros.clone()
    padded[1, 2:] = padding
    want = crf.score(emissions, zeros, mask)
    torch.testing.assert_close(crf.score(emissions, padded, mask), want)
    torch.testing.assert_close(crf.nll(emissions, padded, mask), crf.log_partition(emissions, mask) - want)
    by_hand = crf.start[1] + emissions[1, 0, 1] + emissions[1, 1, 2] + crf.transitions[1, 2] + crf.end[2]
    torch.testing.assert_close(want[1], by_hand)
