"""Gradients through time made visible: vanishing and exploding gradients, spectral radius, clipping.

What you get:

* :func:`gradient_norms_through_time` -- ‖∂L/∂h_t‖ for every step t of one sequence, where L is a loss
  on the last step only. It runs the layer's reference step (the cell's own math, one step at a time)
  and keeps the gradient of every hidden state, so the value at t is the *total* gradient reaching h_t
  through all later steps. On a log scale it shows the vanishing (or exploding) gradient.
* :func:`spectral_radius` -- the largest |eigenvalue| of W_hh (of each gate block for LSTM and GRU).
* :func:`radius_sweep` -- an Elman tanh RNN whose W_hh is an orthogonal matrix scaled to a chosen radius
  (0.9, 1.1, ...), driven near its linear regime: the gradient norm falls (radius < 1) or rises
  (radius > 1) geometrically with the distance from the loss, with the fitted factor per step.
* :func:`clipping_comparison` -- the same training run with and without gradient clipping. A run whose
  loss turns NaN/inf or grows past ``blowup`` × its first loss is stopped and reported as diverged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

GATE_NAMES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}


def gradient_norms_through_time(
    rnn: nn.Module, x: Tensor, loss_fn: Callable[[Tensor], Tensor], layer: int = 0
) -> Tensor:
    """‖∂L/∂h_t‖ (averaged over the batch) for t = 1..T, as a float64 tensor of shape (T,).

    ``rnn`` is a one-direction :class:`rnnkit.Recurrent` (layer ``layer`` is probed, run on ``x`` (B, T, I)
    if ``rnn.batch_first`` else (T, B, I)); ``loss_fn`` maps the last hidden state h_T (B, H) to a scalar.
    For the LSTM, h_t is the output part of the state (not the cell c_t).
    """
    if getattr(rnn, "num_layers", 1) != 1 or getattr(rnn, "bidirectional", False):
        raise ValueError("gradient_norms_through_time probes a one-layer, one-direction Recurrent")
    cell = rnn.cell_def
    w_ih, w_hh, b_ih, b_hh = rnn.layer_weights(layer)
    if rnn.batch_first:
        x = x.transpose(0, 1)
    steps, batch = x.shape[0], x.shape[1]
    w = cell.prepare(w_hh)
    xw = F.linear(x, w_ih, b_ih)
    state = cell.zero_state(batch, x.dtype, x.device)
    hs: list[Tensor] = []
    for t in range(steps):
        state = cell.step(xw[t], state, w, b_hh, t)
        h = cell.output_of(state)
        if h.requires_grad:
            h.retain_grad()
        hs.append(h)
    loss = loss_fn(hs[-1])
    loss.backward()
    norms = []
    for h in hs:
        g = h.grad
        norms.append(0.0 if g is None else float(g.double().norm(dim=-1).mean()))
    # a Clockwork module that did not tick returns its state unchanged: the same tensor, the same gradient
    return torch.tensor(norms, dtype=torch.float64)


@torch.no_grad()
def spectral_radius(weight_hh: Tensor, cell: str = "rnn_tanh", mask: Tensor | None = None) -> dict[str, Any]:
    """Largest |eigenvalue| of W_hh. Gated cells: of each H×H gate block, and ``radius`` = their maximum.

    Returns ``{"radius": float, "blocks": {name: float}}`` (blocks empty for one-block cells).
    """
    h = weight_hh.shape[1]
    gates = weight_hh.shape[0] // h
    w = weight_hh.detach().double()
    if mask is not None:
        w = w * mask.double()
    if gates == 1:
        return {"radius": float(torch.linalg.eigvals(w).abs().max()), "blocks": {}}
    names = GATE_NAMES.get(cell, tuple(str(i) for i in range(gates)))
    blocks = {n: float(torch.linalg.eigvals(w[i * h : (i + 1) * h]).abs().max()) for i, n in enumerate(names)}
    return {"radius": max(blocks.values()), "blocks": blocks}


def geometric_factor(norms: Tensor) -> float:
    """Per-step factor r of a fit ‖∂L/∂h_t‖ ≈ C·r^(T−t): r < 1 falls with distance, r > 1 rises."""
    n = norms.double()
    keep = n > 0
    if int(keep.sum()) < 2:
        return float("nan")
    dist = torch.arange(len(n) - 1, -1, -1, dtype=torch.float64)[keep]
    logs = n[keep].log()
    d = dist - dist.mean()
    slope = float((d * (logs - logs.mean())).sum() / (d * d).sum())
    return math.exp(slope)


def radius_sweep(
    radii: tuple[float, ...] = (0.9, 1.1), length: int = 100, hidden: int = 64, seed: int = 0
) -> dict[float, dict[str, Any]]:
    """Gradient norm through time for an Elman tanh RNN with W_hh = radius · (orthogonal matrix).

    Inputs are tiny (W_ih ~ N(0, σ²), σ ≤ 1e-6 shrunk with radius^T; no biases) so the tanh stays linear and the
    Jacobian ∂h_t/∂h_{t-1} ≈ W_hh: the norm changes by about ``radius`` per step. Returns, per radius,
    ``norms`` (list, t = 1..T), the measured spectral radius and the fitted per-step ``factor``.
    """
    from rnnkit.recurrent import Recurrent

    out: dict[float, dict[str, Any]] = {}
    for r in radii:
        torch.manual_seed(seed)
        # small enough that even r^T growth keeps |h| < 0.1: the tanh stays linear over the whole sequence
        std = min(1e-6, 0.01 * float(r) ** -length) if r > 1 else 1e-6
        rnn = Recurrent("rnn_tanh", 4, hidden, batch_first=True, bias=False,
                        init_ih=f"gaussian(std={std!r})", init_hh=f"orthogonal(gain={r!r})")
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(1, length, 4, generator=g)
        target = torch.randn(1, hidden, generator=g)
        norms = gradient_norms_through_time(rnn, x, lambda h, target=target: 0.5 * (h - target).pow(2).sum())
        w_hh = rnn.layer_weights(0)[1]
        out[r] = {
            "norms": norms.tolist(),
            "spectral_radius": spectral_radius(w_hh)["radius"],
            "factor": geometric_factor(norms),
            "first_over_last": float(norms[0] / norms[-1]),
        }
    return out


def clipping_comparison(
    clip: float = 1.0,
    cell: str = "irnn",
    length: int = 100,
    hidden: int = 64,
    steps: int = 150,
    lr: float = 0.2,
    batch_size: int = 16,
    blowup: float = 1e3,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Train the same model on the adding problem twice, by plain SGD: without clipping, and with
    clipping of the global gradient norm at ``clip``. Same seed, same data, same learning rate.

    Returns ``{"unclipped": run, "clipped": run}``; each run has ``losses`` (per step), ``grad_norms``
    (before clipping), ``diverged`` (bool), ``diverged_at`` (step or None), ``reason`` and ``final_loss``
    (mean of the last 10 losses, NaN when diverged).
    """
    from rnnkit.data.synthetic import adding_problem
    from rnnkit.recurrent import Recurrent

    runs: dict[str, dict[str, Any]] = {}
    for name, c in (("unclipped", None), ("clipped", clip)):
        torch.manual_seed(seed)
        rnn = Recurrent(cell, 2, hidden, batch_first=True)
        head = nn.Linear(hidden, 1)
        params = list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.SGD(params, lr=lr)
        gen = torch.Generator().manual_seed(seed + 1)
        losses: list[float] = []
        norms: list[float] = []
        diverged_at = None
        reason = ""
        for step in range(1, steps + 1):
            x, y = adding_problem(batch_size, length, seed=gen)
            out, _ = rnn(x)
            loss = F.mse_loss(head(out[:, -1]).squeeze(-1), y)
            value = loss.item()
            losses.append(value)
            if not math.isfinite(value):
                diverged_at, reason = step, f"loss is {value} at step {step}"
                break
            if losses and value > blowup * max(losses[0], 1e-8):
                diverged_at, reason = step, f"loss {value:.3g} at step {step} is over {blowup:g}x the first"
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            total = torch.nn.utils.clip_grad_norm_(params, c if c is not None else float("inf"))
            norms.append(float(total))
            if not math.isfinite(float(total)):
                diverged_at, reason = step, f"gradient norm is {float(total)} at step {step}"
                break
            opt.step()
        diverged = diverged_at is not None
        tail = [v for v in losses[-10:] if math.isfinite(v)]
        runs[name] = {
            "clip": c, "losses": losses, "grad_norms": norms, "diverged": diverged, "diverged_at": diverged_at,
            "reason": reason or "trained: loss stayed finite and below the blow-up limit",
            "first_loss": losses[0] if losses else float("nan"),
            "final_loss": float("nan") if diverged or not tail else sum(tail) / len(tail),
        }
    return runs
