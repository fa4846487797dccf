"""The settings of ``rnnkit experiment``: :class:`Settings` (flags, a TOML config's top level and its
``[cell.NAME]`` tables), their checks, and the seeds a run draws its data from.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from rnnkit.cells import CELLS, checked_options, le2015, make_cell
from rnnkit.device import resolve_device
from rnnkit.diagnostics import check_lr
from rnnkit.errors import (
    SettingError,
    UserError,
    check_minutes,
    check_positive,
    check_seed,
    check_threads,
    check_type,
)
from rnnkit.models.sequence import SequenceModel, hidden_for_params
from rnnkit.recurrent import Recurrent
from rnnkit.tasks.diagnose import check_cells
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.optim import OPTIMIZERS
from rnnkit.train.options import PRECISIONS

#: every cell rnnkit has, in the order of :data:`rnnkit.cells.CELLS`
ALL_CELLS = tuple(CELLS)


# ------------------------------------------------------------------------------------------------
# settings


@dataclass
class Settings:
    """Everything one experiment run needs. The CLI fills it with the experiment's own defaults, then the TOML file,
    then the flags; built by hand it has only the defaults below, for any experiment:
    :func:`rnnkit.tasks.experiments.settings_for` gives an experiment's own from Python."""

    experiment: str
    cells: list[str]
    seeds: int = 3
    first_seed: int = 0
    minutes: float = 5.0
    steps: int | None = None
    length: int = 100
    hidden: int = 100
    batch_size: int = 50
    lr: float = 1e-3
    optimizer: str = "adam"
    clip: float | None = 1.0
    eval_every: int = 100
    eval_size: int = 1000
    stop_at: float | None = None
    threads: int | None = None
    precision: str = "fp32"
    device: str = "cpu"
    schedule: str = "constant"
    idx_dir: str | None = None
    max_train: int | None = None
    max_test: int | None = None
    perm_seed: int = 0
    split_seed: int = 0
    params: int | None = None
    cell_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: settings given as flags: they win over a config's [cell.NAME] values too
    forced: set[str] = field(default_factory=set)

    def for_cell(self, cell: str) -> dict[str, Any]:
        """Training settings (lr, hidden, clip, optimizer, precision, options) for one cell, overrides applied."""
        if cell not in CELLS:
            raise UserError(f"unknown cell {cell!r}; expected one of {', '.join(CELLS)}")
        over = self.cell_overrides.get(cell, {})
        if not isinstance(over, dict):
            raise UserError(f"[cell.{cell}]: expected a table of settings, got {over!r}")
        over = dict(over)
        extra = over.pop("options", {})
        if not isinstance(extra, dict):
            raise UserError(f"[cell.{cell}] options {extra!r}: expected a table of the cell's options")
        base = {"lr": self.lr, "hidden": self.hidden, "clip": self.clip, "optimizer": self.optimizer,
                "precision": self.precision}
        unknown = set(over) - set(base)
        if unknown:
            raise UserError(f"[cell.{cell}]: unknown key(s) {', '.join(sorted(unknown))}; "
                            f"expected lr, hidden, clip, optimizer, precision, options")
        over = {k: v for k, v in over.items() if k not in self.forced}
        try:
            _check_training(over)
        except SettingError as exc:
            raise UserError(f"[cell.{cell}] {exc}") from None
        return {**base, **over, "options": {**le2015(cell), **extra}}

    def check_fits(self, cell: str, hidden: int, input_size: int = 1, output_size: int = 1) -> None:
        """Refuse ``cell``'s model of ``hidden`` units that cannot train on this machine, before it is built
        (:func:`rnnkit.train.memory.check_fits`): naming ``--params`` where that chose the size, the cell's
        ``[cell.NAME]`` table where that set it, else ``--hidden``."""
        cs = self.for_cell(cell)
        try:
            check_fits(self, SequenceModel.count_parameters(cell, input_size, hidden, output_size, **cs["options"]),
                       describe_stack(cell, 1, hidden), ("params",) if self.params is not None else ("hidden",),
                       hidden=hidden, optimizer=cs["optimizer"])
        except SettingError as exc:
            if exc.name == "hidden" and "hidden" in self.cell_overrides.get(cell, {}) and "hidden" not in self.forced:
                raise UserError(f"[cell.{cell}] {exc}") from None
            raise

    def validate(self) -> None:
        """Raise :class:`SettingError` (or :class:`UserError` for a ``[cell.NAME]`` table) naming the first
        setting of the wrong type or out of range, before any run trains."""
        check_minutes("minutes", self.minutes)  # before its type: nan is a float, and "expected a number" misled
        for f in fields(self):
            if f.name not in ("cells", "cell_overrides", "forced"):
                check_type(f.name, getattr(self, f.name), f.type)
        check_cells(self.cells)  # a Settings built in Python: cells="lstm" ran the cells 'l', 's' ... as unknown ones
        for name in ("seeds", "length", "hidden", "batch_size", "eval_every", "eval_size"):
            check_positive(name, getattr(self, name))
        for name in ("max_train", "max_test", "params"):
            if getattr(self, name) is not None:
                check_positive(name, getattr(self, name))
        if self.threads is not None:
            check_threads(self.threads)
        resolve_device(self.device)  # a GPU asked for where there is none: refused before any run
        # a run seeds torch with its seed and its batches with DATA_SEED + seed, so the last seed of the
        # experiment must leave room for that; the seeds are counted from 0, as --seeds counts them (-1 ran as torch's
        # 2**64 - 1 and results.md listed "seeds: 2 (-1, 0)")
        check_seed("first_seed", self.first_seed, DATA_SEED + self.seeds - 1, signed=False)
        check_seed("perm_seed", self.perm_seed, signed=False)  # results.md names it: -1 was 2**64 - 1's permutation
        check_seed("split_seed", self.split_seed, 1, signed=False)  # NumPy's generator, seeded with it and it + 1
        if self.steps is not None and self.steps < 0:
            raise SettingError("steps", self.steps, "expected 0 or more")
        if self.schedule not in SCHEDULES:
            raise SettingError("schedule", self.schedule, f"expected one of {', '.join(SCHEDULES)}")
        _check_training({k: getattr(self, k) for k in ("lr", "hidden", "clip", "optimizer", "precision")})
        unknown = sorted(set(self.cell_overrides) - set(CELLS))
        if unknown:
            raise UserError(f"[cell.{unknown[0]}]: no such cell; expected [cell.NAME] with NAME one of "
                            f"{', '.join(CELLS)}")
        # the cells' options of the type the family's signature names, before anything reads them: a string
        # forget_bias failed in reset_parameters, periods [1.5, 3] trained as [1, 3], and sizing a cell under params
        # read num_modules = "4" as Python's "'str' object cannot be interpreted as an integer"
        for cell in self.cells:
            options = self.for_cell(cell)["options"]
            with _options_named(cell):
                checked_options(cell, options)
        hidden = {cell: self._trained_hidden(cell) for cell in self.cells}
        for cell in self.cells:  # every cell's size before the probes below build one
            self.check_fits(cell, hidden[cell])
        for cell in self.cells:
            options = self.for_cell(cell)["options"]
            with _options_named(cell):  # the cell's options (periods, scan ...) too, before any cell trains
                make_cell(cell, hidden[cell], **options)
                # and its initialisers (init_ih = "nonsense"), which only building the weights tries
                Recurrent(cell, 1, hidden[cell], **options)

    def _trained_hidden(self, cell: str) -> int:
        """The hidden size ``cell`` trains at: under params not the hidden it replaces (num_modules = 200 was
        refused as not fitting in hidden_size=100). The problem's input and output sizes are not known yet; any
        size params gives a cell admits the same options, and run_experiment checks the size once they are."""
        cs = self.for_cell(cell)
        if self.params is None:
            return int(cs["hidden"])
        with _options_named(cell):
            return hidden_for_params(cell, self.params, 1, 1, cs["options"], every_step=False)


