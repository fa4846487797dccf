"""rnnkit: recurrent neural networks on PyTorch.

``rnnkit.Recurrent`` runs every classic recurrent family (Elman tanh/ReLU, IRNN, LSTM, GRU, Clockwork)
with torch.nn.LSTM's call contract; ``rnnkit.Hopfield`` is the associative memory that came before them.
``rnnkit.fit(TASK, data=..., out=..., **settings)`` trains a task's model (each task module also has
``train(config, data, out)`` taking its config dataclass) and ``rnnkit.load(DIR)``
returns the trained model as the task's object (``CharLM``, ``TextClassifier``, ``Tagger`` ...); the
command line ``rnnkit`` is a thin wrapper over both.
"""

from __future__ import annotations

import importlib
import os
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# MKL chooses its code path by the data's alignment unless told not to, so one run could round differently
# in another process: on AVX2 CPUs a resumed GRU or Elman run did not end bit-identical to an unbroken one.
# Its conditional numerical reproducibility mode fixes the path (no cost measured: docs/RELIABILITY.md). It is
# read at MKL's first call, so it is set before torch computes anything; a value the user set is kept.
os.environ.setdefault("MKL_CBWR", "AUTO")

if TYPE_CHECKING:
    from rnnkit.hopfield import Hopfield
    from rnnkit.recurrent import GRU, LSTM, RNN, Recurrent, detach_state

__all__ = ["GRU", "LSTM", "RNN", "Hopfield", "Recurrent", "__version__", "detach_state", "fit", "load"]

#: where the classes above live: imported on first use, so that ``import rnnkit.cli`` imports no torch and
#: the command line handles a Ctrl-C during its first seconds (``import torch``) like one later on
_LAZY = {"Hopfield": "rnnkit.hopfield", **dict.fromkeys(("GRU", "LSTM", "RNN", "Recurrent", "detach_state"),
                                                        "rnnkit.recurrent")}


def __getattr__(name: str) -> Any:
    """``rnnkit.LSTM`` and the rest of ``__all__``, and the submodules (``rnnkit.cells``), when first used."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if not name.startswith("__"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names and the submodules imported so far (not ``os``, ``Path`` ... that this file uses)."""
    loaded = {name for name, value in globals().items()
              if isinstance(value, types.ModuleType) and value.__name__.startswith(f"{__name__}.")}
    return sorted({*__all__, *_LAZY, *loaded, *(n for n in globals() if n.startswith("__"))})


def load(path: str | Path) -> Any:
    """The trained model in ``path`` as its task's Python object, its network in eval mode.

    ``path`` is a run's ``OUT`` (its kept model, ``OUT/best``; ``OUT/last`` where a run stopped before its first
    evaluation) or a checkpoint folder itself (``OUT/last``). What each task's run gives:
    ``CharLM`` (charlm: ``sample``, ``stream``, ``score``), ``TextClassifier`` (classify: ``predict``,
    ``explain``, ``evaluate``, ``export``), ``SequenceTagger`` (tag: ``predict``, ``evaluate``, ``export``),
    ``Translator`` (seq2seq: ``translate``, ``score``, ``evaluate``), ``ImageCaptioner`` (caption: ``caption``,
    ``evaluate``) and ``Transcriber`` (speech: ``transcribe``, ``evaluate``); its ``repr`` names the folder read.
    The object holds its weights: a later ``rnnkit.fit(..., overwrite=True)`` into the same ``OUT`` does not
    change it (load again for the new model). A folder that holds no model, or holds a damaged one, is a
    :class:`rnnkit.errors.UserError` in one line; torch's and Python's random generators, and torch's default
    dtype, are left as they were (the model is float32, as it was trained).
    """
    import torch

    from rnnkit.errors import check_path, speaking_python
    from rnnkit.tasks import load as load_task_object
    from rnnkit.train.trainer import random_state_kept

    check_path("load", path, "a model directory (a str or a path)")
    # building the model draws initial weights that its checkpoint then replaces: not from the caller's generator
    # (and in fp32 whatever the caller's default dtype: rnnkit.train.building.build_model); not as inference
    # tensors under the caller's inference_mode (dynamic evaluation trains them); errors say "written by
    # rnnkit.fit", not "by `rnnkit train`"
    with speaking_python(dict), random_state_kept(), torch.inference_mode(False):
        return load_task_object(path)


