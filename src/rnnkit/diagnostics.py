"""Gradients through time made visible: vanishing and exploding gradients, spectral radius, clipping.

What you get:

* :func:`gradient_norms_through_time` -- ‖∂L/∂h_t‖ for every step t of one sequence, where L is a loss
  on the last step only. It runs the layer's reference step (the cell's own math, one step at a time, with the
  model's layer normalisation, zoneout and projection) and keeps the gradient of every hidden state, so the value
  at t is the *total* gradient reaching h_t through all later steps. On a log scale it shows the vanishing (or
  exploding) gradient.
* :func:`spectral_radius` -- the largest |eigenvalue| of W_hh (of each gate block for LSTM and GRU; of the
  block-triangular part a Clockwork cell reads).
* :func:`radius_sweep` -- an Elman tanh RNN whose W_hh is an orthogonal matrix scaled to a chosen radius
  (0.9, 1.1, ...), driven near its linear regime: the gradient norm falls (radius < 1) or rises
  (radius > 1) geometrically with the distance from the loss, with the fitted factor per step.
* :func:`clipping_comparison` -- the same training run with and without gradient clipping. A run whose
  loss turns NaN/inf or grows past ``blowup`` × its first loss is stopped and reported as diverged.
* :func:`train_on_adding` -- the training both of them, and ``rnnkit diagnose``, run: the adding problem
  through the one :class:`rnnkit.train.Trainer`, every step's loss and gradient norm kept.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.cells import CELLS
from rnnkit.cells.base import Cell
from rnnkit.errors import SettingError, check_count, check_finite, check_seed, first_repeated, whole_number
from rnnkit.regularisers import input_projection, layer_norm_of, regularised_step, sample_masks

GATE_NAMES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}


def gradient_norms_through_time(
    rnn: nn.Module, x: Tensor, loss_fn: Callable[[Tensor], Tensor], layer: int = 0
) -> Tensor:
    """‖∂L/∂h_t‖ (averaged over the batch) for t = 1..T, as a float64 tensor of shape (T,).

    ``rnn`` is a one-direction :class:`rnnkit.Recurrent`, run on ``x`` (B, T, I) if ``rnn.batch_first`` else
    (T, B, I). ``layer`` is the one probed, counted as torch.nn.LSTM's ``num_layers`` counts them: 0 reads ``x``,
    ``num_layers - 1`` gives the output; the layers below it run first, without dropout between them (as in eval
    mode). Each layer runs as the model runs it: its layer normalisation, zoneout and ``proj_size`` projection, in
    the model's mode (call ``rnn.eval()`` first for the recurrence it predicts with, no masks drawn). ``loss_fn``
    maps that layer's last hidden state h_T (B, H, or B, proj_size) to a scalar: the ``h_n[layer]`` the model
    returns. For the LSTM, h_t is the output part of the state (not the cell c_t).
    """
    if getattr(rnn, "bidirectional", False):
        raise ValueError("gradient_norms_through_time probes a one-direction Recurrent: the loss reads the last "
                         "state, which a reverse direction reaches first")
    layers = getattr(rnn, "num_layers", 1)
    if not whole_number(layer) or not 0 <= layer < layers:
        raise ValueError(f"gradient_norms_through_time: layer {layer!r}: expected an integer from 0 to {layers - 1}, "
                         f"the Recurrent's num_layers = {layers} counted from 0 (0 reads x), as torch.nn.LSTM's")
    if rnn.batch_first:
        x = x.transpose(0, 1)
    with torch.no_grad():
        for below in range(layer):
            x = torch.stack(_layer_states(rnn, below, x))
    hs = _layer_states(rnn, layer, x)
    for h in hs:
        if h.requires_grad:
            h.retain_grad()
    loss = loss_fn(hs[-1])
    loss.backward()
    norms = []
    for h in hs:
        g = h.grad
        norms.append(0.0 if g is None else float(g.double().norm(dim=-1).mean()))
    # a Clockwork module that did not tick returns its state unchanged: the same tensor, the same gradient
    return torch.tensor(norms, dtype=torch.float64)


def _layer_states(rnn: nn.Module, layer: int, x: Tensor) -> list[Tensor]:
    """The hidden states h_1..h_T of one layer (forward direction) of ``rnn`` on time-major ``x`` (T, B, I), run by
    the cell's reference step from a zero state as the model runs it: with its regularisers in its mode
    (:func:`~rnnkit.regularisers.regularised_step`: the layer-normalised LSTM, zoneout's blend; in training, their
    masks drawn) and the LSTM's projection (``proj_size``: h_t = W_hr (o ⊙ tanh(c_t))). It ran the plain cell: a
    ``layer_norm`` model was probed as the LSTM without it, and one with ``proj_size`` was torch's shape error."""
    cell, reg = rnn.cell_def, rnn.reg
    w_ih, w_hh, b_ih, b_hh = rnn.layer_weights(layer)
    w_hr, ln = rnn.projection(layer), layer_norm_of(rnn, layer)
    w = cell.prepare(w_hh if w_hh is None else reg.drop_weight(w_hh, rnn.training))
    xw = input_projection(x, w_ih, b_ih, ln)
    drop, keep = sample_masks(reg, cell, x.shape[0], x.shape[1], xw, rnn.training)
    keeps = [None] * x.shape[0] if keep is None else list(zip(*(k.unbind(0) for k in keep), strict=True))
    state = cell.zero_state(x.shape[1], x.dtype, x.device)
    if w_hr is not None:  # the projected h_0 is as wide as the projection
        state = (x.new_zeros(x.shape[1], w_hr.shape[0]), state[1])
    hs: list[Tensor] = []
    # unbind, not xw[t], as Recurrent's loop: each xw[t]'s backward fills a zero tensor of all of xw, so
    # T steps cost O(T²) (--length 15000 took 30 s a probe of an LSTM of hidden 64, and it probes twice a cell)
    for t, (xw_t, keep_t) in enumerate(zip(xw.unbind(0), keeps, strict=True)):
        state = regularised_step(cell, xw_t, state, w, b_hh, t, ln, drop, keep_t)
        if w_hr is not None:
            state = (F.linear(state[0], w_hr), state[1])
        hs.append(cell.output_of(state))
    return hs


