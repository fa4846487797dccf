"""The task registry: every job rnnkit does is one module in this package that registers itself.

What a user gets: ``rnnkit train NAME``, ``rnnkit VERB DIR`` (the verbs a trained model answers),
``rnnkit data NAME`` and the other commands all come from here, and so does ``rnnkit.load(DIR)``. A task
module declares, at import:

- a :class:`Task`: its name, its config dataclass (typed fields with defaults; subclass
  :class:`rnnkit.train.options.TrainSettings`), ``train(config, data, out, ...)`` (through the one
  :class:`rnnkit.train.Trainer`), ``load(checkpoint)`` returning its Python object, the flags of
  ``rnnkit train NAME`` and the :class:`Verb` s its models answer (``sample``, ``predict`` ...);
- or a :class:`Command` (``rnnkit demo``, ``rnnkit experiment`` ...: verbs that are not about a trained
  model), or a :class:`Generator` (``rnnkit data NAME --out DIR``: a built-in corpus).

Every module of this package is imported by :func:`discover`, so a new task is one new file here and
no other file changes. A checkpoint's ``config.json`` names its task; :func:`task_of` reads it.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import importlib
import inspect
import pkgutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnkit.errors import UserError, speaking_python

__all__ = ["COMMANDS", "GENERATORS", "TASKS", "Command", "Generator", "Task", "Verb", "discover", "get_task",
           "keywords", "load", "loss_unit", "register", "speaks_python", "task_of", "verb_hint"]

AddArguments = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Verb:
    """A verb that a trained model answers: ``rnnkit NAME DIR [flags]`` runs ``run(model_object, args)``,
    a thin wrapper over a method of the task's Python object."""

    name: str
    help: str
    add_arguments: AddArguments
    run: Callable[[Any, argparse.Namespace], int | None]


@dataclass(frozen=True)
class Task:
    """A trainable job: ``rnnkit train NAME`` and the verbs of the models it writes.

    ``train(config, data, out, *, val_data=None, resume=False, overwrite=False, progress=None,
    verbose=True)`` trains and returns a :class:`rnnkit.train.TrainResult`; ``report(result, as_json)``
    prints it for the CLI; ``load(checkpoint)`` returns the task's Python object. ``frozen`` names the
    settings a resumed run must keep (the model's shape, the data).
    """

    name: str
    help: str
    config: type
    train: Callable[..., Any]
    load: Callable[[Any], Any]
    add_arguments: AddArguments
    report: Callable[[Any, bool], None]
    verbs: tuple[Verb, ...] = ()
    description: str = ""
    frozen: tuple[str, ...] = ()
    #: what one value of the loss is a mean over, in nats (``"char"``: ``rnnkit info`` and ``report`` say the best
    #: loss as ``1.2345 nats/char``, as the closing line does), or that from the run's ``config.json`` (a
    #: multi-label classifier's is a label's); "": said without a unit
    loss_unit: str | Callable[[dict[str, Any]], str] = ""

    def verb(self, name: str) -> Verb | None:
        return next((v for v in self.verbs if v.name == name), None)


@dataclass(frozen=True)
class Command:
    """A top-level verb that is not about a trained model (``demo``, ``experiment``, ``diagnose``)."""

    name: str
    help: str
    add_arguments: AddArguments
    run: Callable[[argparse.Namespace], int | None]
    description: str = ""


@dataclass(frozen=True)
class Generator:
    """A built-in data set: ``rnnkit data NAME --out DIR [--seed S] [flags]`` writes it as files."""

    name: str
    help: str
    add_arguments: AddArguments
    run: Callable[[argparse.Namespace], int | None]


TASKS: dict[str, Task] = {}
COMMANDS: dict[str, Command] = {}
GENERATORS: dict[str, Generator] = {}
_discovered = False
#: held while :func:`discover` imports: another thread's first call waits for every task, not the ones so far
_discovering = threading.RLock()


def register(item: Task | Command | Generator) -> Task | Command | Generator:
    """Add a task, command or generator (a later one of the same name replaces the earlier)."""
    table: dict[str, Any] = TASKS if isinstance(item, Task) else COMMANDS if isinstance(item, Command) else GENERATORS
    table[item.name] = item
    return item


def discover() -> None:
    """Import every module of this package once, so that each registers what it brings. Should an import fail
    or be interrupted (a Ctrl-C in a notebook's first ``rnnkit.fit``, while torch is imported), the next call
    imports the rest: it was done for good, and every later call said ``unknown task 'tag'`` of a task whose
    module had not been reached."""
    global _discovered
    with _discovering:  # reentrant: a module imported here that calls discover() goes on with its own import
        if _discovered:
            return
        _discovered = True
        try:
            for info in pkgutil.iter_modules(__path__):
                if not info.name.startswith("_"):
                    importlib.import_module(f"{__name__}.{info.name}")
        except BaseException:
            _discovered = False
            raise