@contextlib.contextmanager
def _options_named(cell: str) -> Iterator[None]:
    """A cell's options refused (by the family, its initialisers or :func:`hidden_for_params`) as one line
    naming its ``[cell.NAME]`` table."""
    try:
        yield
    except SettingError as exc:
        raise UserError(f"[cell.{cell}] options: {exc}") from None
    except (ValueError, UserError) as exc:  # the family's, or hidden_for_params's of an option make_cell refused
        raise UserError(f"[cell.{cell}] options: {str(exc).removeprefix(f'cell {cell!r}: ')}") from None


def _check_training(values: dict[str, Any]) -> None:
    """The training settings a ``[cell.NAME]`` table may set, each of its type and range."""
    for name, value in values.items():
        check_type(name, value, Settings.__dataclass_fields__[name].type)
    if "hidden" in values:
        check_positive("hidden", values["hidden"])
    if "lr" in values:
        check_lr(values["lr"])  # as the diagnostics refuse it: lr 0 trained nothing and wrote its results
    if (values.get("clip") or 0) < 0:
        raise SettingError("clip", values["clip"], "expected a number >= 0 (0: off)")
    for name, choices in (("optimizer", OPTIMIZERS), ("precision", PRECISIONS)):
        if name in values and values[name] not in choices:
            raise SettingError(name, values[name], f"expected one of {', '.join(choices)}")


#: a run with seed S draws its training batches from a generator seeded with DATA_SEED + S
DATA_SEED = 10_000
SCHEDULES = ("constant", "cosine", "linear")  # of the trainer's: an experiment's run has no step decay
SETTING_KEYS = {f for f in Settings.__dataclass_fields__ if f not in ("experiment", "cell_overrides", "forced")}
