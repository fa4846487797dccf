"""`rnnkit diagnose --cells ... --length T --out DIR`: the vanishing/exploding gradient as pictures.

For each cell, on the adding problem with sequences of T steps:

* ``gradient_norms.png`` -- ‖∂L/∂h_t‖ for every t of one sequence (loss on the last step), log scale,
  at initialisation (solid) and after ``--train-steps`` steps of training (dashed);
* the spectral radius of W_hh at the start and the end of that training (``diagnose.json``/``.md``);
* ``radius.png`` -- an Elman tanh RNN with W_hh scaled to radius 0.9 and 1.1: the gradient norm falls
  and rises geometrically with the distance from the loss (fitted factor per step in the report);
* ``clipping.png`` -- the same IRNN training run (plain SGD, lr 0.01 as in Le et al. 2015) without and
  with gradient clipping: the unclipped one diverges (caught and reported), the clipped one trains.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F

from rnnkit.errors import UserError

DEFAULT_CELLS = ("rnn_tanh", "irnn", "lstm", "gru")


def _probe(model: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    from rnnkit.diagnostics import gradient_norms_through_time

    model.zero_grad(set_to_none=True)
    norms = gradient_norms_through_time(
        model.rnn, x, lambda h: F.mse_loss(model.head(h).squeeze(-1), y, reduction="sum")
    )
    model.zero_grad(set_to_none=True)
    return norms


def _radius(model: Any, cell: str) -> dict[str, Any]:
    from rnnkit.diagnostics import spectral_radius

    cell_def = model.rnn.cell_def
    mask = cell_def.connectivity() if hasattr(cell_def, "connectivity") else None
    return spectral_radius(model.rnn.layer_weights(0)[1], cell, mask=mask)


def diagnose_cell(
    cell: str, length: int, hidden: int, train_steps: int, seed: int, lr: float | None = None,
    log: Any = lambda m: None,
) -> dict[str, Any]:
    """Gradient norms through time and spectral radius of one cell, before and after training."""
    from rnnkit.data.synthetic import adding_problem
    from rnnkit.tasks.experiments import CELL_PRESETS, SequenceModel

    torch.manual_seed(seed)
    model = SequenceModel(cell, 2, hidden, 1, every_step=False, **CELL_PRESETS.get(cell, {}))
    probe_x, probe_y = adding_problem(1, length, seed=12345)
    start_norms = _probe(model, probe_x, probe_y)
    start_radius = _radius(model, cell)
    if lr is None:
        lr = 1e-4 if cell in ("irnn", "rnn_relu") else 1e-3
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed + 1)
    losses: list[float] = []
    t0 = time.perf_counter()
    for _ in range(train_steps):
        x, y = adding_problem(32, length, seed=gen)
        loss = F.mse_loss(model(x).squeeze(-1), y)
        if not torch.isfinite(loss):
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    seconds = time.perf_counter() - t0
    end_norms = _probe(model, probe_x, probe_y)
    end_radius = _radius(model, cell)
    log(f"{cell}: radius {start_radius['radius']:.3f} -> {end_radius['radius']:.3f}; "
        f"|dL/dh_1| / |dL/dh_T| {_ratio(start_norms):.3g} -> {_ratio(end_norms):.3g} "
        f"after {len(losses)} steps ({seconds:.0f}s)")
    return {
        "hidden": hidden, "lr": lr, "train_steps": len(losses), "train_seconds": round(seconds, 2),
        "train_loss_first": losses[0] if losses else float("nan"),
        "train_loss_last": sum(losses[-10:]) / len(losses[-10:]) if losses else float("nan"),
        "radius_start": start_radius, "radius_end": end_radius,
        "grad_norms_start": start_norms.tolist(), "grad_norms_end": end_norms.tolist(),
        "first_over_last_start": _ratio(start_norms), "first_over_last_end": _ratio(end_norms),
    }


def _ratio(norms: torch.Tensor) -> float:
    last = float(norms[-1])
    return float(norms[0]) / last if last > 0 else float("nan")


def _plot(report: dict[str, Any], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    def positive(values: list[float]) -> tuple[list[int], list[float]]:
        pts = [(t + 1, v) for t, v in enumerate(values) if v > 0 and math.isfinite(v)]
        return ([p[0] for p in pts], [p[1] for p in pts]) if pts else ([], [])

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for i, (cell, r) in enumerate(report["cells"].items()):
        c = colours[i % len(colours)]
        ax.plot(*positive(r["grad_norms_start"]), color=c, lw=1.4, label=f"{cell} (init)")
        ax.plot(*positive(r["grad_norms_end"]), color=c, lw=1.2, ls="--",
                label=f"{cell} (after {r['train_steps']} steps)")
    ax.set_yscale("log")
    ax.set_xlabel("time step t (loss at the last step)")
    ax.set_ylabel("‖∂L/∂h_t‖")
    ax.set_title(f"Gradient norm through time, adding problem T = {report['length']}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out / "gradient_norms.png", dpi=110)
    plt.close(fig)
    files.append("gradient_norms.png")

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for r, v in report["radius_sweep"].items():
        ax.plot(*positive(v["norms"]), lw=1.5, label=f"radius {r}: ×{v['factor']:.3f} per step")
    ax.set_yscale("log")
    ax.set_xlabel("time step t (loss at the last step)")
    ax.set_ylabel("‖∂L/∂h_t‖")
    ax.set_title("tanh RNN, W_hh = radius × orthogonal")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "radius.png", dpi=110)
    plt.close(fig)
    files.append("radius.png")

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, v in report["clipping"].items():
        steps = list(range(1, len(v["losses"]) + 1))
        vals = [x if math.isfinite(x) else float("nan") for x in v["losses"]]
        label = f"{name}: {v['reason']}"
        ax.plot(steps, vals, marker="o" if len(steps) < 10 else None, lw=1.3, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("training loss (MSE)")
    ax.set_title(f"IRNN on adding T = {report['clipping_length']}: with and without clipping")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "clipping.png", dpi=110)
    plt.close(fig)
    files.append("clipping.png")
    return files


def markdown(report: dict[str, Any]) -> str:
    """diagnose.md: the numbers behind the pictures."""
    lines = [
        f"# rnnkit diagnose (adding problem, T = {report['length']})",
        "",
        "| cell | radius W_hh start | radius end | ‖∂L/∂h_1‖/‖∂L/∂h_T‖ start | same, end | train steps | "
        "train loss first → last |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for cell, r in report["cells"].items():
        lines.append(
            f"| {cell} | {r['radius_start']['radius']:.3f} | {r['radius_end']['radius']:.3f} | "
            f"{r['first_over_last_start']:.3g} | {r['first_over_last_end']:.3g} | {r['train_steps']} | "
            f"{r['train_loss_first']:.3f} → {r['train_loss_last']:.3f} |"
        )
    lines += ["", "Gated cells: radius = the largest over the gate blocks of W_hh.", "",
              "## W_hh scaled to a radius (tanh RNN, near-linear regime)", "",
              "| radius | fitted factor per step | ‖∂L/∂h_1‖/‖∂L/∂h_T‖ |", "| ---: | ---: | ---: |"]
    for r, v in report["radius_sweep"].items():
        lines.append(f"| {r} | {v['factor']:.4f} | {v['first_over_last']:.3g} |")
    lines += ["", f"## Clipping (IRNN, SGD lr {report['clipping_lr']}, T = {report['clipping_length']})", "",
              "| run | diverged | what happened | first loss | final loss |", "| --- | --- | --- | ---: | ---: |"]
    for name, v in report["clipping"].items():
        lines.append(f"| {name} | {'yes' if v['diverged'] else 'no'} | {v['reason']} | "
                     f"{v['first_loss']:.3g} | {v['final_loss']:.3g} |")
    return "\n".join(lines) + "\n"


def run_diagnose(
    cells: list[str], length: int, out: Path, hidden: int = 64, train_steps: int = 200, seed: int = 0,
    clip_steps: int = 150, clip_length: int = 100, log: Any = lambda m: None,
) -> dict[str, Any]:
    """Everything ``rnnkit diagnose`` computes; writes the PNGs, diagnose.json and diagnose.md."""
    from rnnkit.diagnostics import clipping_comparison, radius_sweep

    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"length": length, "hidden": hidden, "seed": seed, "cells": {}}
    for cell in cells:
        report["cells"][cell] = diagnose_cell(cell, length, hidden, train_steps, seed, log=log)
    sweep = radius_sweep((0.9, 1.1), length=length, hidden=hidden, seed=seed)
    report["radius_sweep"] = {str(r): v for r, v in sweep.items()}
    for r, v in sweep.items():
        log(f"radius {r}: gradient norm x{v['factor']:.4f} per step back in time "
            f"(first/last {v['first_over_last']:.3g})")
    report["clipping_lr"] = 0.01
    report["clipping_length"] = clip_length
    report["clipping"] = clipping_comparison(clip=1.0, cell="irnn", length=clip_length, hidden=hidden,
                                             steps=clip_steps, lr=0.01, seed=seed)
    for name, v in report["clipping"].items():
        log(f"{name}: {'DIVERGED, ' + v['reason'] if v['diverged'] else 'trained'}; "
            f"loss {v['first_loss']:.3g} -> {v['final_loss']:.3g}")
    report["files"] = _plot(report, out) + ["diagnose.json", "diagnose.md"]
    (out / "diagnose.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "diagnose.md").write_text(markdown(report))
    return report


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The compact JSON object ``--json`` prints."""
    return {
        "length": report["length"],
        "cells": {c: {"radius_start": r["radius_start"]["radius"], "radius_end": r["radius_end"]["radius"],
                      "first_over_last_start": r["first_over_last_start"],
                      "first_over_last_end": r["first_over_last_end"]}
                  for c, r in report["cells"].items()},
        "radius_sweep": {r: {"factor": v["factor"], "first_over_last": v["first_over_last"]}
                         for r, v in report["radius_sweep"].items()},
        "clipping": {n: {"diverged": v["diverged"], "reason": v["reason"], "final_loss": v["final_loss"]}
                     for n, v in report["clipping"].items()},
        "files": report["files"],
    }