def loss_unit(config: dict[str, Any], metric: object) -> str:
    """`` nats/UNIT`` after a run's best ``metric`` when it is the loss and the task of its ``config`` (``config.json``)
    names its unit (:attr:`Task.loss_unit`); "" otherwise (a score, an unknown task, a task that names none)."""
    if metric != "loss":
        return ""
    discover()
    task = TASKS.get(config.get("task")) if isinstance(config.get("task"), str) else None
    unit = "" if task is None else task.loss_unit(config) if callable(task.loss_unit) else task.loss_unit
    return f" nats/{unit}" if unit else ""


def get_task(name: str, where: str = "") -> Task:
    """The registered task ``name``; an unknown name is a :class:`UserError` (naming ``where`` it came from)."""
    discover()
    if name not in TASKS:
        prefix = f"{where}: " if where else ""
        raise UserError(f"{prefix}unknown task {name!r}; rnnkit knows: {', '.join(sorted(TASKS))}"
                        f"{verb_hint(name)}")
    return TASKS[name]


def verb_hint(name: str, command: str = "") -> str:
    """Where ``name`` is no task but what the models of one task do (``translate``: seq2seq's, ``transcribe``:
    speech's), the words that name that task, ``command`` before it (``rnnkit train``); "" for any other name. The
    guess ``rnnkit train translate`` was refused with the list of tasks alone."""
    discover()
    tasks = [task.name for task in TASKS.values() if task.verb(name) is not None]
    if name in TASKS or len(tasks) != 1:
        return ""
    named = f"`{command} {tasks[0]}` trains one" if command else f"the task is {tasks[0]!r}"
    return f"; {name!r} is what a trained {tasks[0]} model does: {named}"


def task_of(path: str | Path) -> Task:
    """The task that wrote the model directory ``path`` (read from its ``config.json`` alone)."""
    from rnnkit.train.checkpoint import read_config

    config, where = read_config(path)
    name = config.get("task")
    if not isinstance(name, str):
        raise UserError(f"{where}: no \"task\" field; expected a model directory written by `rnnkit train`")
    return get_task(name, str(where))


def load(path: str | Path) -> Any:
    """The task's Python object for the model in ``path`` (``OUT`` or ``OUT/best``): for example a
    :class:`rnnkit.tasks.charlm.CharLM` with ``.sample()`` and ``.score()``. The object keeps the checkpoint
    (its config, its files' names), not a second copy of the weights its network holds."""
    from rnnkit.train.checkpoint import load_checkpoint

    task = task_of(path)
    ckpt = load_checkpoint(path)
    loaded = task.load(ckpt)
    ckpt.release_model_state()
    return loaded


def keywords(task: str | None, *functions: Callable[..., Any]) -> dict[str, bool]:
    """The keywords a Python user of ``task`` writes, each with whether it takes a bool (its annotation says
    ``bool``): the fields of the task's config (``hidden``, ``memory``), the parameters of its ``train``
    (``data``, ``out``, ``resume`` ...) and those of ``functions`` (a method's own), which win; the words
    :func:`rnnkit.errors.python_words` says the command line's flags in."""
    discover()
    found: dict[str, bool] = {}
    spec = TASKS.get(task) if task else None
    if spec is not None:
        found.update({f.name: _is_bool(f.type) for f in dataclasses.fields(spec.config)})
    for function in ((spec.train,) if spec is not None else ()) + functions:
        for p in inspect.signature(function).parameters.values():
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("self", "config"):
                found[p.name] = _is_bool(p.annotation)
    return found


def _is_bool(annotation: object) -> bool:
    """Whether ``annotation`` (``"bool"``, ``"bool | None"``, ``bool``; a string under postponed annotations)
    is a bool's."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    return "bool" in {part.strip() for part in text.split("|")}


def speaks_python(cls: type | None = None, /, **renamed: str) -> Any:
    """Class decorator of a loaded model (what :func:`load` returns): each public method of ``cls`` is a call
    of the Python API, whose :class:`UserError` speaks its keywords (``train=FILE``, not ``--train FILE``;
    see :func:`rnnkit.errors.speaking_python`), those of the method and of the model's task (read from its
    checkpoint); ``renamed`` gives the keyword of a verb's flag named otherwise
    (``@speaks_python(dynamic_method="method")``). Called by the command line, a method keeps its words."""
    if cls is None:
        return functools.partial(speaks_python, **renamed)
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(member):
            setattr(cls, name, _speaking_python(member, renamed))
    return cls


def _speaking_python(method: Callable[..., Any], renamed: dict[str, str]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        config = getattr(getattr(self, "checkpoint", None), "config", None)
        task = config.get("task") if isinstance(config, dict) else None
        with speaking_python(lambda: {**keywords(task if isinstance(task, str) else None, method), **renamed}):
            return method(self, *args, **kwargs)

    return call
