"""Command-line and TOML options shared by every ``rnnkit train TASK``.

A task adds the trainer's flags with :func:`add_trainer_arguments` (its own flags next to them), then
turns parsed arguments into settings with :func:`resolve_settings`: an explicit flag wins over the
``--config FILE.toml`` value, which wins over a resumed run's saved value, which wins over the
task's default. All flags default to ``None`` so that "not given" can be told apart.

    add_trainer_arguments(parser, defaults=my_defaults)            # --steps --minutes --lr ...
    settings = resolve_settings(args, my_defaults, saved=previous)  # dict of name -> value
    train_config = train_config_from(settings)                     # TrainConfig
"""

from __future__ import annotations

import argparse
import math
import numbers
import os
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import torch

from rnnkit.cells import CELLS
from rnnkit.data.split import validation_folder
from rnnkit.data.utf8 import decode_utf8, open_readable, unreadable
from rnnkit.device import DEVICE_HELP, resolve_device
from rnnkit.errors import (
    POSITIVE_NUMBER,
    SettingError,
    UserError,
    check_fraction,
    check_minutes,
    check_positive,
    check_seed,
    check_threads,
    check_type,
    refuse_empty_name,
    report_warnings,
    warn,
)
from rnnkit.files import same_file
from rnnkit.regularisers import RECURRENT_DROPOUT_CELLS
from rnnkit.train import distributed
from rnnkit.train.checkpoint import RUN_FILES, RUN_FOLDERS, Checkpoint, load_checkpoint
from rnnkit.train.lr_find import END, START, STOP_FACTOR, UPDATES
from rnnkit.train.optim import OPTIMIZERS, SCHEDULES
from rnnkit.train.provenance import VALIDATION_DATA
from rnnkit.train.tensorboard import check_available
from rnnkit.train.trainer import TrainConfig, check_out_dir
from rnnkit.wording import listed

__all__ = ["TRAINER_DEFAULTS", "RegulariserSettings", "TrainSettings", "add_data_arguments", "add_device_argument",
           "add_threads_argument",
           "add_trainer_arguments", "config_from", "load_config_file", "plain_number", "read_toml", "resolve_settings",
           "settings_of", "start_run", "train_config_from", "use_threads", "verb_device"]

#: why a resumed run refuses another value of a setting it keeps, and the two ways on (charlm's --batch-size of
#: another run was 'a resumed run keeps its model and data', and its user was left to guess what to do)
KEPT = ("a resumed run keeps its model and data: leave it out to resume the run as it is, or train a new run "
        "with another --out")


def resumed_keeps(what: str) -> str:
    """Why a resumed run refuses data with a label (``what``: its labels, its tags) it did not learn, and the way on."""
    return f"a resumed run keeps its {what}: train a new run with another --out to learn it"


def learns_only(what: str, data: object, mend: str) -> str:
    """Why a run refuses validation data with a label (``what``: labels, tags) its training data ``data`` lacks, and
    ``mend``, the ways on (relabel the row, or add rows of that label), which go to ``data``."""
    return f"a model learns only the {what} of its training data: {mend} to {data}"


T = TypeVar("T")
PRECISIONS = ("fp32", "bf16", "auto")
#: settings a resumed run takes from this command, not from the run: where it trains is this machine's choice
NOT_INHERITED = frozenset({"device", "init_from", "find_lr"})
#: settings that apply only with others' values, and what :meth:`TrainSettings.validate_training` says when one is
#: set without them; a resumed run that changes those (``--schedule cosine`` after ``plateau``) does not inherit
#: them, which it could not unset
ONLY_WITH: dict[str, tuple[Callable[[Mapping[str, Any]], bool], str]] = {
    "min_delta": (lambda s: s.get("schedule") == "plateau" or s.get("patience") is not None,
                  "applies to early stopping and --schedule plateau only: give --patience N or --schedule plateau too"),
    "plateau_patience": (lambda s: s.get("schedule") == "plateau", "applies to --schedule plateau only"),
}
#: why ``--vocab-size`` is refused with the char tokenizer
VOCAB_NOT_FOR_CHARS = "caps the ids of a word, ngram or bpe tokenizer, not the characters of --tokenizer char"
#: settings with a default of their own that apply only with others' values, and what a run given one without
#: them hears (:func:`resolve_settings`): ``--gamma 0.1`` under the cosine schedule, or ``--momentum 0.5`` with
#: Adam, did nothing, unsaid
GIVEN_ONLY_WITH: dict[str, tuple[Callable[[Mapping[str, Any]], bool], str]] = {
    "momentum": (lambda s: s.get("optimizer") == "sgd", "is SGD's momentum; --optimizer {optimizer} does not use it"),
    "beta2": (lambda s: s.get("optimizer") in ("adam", "adamw"),
              "is Adam's and AdamW's second-moment decay; --optimizer {optimizer} does not use it"),
    "gamma": (lambda s: s.get("schedule") in ("step", "plateau"),
              "applies to --schedule step and plateau only, not {schedule}"),
    "step_every": (lambda s: s.get("schedule") == "step", "applies to --schedule step only, not {schedule}"),
    "min_lr_ratio": (lambda s: s.get("schedule") in ("cosine", "linear", "plateau"),
                     "is the floor of --schedule cosine, linear and plateau; {schedule} does not use it"),
    "vocab_size": (lambda s: _tokenizers(s) != {"char"}, VOCAB_NOT_FOR_CHARS),
    # the tagger's spelling encoder, which --char-dim 0 turns off
    **dict.fromkeys(("char_hidden", "char_encoder"), (lambda s: s.get("char_dim") != 0,
                    "applies to the encoder of each word's spelling, which --char-dim 0 turns off")),
    # the captioner's augmentation, which only --augment turns on
    **dict.fromkeys(("augment_rotate", "augment_scale", "augment_shift", "augment_elastic"),
                    (lambda s: bool(s.get("augment")), "applies with --augment only: give --augment too")),
    # the split of a validation part off --data, which --val-data (or --val-fraction 0) leaves out
    "val_fraction": (lambda s: not _validation_given(s), "is the part of --data held out for validation; {validation}"),
    "split_seed": (lambda s: not _validation_given(s) and s.get("val_fraction") != 0,
                   "seeds the split of a validation part off --data, and there is none: {validation}"),
    # the language model's counts, mixed in with its memory
    "counts": (lambda s: bool(s.get("memory")) or not s.get("counts"),
               "mixes the text's counts into the memory, which --no-memory turns off"),
}

