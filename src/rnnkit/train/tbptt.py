"""Truncated back-propagation through time over long token streams.

The text is cut into ``batch_size`` contiguous streams, one per batch row (row ``b`` reads the
``b``-th slice of the text from start to end). Each batch is a window of ``window`` time steps from
every stream; the next batch starts ``shift`` steps later (``shift = window`` by default: char-rnn's
setting, windows side by side). The recurrent state at the start of the next window is carried from
this one and detached, so gradients flow back at most ``window`` steps while the state has seen the
whole stream. When a stream runs out, all streams start again from their beginnings with a fresh
(zero) state: ``StreamBatch.reset`` tells the loss function.

Memory does not grow with the length of the text: the streams are a view of one integer tensor in
the smallest dtype that holds the vocabulary (one byte a character for most alphabets), and only one
window at a time is turned into the ``int64`` indices the model needs.

With ``shift < window`` windows overlap: the carried state is the one after the first ``shift`` steps
of the window (where the next window starts), computed in the same forward pass; the loss is still
summed over all ``window`` steps.
"""

from __future__ import annotations

import contextlib
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.data.prepared import smallest_int_dtype
from rnnkit.device import model_copy, model_device
from rnnkit.errors import UserError
from rnnkit.recurrent import detach_state

__all__ = ["StreamBatch", "StreamBatches", "evaluate_streams", "smallest_int_dtype", "tbptt_lm_loss", "training_rate"]


@dataclass
class StreamBatch:
    """One window: ``inputs`` and ``targets`` (time, batch) int64; ``reset``: start from zero state;
    ``offset``: the window's first time step within the streams (a Clockwork RNN's clock)."""

    inputs: Tensor
    targets: Tensor
    reset: bool
    shift: int
    offset: int = 0


class StreamBatches:
    """``batch_size`` parallel streams over a 1-D token tensor, served as windows (see module doc).

    The position (window offset and epoch) is saved with :meth:`state_dict` for exact resume.
    """

    def __init__(self, tokens: Tensor, batch_size: int, window: int, shift: int | None = None) -> None:
        if tokens.dim() != 1:
            raise ValueError("tokens must be a 1-D tensor")
        shift = window if shift is None else shift
        if not 1 <= shift <= window:
            raise ValueError(f"shift must be between 1 and the window ({window}), got {shift}")
        length = tokens.numel() // batch_size
        if length < window + 1:
            raise ValueError(
                f"{tokens.numel()} tokens make streams of {length} for batch size {batch_size}; "
                f"a window of {window} needs {window + 1}"
            )
        self.tokens = tokens
        self.streams = tokens[: batch_size * length].view(batch_size, length)
        self.batch_size = batch_size
        self.window = window
        self.shift = shift
        self.position = 0
        self.epoch = 0
        self._fresh = True

    @property
    def windows_per_epoch(self) -> int:
        return (self.streams.shape[1] - 1 - self.window) // self.shift + 1

    def next_batch(self) -> StreamBatch:
        length = self.streams.shape[1]
        if self.position + self.window + 1 > length:
            self.position = 0
            self.epoch += 1
            self._fresh = True
        p, w = self.position, self.window
        chunk = self.streams[:, p : p + w + 1].t().long()  # (window + 1, batch)
        batch = StreamBatch(chunk[:-1], chunk[1:], self._fresh, self.shift, p)
        self._fresh = False
        self.position += self.shift
        return batch

    def shard(self, rank: int, world: int) -> StreamBatches:
        """Process ``rank``'s part when ``world`` processes train together (:mod:`rnnkit.train.distributed`):
        its ``batch_size`` rows of the ``world x batch_size`` streams that one process with the combined
        batch would read, at the same position."""
        try:
            part = StreamBatches(self.tokens, self.batch_size * world, self.window, self.shift)
        except ValueError as exc:
            raise UserError(f"{world} processes x batch size {self.batch_size}: {exc}") from None
        part.streams = part.streams[rank * self.batch_size : (rank + 1) * self.batch_size]
        part.batch_size = self.batch_size
        part.load_state_dict(self.state_dict())
        return part

    def state_dict(self) -> dict[str, Any]:
        return {"position": self.position, "epoch": self.epoch, "fresh": self._fresh}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.position = int(state["position"])
        self.epoch = int(state["epoch"])
        self._fresh = bool(state.get("fresh", False))


def _takes_time_offset(model: nn.Module) -> bool:
    try:
        return "time_offset" in inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return False


