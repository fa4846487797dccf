"""Mutation round 37: greedy decoding with a ``choose`` (sampling) adds up the log-probabilities of the tokens
chosen, not the step's best ones: a sampled hypothesis's ``log_prob`` is the model's for what it wrote."""

from __future__ import annotations

import pytest
import torch

from rnnkit.models.seq2seq import Seq2Seq

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_sampled_hypothesis_sums_the_chosen_tokens_log_probabilities() -> None:
    torch.manual_seed(0)
    model = Seq2Seq(9, 7, embedding=4, hidden=6).eval()
    src, src_len = torch.randint(2, 9, (2, 4)), torch.tensor([4, 4])
    taken = [0.0, 0.0]

    def second_best(logp: torch.Tensor) -> torch.Tensor:  # not the argmax where another token may be written
        top = logp.topk(2, dim=-1)
        token = torch.where(top.values[:, 1].isfinite(), top.indices[:, 1], top.indices[:, 0])
        for j, value in enumerate(logp.gather(1, token[:, None]).squeeze(1).tolist()):
            taken[j] += value
        return token

    hyps = model.greedy(src, src_len, torch.full((2,), 3), min_len=3, choose=second_best)
    assert [len(h.tokens) for h in hyps] == [3, 3]
    assert [h.log_prob for h in hyps] == pytest.approx(taken)