#: the trainer's settings that a learning-rate range test (``--find-lr``) does not read: it makes its own
#: :data:`~rnnkit.train.lr_find.UPDATES` updates at rates of its own, and evaluates, logs and saves nothing
#: (``steps`` and ``minutes`` are not among them: the budget they set sizes a character LM's model)
NOT_FOR_FIND_LR = ("lr", "warmup", "schedule", "min_lr_ratio", "step_every", "gamma", "plateau_patience",
                   "eval_every", "log_every", "save_every", "save_minutes", "ema", "patience", "min_delta",
                   "tensorboard")
#: the settings of a run's evaluations, which a run with no validation data (``--val-fraction 0``, no
#: ``--val-data``) never makes (a classifier or tagger, which keeps its best checkpoint ``--keep-by`` a validation
#: score, refuses ``--val-fraction 0`` itself), each with its value that turns that part off (``--eval-images 0``
#: agrees with the run: nothing to say)
NOT_WITHOUT_VALIDATION = {"eval_every": None, "eval_chars": None, "eval_sentences": 0, "eval_images": 0,
                          "eval_utterances": 0}


def _tokenizers(settings: Mapping[str, Any]) -> set[Any]:
    """The tokenizers a run's settings name: ``tokenizer``, or each side's of a translator (None: not known yet,
    a classifier's search)."""
    default = settings.get("tokenizer")
    return {settings.get("src_tokenizer") or default, settings.get("tgt_tokenizer") or default}


@dataclass
class TrainSettings:
    """The trainer's settings that a user sets (``--steps``, ``--lr`` ...), with their defaults.

    A task's config dataclass subclasses it, adds its own fields and overrides defaults it tunes.
    """

    #: the budgets in minutes (a task adds its own: classify's ``pretrain_minutes``), each checked as ``--minutes``
    BUDGETS: ClassVar[tuple[str, ...]] = ("minutes",)

    steps: int | None = 1000
    minutes: float | None = None
    optimizer: str = "adam"
    lr: float = 2e-3
    weight_decay: float = 0.0
    momentum: float = 0.9
    beta2: float = 0.999
    warmup: int = 0
    schedule: str = "cosine"
    min_lr_ratio: float = 0.0
    step_every: int = 1000
    gamma: float = 0.5
    plateau_patience: int | None = None
    clip: float | None = 5.0
    eval_every: int = 200
    log_every: int = 20
    seed: int = 0
    precision: str = "fp32"
    save_every: int | None = None
    save_minutes: float | None = 5.0
    threads: int | None = None
    ema: float = 0.0
    accumulate: int = 1
    patience: int | None = None
    min_delta: float = 0.0
    device: str = "auto"
    tensorboard: bool = False
    find_lr: bool = False

    @classmethod
    def kept_form(cls, key: str, value: Any) -> Any:
        """The form in which a setting a resumed run keeps is compared with the run's own (``rnnkit.cli.
        refuse_changed_kept``): ``value`` itself, unless the task writes one value several ways (the captioner's
        ``channels`` as ``"16,32"`` or ``[16, 32]``), where it gives the one value they all mean."""
        return value

    def validate_training(self) -> None:
        """Raise :class:`rnnkit.errors.SettingError` naming the first setting of the wrong kind (each
        setting of a type its annotation names: a bool a bool, an integer an integer) or, among the
        trainer's, out of the range its flag accepts. The flags are checked as they are parsed; this
        checks the same for ``--config FILE.toml`` and the Python API."""
        for name in self.BUDGETS:  # before their type: nan is a float, and "expected a number" misled
            check_minutes(name, getattr(self, name))
        for f in fields(self):
            check_type(f.name, getattr(self, f.name), f.type)
        for name in ("steps", "step_every", "eval_every", "log_every", "save_every", "patience", "plateau_patience",
                     "accumulate"):
            if getattr(self, name) is not None:
                check_positive(name, getattr(self, name))
        if self.threads is not None:
            check_threads(self.threads)
        resolve_device(self.device)  # before any work: a machine without the GPU asked for is refused now
        if self.warmup < 0:
            raise SettingError("warmup", self.warmup, "expected an integer >= 0")
        for name in ("lr", "weight_decay", "momentum", "gamma", "clip", "save_minutes", "min_delta"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise SettingError(name, value, "expected a finite number >= 0")
        check_seed("seed", self.seed)  # a run's other generators wrap their derived seeds to torch's 64 bits
        self._validate_plateau()
        check_fraction("ema", self.ema)
        check_fraction("beta2", self.beta2)  # torch's Adam refuses 1 and more in a traceback
        if self.tensorboard:
            check_available()
        if not 0.0 <= self.min_lr_ratio <= 1.0:  # above 1 the "floor" climbs past --lr
            raise SettingError("min_lr_ratio", self.min_lr_ratio, "expected a fraction of lr from 0 to 1")
        for name, choices in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES), ("precision", PRECISIONS)):
            if getattr(self, name) not in choices:
                raise SettingError(name, getattr(self, name), f"expected one of {', '.join(choices)}")

    def _validate_plateau(self) -> None:
        """The settings that only early stopping and ``--schedule plateau`` read (:data:`ONLY_WITH`), refused
        without them, and the plateau's factor."""
        for name, (applies, without) in ONLY_WITH.items():
            if getattr(self, name) and not applies(vars(self)):
                raise SettingError(name, getattr(self, name), without)
        if self.schedule == "plateau" and self.gamma >= 1:
            raise SettingError("gamma", self.gamma, "expected a factor below 1: --schedule plateau lowers the rate")