def tbptt_lm_loss(model: nn.Module, batch: StreamBatch, state: Any) -> tuple[Tensor, int, Any]:
    """Next-token loss of a language model over one window (a trainer ``loss_fn``).

    ``model(inputs, state) -> (logits (T, B, V), new_state)``; a model whose ``forward`` has a
    ``time_offset`` argument also gets the window's position (Clockwork clocks). Returns the
    cross-entropy summed over the window's tokens, their number, and the state to carry on.
    """
    if batch.reset:
        state = None
    x, y = batch.inputs, batch.targets
    kw = {"time_offset": batch.offset} if _takes_time_offset(model) else {}
    if batch.shift >= x.shape[0]:
        logits, carry = model(x, state, **kw)
    else:
        head, carry = model(x[: batch.shift], state, **kw)
        if kw:
            kw = {"time_offset": batch.offset + batch.shift}
        tail, _ = model(x[batch.shift :], carry, **kw)
        logits = torch.cat([head, tail], 0)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), y.reshape(-1), reduction="sum")
    return loss, y.numel(), carry


def training_rate(model: nn.Module, vocab_size: int, batch_size: int, window: int, *, precision: str = "fp32",
                  seconds: float = 0.25, warmup: int = 2, max_updates: int = 50,
                  loss_fn: Callable[..., tuple[Tensor, int, Any]] = tbptt_lm_loss, fresh: bool = False) -> float:
    """Tokens a second this machine trains ``model`` at now, in windows of ``batch_size`` streams ×
    ``window`` tokens: ``warmup`` untimed updates (allocation, kernel set-up), then updates until
    ``seconds`` have passed (at most ``max_updates``), each the trainer's: ``loss_fn``
    (:func:`tbptt_lm_loss`) under ``precision`` (``fp32`` or ``bf16`` autocast), backward, clipping, an
    AdamW step; with ``fresh`` every window starts the streams afresh (the same window each time: a
    language model's memory then reads it as a pass it has read before). It trains a copy on random ids,
    so ``model`` is unchanged; torch's global random state is used (dropout)."""
    probe = model_copy(model).train()
    params = [p for p in probe.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    device = params[0].device if params else torch.device("cpu")
    ids = torch.randint(vocab_size, (window + 1, batch_size), generator=torch.Generator().manual_seed(0)).to(device)
    batch = StreamBatch(ids[:-1], ids[1:], reset=fresh, shift=window)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()
    state: Any = None
    timed, start = 0, 0.0
    def sync() -> None:  # a GPU runs behind the Python that queues its work
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for update in range(warmup + max_updates):
        if update == warmup:
            sync()
            start = time.perf_counter()
        with autocast:
            loss, _, state = loss_fn(probe, batch, state)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        state = detach_state(state)
        timed = update + 1 - warmup
        if timed > 0 and time.perf_counter() - start >= seconds:
            break
    sync()
    return timed * batch_size * window / max(time.perf_counter() - start, 1e-9)


@torch.no_grad()
def evaluate_streams(
    model: nn.Module,
    tokens: Tensor,
    *,
    batch_size: int = 32,
    window: int = 256,
    max_tokens: int | None = None,
    forward: Callable[[nn.Module, Tensor, Any, int], tuple[Tensor, Any]] | None = None,
) -> dict[str, float]:
    """Mean next-token loss (nats) over ``tokens`` read as parallel streams with carried state.

    Uses at most ``max_tokens`` tokens (from the start). Every token after the first of each stream is
    predicted once. Returns ``{"loss": mean, "tokens": count}``.
    """
    if max_tokens is not None and tokens.numel() > max_tokens + 1:
        tokens = tokens[: max_tokens + 1]
    n = tokens.numel()
    batch_size = max(1, min(batch_size, (n - 1) // 2))
    length = n // batch_size
    streams = tokens[: batch_size * length].view(batch_size, length)
    if forward is not None:
        run = forward
    elif _takes_time_offset(model):
        def run(m: nn.Module, x: Tensor, s: Any, offset: int = 0) -> tuple[Tensor, Any]:
            return m(x, s, time_offset=offset)
    else:
        def run(m: nn.Module, x: Tensor, s: Any, offset: int = 0) -> tuple[Tensor, Any]:
            return m(x, s)
    total = 0.0
    count = 0
    state = None
    device = model_device(model)
    for p in range(0, length - 1, window):
        chunk = streams[:, p : min(p + window + 1, length)].t().to(device).long()
        logits, state = run(model, chunk[:-1], state, p)
        total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), chunk[1:].reshape(-1),
                                       reduction="sum"))
        count += chunk[1:].numel()
    return {"loss": total / max(count, 1), "tokens": float(count)}