@torch.no_grad()
def spectral_radius(weight_hh: Tensor | None, cell: str | Cell = "rnn_tanh", mask: Tensor | None = None
                    ) -> dict[str, Any]:
    """Largest |eigenvalue| of W_hh. Gated cells: of each H×H gate block, and ``radius`` = their maximum.

    Returns ``{"radius": float, "blocks": {name: float}}`` (blocks empty for one-block cells). A cell
    without W_hh (``weight_hh`` None: minGRU, minLSTM, whose gates read x_t only) has radius 0.
    ``cell``: its name, or the cell itself (``rnn.cell_def``). ``mask``: the entries the step reads (1) and those
    it does not (0); a Clockwork cell reads only its block-triangular part, whose blocks its periods set: given the
    cell itself, its own mask is taken; given the name alone, ``mask=`` is required (``rnn.cell_def.connectivity()``).
    """
    name = cell.name if isinstance(cell, Cell) else cell
    if mask is None and isinstance(cell, Cell):
        mask = cell.connectivity()
    elif mask is None and name in CELLS and CELLS[name].connectivity is not Cell.connectivity:
        raise ValueError(f"spectral_radius: a {name} cell reads only part of W_hh, which its options set; give "
                         f"mask=rnn.cell_def.connectivity(), or the cell itself: spectral_radius(w, rnn.cell_def)")
    if weight_hh is None:
        return {"radius": 0.0, "blocks": {}}
    h = weight_hh.shape[1]
    gates = weight_hh.shape[0] // h
    w = weight_hh.detach().double()
    if mask is not None:
        w = w * mask.to(w.device, torch.float64)
    if gates == 1:
        return {"radius": float(torch.linalg.eigvals(w).abs().max()), "blocks": {}}
    names = GATE_NAMES.get(name, tuple(str(i) for i in range(gates)))
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