def _cmd_diagnose(args: argparse.Namespace) -> int:
    from rnnkit.tasks.experiments import ALL_CELLS

    cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    bad = [c for c in cells if c not in ALL_CELLS]
    if bad or not cells:
        raise UserError(f"--cells {args.cells}: unknown cell {bad[0] if bad else '(none)'}; "
                        f"expected some of {','.join(ALL_CELLS)}")
    for flag, v, lo in (("--length", args.length, 2), ("--hidden", args.hidden, 1),
                        ("--train-steps", args.train_steps, 0), ("--clip-steps", args.clip_steps, 1)):
        if v < lo:
            raise UserError(f"{flag} {v}: must be at least {lo}")
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # tiny IRNN weights make subnormals, which are slow on CPUs

    def log(msg: str) -> None:
        if not args.json:
            print(msg, file=sys.stderr, flush=True)

    out = Path(args.out)
    report = run_diagnose(cells, args.length, out, hidden=args.hidden, train_steps=args.train_steps,
                          seed=args.seed, clip_steps=args.clip_steps,
                          clip_length=args.clip_length, log=log)
    if args.json:
        print(json.dumps(summary(report)))
    else:
        print(markdown(report))
        print("wrote " + ", ".join(str(out / f) for f in report["files"]))
    return 0


def register(verbs: Any, train_verbs: Any) -> None:
    """Add ``rnnkit diagnose``."""
    p = verbs.add_parser("diagnose", help="gradient norm through time, spectral radius, clipping")
    p.add_argument("--cells", default=",".join(DEFAULT_CELLS), help="comma-separated cells")
    p.add_argument("--length", type=int, default=200, help="sequence length T of the probe and training")
    p.add_argument("--out", required=True, help="directory for the PNGs, diagnose.json, diagnose.md")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--train-steps", dest="train_steps", type=int, default=200,
                   help="training steps between the start and end measurements")
    p.add_argument("--clip-steps", dest="clip_steps", type=int, default=150,
                   help="SGD steps of the with/without clipping runs")
    p.add_argument("--clip-length", dest="clip_length", type=int, default=100,
                   help="sequence length of the with/without clipping runs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int)
    p.add_argument("--json", action="store_true", help="print one JSON summary object")
    p.set_defaults(func=_cmd_diagnose)