TRAINER_DEFAULTS: dict[str, Any] = asdict(TrainSettings())


@dataclass
class RegulariserSettings:
    """The recurrent layers' regularisers (:mod:`rnnkit.regularisers`), for a task whose model is built on
    :class:`rnnkit.Recurrent`: its config subclasses this too, and ``rnnkit train TASK`` then takes
    ``--weight-drop --recurrent-dropout --zoneout --layer-norm``."""

    weight_drop: float = 0.0        # DropConnect on W_hh (keeps the fused kernel)
    recurrent_dropout: float = 0.0  # one mask per sequence on h_(t-1)
    zoneout: float = 0.0            # each unit keeps its previous value with this probability
    layer_norm: bool = False        # the layer-normalised LSTM

    def validate_regularisers(self) -> None:
        """Raise :class:`rnnkit.errors.SettingError` naming the first regulariser out of range."""
        for name in ("weight_drop", "recurrent_dropout", "zoneout"):
            if getattr(self, name) is not None:  # None: the task chooses it (charlm's weight drop)
                check_fraction(name, getattr(self, name))
        cell = getattr(self, "cell", "lstm")
        if self.weight_drop and not getattr(CELLS.get(cell), "recurrent", True):
            raise SettingError("weight_drop", self.weight_drop, f"--cell {cell} has no recurrent weights to drop")
        if self.recurrent_dropout and cell not in RECURRENT_DROPOUT_CELLS:
            raise SettingError("recurrent_dropout", self.recurrent_dropout,
                               f"not for --cell {cell}; cells: {', '.join(sorted(RECURRENT_DROPOUT_CELLS))}")
        if not isinstance(self.layer_norm, bool):
            raise SettingError("layer_norm", self.layer_norm, "expected true or false")
        if self.layer_norm and cell != "lstm":
            raise SettingError("layer_norm", self.layer_norm, f"the layer-normalised cell is the LSTM, not {cell}")

    def regulariser_options(self) -> dict[str, Any]:
        """The regularisers that are on, as :class:`rnnkit.Recurrent` keywords (a model config without them
        stays as it was)."""
        values = {name: getattr(self, name) for name in ("weight_drop", "recurrent_dropout", "zoneout", "layer_norm")}
        return {k: v for k, v in values.items() if v}


def settings_of(config: Any) -> dict[str, Any]:
    """A config dataclass as a plain dict (what ``config.json`` stores under ``"settings"``)."""
    return asdict(config)