#: bytes a step of :func:`gradient_norms_through_time` takes at least besides its numbers: the autograd graph of
#: the step (its nodes and the tensors they keep), the retained gradient and their Python objects; measured
#: 5 KB (an Elman RNN of hidden 4) to 25 KB (an IRNN of hidden 64) a step: --length 10^8 --hidden 4 --train-steps 0
#: was counted 4 GB and would have taken 500 GB
PROBE_STEP_BYTES = 4096


#: what :func:`probe_bytes` counts, as a refusal names it
PROBE_WORDS = "the probed sequence, its hidden states, their gradients and each step's graph"


def probe_bytes(length: int, hidden: int, inputs: int = 2) -> int:
    """Bytes :func:`gradient_norms_through_time` takes at least on one float32 sequence of ``length`` steps:
    the sequence, the hidden state and its gradient at every step, and each step's graph (PROBE_STEP_BYTES)."""
    return length * (4 * (inputs + 2 * hidden) + PROBE_STEP_BYTES)


def batch_bytes(batch_size: int, length: int, hidden: int) -> int:
    """Bytes a training batch of ``batch_size`` adding sequences (2 float32 numbers a step) and the hidden
    state of each of its steps take at least."""
    return 4 * batch_size * length * (2 + hidden)


#: how many of a run's last losses its final loss averages (all of them in a run of fewer steps)
LAST_LOSSES = 10

#: the most a radius r > 1 may grow the gradient over the sweep's sequence (r^T): its input's spread 0.01·r^-T
#: stays a normal float32 (the CLI flushes subnormals to zero: an all-zero W_ih was refused, a traceback after
#: every cell had trained) and the gradient r^T·|∂L/∂h_T| stays finite (past it the factor was NaN)
SWEEP_GROWTH = 1e34


def sweep_length_limit(radii: Sequence[float]) -> int:
    """The longest sequence :func:`radius_sweep` takes for ``radii`` (each finite and > 0): r^T at most
    :data:`SWEEP_GROWTH` for the largest r above 1 (``radius 1.1``: 821 steps)."""
    top = max(radii, default=1.0)
    return sys.maxsize if top <= 1 else int(math.log(SWEEP_GROWTH) / math.log(top))


def check_model_fits(cell: str, inputs: int, hidden: int, outputs: int, **optimizer: Any) -> None:
    """Refuse a one-layer ``SequenceModel(cell, inputs, hidden, outputs)`` that cannot train here with
    ``optimizer`` (:func:`rnnkit.train.memory.check_fits`, Adam by default), naming ``hidden``."""
    from rnnkit.models.sequence import SequenceModel
    from rnnkit.train.memory import check_fits, describe_stack

    check_fits(None, SequenceModel.count_parameters(cell, inputs, hidden, outputs), describe_stack(cell, 1, hidden),
               ("hidden",), hidden=hidden, **optimizer)


def check_cell(name: str, cell: object) -> str:
    """``cell`` when it names a cell of :data:`rnnkit.cells.CELLS`, else :class:`SettingError` naming ``name``
    (``cell="foo"`` was a KeyError from inside)."""
    from rnnkit.cells import CELLS

    if not isinstance(cell, str) or cell not in CELLS:
        raise SettingError(name, cell, f"unknown cell; expected one of {','.join(CELLS)}")
    return cell