def fit(task: str, data: str | None = None, out: str | Path = "runs/model", *, config: Any = None,
          val_data: str | None = None, resume: bool = False, overwrite: bool = False,
          progress: bool | None = None, verbose: bool = True, **settings: Any) -> Any:
    """Train ``task`` (``"charlm"``, ``"classify"``, ``"tag"`` ...) on ``data`` into ``out``.

    Settings are the task's config fields as keywords (``minutes=1.5``, ``hidden=256``); or pass a whole
    ``config`` (the task's dataclass). Returns the :class:`rnnkit.train.TrainResult` (classify's a
    ``ClassifyResult``, with its search's ``autotune``): ``stopped`` (``"steps"``, ``"minutes"``,
    ``"interrupted"`` ...), ``best_metric`` and ``best_eval``, ``steps``, ``seconds``, ``out_dir`` (``out`` as an
    absolute path, right also after a notebook's ``%cd``) and ``model_dir()`` (``OUT/best``); ``rnnkit.load(out)``
    gives the model. With ``find_lr=True`` nothing is trained to keep, and it
    returns the learning-rate range test's :class:`rnnkit.train.lr_find.LearningRateCurve` (``.suggestion``,
    ``.plot(path)``).

    An ``out`` that holds a run already is refused: ``overwrite=True`` starts afresh there, ``resume=True``
    goes on from its ``OUT/last``. Ctrl-C (a notebook's interrupt) during training stops the run after its
    step and saves it, and the call returns with ``stopped="interrupted"`` (go on with ``resume=True``); a
    second Ctrl-C raises :class:`KeyboardInterrupt`. A :class:`rnnkit.errors.UserError` (a setting out of
    range is its :class:`~rnnkit.errors.SettingError`) says in one line what is wrong, naming these keywords
    (``memory=False``, ``resume=True``) where ``rnnkit train`` names its flags; a keyword that is no setting of
    the task is a :class:`TypeError`, as Python's own calls say it. The run is seeded by its ``seed`` setting;
    the caller's random generators (torch's, Python's, NumPy's: :func:`rnnkit.train.trainer.random_state_kept`),
    torch's thread count and the signal handlers are left as they were, and the model is float32 (or what
    ``precision`` says) whatever torch's default dtype is, and trained with autograd on whatever the caller's
    grad mode (``torch.no_grad()``, ``torch.set_grad_enabled(False)``, ``inference_mode``).
    """
    import inspect

    import torch

    from rnnkit.device import float32_by_default
    from rnnkit.errors import speaking_python, speaks
    from rnnkit.tasks import get_task, keywords
    from rnnkit.train.lr_find import LearningRateFound
    from rnnkit.train.options import refuse_given_without_use
    from rnnkit.train.trainer import TrainResult, random_state_kept

    spec = get_task(task)
    for name, value in (("data", data), ("val_data", val_data)):
        _check_data_file(task, spec.config, name, value)
    options: dict[str, Any] = _check_fit_arguments(data=data, val_data=val_data, out=out, resume=resume,
                                                   overwrite=overwrite, progress=progress, verbose=verbose)
    options["verbose"] = options["verbose"] and speaks()  # under torchrun rank 0 alone, as `rnnkit train` says them
    # the folder after --resume is out: `--resume OUT` reads resume=True
    with speaking_python(lambda: keywords(task, fit), {"resume": {os.fspath(out), str(Path(out))}}):
        given = {*settings, *(config if isinstance(config, dict) else _set_fields(config, spec.config))}
        config = _task_config(task, spec.config, config, settings)
        if resume:
            config = _resumed_config(spec, out, config, given)
        else:  # a resumed run is checked in _resumed_config, as `rnnkit train --resume` is
            refuse_given_without_use({**vars(config), "data": data, "val_data": val_data}, given)
        if val_data is not None:
            if "val_data" not in inspect.signature(spec.train).parameters:
                raise TypeError(f"{task}: takes no val_data (its validation text is split from the data; see "
                                f"its val_fraction setting)")
            options["val_data"] = os.fspath(val_data)
        # the run is seeded by its `seed`; the caller's random draws go on as before; fp32 whatever the caller's
        # default dtype (its `precision` says the rest); autograd on, also in a notebook that turned it off
        # (torch.set_grad_enabled(False) in an earlier cell: "element 0 of tensors does not require grad")
        with random_state_kept(), float32_by_default(), torch.inference_mode(False), torch.enable_grad():
            try:
                result = spec.train(config, None if data is None else os.fspath(data), out, **options)
            except LearningRateFound as found:  # find_lr=True: the range test's curve, no model
                return found.curve
    if isinstance(result, TrainResult) and result.out_dir is not None:  # it outlives the working directory (%cd)
        result.out_dir = Path(os.path.abspath(result.out_dir))
    return result


