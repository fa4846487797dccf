"""Pre-training a text encoder as a language model on unlabelled texts (Dai & Le 2015), before a
classifier learns its labels: ``rnnkit train classify --pretrain-data FILE``.

What a user gets: :func:`pretrain_encoder` trains a :class:`rnnkit.models.encoder.TextEncoder`'s
embedding and recurrent stack to predict each next token, through the one :class:`Trainer`, in memory,
and returns a :class:`PretrainResult` summary.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from torch import Tensor, nn

from rnnkit.data.batching import UnlabelledBatches
from rnnkit.errors import UserError
from rnnkit.models.encoder import EncoderLM, TextEncoder
from rnnkit.train.trainer import TrainConfig, Trainer, TrainingDiverged
from rnnkit.wording import counted

__all__ = ["PretrainResult", "pretrain_encoder"]


@dataclass
class PretrainResult:
    """What pre-training did: updates, seconds, tokens predicted, the mean LM loss (nats per token) of the
    last 10% of the updates (each update's mean over its tokens, averaged), and the texts used."""

    steps: int
    seconds: float
    tokens: int
    loss: float
    texts: int

    def as_dict(self) -> dict[str, Any]:
        """The summary as ``config.json["pretrain"]`` stores it (seconds and loss rounded)."""
        return {"steps": self.steps, "seconds": round(self.seconds, 2), "tokens": self.tokens,
                "loss": round(self.loss, 4), "texts": self.texts}


class _LMLossLog:
    """The pre-training ``loss_fn``: each update's LM loss, kept (for the summary) and, every
    ``log_every`` updates, their recent mean written with ``log``."""

    def __init__(self, log: Callable[[str], None] | None, log_every: int) -> None:
        self.log = log
        self.log_every = max(1, log_every)
        self.losses: list[float] = []
        self.tokens = 0
        self.start: float | None = None

    def __call__(self, lm: nn.Module, batch: tuple[Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
        if self.start is None:  # the clock of the tokens/s starts with the first update
            self.start = time.perf_counter()
        total, count = lm(*batch)
        self.losses.append(float((total / max(count, 1)).detach()))
        self.tokens += count
        n = len(self.losses)
        if self.log is not None and n % self.log_every == 0:
            recent = self.losses[-self.log_every :]
            rate = self.tokens / max(time.perf_counter() - self.start, 1e-9)
            self.log(f"pre-train step {n}: LM loss {sum(recent) / len(recent):.4f} nats/token, {rate:,.0f} tokens/s")
        return total, count, None


def pretrain_encoder(
    encoder: TextEncoder,
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
    device: str | None = None,
    source: str = "pre-training",
) -> PretrainResult:
    """Train ``encoder``'s embedding and recurrent stack as a language model on ``seqs`` (token ids),
    before a classifier learns its labels (Dai & Le 2015), on ``device`` (``--device``; None: where it is).

    Through the one :class:`Trainer`, in memory: Adam at ``lr`` with a cosine decay over the budget
    (``minutes`` of wall clock or ``steps`` updates, whichever ends first), global-norm clipping at
    ``clip``, batches of ``batch_size`` texts in a ``seed``-ed order. Texts shorter than two tokens are
    skipped. A stacked bidirectional encoder is refused (its upper layers have read the whole text, the
    predicted token included). The temporary softmax heads are thrown away; the model is left in
    training mode. ``source`` names the texts in an error (the ``--pretrain-data`` file).
    """
    usable = [list(s) for s in seqs if len(s) >= 2]
    if not usable:
        raise UserError(f"{source}: no text of at least two tokens ({counted(len(seqs), 'text')}); pre-training "
                        "predicts each token of a text from those before it")
    if minutes is None and steps is None:
        raise UserError("pre-training needs a budget: --pretrain-minutes or --pretrain-steps")
    if encoder.rnn.num_directions > 1 and encoder.rnn.num_layers > 1:
        raise UserError("--pretrain-data with --bidirectional needs --layers 1: in a stacked bidirectional "
                        "network every upper layer has read the whole text, the predicted token included")
    loss_log = _LMLossLog(log, log_every)
    cfg = TrainConfig(steps=steps, minutes=minutes, optimizer="adam", lr=lr, schedule="cosine", clip=clip or None,
                      log_every=max(1, log_every), seed=seed, progress=False, verbose=False, device=device)
    # only the embedding and the recurrent stack learn from the LM: the rest of a subclass (a classifier's head
    # and attention) is held out of the update, where DistributedDataParallel would refuse it (no gradient)
    trained = {id(p) for part in (encoder.embedding, encoder.rnn) if part is not None for p in part.parameters()}
    held = [p for p in encoder.parameters() if p.requires_grad and id(p) not in trained]
    for p in held:
        p.requires_grad_(False)
    try:
        trainer = Trainer(EncoderLM(encoder, vocab_size), cfg, batches=UnlabelledBatches(usable, batch_size, seed),
                          loss_fn=loss_log)
        result = trainer.fit()
    except TrainingDiverged as exc:
        what = "LM loss" if exc.what == "training loss" else exc.what
        raise UserError(f"pre-training: the {what} became {exc.value} at update {exc.step}; "
                        "try a lower --lr or --clip") from None
    finally:
        for p in held:
            p.requires_grad_(True)
    if trainer.ctrl_c_pressed:  # also in the last update, where the Trainer ends on its budget: the classifier
        raise KeyboardInterrupt  # must not then train for its own
    if result.steps == 0:
        raise UserError("pre-training: the budget ended before the first update")
    tail = loss_log.losses[-max(1, result.steps // 10):]
    return PretrainResult(steps=result.steps, seconds=result.seconds, tokens=result.tokens,
                          loss=sum(tail) / len(tail), texts=len(usable))