def check_sweep(radii: object, length: object, hidden: object, seed: object) -> tuple[list[float], int, int, int]:
    """:func:`radius_sweep`'s settings, before anything is built: a :class:`SettingError` naming the first out of
    range (``radii=1.1`` was "'float' object is not iterable", a radius of 0 an all-zero initialisation refused,
    -1 swept radius 1 under the name -1, ``length=0`` an IndexError, ``length=1`` a factor of NaN, a seed past
    64 bits torch's "Overflow when unpacking long long"); the radii as floats, the length, hidden size and seed as
    ints (a numpy or 0-d tensor number passes the checks, and reached torch as a traceback)."""
    from rnnkit.train.memory import check_room

    steps = check_count("length", length, 2)
    size = check_count("hidden", hidden, 1)
    seed = check_seed("seed", seed)
    expected = "expected a list of radii, each a number > 0, e.g. (0.9, 1.1)"
    if not isinstance(radii, (list, tuple)) or not radii:
        raise SettingError("radii", radii, expected)
    values = [check_finite("radii", r, expected, least=sys.float_info.min) for r in radii]  # > 0: a normal float
    # the results are keyed by radius: the second run replaced the first
    if (twice := first_repeated(values)) is not None:
        raise SettingError("radii", radii, f"{twice:g} is named twice")
    most = sweep_length_limit(values)
    if most < 2:
        raise SettingError("radii", radii, f"radius {max(values):g} grows the gradient past what float32 holds in 2 "
                                           f"steps; expected radii below {SWEEP_GROWTH ** 0.5:g}")
    if steps > most:
        raise SettingError("length", length, f"expected at most {most} for radius {max(values):g}: the gradient grows "
                                             f"by it each step back, past what float32 holds")
    check_model_fits("rnn_tanh", 4, size, 0)
    check_room(None, [(torch.device("cpu"), probe_bytes(steps, size, 4))], PROBE_WORDS, ("length", "hidden"),
               length=steps, hidden=size)
    return values, steps, size, seed


def radius_sweep(
    radii: tuple[float, ...] = (0.9, 1.1), length: int = 100, hidden: int = 64, seed: int = 0
) -> dict[float, dict[str, Any]]:
    """Gradient norm through time for an Elman tanh RNN with W_hh = radius · (orthogonal matrix).

    Inputs are tiny (W_ih ~ N(0, σ²), σ ≤ 1e-6 shrunk with radius^T; no biases) so the tanh stays linear and the
    Jacobian ∂h_t/∂h_{t-1} ≈ W_hh: the norm changes by about ``radius`` per step. Returns, per radius,
    ``norms`` (list, t = 1..T), the measured spectral radius and the fitted per-step ``factor``. The settings are
    checked first (:func:`check_sweep`): a ``length`` past :func:`sweep_length_limit` is refused.
    """
    from rnnkit.recurrent import Recurrent

    radii, length, hidden, seed = check_sweep(radii, length, hidden, seed)
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


class AddingBatches:
    """Fresh adding-problem batches (``batch_size`` sequences of ``length`` steps) from a seeded generator:
    the Trainer's batch source for the diagnostics (in memory, never resumed: the position is a count)."""

    def __init__(self, batch_size: int, length: int, seed: int) -> None:
        self.batch_size, self.length = batch_size, length
        self.gen = torch.Generator().manual_seed(seed)
        self.drawn = 0

    def next_batch(self) -> tuple[Tensor, Tensor]:
        from rnnkit.data.synthetic import adding_problem

        self.drawn += 1
        return adding_problem(self.batch_size, self.length, seed=self.gen)

    def state_dict(self) -> dict[str, Any]:
        return {"drawn": self.drawn}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.drawn = int(state["drawn"])