def _set_fields(config: Any, cls: type) -> set[str]:
    """The fields a config instance (``config=ClassifyConfig(hidden=16)``) sets to other than ``cls``'s defaults:
    what it gives, as a dict's keys are (none for None or another object)."""
    import dataclasses

    if not (dataclasses.is_dataclass(config) and isinstance(config, cls)):
        return set()
    default = cls()
    return {f.name for f in dataclasses.fields(config) if getattr(config, f.name) != getattr(default, f.name)}


def _resumed_config(spec: Any, out: str | Path, config: Any, names: set[str]) -> Any:
    """The config ``fit(resume=True, ...)`` continues the run in ``out`` with, as ``rnnkit train --resume``
    settles it (:func:`rnnkit.train.options.resolve_settings`): each setting of ``config`` whose name is in
    ``names`` (those given), else the run's saved one (in ``last/``, the checkpoint it resumes), else the
    default. A kept setting given another value than the run's (``hidden=16`` for a run of 8) is refused as the
    flag is (:func:`rnnkit.cli.refuse_changed_kept`). Both were taken silently: the run kept its 8, and a charlm
    run of ``lr=0.001`` went on at the default 0.006. A run not there, or another task's, is left to the task
    to refuse."""
    import argparse

    from rnnkit.cli import refuse_changed_kept
    from rnnkit.errors import UserError
    from rnnkit.train.checkpoint import read_config, run_folder
    from rnnkit.train.options import config_from, resolve_settings, settings_of

    try:
        run = read_config(run_folder(out), prefer="last")[0]  # the checkpoint it resumes
    except UserError:
        return config
    saved = run.get("settings")
    if not (isinstance(saved, dict) and run.get("task") == spec.name):  # another task's run: the task refuses it
        return config
    given = {name: getattr(config, name) for name in names}
    refuse_changed_kept(spec, given, saved)
    return config_from(spec.config, resolve_settings(argparse.Namespace(**given), settings_of(spec.config()), saved))


def _check_data_file(task: str, cls: type, name: str, value: object) -> None:
    """A TypeError when :func:`fit`'s ``data`` or ``val_data`` is data in memory (a pandas table or column, a
    list, an array) where it takes a file's name, saying how to give one: ``data=df`` was "fit: data takes a str
    or a path, not DataFrame" with no word of what to do. A task that reads tables (its config has
    ``text_column`` and ``label_column``) is told how to write one and name its columns. Anything else that is
    no path (a number) is left to :func:`_check_fit_arguments`."""
    from collections.abc import Iterable

    if isinstance(value, (str, bytes, os.PathLike)) or not isinstance(value, Iterable):
        return
    file = "train.csv" if name == "data" else "val.csv"
    if hasattr(cls, "text_column") and hasattr(cls, "label_column"):
        how = (f"a pandas table: df.to_csv('{file}', index=False), then fit(..., {name}='{file}', "
               "text_column=..., label_column=...) naming its columns")
    else:
        how = f"in a format that `rnnkit train {task} --help` names"
    raise TypeError(f"fit: {name} takes a str or a path, not {type(value).__name__}: rnnkit trains from files; "
                    f"write the data to one first ({how})")


