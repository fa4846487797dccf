"""rnnkit.train.pretrain: the summary it stores, the progress line it writes, the texts it counts and the budget it
needs (gaps the learning tests of test_pretrain left open)."""

from __future__ import annotations

import re

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.models.classifier import Classifier
from rnnkit.train.pretrain import PretrainResult, _LMLossLog, pretrain_encoder

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_stored_summary_rounds_seconds_and_loss() -> None:
    result = PretrainResult(steps=3, seconds=1.23456, tokens=10, loss=0.123456, texts=2)
    assert result.as_dict() == {"steps": 3, "seconds": 1.23, "tokens": 10, "loss": 0.1235, "texts": 2}


def test_the_log_line_says_the_mean_per_token_loss_of_the_recent_updates() -> None:
    said: list[str] = []
    loss_log = _LMLossLog(said.append, 2)
    sums = iter([(6.0, 3), (8.0, 2), (9.0, 3), (1.0, 1)])  # per token: 2, 4, 3, 1

    def lm(ids: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, int]:
        total, count = next(sums)
        return torch.tensor(total), count

    for _ in range(4):
        loss_log(lm, (torch.zeros(1), torch.zeros(1)), None)
    assert [line.split(" nats")[0] for line in said] == ["pre-train step 2: LM loss 3.0000",
                                                         "pre-train step 4: LM loss 2.0000"]
    assert loss_log.losses == [2.0, 4.0, 3.0, 1.0] and loss_log.tokens == 9


def test_short_texts_are_not_counted_and_the_loss_is_the_last_tenth() -> None:
    torch.manual_seed(0)
    model = Classifier(8, 2, embedding_dim=4, hidden_size=4)
    said: list[str] = []
    seqs = [[2, 3, 4, 5], [5, 4, 3], [6], [], [2, 7]] * 4
    result = pretrain_encoder(model, seqs, vocab_size=8, batch_size=2, lr=1e-2, clip=None, minutes=None, steps=20,
                              seed=0, log=said.append, log_every=1)
    assert result.texts == 12 and result.steps == 20
    losses = [float(re.search(r"LM loss ([0-9.]+)", line).group(1)) for line in said]
    assert len(losses) == 20 and result.loss == pytest.approx(sum(losses[-2:]) / 2, abs=1e-4)


@pytest.mark.parametrize("minutes, steps, message", [(None, None, "pre-training needs a budget: --pretrain-minutes"),
                                                     (1e-9, None, "the budget ended before the first update")])
def test_a_budget_is_needed_and_must_allow_an_update(minutes: float | None, steps: int | None, message: str) -> None:
    model = Classifier(8, 2, embedding_dim=4, hidden_size=4)
    with pytest.raises(UserError, match=message):
        pretrain_encoder(model, [[2, 3, 4]], vocab_size=8, batch_size=1, lr=1e-2, clip=None, minutes=minutes,
                         steps=steps, seed=0)
