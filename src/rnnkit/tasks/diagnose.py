"""`rnnkit diagnose --cells ... --length T --out DIR`: the vanishing/exploding gradient as pictures.

For each cell, on the adding problem with sequences of T steps:

* ``gradient_norms.png`` -- ‖∂L/∂h_t‖ for every t of one sequence (loss on the last step), log scale,
  at initialisation (solid) and after ``--train-steps`` steps of training (dashed);
* the spectral radius of W_hh at the start and the end of that training (``diagnose.json``/``.md``);
* ``radius.png`` -- an Elman tanh RNN with W_hh scaled to radius 0.9 and 1.1: the gradient norm falls
  and rises geometrically with the distance from the loss (fitted factor per step in the report);
* ``clipping.png`` -- the same IRNN training run (plain SGD, lr 0.01 as in Le et al. 2015) without and
  with gradient clipping: the unclipped one diverges (caught and reported), the clipped one trains.

Every training here goes through the one :class:`rnnkit.train.Trainer` (in memory, see
:func:`rnnkit.diagnostics.train_on_adding`); the cells start from the presets of Le et al. (2015),
:func:`rnnkit.cells.le2015`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F

from rnnkit import strictjson
from rnnkit.cells import CELLS, ElmanReLU, le2015, name_hint
from rnnkit.device import denormals_flushed
from rnnkit.diagnostics import LAST_LOSSES
from rnnkit.errors import SettingError, UserError, check_count, check_seed, check_threads, first_repeated
from rnnkit.tasks import Command, register
from rnnkit.tasks._out import results_folder
from rnnkit.train.checkpoint import undone_on_failure
from rnnkit.train.memory import check_room
from rnnkit.train.optim import warm_up
from rnnkit.wording import counted

#: what ``rnnkit diagnose`` writes in ``--out``
FILES = ("gradient_norms.png", "radius.png", "clipping.png", "diagnose.json", "diagnose.md")
#: the cells ``rnnkit diagnose`` shows unless --cells says otherwise (a selection of rnnkit.cells.CELLS)
DEFAULT_CELLS = ("rnn_tanh", "irnn", "lstm", "gru")
#: the sequences of a batch: of each cell's training (Adam), and of the clipping runs (SGD)
TRAIN_BATCH, CLIP_BATCH = 32, 16
#: the radii of radius.png, the loss over the first past which a clipping run has diverged, and the clipping
#: runs' learning rate (plain SGD, as in Le et al. 2015)
SWEEP_RADII, CLIP_BLOWUP, CLIP_LR = (0.9, 1.1), 1e3, 0.01


#: how diagnose shows the spectral radius of a cell without W_hh (minGRU, minLSTM, whose gates read x_t only):
#: :func:`rnnkit.diagnostics.spectral_radius` gives 0 for them, which diagnose.json keeps, and "0.000 → 0.000"
#: read as a radius of 0
NO_W_HH = "— (no W_hh)"


def has_w_hh(cell: str) -> bool:
    """Whether ``cell`` (a name of :data:`rnnkit.cells.CELLS`) has a W_hh whose spectral radius diagnose shows."""
    family = CELLS.get(cell)
    return family is None or family.recurrent


def radius_length(report: dict[str, Any]) -> int:
    """The length of a diagnose report's radius sweep: ``radius_length`` (shorter than the cells' where float32
    would not hold the sweep), or the cells' ``length`` in a report written before the sweep had its own."""
    return report.get("radius_length", report["length"])


def check_cells(cells: object) -> list[str]:
    """``cells`` as a list when it is a non-empty list (or tuple) of names of :data:`rnnkit.cells.CELLS`, none
    named twice, else :class:`SettingError` naming ``cells`` (a string, ``cells="gru"``, ran the cells 'g', 'r'
    ...; a cell named twice trains twice, and diagnose.json and an experiment's results.json keep one)."""
    if not isinstance(cells, (list, tuple)) or not cells or not all(isinstance(c, str) for c in cells):
        raise SettingError("cells", cells, 'expected a list of cell names, e.g. ["lstm", "gru"]')
    bad = [c for c in cells if c not in CELLS]
    if bad:
        raise SettingError("cells", cells,
                           f"unknown cell {bad[0]}; expected some of {','.join(CELLS)}{name_hint(bad[0])}")
    if (twice := first_repeated(cells)) is not None:
        raise SettingError("cells", cells, f"{twice} is named twice")
    return list(cells)