def config_from(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of the dataclass ``cls`` from ``values``; keys it does not have are ignored (settings
    saved by another version), missing ones take the defaults."""
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in values.items() if k in known})


def plain_number(value: Any) -> Any:
    """``value`` as Python's int or float when it is another kind of real number (numpy's ``np.int64(16)``,
    ``np.float32(0.5)``: the settings' type checks refused them, and a checkpoint's JSON cannot store them);
    anything else (a bool, a str, None ...) as it is. A float of less precision becomes the number it
    prints as (``np.float32(0.01)`` is 0.01, not float64's 0.009999999776 that the same bits are)."""
    if isinstance(value, bool) or type(value) in (int, float) or not isinstance(value, numbers.Real):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    try:
        shown = float(str(value))  # numpy prints the shortest decimal that reads back as the same value
        if type(value)(shown) == value:
            return shown
    except (ValueError, TypeError, OverflowError):
        pass
    return float(value)


def _argument_type(parse: Callable[[str], Any], accepts: Callable[[Any], bool], expected: str,
                   example: str = "") -> Callable[[str], Any]:
    """An argparse ``type``: ``parse`` of the flag's text, refused as ``expected ..., got TEXT`` where it does not
    parse or ``accepts`` refuses it (then with ``example`` after ``expected``)."""
    def check(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}") from None
        if not accepts(value):
            raise argparse.ArgumentTypeError(f"expected {expected}{example}, got {text}")
        return value

    return check


_positive_int = _argument_type(int, lambda v: v > 0, "a positive integer")
_nonneg_int = _argument_type(int, lambda v: v >= 0, "an integer >= 0")
#: a flag's finite number > 0 (``--minutes``), refused as ``expected a finite number > 0, got TEXT``
positive_float = _argument_type(float, lambda v: math.isfinite(v) and v > 0, POSITIVE_NUMBER)
_nonneg_float = _argument_type(float, lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0")
_decay = _argument_type(float, lambda v: 0.0 <= v < 1.0, "a decay from 0 to below 1", " (e.g. 0.999)")
_ratio = _argument_type(float, lambda v: 0.0 <= v <= 1.0, "a fraction from 0 to 1")


def add_threads_argument(parser: argparse.ArgumentParser) -> None:
    """``--threads N`` of a verb that runs a trained model (``rnnkit sample``, ``predict`` ...); see
    :func:`use_threads`."""
    parser.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                        help="torch CPU threads (default: torch's count)")


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    """``--device`` of a verb that runs a trained model (not ``export``, which writes from the CPU); see
    :func:`verb_device`."""
    parser.add_argument("--device", default="cpu",
                        help="where the model runs: cpu (default, as OpenNMT's translate without -gpu), cuda, "
                             "cuda:N, or auto (the GPU where torch sees one)")


def verb_device(args: argparse.Namespace) -> torch.device:
    """The device ``--device`` of a verb names, checked before the model is read (a GPU asked for where
    there is none is one line)."""
    return resolve_device(getattr(args, "device", None) or "cpu")


def use_threads(args: argparse.Namespace) -> None:
    """Give torch the ``--threads`` of ``args``, when one was given."""
    if getattr(args, "threads", None):
        torch.set_num_threads(check_threads(args.threads))


def add_trainer_arguments(parser: argparse.ArgumentParser, defaults: dict[str, Any] | None = None) -> None:
    """Add ``--steps --minutes --optimizer --lr ... --config --resume --overwrite --json`` to ``parser``.

    ``defaults`` only feeds the help text; values are resolved by :func:`resolve_settings`.
    """
    d = {**TRAINER_DEFAULTS, **(defaults or {})}
    g = parser.add_argument_group("training")
    g.add_argument("--steps", type=_positive_int,
                   help=f"number of updates (default {d['steps']} when --minutes is not given)")
    g.add_argument("--minutes", type=positive_float,
                   help="wall-clock budget in minutes; stops at whichever of --steps/--minutes comes first. The "
                        "clock is read between updates, so the update under way (all --accumulate N batches of it), "
                        "then the last evaluation and save, end past it")
    _add_optimiser_arguments(g, d)
    g.add_argument("--clip", type=_nonneg_float,
                   help=f"clip the global gradient norm at this value, 0 = off (default {d['clip']})")
    g.add_argument("--accumulate", type=_positive_int, metavar="N",
                   help="gradient accumulation: each update sums the gradients of N batches, as one batch N times "
                        "--batch-size would (OpenNMT-py's -accum_count; a carried state runs on through them; "
                        "--minutes is read between updates, so the last one may end up to N batches past it) "
                        f"(default {d['accumulate']})")
    _add_evaluation_arguments(g, d)
    g.add_argument("--seed", type=int, help=f"random seed (default {d['seed']})")
    g.add_argument("--threads", type=_positive_int, metavar="N",
                   help="torch CPU threads (default: timed on the first steps with 1 and with torch's count, the "
                        "faster kept and checked again every 3 minutes)")
    g.add_argument("--precision", choices=PRECISIONS,
                   help="bf16: forward/backward under bf16 autocast (weights stay fp32); auto: bf16 where the "
                        f"CPU (AVX512-BF16/AMX) or GPU has fast bf16 (default {d['precision']})")
    g.add_argument("--device", help=DEVICE_HELP)
    if "zoneout" in d:  # the task's config takes RegulariserSettings
        _add_regulariser_arguments(parser)
    _add_run_arguments(g)
    _add_range_test_arguments(parser)


def _add_optimiser_arguments(g: Any, d: dict[str, Any]) -> None:
    """The optimiser and its learning-rate schedule (``d``: the defaults the help text names)."""
    g.add_argument("--optimizer", choices=OPTIMIZERS, help=f"default {d['optimizer']}")
    g.add_argument("--lr", type=_nonneg_float, help="peak learning rate (default "
                   + (f"{d['lr']:g})" if d["lr"] is not None else "chosen by the task)"))
    g.add_argument("--weight-decay", type=_nonneg_float, help=f"default {d['weight_decay']:g}")
    g.add_argument("--momentum", type=_nonneg_float, help=f"SGD momentum (default {d['momentum']:g})")
    g.add_argument("--beta2", type=_decay, help=f"Adam/AdamW second-moment decay (default {d['beta2']:g})")
    g.add_argument("--warmup", type=_nonneg_int, help=f"linear warm-up steps (default {d['warmup']})")
    g.add_argument("--schedule", choices=SCHEDULES,
                   help="learning-rate decay: over the run (cosine, linear), by --gamma every --step-every updates "
                        "(step), or by --gamma after --plateau-patience evaluations in a row no better than the best "
                        f"(plateau, as Keras' ReduceLROnPlateau) (default {d['schedule']})")
    g.add_argument("--min-lr-ratio", type=_ratio,
                   help=f"floor of cosine, linear and plateau as a fraction of --lr (default {d['min_lr_ratio']:g})")
    g.add_argument("--gamma", type=_nonneg_float, metavar="F",
                   help=f"step and plateau: multiply the learning rate by F (default {d['gamma']:g})")
    g.add_argument("--step-every", type=_positive_int, metavar="N",
                   help=f"step: lower the learning rate every N updates (default {d['step_every']})")
    g.add_argument("--plateau-patience", type=_positive_int, metavar="N",
                   help="plateau: lower the learning rate after N evaluations in a row no better than the best "
                        "(better by more than --min-delta) (default 2)")


def _add_evaluation_arguments(g: Any, d: dict[str, Any]) -> None:
    """How often a run evaluates, logs and saves, and what it keeps and stops by."""
    g.add_argument("--eval-every", type=_positive_int, help=f"evaluate every N steps (default {d['eval_every']})")
    g.add_argument("--log-every", type=_positive_int, help=f"log every N steps (default {d['log_every']})")
    g.add_argument("--save-every", type=_positive_int, metavar="N",
                   help="also save last/ every N steps (default: only by time, at evaluations and at the end)")
    g.add_argument("--save-minutes", type=_nonneg_float, metavar="M",
                   help=f"save last/ every M minutes of training, 0 = off (default {d['save_minutes']:g})")
    g.add_argument("--ema", type=_decay, metavar="DECAY",
                   help="evaluate and keep a moving average of the weights, a <- d*a + (1-d)*w after each update, "
                        f"d rising to DECAY over the first updates (Polyak averaging; 0 = off; default {d['ema']:g})")
    g.add_argument("--patience", type=_positive_int, metavar="N",
                   help="early stopping: end the run after N evaluations in a row no better than the best "
                        "(default: off, the run ends on --steps or --minutes)")
    g.add_argument("--min-delta", type=_nonneg_float, metavar="D",
                   help="with --patience or --schedule plateau: an evaluation counts as better only when it beats "
                        "the best by more than D (Keras' min_delta; OUT/best still keeps any better one; default 0)")


def _add_run_arguments(g: Any) -> None:
    """Where the settings come from, which run goes on, and what a run writes beside its model."""
    g.add_argument("--config", metavar="FILE.toml", help="read settings from a TOML file (flags win)")
    g.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR (its last/ checkpoint)")
    g.add_argument("--overwrite", action="store_true", help="start afresh even if --out holds a run")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--json", action="store_true", help="print one JSON object with the result at the end")
    g.add_argument("--report", action="store_true", help="write OUT/report.html at the end (see `rnnkit report`)")
    g.add_argument("--tensorboard", action=argparse.BooleanOptionalAction, default=None,
                   help="also write the logged scalars (losses, scores, learning rate, speed) for TensorBoard to "
                        "OUT/tensorboard/: tensorboard --logdir OUT (needs pip install 'rnnkit[tensorboard]'; "
                        "a resumed run keeps it on unless --no-tensorboard)")


def _add_range_test_arguments(parser: argparse.ArgumentParser) -> None:
    f = parser.add_argument_group("learning-rate range test")
    f.add_argument("--find-lr", action="store_true", default=None,
                   help=f"instead of training: {UPDATES} updates of this model with the learning rate raised from "
                        f"{START:g} to {END:g}, stopped once the smoothed loss passes {STOP_FACTOR:g}x its lowest; "
                        "prints the curve and a suggested --lr (where the loss falls fastest); saves no model")
    f.add_argument("--find-lr-plot", metavar="FILE",
                   help="with --find-lr: also draw the curve into this picture (.png, .svg, .pdf, .jpg ...: the "
                        "format its suffix names)")


def _add_regulariser_arguments(parser: argparse.ArgumentParser) -> None:
    r = parser.add_argument_group("regularisers of the recurrent layers (docs/PERFORMANCE.md)")
    r.add_argument("--weight-drop", type=float, metavar="P",
                   help="DropConnect on the recurrent weights, a fresh mask per batch (AWD-LSTM; default 0; "
                        "charlm: shared with the budget's dropout in stacked LSTMs)")
    r.add_argument("--recurrent-dropout", type=float, metavar="P",
                   help="dropout on h(t-1), one mask per sequence (Gal & Ghahramani; lstm, rnn_*, irnn; default 0)")
    r.add_argument("--zoneout", type=float, metavar="P",
                   help="each state unit keeps its previous value with probability P (Krueger et al.; default 0)")
    r.add_argument("--layer-norm", action="store_const", const=True,
                   help="layer-normalised LSTM (Ba et al. 2016; --cell lstm)")


def add_label_smoothing_argument(group: Any, default: float) -> None:
    """``--label-smoothing E`` of a task that writes words (translation, captioning)."""
    group.add_argument("--label-smoothing", type=float, metavar="E",
                       help="spread E of each target word's probability over the vocabulary in the training loss "
                            "(OpenNMT-py's -label_smoothing, 0.1 in its recipes; the validation loss stays the plain "
                            f"one; default {default:g})")


def add_data_arguments(parser: argparse.ArgumentParser, *, data_help: str, val_help: str, val_fraction: float,
                       split_seed: int) -> None:
    """``--data --val-data --val-fraction --split-seed`` (a held-out split when there is no validation
    file) and ``--out``: what every task reading a training file and a validation file takes."""
    d = parser.add_argument_group("data")
    d.add_argument("--data", help=data_help)
    d.add_argument("--val-data", help=val_help)
    d.add_argument("--val-fraction", type=float, help=f"held out when there is no --val-data (default {val_fraction})")
    d.add_argument("--split-seed", type=int, help=f"seed of the validation split (default {split_seed})")
    parser.add_argument("--out", help="output directory (best/, last/, metrics.jsonl, loss.png)")


def refuse_written_inputs(out: Path, reads: Iterable[tuple[str, str | Path | None]],
                          files: Iterable[str] = RUN_FILES, folders: Mapping[str, str] = RUN_FOLDERS, *,
                          resume: bool = False) -> None:
    """Refuse, in one line, a file the run reads (``reads``: each flag and its path) that the run would write
    over or remove: one of ``out``'s ``files`` (``--val-data OUT/metrics.jsonl``, by any name), or anything
    inside one of its ``folders`` (``out/best`` and ``out/last``, which every save replaces whole). A run that
    writes more (classify's ``--autotune``: ``autotune.jsonl``, ``autotune/``) names those. A fresh run is
    told to give another ``--out``; a ``resume``d one, which has no other folder, to copy the file out."""
    for flag, path in reads:
        if not isinstance(path, (str, os.PathLike)):  # None, or a wrong type the task names in its own words
            continue
        where, todo = (f"--resume {out}", f"copy it out of {out} and give the copy") if resume else \
            (f"--out {out}", "give another --out")
        for name in files:
            if same_file(out / name, path):
                raise UserError(f"{where}: its {name} is the {flag} being read; {todo}")
        for parent in Path(path).resolve().parents:  # through links, as the saves replace the folder itself
            for name, when in folders.items():
                if same_file(parent, out / name):
                    raise UserError(f"{where}: its {name}/ holds the {flag} being read ({path}), which {when}; "
                                    f"{todo}")


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a dict; a missing file or bad TOML is a one-line :class:`UserError` naming it. It is opened
    as the data files are (:func:`rnnkit.data.utf8.open_readable`): a folder and a device are refused (``/dev/zero``
    was read until memory ran out), a pipe is read (``--config <(make_config)``; a FIFO waits for its writer, as
    ``cat`` does). Its bytes are read as every text file of rnnkit's is (:func:`rnnkit.data.utf8.decode_utf8`): a
    UTF-8 byte order mark, which Windows Notepad writes, is dropped (tomllib took it for a statement: 'Invalid
    statement (at line 1, column 1)'), and a byte that is not UTF-8 is named by its line and column."""
    path = Path(path)
    try:
        with open_readable(path, "a TOML file", missing="expected a TOML config file") as fh:
            return tomllib.loads(decode_utf8(fh.read(), str(path)))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables by recursion
        raise UserError(f"{path}: arrays or tables nested too deeply; expected a TOML file of settings") from None
    except ValueError:  # tomllib's int() of a literal past Python's limit (4300 digits), not a TOMLDecodeError
        raise UserError(f"{path}: holds a number of more than {sys.get_int_max_str_digits()} digits; expected a TOML "
                        "file of settings") from None
    except OSError as exc:  # no permission, an I/O error
        raise unreadable(path, exc) from None


def config_line(path: str | Path, key: str, value: Any) -> str:
    """``PATH: key = value``, a ``--config`` file's setting as the file writes it (TOML's ``true``, not ``True``)."""
    shown = str(value).lower() if isinstance(value, bool) else repr(value)
    return f"{path}: {key} = {shown}"


def load_config_file(path: str | Path, known: set[str]) -> dict[str, Any]:
    """Read a TOML file of settings (keys with ``-`` or ``_``; the settings of a table such as ``[train]`` are read
    as if at the top, so they may be grouped). A table named as a setting is that setting's value
    (``[class_weights]`` with ``spam = 5``), not more settings. A setting given twice (``hidden`` and ``[train]``'s
    ``hidden``, or ``eval-every`` and ``eval_every``) is refused naming both places: one silently won."""
    data = read_toml(path)
    flat: dict[str, Any] = {}
    where: dict[str, str] = {}
    for key, value in data.items():
        table = isinstance(value, dict) and key.replace("-", "_") not in known
        for k2, v2 in value.items() if table else [(key, value)]:
            name, place = k2.replace("-", "_"), f"[{key}] {k2}" if table else k2
            if name in flat:
                raise UserError(f"{path}: {place} sets {name} again (also given as {where[name]}); give each setting "
                                "once")
            flat[name], where[name] = v2, place
    unknown = sorted(set(flat) - known)
    if unknown:
        raise UserError(f"{path}: unknown setting {unknown[0]!r}; expected one of {', '.join(sorted(known))}")
    for key, names in CONFIG_PATHS.items():  # no dataclass field checks them: `out = 5` was a TypeError
        if key in flat and not isinstance(flat[key], str):
            raise UserError(f"{config_line(path, key, flat[key])}: expected a path (a string)")
        if key in flat and flat[key] and not flat[key].strip():  # `data = " "` was said as --data's, not the file's
            raise UserError(f"{config_line(path, key, flat[key])}: an empty name; expected {names}")
    return flat


#: the settings of a --config file that are paths, not fields of a task's config: a string each, and what it names
CONFIG_PATHS = {"data": "the data to read", "val_data": VALIDATION_DATA,
                "out": "the folder to write the model to"}


def resolve_settings(
    args: argparse.Namespace, defaults: dict[str, Any], saved: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Merge flag > ``--config`` TOML > ``saved`` (a resumed run) > ``defaults`` for every default key; the file's
    ``val_data``, for a task that takes ``--val-data``, becomes ``args.val_data`` where the flag is not given.

    A fresh run given ``--minutes`` but no ``--steps`` gets ``steps=None``: the clock alone ends it.
    """
    defaults = {**TRAINER_DEFAULTS, **defaults}
    known = {*defaults, "val_data"} if hasattr(args, "val_data") else set(defaults)  # a task with --val-data
    toml = load_config_file(args.config, known) if getattr(args, "config", None) else {}
    if toml.get("val_data") and args.val_data is None:  # the flag wins; "" is a template's empty slot
        args.val_data = toml["val_data"]
    out: dict[str, Any] = {}
    explicit: set[str] = set()
    for name, default in defaults.items():
        value = getattr(args, name, None)
        if value is not None or name in toml:
            explicit.add(name)
        if value is None:
            value = toml.get(name, default if name in NOT_INHERITED else (saved or {}).get(name, default))
            if name in toml:
                args.from_config = {*getattr(args, "from_config", ()), name}  # a bad value names the file
        out[name] = value
    if "minutes" in explicit and "steps" not in explicit and saved is None:
        out["steps"] = None  # `--minutes M` alone: the clock decides, not the default step count
    if saved is not None:  # a resumed run that leaves the plateau schedule: its --plateau-patience was refused
        for name, (applies, _) in ONLY_WITH.items():
            if name in out and name not in explicit and not applies(out):
                out[name] = defaults[name]
    refuse_given_without_use({**out, "val_data": getattr(args, "val_data", None)},
                             explicit | ({"report"} if getattr(args, "report", False) else set()))
    return out


def refuse_given_without_use(settings: Mapping[str, Any], given: Iterable[str]) -> None:
    """Refuse a setting of ``given`` that :data:`GIVEN_ONLY_WITH` says the others of ``settings`` leave unused (the
    command line's flags and ``--config`` keys, :func:`resolve_settings`; ``rnnkit.fit``'s keywords); with
    ``find_lr``, warn of those the range test does not read (:data:`NOT_FOR_FIND_LR`)."""
    for name in sorted(set(given) & GIVEN_ONLY_WITH.keys()):
        applies, without = GIVEN_ONLY_WITH[name]
        if not applies(settings):
            raise SettingError(name, settings[name], without.format(**settings, validation=_validation(settings)))
    if settings.get("find_lr"):
        _warn_unused_by_range_test(settings, given)
    if settings.get("val_fraction") == 0 and "keep_by" not in settings and not _validation_given(settings):
        _warn_unused_without_validation(settings, given)


def _validation_given(settings: Mapping[str, Any]) -> bool:
    """Whether a run's validation data is its own, so no part of ``--data`` is split off: ``--val-data``, or the
    ``val/`` of a corpus folder (:func:`rnnkit.data.split.validation_folder`)."""
    return bool(settings.get("val_data")) or validation_folder(settings.get("data")) is not None


def _validation(settings: Mapping[str, Any]) -> str:
    """What a run's validation data is, where no part of ``--data`` is split off for it."""
    if settings.get("val_data"):
        return f"--val-data {settings['val_data']} is the validation data"
    if (folder := validation_folder(settings.get("data"))) is not None:
        return f"{folder} is the validation data (a corpus folder's val/, beside its train/)"
    return "--val-fraction 0 holds none out"


def _warn_unused_by_range_test(settings: Mapping[str, Any], given: Iterable[str]) -> None:
    """Warn that the settings of ``given`` that :data:`NOT_FOR_FIND_LR` names (and ``report``, the command line's
    ``--report``), given with ``--find-lr``, go unused: the range test trains no model to keep. A warning, not a
    refusal: the README's way is to add --find-lr to a training command (``--no-tensorboard``, off, is not
    named)."""
    _warn_not_used(f"--find-lr runs a learning-rate range test ({UPDATES} updates at rates of its own) and keeps no "
                   "model", [name for name in (*NOT_FOR_FIND_LR, "report")
                             if name in given and settings.get(name, True) not in (False, None)])


def _warn_unused_without_validation(settings: Mapping[str, Any], given: Iterable[str]) -> None:
    """Warn that the settings of ``given`` that :data:`NOT_WITHOUT_VALIDATION` names go unused in a run that holds
    no validation data out (``--val-fraction 0``): it evaluates nothing. A warning, not a refusal: the flags are
    harmless leftovers of a command that once had validation data."""
    _warn_not_used("--val-fraction 0 holds no validation data out, so the run evaluates nothing",
                   [name for name, off in NOT_WITHOUT_VALIDATION.items()
                    if name in given and name in settings and settings[name] != off])


def _warn_not_used(why: str, names: list[str]) -> None:
    """Warn, after ``why``, that the settings ``names`` (said as their flags) are not used; nothing if none is."""
    if names:
        flags = [f"--{name.replace('_', '-')}" for name in names]
        with report_warnings():
            warn(f"{why}: {listed(flags)} {'is' if len(flags) == 1 else 'are'} not used")


def train_config_from(settings: dict[str, Any], **extra: Any) -> TrainConfig:
    """A :class:`TrainConfig` from resolved settings (unknown keys are ignored)."""
    values = {**settings, **extra}
    if values.get("clip") == 0:
        values["clip"] = None
    return TrainConfig.from_dict(values)


def start_run(config: T, out: str | Path, task: str, frozen: tuple[str, ...], *, resume: bool,
              overwrite: bool, data: str | Path | None = None, val_data: str | Path | None = None,
              reads: Iterable[tuple[str, str | Path | None]] = ()) -> tuple[Checkpoint | None, T]:
    """How every task's ``train`` begins: for a fresh run, ``out`` must be free (or ``overwrite``) and the
    checkpoint is None; for ``resume``, the run's ``last/`` checkpoint (of this ``task``) and ``config``
    with the ``frozen`` settings (the model's shape, the data) taken from the saved run. The ``data`` and
    ``val_data`` given, and the task's other files ``reads`` (each flag and its path: ``--pretrain-data``),
    must not be what the run writes (:func:`refuse_written_inputs`). A blank ``data`` (``--data ' '``) is refused
    as an empty name, as the verbs' ``--data`` is (it read as a file named blank: ``" : no such file"``); an empty
    one is data not given, which the task says (``--data FILE is required``) or a resumed run takes its own for."""
    out = Path(out)
    if data:
        refuse_empty_name(data, CONFIG_PATHS["data"], "--data")
    if getattr(config, "find_lr", False) and (resume or overwrite):  # it writes nothing, nor removes a run
        raise UserError(f"--find-lr tests learning rates on a fresh model and saves nothing; drop "
                        f"{'--resume' if resume else '--overwrite'} (and give an --out that holds no run)")
    refuse_written_inputs(out, (("--data", data), ("--val-data", val_data), *reads), resume=resume)
    if not resume:
        check_out_dir(out, overwrite=overwrite)
        return None, config
    ckpt = load_checkpoint(out, prefer="last")
    if ckpt.config.get("task") != task:
        raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} run, not a {task!r} run")
    saved = ckpt.config.get("settings") or {}
    values = settings_of(config)
    values.update({k: saved[k] for k in frozen if k in saved})
    _warn_other_batches(saved, values, ckpt.trainer_state.get("processes"))
    return ckpt, config_from(type(config), values)


def _warn_other_batches(saved: Mapping[str, Any], values: Mapping[str, Any], processes: Any) -> None:
    """Warn, once, where a resumed run is given another ``batch_size`` or ``accumulate`` than the run's own
    (``saved``; ``processes``, the count the run was trained by): from there on its batches are drawn and its updates
    made of another size, so it no longer is the run an unbroken one would be. A warning, not a refusal, as Hugging
    Face's Trainer warns of another per-device batch size at a resume (Keras and Lightning take it without a word):
    resuming on a smaller machine with half the batch and ``--accumulate 2`` is a way on. Said as the Trainer says a
    new budget (``resumed with --steps 795 (the run had --steps 1000): ...``). A kept setting (charlm's
    ``batch_size``, the layout of its streams) is refused before; a run of other processes whose ``processes x
    accumulate`` is the run's makes the same updates, and one whose is not is refused by the Trainer, whose refusal
    alone then says why (the warning came first, of a run that did not go on)."""
    world = distributed.ranks().world_size
    if _refused_count(saved, values, processes, world):
        return
    same_processes = processes in (None, world)
    changed = [key for key in ("batch_size", "accumulate") if key in saved and key in values
               and saved[key] != values[key] and (key != "accumulate" or same_processes)]
    if not changed:
        return
    given, had = (" ".join(f"--{key.replace('_', '-')} {side[key]}" for key in changed) for side in (values, saved))
    with report_warnings():
        warn(f"resumed with {given} (the run had {had}): from here its updates are made of other batches than the "
             f"unbroken run's, so it goes on as another run (resume with {had} to go on as the same one)")


def _refused_count(saved: Mapping[str, Any], values: Mapping[str, Any], processes: Any, world: int) -> bool:
    """Whether the Trainer will refuse to resume a run of ``processes`` by ``world`` processes
    (:func:`rnnkit.train.distributed.same_batches`; a count damaged by hand is the Trainer's to name)."""
    counts = (processes, saved.get("accumulate", 1), values.get("accumulate", 1))
    if processes in (None, world) or not all(type(n) is int and n > 0 for n in counts):
        return False
    return not distributed.same_batches(processes, counts[1], world, counts[2])
