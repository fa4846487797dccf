"""Greedy decoding (translate, caption, sampling) brought each row's log-probability over one element at a time,
``float(logp[j, token])``, and each row's attention with its source length: on a GPU a synchronisation per row per
step. The step's tokens, log-probabilities and attention now come over at once, a few transfers a step whatever the
batch; the hypotheses are the same as the per-element sums (checked against them on several seeds)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import torch
from torch.overrides import TorchFunctionMode

from rnnkit.models.seq2seq import Seq2Seq

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: the calls that bring a tensor's values to Python (on a GPU, each waits for the device)
TRANSFERS = {"__float__", "__int__", "__bool__", "__index__", "item", "tolist"}


class _Transfers(TorchFunctionMode):
    """Counts the calls of :data:`TRANSFERS` made while it is active."""

    def __init__(self) -> None:
        super().__init__()
        self.count: Counter[str] = Counter()

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        name = getattr(func, "__name__", "")
        if name in TRANSFERS:
            self.count[name] += 1
        return func(*args, **(kwargs or {}))


def _model(seed: int, attention: str = "dot") -> Seq2Seq:
    torch.manual_seed(seed)
    return Seq2Seq(9, 7, embedding=4, hidden=6, attention=attention).eval()


def _sources(seed: int, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(2, 9, (batch, 5), generator=g)
    src_len = torch.randint(2, 6, (batch,), generator=g)
    src_len[0] = 5
    src[torch.arange(5) >= src_len[:, None]] = 0
    return src, src_len


def _transfers(batch: int, attention: bool) -> int:
    model = _model(0)
    src, src_len = _sources(0, batch)
    limit = torch.full((batch,), 6)
    with _Transfers() as seen:  # min_len = max_len: every row writes 6 tokens, then the forced end
        hyps = model.greedy(src, src_len, limit, min_len=6, return_attention=attention)
    assert [len(h.tokens) for h in hyps] == [6] * batch
    return sum(seen.count.values())


@pytest.mark.parametrize("attention", [False, True])
def test_a_greedy_step_brings_values_over_the_same_number_of_times_whatever_the_batch(attention: bool) -> None:
    assert _transfers(8, attention) == _transfers(1, attention)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_the_hypotheses_are_the_per_element_sums(seed: int) -> None:
    """Each step's log-probabilities recorded as the decoder chose from them, and each hypothesis's log-probability
    summed from them one element at a time (the old way, over the rows still writing): the same, to the bit, and
    the tokens greedy chooses are those."""
    model = _model(seed)
    src, src_len = _sources(seed, 6)
    limit = torch.randint(1, 9, (6,), generator=torch.Generator().manual_seed(seed))
    steps: list[torch.Tensor] = []

    def argmax(logp: torch.Tensor) -> torch.Tensor:
        steps.append(logp.clone())
        return logp.argmax(-1)

    hyps = model.greedy(src, src_len, limit, return_attention=True, choose=argmax)
    plain = model.greedy(src, src_len, limit, return_attention=True)
    rows, sums, written = list(range(6)), [0.0] * 6, [[] for _ in range(6)]
    for logp in steps:
        still = []
        for j, i in enumerate(rows):
            token = int(logp[j].argmax())
            sums[i] += float(logp[j, token])
            if token != model.eos_id:
                written[i].append(token)
                still.append(i)
        rows = still
    assert rows == []
    assert [h.log_prob for h in hyps] == sums and [h.tokens for h in hyps] == written
    assert [(h.tokens, h.log_prob, h.attention) for h in plain] == [(h.tokens, h.log_prob, h.attention) for h in hyps]
    for h, n in zip(hyps, src_len.tolist(), strict=True):
        assert len(h.attention) == len(h.tokens) + 1 and all(len(row) == n for row in h.attention)