def parse_cells(text: str) -> list[str]:
    """``--cells a,b``: the names, as :func:`check_cells` takes them (one-line UserError naming ``--cells``)."""
    cells = [c.strip() for c in text.split(",") if c.strip()]
    if not cells:
        raise UserError(f"--cells {text}: unknown cell (none); expected some of {','.join(CELLS)}")
    try:
        return check_cells(cells)
    except SettingError as exc:
        raise UserError(f"--cells {text}: {exc.expected}") from None


def check_cell_settings(cell: object, length: object, hidden: object, train_steps: object,
                        seed: object, lr: object = None) -> tuple[int, int, int, int, float | None]:
    """Refuse the first of :func:`diagnose_cell`'s settings out of range (:class:`SettingError` naming it), and a
    model or the sequences it trains and probes on that cannot be held here (:mod:`rnnkit.train.memory`),
    before anything is built (``length=2.5`` and ``hidden=2.5`` were tracebacks from torch, ``train_steps=-1``
    ran none, ``lr=0`` trained without moving a weight and reported the steps, a seed past 64 bits was torch's
    "Overflow when unpacking long long"); the length, hidden size, training steps and seed as ints and the lr as a
    float (None stays None): a numpy or 0-d tensor number passes the checks, and reached torch as a traceback."""
    from rnnkit.diagnostics import PROBE_WORDS, batch_bytes, check_cell, check_lr, check_model_fits, probe_bytes

    cell = check_cell("cell", cell)
    length, hidden, train_steps = (check_count(name, value, least) for name, value, least in (
        ("length", length, 2), ("hidden", hidden, 1), ("train_steps", train_steps, 0)))
    lr = None if lr is None else check_lr(lr)  # None: the cell's own default
    seed = check_seed("seed", seed, 1, signed=False)  # the training batches draw with seed + 1
    # Adam trains the cell's model (2 inputs, 1 output) on the adding problem
    check_model_fits(cell, 2, hidden, 1)
    # a batch of adding sequences and the hidden state of each of its steps, or the probe's sequence with its
    # gradients and each step's graph (before and after the training, not during it), counted before any is
    # made: --length 1000000000 allocated until the machine struggled
    batch, probe = batch_bytes(TRAIN_BATCH, length, hidden) if train_steps else 0, probe_bytes(length, hidden)
    check_room(None, [(torch.device("cpu"), max(batch, probe))],
               f"a training batch of {TRAIN_BATCH} sequences and its hidden states" if batch >= probe else PROBE_WORDS,
               ("length",), length=length)
    return length, hidden, train_steps, seed, lr


def check_settings(cells: object, length: object, hidden: object = 64, train_steps: object = 200,
                   seed: object = 0, clip_steps: object = 150,
                   clip_length: object = 100) -> tuple[list[str], int, int, int, int, int, int]:
    """Refuse the first of :func:`run_diagnose`'s settings out of range (:class:`SettingError` naming it;
    the CLI names its flag), and a model that cannot train here (:func:`rnnkit.train.memory.check_fits`),
    before anything is built; return the cells as a list and the length, hidden, train_steps, seed, clip_steps
    and clip_length as ints."""
    from rnnkit.diagnostics import check_clipping, check_sweep, sweep_length_limit

    cells = check_cells(cells)
    for cell in cells:
        steps, size, training, seed_value, _ = check_cell_settings(cell, length, hidden, train_steps, seed)
    check_sweep(SWEEP_RADII, min(steps, sweep_length_limit(SWEEP_RADII)), size, seed_value)
    try:  # the clipping runs' length and steps are diagnose's clip_length and clip_steps
        _, _, clip_length, _, clip_steps, *_ = check_clipping(1.0, "irnn", clip_length, size, clip_steps, CLIP_LR,
                                                              CLIP_BATCH, CLIP_BLOWUP, seed_value)
    except SettingError as exc:
        name = {"length": "clip_length", "steps": "clip_steps"}.get(exc.name, exc.name)
        raise SettingError(name, exc.value, exc.expected) from None
    return cells, steps, size, training, seed_value, clip_steps, clip_length


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

    return spectral_radius(model.rnn.layer_weights(0)[1], cell, mask=model.rnn.cell_def.connectivity())


