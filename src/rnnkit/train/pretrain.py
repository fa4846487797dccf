"""Language-model pre-training of a classifier's encoder on unlabelled text (Dai & Le 2015).

What a user gets: :func:`pretrain_encoder` trains the embedding and the recurrent stack of a
:class:`rnnkit.models.classifier.Classifier` to predict the next token of unlabelled texts (and, for a
bidirectional stack, the backward direction to predict the previous one) before the classifier is
trained on its labels. Unlabelled text is often plentiful where labels are scarce (call transcripts
nobody has labelled yet, reviews without a rating); the encoder then starts from word vectors and
recurrent weights that already know the language. The temporary softmax heads are thrown away; only
the encoder's weights are kept.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.data.tokenize import pad_batch
from rnnkit.errors import UserError
from rnnkit.models.classifier import length_mask
from rnnkit.train.optim import build_optimizer, learning_rate

__all__ = ["PretrainResult", "lm_loss", "pretrain_encoder"]


@dataclass
class PretrainResult:
    """What pre-training did: updates, seconds, tokens predicted and the mean LM loss (nats per token)
    over the last 10% of the updates."""

    steps: int
    seconds: float
    tokens: int
    loss: float
    texts: int

    def as_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "seconds": round(self.seconds, 2), "tokens": self.tokens,
                "loss": round(self.loss, 4), "texts": self.texts}


class LMHeads(nn.Module):
    """One next-token softmax per direction of the encoder's top layer."""

    def __init__(self, hidden_size: int, num_directions: int, vocab_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.heads = nn.ModuleList(nn.Linear(hidden_size, vocab_size) for _ in range(num_directions))


def lm_loss(model: nn.Module, heads: LMHeads, ids: Tensor, lengths: Tensor) -> tuple[Tensor, int]:
    """Summed next-token cross-entropy of a padded batch and the number of predicted tokens.

    The forward direction's output at step t predicts token t+1; the backward direction's output at
    step t (it has read tokens t..end) predicts token t-1. Padding predicts nothing and is never a target.
    """
    x = model.dropout(model.embedding(ids))
    out, _ = model.rnn(x, lengths=lengths)
    out = model.dropout(out)
    h = heads.hidden_size
    valid = length_mask(lengths, ids.shape[1])[:, 1:]  # positions 1..T-1 that are real tokens
    total = out.new_zeros(())
    count = 0
    forward = out[:, :-1, :h][valid]
    total = total + F.cross_entropy(heads.heads[0](forward).float(), ids[:, 1:][valid], reduction="sum")
    count += int(valid.sum())
    if len(heads.heads) > 1:
        backward = out[:, 1:, h : 2 * h][valid]
        total = total + F.cross_entropy(heads.heads[1](backward).float(), ids[:, :-1][valid], reduction="sum")
        count += int(valid.sum())
    return total, count


def pretrain_encoder(
    model: nn.Module,
    seqs: Sequence[Sequence[int]],
    *,
    vocab_size: int,
    batch_size: int,
    lr: float,
    clip: float | None,
    minutes: float | None,
    steps: int | None,
    seed: int,
    log: Callable[[str], None] | None = None,
    log_every: int = 100,
) -> PretrainResult:
    """Train ``model.embedding`` and ``model.rnn`` as a language model on ``seqs`` (token ids).

    Adam at ``lr`` with a cosine decay over the budget (``minutes`` of wall clock or ``steps`` updates,
    whichever ends first; the cosine follows whichever is further along), global-norm clipping at
    ``clip``. Texts shorter than two tokens are skipped. The model is left in training mode.
    """
    usable = [list(s) for s in seqs if len(s) >= 2]
    if not usable:
        raise UserError("pre-training: no text with at least two tokens")
    if minutes is None and steps is None:
        raise UserError("pre-training needs a budget: --pretrain-minutes or --pretrain-steps")
    if model.rnn.num_directions > 1 and model.rnn.num_layers > 1:
        # an upper layer of a bidirectional stack reads both directions of the layer below, so each of
        # its outputs has seen the whole text, the token it would predict included
        raise UserError("--pretrain-data with --bidirectional needs --layers 1: in a stacked bidirectional "
                        "network every upper layer has read the whole text, the predicted token included")
    heads = LMHeads(model.rnn.hidden_size, model.rnn.num_directions, vocab_size)
    params = [*model.embedding.parameters(), *model.rnn.parameters(), *heads.parameters()]
    opt = build_optimizer("adam", params, lr=lr)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    heads.train()
    budget = minutes * 60.0 if minutes is not None else None
    start = time.perf_counter()
    step = 0
    tokens = 0
    recent: list[float] = []
    order: list[int] = []
    while True:
        elapsed = time.perf_counter() - start
        if (steps is not None and step >= steps) or (budget is not None and elapsed >= budget):
            break
        if len(order) < batch_size:
            order = torch.randperm(len(usable), generator=gen).tolist()
        idx, order = order[:batch_size], order[batch_size:]
        ids, lengths = pad_batch([usable[i] for i in idx])
        progress = max(elapsed / budget if budget else 0.0, step / steps if steps else 0.0)
        for group in opt.param_groups:
            group["lr"] = learning_rate(lr, step, progress, schedule="cosine")
        total, count = lm_loss(model, heads, ids, lengths)
        loss = total / max(count, 1)
        value = float(loss.detach())
        if not math.isfinite(value):
            raise UserError(f"pre-training: the LM loss became {value} at update {step + 1}; "
                            "try a lower --lr or --clip")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        step += 1
        tokens += count
        recent.append(value)
        if log is not None and step % log_every == 0:
            rate = tokens / max(time.perf_counter() - start, 1e-9)
            log(f"pre-train step {step}: LM loss {sum(recent[-log_every:]) / len(recent[-log_every:]):.4f} "
                f"nats/token, {rate:,.0f} tokens/s")
    seconds = time.perf_counter() - start
    if step == 0:
        raise UserError("pre-training: the budget ended before the first update")
    tail = recent[-max(1, step // 10):]
    return PretrainResult(steps=step, seconds=seconds, tokens=tokens, loss=sum(tail) / len(tail),
                          texts=len(usable))


def stderr_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
