"""Gaps a mutation audit of the decoders' cut flags (fixm, review36) found (round 36b): in a batch whose sources
have other length limits, the flag belongs to the source the limit cut (greedy decoding drops the sources that have
ended, so its rows are not its sources) and a beam's cut outlives the steps the longer sources still decode; a beam
hypothesis that wrote its own end before the limit is not cut when the limit forces the others' end."""

from __future__ import annotations

import pytest
import torch

from rnnkit.models.seq2seq import Seq2Seq

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _model(eos_bias: float) -> Seq2Seq:
    """A tiny translator whose every step's logits are target token 4's 1.0, EOS's ``eos_bias``, the others' -5."""
    torch.manual_seed(0)
    model = Seq2Seq(6, 6, embedding=4, hidden=4).eval()
    with torch.no_grad():
        model.output.weight.zero_()
        model.output.bias.fill_(-5.0)
        model.output.bias[4] = 1.0
        model.output.bias[model.eos_id] = eos_bias
    return model


@pytest.mark.parametrize("how", ["greedy", "beam"])
def test_each_source_of_a_batch_with_other_limits_keeps_its_cut(how: str) -> None:
    model = _model(-5.0)
    src, src_len, limit = torch.tensor([[2, 3], [3, 2]]), torch.tensor([2, 2]), torch.tensor([1, 3])
    if how == "greedy":
        hyps = model.greedy(src, src_len, limit)
    else:
        hyps = [nbest[0] for nbest in model.beam_search(src, src_len, limit, beam=2)]
    assert [(len(h.tokens), h.cut) for h in hyps] == [(1, True), (3, True)]


def test_a_beam_ended_by_the_model_before_the_limit_is_not_cut() -> None:
    model = _model(0.5)  # EOS second best: one beam ends at once, the other runs to the limit of 2
    hyps = model.beam_search(torch.tensor([[2, 3]]), torch.tensor([2]), torch.tensor([2]), beam=2, n_best=2,
                             alpha=0.0)[0]
    assert sorted((len(h.tokens), h.cut) for h in hyps) == [(0, False), (2, True)]