def diagnose_cell(
    cell: str, length: int, hidden: int, train_steps: int, seed: int, lr: float | None = None,
    log: Any = lambda m: None,
) -> dict[str, Any]:
    """Gradient norms through time and spectral radius of one cell, before and after ``train_steps``
    steps of Adam (clipping at 1, batches of 32) on the adding problem, trained through the Trainer.
    ``lr`` defaults to 1e-3, and to 1e-4 for the ReLU cells (their unbounded units need the smaller steps).
    A training that diverges (a loss or gradient norm that is not finite) stops there: ``train_steps`` counts the
    updates made and ``diverged`` says why it stopped (None when it did not)."""
    from rnnkit.diagnostics import divergence_reason, train_on_adding
    from rnnkit.models.sequence import SequenceModel

    length, hidden, train_steps, seed, lr = check_cell_settings(cell, length, hidden, train_steps, seed, lr)
    torch.manual_seed(seed)
    model = SequenceModel(cell, 2, hidden, 1, every_step=False, **le2015(cell))
    probe_x, probe_y = _probe_sequence(length)
    start_norms = _probe(model, probe_x, probe_y)
    start_radius = _radius(model, cell)
    if lr is None:
        lr = 1e-4 if issubclass(CELLS[cell], ElmanReLU) else 1e-3
    warm_up(["adam"])  # torch's one-time import: the first cell's training seconds counted it
    t0 = time.perf_counter()
    run = train_on_adding(model, length, train_steps, lr=lr, optimizer="adam", clip=1.0, batch_size=TRAIN_BATCH,
                          seed=seed + 1)
    seconds = time.perf_counter() - t0
    losses = run["losses"][: run["steps"]]  # the updates made (not the loss of a step that diverged)
    end_norms = _probe(model, probe_x, probe_y)
    end_radius = _radius(model, cell)
    # a diverged run stopped early: "after 1 steps" alone read as a training asked for 1 step
    diverged = None if run["diverged"] is None else divergence_reason(run["diverged"], None)
    radius = (f"radius {start_radius['radius']:.3f} -> {end_radius['radius']:.3f}" if has_w_hh(cell)
              else "no W_hh, no radius")
    log(f"{cell}: {radius}; "
        f"|dL/dh_1| / |dL/dh_T| {_ratio(start_norms):.3g} -> {_ratio(end_norms):.3g} "
        f"after {counted(len(losses), 'step')} ({seconds:.0f}s)"
        + (f"; DIVERGED, {diverged}: stopped" if diverged else ""))
    return {
        "hidden": hidden, "lr": lr, "train_steps": len(losses), "diverged": diverged,
        "train_seconds": round(seconds, 2),
        "train_loss_first": losses[0] if losses else float("nan"),
        "train_loss_last": sum(losses[-LAST_LOSSES:]) / len(losses[-LAST_LOSSES:]) if losses else float("nan"),
        "radius_start": start_radius, "radius_end": end_radius,
        "grad_norms_start": start_norms.tolist(), "grad_norms_end": end_norms.tolist(),
        "first_over_last_start": _ratio(start_norms), "first_over_last_end": _ratio(end_norms),
    }


