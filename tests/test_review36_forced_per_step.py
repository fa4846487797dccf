"""The decoders' "cut at the limit" flags (fixm) cost every decoding step a new tensor and, in greedy decoding and
sampling, a ``.nonzero().tolist()`` (a device sync on a GPU), also at the steps where no row was at its length
limit, nearly all of them. ``_step_log_probs`` now gives None at such a step, and a tensor of the forced rows only at
a step where some row is at its limit."""

from __future__ import annotations

import pytest
import torch

from rnnkit.models.seq2seq import Seq2Seq

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _model() -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq(6, 6, embedding=4, hidden=4).eval()


def test_a_step_with_no_row_at_its_limit_gives_no_forced_rows() -> None:
    logits = torch.zeros(2, 8)
    logits[:, 4] = 1.0
    _, forced = _model()._step_log_probs(logits, 1, torch.tensor([3, 5]), [[], []], 0)
    assert forced is None


def test_a_step_with_a_row_at_its_limit_names_the_forced_one() -> None:
    model = _model()
    logits = torch.zeros(3, 8)
    logits[:, 4] = 1.0
    logits[1, model.eos_id] = 2.0  # its own end: not forced
    logp, forced = model._step_log_probs(logits, 3, torch.tensor([3, 3, 5]), [[], [], []], 0)
    assert forced is not None and forced.tolist() == [True, False, False]
    assert logp[0].argmax().item() == model.eos_id