def _adding_loss(model: nn.Module, batch: tuple[Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
    x, y = batch
    return F.mse_loss(model(x).squeeze(-1), y), 1, None  # the batch mean as one item: stepped on as is


def train_on_adding(
    model: nn.Module,
    length: int,
    steps: int,
    *,
    lr: float,
    optimizer: str = "adam",
    momentum: float = 0.0,
    clip: float | None = 1.0,
    batch_size: int = 32,
    seed: int = 0,
    blowup: float | None = None,
) -> dict[str, Any]:
    """Train ``model`` (2 inputs, one output per sequence) on fresh adding-problem batches drawn with
    ``seed``, through the one :class:`rnnkit.train.Trainer`: in memory, a constant learning rate, every
    step logged. A divergence (a loss or gradient norm that is not finite, a loss over ``blowup`` × the
    first) ends the run instead of raising; Ctrl-C raises KeyboardInterrupt (the Trainer only stops on it),
    so it ends the whole diagnosis, not just this training.

    Returns ``steps`` (updates made), ``losses`` (one per update, then the loss of the step that diverged,
    if any), ``grad_norms`` (before clipping, likewise), ``diverged`` (the
    :class:`rnnkit.train.TrainingDiverged`, or None) and ``seconds``.
    """
    from rnnkit.train.trainer import TrainConfig, Trainer

    if steps < 1:
        return {"steps": 0, "losses": [], "grad_norms": [], "diverged": None, "seconds": 0.0}
    config = TrainConfig(
        steps=steps, optimizer=optimizer, lr=lr, momentum=momentum, schedule="constant", clip=clip, log_every=1,
        blowup=blowup, on_diverge="stop", progress=False, verbose=False,
    )
    trainer = Trainer(model, config, batches=AddingBatches(batch_size, length, seed), loss_fn=_adding_loss)
    result = trainer.fit()
    if trainer.ctrl_c_pressed:  # the Trainer returns on Ctrl-C: a caller would go on as if it were done
        raise KeyboardInterrupt
    norms = [float(r["grad_norm"]) for r in trainer.history if "grad_norm" in r]
    if result.diverged is not None and result.diverged.what == "gradient norm":
        norms.append(float(result.diverged.value))
    return {
        "steps": result.steps, "losses": [float(r["train_loss"]) for r in trainer.history], "grad_norms": norms,
        "diverged": result.diverged, "seconds": result.seconds,
    }


def divergence_reason(diverged: Any, blowup: float | None) -> str:
    """A :class:`rnnkit.train.TrainingDiverged` in the diagnostics' words: ``loss is nan at step N``,
    ``loss X at step N is over 1000x the first`` or ``gradient norm is inf at step N``."""
    step, value = diverged.step, float(diverged.value)
    if diverged.what == "gradient norm":
        return f"gradient norm is {value} at step {step}"
    if not math.isfinite(value) or blowup is None:
        return f"loss is {value} at step {step}"
    return f"loss {value:.3g} at step {step} is over {blowup:g}x the first"


def check_lr(lr: object) -> float:
    """``lr`` as a float when it is a finite number > 0, else a :class:`SettingError` naming ``lr`` and saying what
    that value would do: the diagnostics train to show what training does, and at ``lr=0`` no weight moves (the
    Trainer, as torch's optimisers, takes 0; a negative or NaN lr was refused by it only after the model was built,
    and probed). A negative or NaN lr was told "a learning rate of 0 trains nothing" too."""
    try:
        number = None if isinstance(lr, (str, bytes, bool)) else float(lr)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = None  # no number: "expected a number" says it all
    why = "" if number is None else (
        ": a learning rate of NaN makes every weight NaN" if math.isnan(number) else
        ": a negative learning rate climbs the loss instead of descending it" if number < 0 else
        ": an infinite learning rate makes every weight it moves infinite" if math.isinf(number) else
        ": a learning rate of 0 trains nothing" if number < sys.float_info.min else "")  # a subnormal: 0 once flushed
    return check_finite("lr", lr, f"expected a number > 0{why}",
                        least=sys.float_info.min)  # > 0: a normal float (the CLI flushes subnormals to zero)


def check_clipping(clip: object, cell: object, length: object, hidden: object, steps: object, lr: object,
                   batch_size: object, blowup: object,
                   seed: object) -> tuple[float, str, int, int, int, float, int, int]:
    """:func:`clipping_comparison`'s settings, before anything is built: a :class:`SettingError` naming the first
    out of range (``clip=0`` ran two unclipped runs and called one clipped, ``steps=0`` reported two runs that
    "trained", ``lr=0`` two runs that could not move and called both "trained", ``blowup=-1`` a divergence at the
    first step, ``length=2.5`` and ``batch_size=2.5`` were tracebacks from torch), and a model or a batch that
    cannot be held here (:mod:`rnnkit.train.memory`); ``clip``, ``cell``, ``length``, ``hidden``, ``steps``, ``lr``,
    ``batch_size`` and ``seed`` as a float, str, ints and float (a numpy or 0-d tensor number passes the checks,
    and reached torch or the Trainer's type check as a traceback or a refusal)."""
    from rnnkit.train.memory import check_room
    from rnnkit.train.trainer import check_blowup

    clip = check_finite("clip", clip, "expected a number > 0: the gradient norm the clipped run clips at",
                        least=sys.float_info.min)  # > 0: a normal float (the CLI flushes subnormals to zero)
    cell = check_cell("cell", cell)
    sizes = [check_count(name, value, least) for name, value, least in (
        ("length", length, 2), ("hidden", hidden, 1), ("steps", steps, 1), ("batch_size", batch_size, 1))]
    lr = check_lr(lr)
    check_blowup(blowup)  # the Trainer's own check, before anything is built
    seed = check_seed("seed", seed, 1)  # the batches draw with seed + 1
    length, hidden, steps, batch_size = sizes
    check_model_fits(cell, 2, hidden, 1, optimizer="sgd", momentum=0.0)
    check_room(None, [(torch.device("cpu"), batch_bytes(batch_size, length, hidden))],
               f"a clipping run's batch of {batch_size} sequences and its hidden states", ("length", "batch_size"),
               length=length, batch_size=batch_size)
    return clip, cell, length, hidden, steps, lr, batch_size, seed


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
    """Train the same model on the adding problem twice, by plain SGD (momentum 0) through the Trainer:
    without clipping, and with clipping of the global gradient norm at ``clip``. Same seed, same data,
    same learning rate.

    Returns ``{"unclipped": run, "clipped": run}``; each run has ``losses`` (per step), ``grad_norms``
    (before clipping), ``diverged`` (bool), ``diverged_at`` (step or None), ``reason`` and ``final_loss``
    (mean of the last :data:`LAST_LOSSES` losses, NaN when diverged).
    The settings are checked first (:func:`check_clipping`).
    """
    from rnnkit.models.sequence import SequenceModel

    clip, cell, length, hidden, steps, lr, batch_size, seed = check_clipping(clip, cell, length, hidden, steps, lr,
                                                                             batch_size, blowup, seed)
    runs: dict[str, dict[str, Any]] = {}
    for name, c in (("unclipped", None), ("clipped", clip)):
        torch.manual_seed(seed)
        model = SequenceModel(cell, 2, hidden, 1, every_step=False)
        run = train_on_adding(model, length, steps, lr=lr, optimizer="sgd", momentum=0.0, clip=c,
                              batch_size=batch_size, seed=seed + 1, blowup=blowup)
        losses, d = run["losses"], run["diverged"]
        tail = [v for v in losses[-LAST_LOSSES:] if math.isfinite(v)]
        runs[name] = {
            "clip": c, "losses": losses, "grad_norms": run["grad_norms"], "diverged": d is not None,
            "diverged_at": d.step if d is not None else None,
            "reason": divergence_reason(d, blowup) if d is not None
            else "trained: loss stayed finite and below the blow-up limit",
            "first_loss": losses[0] if losses else float("nan"),
            "final_loss": float("nan") if d is not None or not tail else sum(tail) / len(tail),
        }
    return runs