def _probe_sequence(length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The one fixed sequence (seed 12345) whose gradients through time are measured."""
    from rnnkit.data.synthetic import adding_problem

    return adding_problem(1, length, seed=12345)


def not_drawn(values: list[float]) -> str:
    """What a log-axis line of ``values`` (steps t from 1) leaves out, for its legend: "" when it draws them all,
    else " [0 at t ≤ 12: not on the log axis]" (a ReLU cell's gradient that is exactly 0 before the last 8 steps
    of 200 was a line in the corner, which read as the probe stopping there), or the count of steps where the
    values left out are not all at the start, and "0 or not finite" where some are NaN or infinite."""
    gone = [t for t, v in enumerate(values, 1) if not (isinstance(v, (int, float)) and 0 < v < float("inf"))]
    if not gone:
        return ""
    what = "0" if all(values[t - 1] == 0 for t in gone) else "0 or not finite"
    where = f"t ≤ {gone[-1]}" if gone[-1] == len(gone) else counted(len(gone), "step")
    return f" [{what} at {where}: not on the log axis]"


def clip_run(name: str, run: dict[str, Any]) -> str:
    """A clipping run's name as diagnose.md, clipping.png and the report page show it: "clipped at global norm 1"
    (the threshold was in diagnose.json only: "clipped" said not at what), "unclipped" as it is."""
    clip = run.get("clip")
    return f"{name} at global norm {clip:g}" if isinstance(clip, (int, float)) else name


def _ratio(norms: torch.Tensor) -> float:
    last = float(norms[-1])
    return float(norms[0]) / last if last > 0 else float("nan")


#: a line of a diagnose figure: its legend, its values (one a step, from 1), the number of its cell (its colour;
#: None for the sweep's and the clipping runs' lines) and whether it is the cell's line after training (dashed)
FigureLine = tuple[str, list[float], int | None, bool]


def figures(report: dict[str, Any]) -> list[tuple[str, str, str, str, list[FigureLine]]]:
    """The three figures of a diagnose run, as its PNGs and the report page draw them: each one's file, title, x and
    y labels and lines: gradient norm through time per cell (at initialisation, and after training unless it made
    no update: the second line hid under the first), the radius sweep of a tanh RNN, the training loss with and
    without clipping. Each title says its length (the sweep's, ``radius_length``, is shorter than the cells' where
    float32 would not hold it)."""
    through, norm = "time step t (loss at the last step)", "‖∂L/∂h_t‖"
    cells: list[FigureLine] = []
    for i, (cell, r) in enumerate(report["cells"].items()):
        start, end = r["grad_norms_start"], r["grad_norms_end"]
        cells.append((f"{cell} (init){not_drawn(start)}", start, i, False))
        if r["train_steps"]:
            cells.append((f"{cell} (after {counted(r['train_steps'], 'step')}){not_drawn(end)}", end, i, True))
    sweep: list[FigureLine] = [(f"radius {r}: ×{v['factor']:.3f} per step{not_drawn(v['norms'])}", v["norms"], None,
                                False) for r, v in report["radius_sweep"].items()]
    clipping: list[FigureLine] = [(f"{clip_run(name, v)}: {v['reason']}", v["losses"], None, False)
                                  for name, v in report["clipping"].items()]
    return [("gradient_norms.png", f"Gradient norm through time, adding problem T = {report['length']}", through,
             norm, cells),
            ("radius.png", f"tanh RNN, W_hh = radius × orthogonal, T = {radius_length(report)}", through, norm, sweep),
            ("clipping.png", f"IRNN on adding T = {report['clipping_length']}: with and without clipping", "SGD step",
             "training loss (MSE)", clipping)]


#: each PNG's legend: its font size and columns
_LEGENDS = {"gradient_norms.png": {"legend_size": 7, "ncol": 2}, "radius.png": {"legend_size": 8},
            "clipping.png": {"legend_size": 7}}


def _plot(report: dict[str, Any], out: Path) -> list[str]:
    """gradient_norms.png, radius.png and clipping.png (:func:`figures`, drawn by :mod:`rnnkit.plots`)."""
    from rnnkit.plots import gradient_norms_png

    for name, title, xlabel, ylabel, lines in figures(report):
        styled = [(label, values, _png_style(values, cell, after)) for label, values, cell, after in lines]
        gradient_norms_png(out / name, styled, title, xlabel, ylabel, **_LEGENDS[name])
    return list(_LEGENDS)


def _png_style(values: list[float], cell: int | None, after: bool) -> dict[str, Any]:
    """A PNG line's style: a cell's in its colour, dashed after training; the others' with markers when short."""
    if cell is None:
        return {"lw": 1.4, "marker": "o" if len(values) < 10 else None}
    return {"color": f"C{cell % 10}", "lw": 1.2, "ls": "--"} if after else {"color": f"C{cell % 10}", "lw": 1.4}


def mean_of_last(steps: list[int]) -> str:
    """What a final loss of runs of ``steps`` steps each averages: "mean of the last 10", "mean of the last 3"
    when each made 3 (the header said "the last 10" after --train-steps 3), and where the runs made different
    numbers of steps (one that diverged early), "mean of the last 10, or of all where fewer"."""
    counts = {min(LAST_LOSSES, n) for n in steps if n > 0} or {LAST_LOSSES}
    return f"mean of the last {max(counts)}" + (", or of all where fewer" if len(counts) > 1 else "")


def gate_note(report: dict[str, Any]) -> str:
    """The sentence below the radius table of diagnose.md and the report page, naming the gated cells whose radius
    is the largest of their gate blocks'; "" where there are none (it stood below a table of Elman cells alone)."""
    gated = [cell for cell, r in report["cells"].items() if (r.get("radius_start") or {}).get("blocks")]
    return f"Gated cells ({', '.join(gated)}): radius = the largest over the gate blocks of W_hh." if gated else ""


def markdown(report: dict[str, Any]) -> str:
    """diagnose.md: the numbers behind the pictures."""
    trained = mean_of_last([r["train_steps"] for r in report["cells"].values()])
    clipped = mean_of_last([len(v["losses"]) for v in report["clipping"].values() if not v["diverged"]])
    lines = [
        f"# rnnkit diagnose (adding problem, T = {report['length']})",
        "",
        "| cell | radius W_hh start | radius end | ‖∂L/∂h_1‖/‖∂L/∂h_T‖ start | same, end | train steps | "
        f"train loss first → {trained} |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for cell, r in report["cells"].items():
        radius = (f"{r['radius_start']['radius']:.3f} | {r['radius_end']['radius']:.3f}" if has_w_hh(cell)
                  else f"{NO_W_HH} | —")
        lines.append(
            f"| {cell} | {radius} | {r['first_over_last_start']:.3g} | {r['first_over_last_end']:.3g} | "
            f"{r['train_steps']}"
            f"{' (diverged: ' + r['diverged'] + ')' if r.get('diverged') else ''} | "
            + (f"{r['train_loss_first']:.3f} → {r['train_loss_last']:.3f} |" if r["train_steps"] else "— (no update) |")
        )
    note = gate_note(report)
    lines += ["", note] if note else []
    lines += ["", f"## W_hh scaled to a radius (tanh RNN, near-linear regime, T = "
              f"{radius_length(report)})", "",
              "| radius | fitted factor per step | ‖∂L/∂h_1‖/‖∂L/∂h_T‖ |", "| ---: | ---: | ---: |"]
    for r, v in report["radius_sweep"].items():
        lines.append(f"| {r} | {v['factor']:.4f} | {v['first_over_last']:.3g} |")
    lines += ["", f"## Clipping (IRNN, SGD lr {report['clipping_lr']}, T = {report['clipping_length']})", "",
              f"| run | diverged | what happened | first loss | {clipped} losses |",
              "| --- | --- | --- | ---: | ---: |"]
    for name, v in report["clipping"].items():
        lines.append(f"| {clip_run(name, v)} | {'yes' if v['diverged'] else 'no'} | {v['reason']} | "
                     f"{v['first_loss']:.3g} | {v['final_loss']:.3g} |")
    return "\n".join(lines) + "\n"


def run_diagnose(
    cells: list[str], length: int, out: str | Path, hidden: int = 64, train_steps: int = 200, seed: int = 0,
    clip_steps: int = 150, clip_length: int = 100, log: Any = lambda m: None,
) -> dict[str, Any]:
    """Everything ``rnnkit diagnose`` computes; writes the PNGs, diagnose.json and diagnose.md (all five, or
    none when the writing is stopped: Ctrl-C or a full disk). The settings are checked first
    (:func:`check_settings`): one line naming the first one out of range, before anything trains or is written."""
    from rnnkit.diagnostics import clipping_comparison, radius_sweep, sweep_length_limit

    # called from Python: clip_steps=0 and train_steps=-1 ran as nonsense, cells="gru" as the cells 'g', 'r' ...
    cells, length, hidden, train_steps, seed, clip_steps, clip_length = check_settings(
        cells, length, hidden, train_steps, seed, clip_steps, clip_length)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"length": length, "hidden": hidden, "seed": seed, "cells": {}}
    for cell in cells:
        report["cells"][cell] = diagnose_cell(cell, length, hidden, train_steps, seed, log=log)
    # the sweep's r^T fits float32 to a length (radius 1.1: 821 steps); past it, it runs as long as it can
    report["radius_length"] = min(length, sweep_length_limit(SWEEP_RADII))
    sweep = radius_sweep(SWEEP_RADII, length=report["radius_length"], hidden=hidden, seed=seed)
    report["radius_sweep"] = {str(r): v for r, v in sweep.items()}
    for r, v in sweep.items():
        log(f"radius {r}: gradient norm x{v['factor']:.4f} per step back in time "
            f"(first/last {v['first_over_last']:.3g})")
    report["clipping_lr"] = CLIP_LR
    report["clipping_length"] = clip_length
    report["clipping"] = clipping_comparison(clip=1.0, cell="irnn", length=clip_length, hidden=hidden,
                                             steps=clip_steps, lr=CLIP_LR, batch_size=CLIP_BATCH,
                                             blowup=CLIP_BLOWUP, seed=seed)
    for name, v in report["clipping"].items():
        log(f"{name}: {'DIVERGED, ' + v['reason'] if v['diverged'] else 'trained'}; "
            f"loss {v['first_loss']:.3g} -> {v['final_loss']:.3g} ({mean_of_last([len(v['losses'])])})")
    with undone_on_failure(out, FILES, made=[]):  # all five files or none: Ctrl-C while drawing left a picture
        report["files"] = _plot(report, out) + ["diagnose.json", "diagnose.md"]  # without its numbers
        (out / "diagnose.json").write_text(strictjson.dumps(report, indent=1) + "\n")
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
    cells = parse_cells(args.cells)
    check_settings(cells, args.length, args.hidden, args.train_steps, args.seed, args.clip_steps, args.clip_length)
    if args.threads is not None:
        torch.set_num_threads(check_threads(args.threads))

    def log(msg: str) -> None:
        if not args.json:
            print(msg, file=sys.stderr, flush=True)

    out = Path(args.out)
    # tiny IRNN weights make subnormals, which are slow on CPUs
    with results_folder(args.out, FILES, "an earlier diagnose's", overwrite=args.overwrite), denormals_flushed():
        report = run_diagnose(cells, args.length, out, hidden=args.hidden, train_steps=args.train_steps,
                              seed=args.seed, clip_steps=args.clip_steps,
                              clip_length=args.clip_length, log=log)
    if args.json:
        print(strictjson.dumps(summary(report)))
    else:
        print(markdown(report))
        print("wrote " + ", ".join(str(out / f) for f in report["files"]))
    return 0


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cells", default=",".join(DEFAULT_CELLS),
                   help=f"comma-separated, from {','.join(CELLS)} (default %(default)s)")
    p.add_argument("--length", type=int, default=200,
                   help="sequence length T of the probe and training (default %(default)s)")
    p.add_argument("--out", required=True, help="directory for the PNGs, diagnose.json, diagnose.md")
    p.add_argument("--overwrite", action="store_true",
                   help="remove the files (and report.html) an earlier diagnose left in --out, then run")
    p.add_argument("--hidden", type=int, default=64,
                   help="hidden units of every cell, the radius sweep's tanh RNN and the clipping runs' IRNN "
                        "(default %(default)s)")
    p.add_argument("--train-steps", dest="train_steps", type=int, default=200,
                   help="training steps between the start and end measurements (default %(default)s)")
    p.add_argument("--clip-steps", dest="clip_steps", type=int, default=150,
                   help="SGD steps of the with/without clipping runs (default %(default)s)")
    p.add_argument("--clip-length", dest="clip_length", type=int, default=100,
                   help="sequence length of the with/without clipping runs (default %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the weights and training batches of every cell and of the clipping runs' IRNN (both "
                        "runs start alike; the probe sequence is fixed), and of the radius sweep (0 or more; default "
                        "%(default)s)")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's own choice)")
    p.add_argument("--json", action="store_true", help="print one JSON summary object")


register(Command(
    "diagnose", "gradient norm through time, spectral radius, clipping", _arguments, _cmd_diagnose,
    description=(
        "For each cell on the adding problem: the gradient norm through time and the spectral radius of W_hh "
        "before and after training (gradient_norms.png); a tanh RNN at radius 0.9 and 1.1 (radius.png); plain "
        "SGD with and without gradient clipping (clipping.png). diagnose.json and diagnose.md hold the numbers."
    ),
))