def _check_fit_arguments(**arguments: Any) -> dict[str, bool | None]:
    """:func:`fit`'s flags (``resume``, ``overwrite``, ``progress``, ``verbose``) as Python's bools; else a
    TypeError naming the first of its own arguments of the wrong kind: ``data``, ``val_data`` or ``out`` that
    is no path (``out=None`` was pathlib's "expected str, bytes or os.PathLike object" from inside the task), a
    flag that is no bool (``overwrite="no"`` overwrote the run, ``progress="no"`` drew the bar:
    :func:`~rnnkit.errors.check_flag`); then a UserError for an empty ``out``."""
    from rnnkit.errors import UserError, check_flag, check_path

    flags: dict[str, bool | None] = {}
    for name, value in arguments.items():
        if name in ("resume", "overwrite", "progress", "verbose"):
            flags[name] = check_flag(f"fit: {name}", value, none=name == "progress")  # progress=None: if a tty
        elif value is not None or name == "out":
            check_path(f"fit: {name}", value)
    # '' wrote the run into the working folder and ' ' into a folder named ' ': the command line refuses both
    if not os.fspath(arguments["out"]).strip():
        raise UserError("fit: out is an empty name; give the folder to write the model to (out='.' for this one)")
    return flags


def _plain_setting(value: Any) -> Any:
    """A setting as a checkpoint's JSON stores it: a path as its str, numpy's numbers and bools as Python's
    (``bidirectional=np.True_`` was refused as "expected true or false"), also as the values of a dict
    (``class_weights={"spam": np.float32(5)}``)."""
    from rnnkit.errors import is_numpy_bool
    from rnnkit.train.options import plain_number

    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if is_numpy_bool(value):
        return bool(value)
    if isinstance(value, dict):
        return {key: plain_number(item) for key, item in value.items()}
    return plain_number(value)


def _task_config(task: str, cls: type, config: Any, settings: dict[str, Any]) -> Any:
    """The task's config (of dataclass ``cls``) that :func:`fit` trains with: ``config`` (an instance, a dict
    of settings or None: the defaults) with ``settings`` replacing its fields; numpy numbers become Python's
    (``hidden=np.int64(16)`` was refused as "expected an integer"), in ``config``'s own fields too; a path
    (``pretrain_data=Path(...)``) becomes its str, as ``data`` and ``out`` take either."""
    import dataclasses
    import difflib

    from rnnkit.train.options import config_from, settings_of

    if isinstance(config, dict):  # the settings as a mapping: the same as keywords
        settings, config = {**config, **settings}, None
    if config is not None and not isinstance(config, cls):
        raise TypeError(f"{task}: config must be a {cls.__name__} (or a dict of its settings), "
                        f"not {type(config).__name__}")
    known = settings_of(cls())
    unknown = sorted(set(settings) - set(known))
    if unknown:  # the nearest name too: a keyword was all a typo had to go on
        near = difflib.get_close_matches(unknown[0], known, n=1)
        raise TypeError(f"{task}: unknown setting {unknown[0]!r}" + (f"; did you mean {near[0]!r}?" if near else ""))
    values = {name: _plain_setting(value) for name, value in {**settings_of(config or cls()), **settings}.items()}
    if "minutes" in settings and "steps" not in settings and config is None:
        values["steps"] = None  # a time budget alone: the clock ends the run (a config's own steps stay)
    # keywords beside a config replace its fields, as they would replace the defaults
    return config_from(cls, values) if config is None else dataclasses.replace(config, **values)
