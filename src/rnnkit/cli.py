"""`rnnkit ...`: the command line. Thin: it parses, then calls the Python API of the task that owns the verb.

Everything it offers comes from the registry of :mod:`rnnkit.tasks`:

- ``rnnkit train TASK [flags]``: the task's flags plus the trainer's; settings are resolved as flag >
  ``--config FILE.toml`` > the resumed run's > the task's defaults, then ``task.train(config, data, out)``;
- ``rnnkit VERB DIR [flags]`` (``sample``, ``score``, ``predict``, ``evaluate``, ``export`` ...): the task
  is read from ``DIR``'s ``config.json``, then its verb parses the rest of the line and runs on
  ``task.load(DIR)`` (every verb takes ``--threads N``); a verb the task does not answer is refused in one
  line. DIR is the first word that is neither a flag nor a flag's value, so flags may come before it too;
  flags, and prefixes of flags, are read as the task of DIR reads them (``evaluate --b`` is a
  classifier's ``--baseline``); a flag of ``rnnkit train TASK`` that the verb does not read
  (``transcribe --spec-augment``, ``evaluate --steps``) is refused in one line saying it is a training setting,
  and any other flag the verb does not read in one line naming it;
- ``rnnkit data NAME --out DIR``: a built-in corpus; and the commands (``demo``, ``info``, ``experiment``,
  ``diagnose``).

Errors a user can fix (:class:`rnnkit.errors.UserError`) print one line and exit 2; a bad setting is
reported with its flag; so is a flag that ``rnnkit train TASK``, ``rnnkit data NAME`` or a command does not read.
argparse's usage errors exit 2 too, as one line (without the usage); under torchrun rank 0 prints them (another rank
only an error that outlives rank 0's, see :func:`_say_error`). Memory
that runs out (a model or batch too big for the machine) is one line naming the size, exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

from rnnkit import __version__
from rnnkit.errors import (
    SettingError,
    UserError,
    check_count,
    command_line,
    flag_as_given,
    out_of_memory,
    refuse_empty_name,
)
from rnnkit.errors import speaks as _speaks  # cli's own names of old (tests/test_fixi_torchrun_env.py)
from rnnkit.errors import world_size as _world_size
from rnnkit.files import blocked_line, file_in_the_way, output_name
from rnnkit.plots import drawing_format
from rnnkit.tasks import COMMANDS, GENERATORS, TASKS, Task, discover, task_of, verb_hint
from rnnkit.wording import listed


def model_verbs() -> dict[str, list[Task]]:
    """Each verb a trained model answers, with the tasks that answer it."""
    discover()
    verbs: dict[str, list[Task]] = {}
    for task in TASKS.values():
        for verb in task.verbs:
            verbs.setdefault(verb.name, []).append(task)
    return verbs


#: what a verb that several tasks answer does, in general (each task's own help is under DIR -h)
SHARED_VERBS = {"evaluate": "score a trained model on held-out data", "predict": "labels from a trained model",
                "score": "log-probability and perplexity of texts, or of given translations"}
#: verbs that run a trained model on the CPU whatever the machine has, and so take no --device
CPU_VERBS = frozenset({"export"})


#: a word that is a flag's value though it begins with '-' (see :class:`Parser`)
NEGATIVE_NUMBER = re.compile(r"-\.?\d|-(inf|infinity|nan)$", re.IGNORECASE)
#: argparse's words for a flag given no value (the next word is a flag, or there is none)
MISSING_VALUE = re.compile(r"argument (\S+): expected (?:one|at least one) argument$")
#: argparse's words for a task `rnnkit train` has not got
UNKNOWN_TASK = re.compile(r"argument TASK: invalid choice: '([^']*)'")


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors and ``-h`` text are said as rnnkit's own errors are
    (:func:`_say`): under torchrun by rank 0 alone, while every rank exits with the same status. argparse
    makes its subparsers of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a word of '-' and a digit is a flag's value, as Python 3.13's argparse reads it: SVM-style labels
        # (--class-weights -1=3,1=1) and exponents (--lr -1e-3) were taken for unknown flags ('expected one
        # argument'), since 3.11's pattern took only a bare negative number (-1, -.5) for a value. A private
        # attribute (argparse has no public hook): tests/test_cli.py fails if argparse stops reading it. Minus
        # infinity and NaN too (float reads them): --lr -inf was "argument --lr: expected one argument", as if no
        # value had been given, where --lr inf is refused as a number out of range
        self._negative_number_matcher = NEGATIVE_NUMBER

    def error(self, message: str) -> NoReturn:
        """One line, as rnnkit's own errors are: argparse printed the whole usage first (some 40 lines for
        ``rnnkit train classify --lr -1``), which buried the line that says what is wrong."""
        unknown = UNKNOWN_TASK.match(message)
        hint = verb_hint(unknown[1], "rnnkit train") if unknown else ""  # `rnnkit train translate`: seq2seq
        _say_error(f"{self._what_is_missing(message)}{hint}; `{self.prog} -h` for help", self.prog)
        self.exit(2)

    def _what_is_missing(self, message: str) -> str:
        """argparse's ``message``, and, where it is a flag given no value ("argument --data: expected one
        argument"), what the value is: its help. ``train classify --data --steps 3`` (a forgotten value) said
        'expected one argument' alone, not that a file or a corpus name was wanted."""
        match = MISSING_VALUE.match(message)
        action = self._option_string_actions.get(match[1].split("/")[-1]) if match else None
        if action is None or not action.help or action.help == argparse.SUPPRESS:
            return message
        # as -h shows them (argparse's formatter): a help's '%%' and '%(default)s' read raw, and a metavar of its own
        formatter = self._get_formatter()
        metavar = formatter._metavar_formatter(action, formatter._get_default_metavar_for_optional(action))(1)[0]
        return f"{message}, {metavar}: {formatter._expand_help(action)}"

    def print_help(self, file: Any = None) -> None:
        """``-h``'s text, printed once under torchrun (by rank 0)."""
        if file is not None or _speaks():
            super().print_help(file)


class _Version(argparse.Action):
    """``--version``: ``rnnkit VERSION``, printed once under torchrun (by rank 0), as ``-h``'s text is."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        if _speaks():
            print(f"rnnkit {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, from everything registered in :mod:`rnnkit.tasks`."""
    discover()
    parser = Parser(
        prog="rnnkit", description="Recurrent neural networks: train a model for a task, then use it."
    )
    parser.add_argument("--version", action=_Version, nargs=0, default=argparse.SUPPRESS,
                        help="show rnnkit's version and exit")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    train = verbs.add_parser("train", help="train a model for a task: " + ", ".join(TASKS))
    train_tasks = train.add_subparsers(dest="task", metavar="TASK")
    train_tasks.required = True
    for task in TASKS.values():
        p = train_tasks.add_parser(task.name, help=task.help, description=task.description or task.help)
        for add in _train_adders(task):
            add(p)
        p.set_defaults(func=lambda args, task=task: _train(task, args))
    for name, tasks in model_verbs().items():
        first = tasks[0].verb(name)
        what = first.help if first and len(tasks) == 1 else SHARED_VERBS.get(name, name)
        verbs.add_parser(name, help=f"{what} ({', '.join(t.name for t in tasks)} models); "
                                    f"rnnkit {name} DIR -h lists its flags", add_help=False)
    for command in COMMANDS.values():
        p = verbs.add_parser(command.name, help=command.help, description=command.description or command.help)
        command.add_arguments(p)
        p.set_defaults(func=command.run)
    _add_data(verbs)
    return parser


def _add_data(verbs: Any) -> None:
    data = verbs.add_parser("data", help="write a built-in data set: " + ", ".join(GENERATORS))
    names = data.add_subparsers(dest="generator", metavar="NAME")
    names.required = True
    for gen in GENERATORS.values():
        p = names.add_parser(gen.name, help=gen.help, description=gen.help)
        _add_generator_arguments(p, gen)
        p.set_defaults(func=partial(_generate, gen.run))


def _generate(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """``rnnkit data NAME``: ``--out`` in a run's best/ or last/ (or one of its own files) is refused first, as
    the run's next save would take the corpus with it."""
    from rnnkit.train.checkpoint import refuse_run_output

    # numpy's generators take no negative seed (`data digits --seed -1` was its traceback), and Python's took -1
    # as 1, the same corpus without a word
    args.seed = check_count("seed", args.seed, 0)
    # Path("") wrote the corpus into the working directory
    refuse_empty_name(args.out, "where to write the corpus (a file or a folder)", "--out")
    refuse_run_output(args.out, "--out", "give another --out")
    return run(args)


def _add_generator_arguments(p: argparse.ArgumentParser, gen: Any) -> None:
    """The flags of ``rnnkit data NAME``: ``--out``, ``--seed`` and the generator's own."""
    p.add_argument("--out", required=True, help="where to write it: a file or a directory, as said above")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    gen.add_arguments(p)


def _defaults(task: Task) -> dict[str, Any]:
    from rnnkit.train.options import settings_of

    return {"data": None, "out": None, **settings_of(task.config())}


def _help_defaults(task: Task) -> dict[str, Any]:
    """What the help of ``rnnkit train TASK`` says the training settings default to: :func:`_defaults`, with a
    setting the task fills in at run time (the classifier's ``lr``, None in its config) as it fills it."""
    from rnnkit.train.options import settings_of

    config, defaults = task.config(), _defaults(task)
    filled = settings_of(config.with_defaults()) if hasattr(config, "with_defaults") else {}
    return {**defaults, **{k: v for k, v in filled.items() if defaults.get(k) is None}}


#: the path flags of ``rnnkit train TASK`` that the command line alone reads, and what each names: given an empty
#: name (an unset shell variable, ``--resume "$RUN"``), a run started afresh, trained on the defaults without the
#: --config file's settings, or drew no curve, without a word (``--out ""`` and ``--init-from ""`` are refused)
EMPTY_NAMES = {"resume": "the folder of the run to continue (the --out of an earlier `rnnkit train`)",
               "config": "a TOML file of settings", "find_lr_plot": "the PNG to draw the range test's curve into"}


#: the settings of ``rnnkit train TASK`` (of some task) that name a file or folder the run reads
TRAINING_READS = ("data", "val_data", "config", "pretrain_data", "pretrained_vectors", "src_vectors", "tgt_vectors",
                  "init_from")


def _train(task: Task, args: argparse.Namespace) -> int:
    """``rnnkit train TASK``: resolve the settings, call ``task.train``, report."""
    from rnnkit.train import distributed
    from rnnkit.train.checkpoint import load_checkpoint, run_folder
    from rnnkit.train.lr_find import LearningRateFound
    from rnnkit.train.options import config_from, config_line, refuse_written_inputs, resolve_settings

    for name, expected in EMPTY_NAMES.items():  # read as not given, they ran on without a word
        refuse_empty_name(getattr(args, name, None), expected, f"--{name.replace('_', '-')}")
    saved = None
    if args.resume:
        args.resume = str(run_folder(args.resume))  # OUT/last resumes OUT: write there, lock there
        if getattr(args, "out", None) and Path(args.out) != Path(args.resume):
            raise UserError(f"--out {args.out} with --resume {args.resume}: a resumed run continues in its own "
                            "folder; copy the folder first to continue a copy")
        ckpt = load_checkpoint(args.resume, prefer="last")
        if ckpt.config.get("task") != task.name:
            raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} run, not a {task.name!r} run")
        saved = dict(ckpt.config.get("settings") or {})
        refuse_changed_kept(task, {key: getattr(args, key, None) for key in task.frozen}, saved)
    settings = resolve_settings(args, _defaults(task), saved)
    if saved is not None:  # a --config file's value is refused as a flag's is; it replaced the saved one unsaid
        in_file = getattr(args, "from_config", set())
        refuse_changed_kept(task, {key: settings[key] for key in task.frozen if key in in_file}, saved,
                            partial(config_line, args.config))
    out = run_out(settings, args)
    refuse_written_inputs(Path(out), [("--config", getattr(args, "config", None))],  # as the task checks its data
                          resume=bool(args.resume))
    main = distributed.ranks().is_main  # under torchrun, rank 0 alone speaks
    options: dict[str, Any] = {
        "resume": bool(args.resume), "overwrite": bool(args.overwrite), "verbose": not args.json and main,
        "progress": False if args.no_progress or args.json or not main else None,
    }
    if getattr(args, "val_data", None) is not None:
        options["val_data"] = args.val_data
    data = settings["data"] if not args.resume else args.data
    if getattr(args, "find_lr_plot", None) and not settings.get("find_lr"):
        raise UserError(f"--find-lr-plot {args.find_lr_plot}: draws the range test's curve; add --find-lr")
    if getattr(args, "find_lr_plot", None):  # before the test: a folder was found after it, and --data drawn over
        given = {**settings, "val_data": getattr(args, "val_data", None), "config": getattr(args, "config", None)}
        output_name(args.find_lr_plot, "--find-lr-plot", "a PNG file",
                    [(f"the --{name.replace('_', '-')} being read", given.get(name)) for name in TRAINING_READS])
        drawing_format(args.find_lr_plot, "--find-lr-plot")
    with distributed.process_group():
        try:
            result = task.train(config_from(task.config, settings), data, out, **options)
        except LearningRateFound as found:
            if main:
                _report_range_test(found.curve, args)
            return 0
        if main:
            task.report(result, args.json)
            if args.report and result.steps:
                from rnnkit.report import write_report

                page = write_report(out, device=settings.get("device") or "cpu")  # where the run trained
                print(f"wrote {page}", file=sys.stderr if args.json else sys.stdout)
        # an interrupted run exits 130 on every rank: torchrun ended rank 0 mid-save when another rank left first
        distributed.leave_together()
    return 130 if result.stopped == "interrupted" else 0


def run_out(settings: dict[str, Any], args: argparse.Namespace) -> str:
    """The folder ``rnnkit train TASK`` writes: ``--out`` (a flag or the ``--config`` file's), or the run
    ``--resume`` continues; refused in one line when there is neither."""
    from rnnkit.train.options import CONFIG_PATHS

    out = settings["out"] if not args.resume else args.resume
    if not out:
        raise UserError("--out DIR is required: where to write the model")
    refuse_empty_name(out, CONFIG_PATHS["out"], "--out")  # `--out " "` trained into a folder " "
    return str(out)


def _report_range_test(curve: Any, args: argparse.Namespace) -> None:
    """``--find-lr``'s answer (a :class:`~rnnkit.train.lr_find.LearningRateCurve`): the curve in about 20 rows
    and the suggested ``--lr`` (or ``--json``), and the plot when ``--find-lr-plot`` asks."""
    from rnnkit import strictjson

    if getattr(args, "find_lr_plot", None):
        curve.plot(args.find_lr_plot)
    if args.json:
        print(strictjson.dumps(curve.to_json()))
        return
    why = {"end": "", "diverged": ", stopped where the loss took off"}[curve.stopped]
    print(f"learning-rate range test: {len(curve.rates)} updates from {curve.rates[0]:.2g} to "
          f"{curve.rates[-1]:.2g}{why}" if curve.rates else "learning-rate range test: the first update diverged")
    print("  lr        loss     smoothed")
    for i in range(0, len(curve.rates), max(1, len(curve.rates) // 20)):
        print(f"  {curve.rates[i]:<9.2g} {curve.losses[i]:<8.4g} {curve.smoothed[i]:.4g}")
    if curve.suggestion is None:
        print(f"no suggestion: the loss took off after {len(curve.rates)} updates, too few to tell where it falls "
              "fastest")
    else:
        print(f"suggested --lr {curve.suggestion:.2g} (where the smoothed loss falls fastest); the lowest loss "
              f"was at {curve.lowest:.2g}")
    if getattr(args, "find_lr_plot", None):
        print(f"wrote {args.find_lr_plot}")


def _verb_help(name: str) -> str:
    tasks = model_verbs()[name]
    lines = [f"usage: rnnkit {name} DIR [flags]", ""]
    for task in tasks:
        verb = task.verb(name)
        lines.append(f"  {task.name} models: {verb.help if verb else ''}")
    lines += ["", f"DIR is a model directory (OUT or OUT/best); `rnnkit {name} DIR -h` lists the flags for it."]
    return "\n".join(lines)


def refuse_changed_kept(task: Task, given: dict[str, Any], saved: dict[str, Any],
                        source: Callable[[str, Any], str] | None = None) -> None:
    """Refuse, in one line, a setting a resumed run keeps (``task.frozen``: the model's shape, the data) that
    ``given`` (the settings given, None where not) asks to change from ``saved`` (the run's), saying how to go on
    (:data:`~rnnkit.train.options.KEPT`); ``source`` says how the value was given (default: as the flag,
    :func:`_flag_given`)."""
    from rnnkit.train.options import KEPT

    for key in task.frozen:
        value = given.get(key)
        if value is not None and key in saved and not _same_kept(task, key, value, saved[key]):
            how, was = (source or partial(_flag_given, task))(key, value), saved[key]
            had = ("had none" if was is None else f"used {key.replace('_', '-')}" if was is True
                   else f"had no {key.replace('_', '-')}" if was is False else f"used {was}")
            raise UserError(f"{how}: the resumed run {had}; {KEPT}")


def _same_kept(task: Task, key: str, value: Any, saved: Any) -> bool:
    """Whether ``value`` given for the kept setting ``key`` is the run's ``saved`` one, written the same or
    another way the task reads as the same (``[16, 32]`` and ``"16,32"``: ``kept_form`` of its config)."""
    if value == saved:
        return True
    form = getattr(task.config, "kept_form", None)
    if form is None:
        return False
    try:
        return bool(form(key, value) == form(key, saved))
    except (UserError, ValueError, TypeError):  # not a value of the setting: a change, refused as one
        return False


def _flag_given(task: Task, key: str, value: Any) -> str:
    """How ``rnnkit train TASK`` was given ``value`` for the setting ``key``: the flag that sets it without a
    value where one does (``--no-memory``, ``--layer-norm``, ``--bidirectional``), else ``--key value``."""
    for action in _actions(*_train_adders(task)):
        if action.dest != key or not action.option_strings:
            continue
        if isinstance(action, argparse.BooleanOptionalAction) and isinstance(value, bool):  # --x / --no-x
            return action.option_strings[0 if value else 1]
        if action.nargs == 0 and action.const == value:
            return action.option_strings[0]
    return f"--{key.replace('_', '-')} {value}"


def _actions(*adders: Callable[[argparse.ArgumentParser], Any]) -> list[argparse.Action]:
    """The actions the ``adders`` put on a parser (argparse lists its flags no other way)."""
    parser = argparse.ArgumentParser(add_help=False)
    for add in adders:
        add(parser)
    return parser._actions


def _flags(*adders: Callable[[argparse.ArgumentParser], Any]) -> dict[str, bool]:
    """Each flag the ``adders`` put on a parser, and whether it takes a value."""
    return {flag: action.nargs != 0 for action in _actions(*adders) for flag in action.option_strings}


def _verb_flags(name: str, tasks: Sequence[Task]) -> dict[str, bool]:
    """Each flag of ``rnnkit VERB`` for models of ``tasks``, and whether it takes a value."""
    from rnnkit.train.options import add_device_argument, add_threads_argument

    flags: dict[str, bool] = {}
    shared = (add_threads_argument,) if name in CPU_VERBS else (add_threads_argument, add_device_argument)
    for task in tasks:
        if (verb := task.verb(name)) is not None:
            for flag, takes in _flags(verb.add_arguments, *shared).items():
                flags[flag] = flags.get(flag, False) or takes
    return flags


def _flags_named(word: str, flags: dict[str, bool]) -> list[str]:
    """The ``flags`` that ``word`` (``--flag`` or ``--flag=value``) names, as argparse reads it: its own, else each
    long flag it is a prefix of (argparse reads a prefix of one flag alone as that flag: ``--dat FILE`` is
    ``--data FILE``)."""
    flag = word.split("=", 1)[0]
    return [flag] if flag in flags else [f for f in flags if f.startswith(flag) and flag.startswith("--")]


def _dir_at(name: str, rest: list[str], tasks: Sequence[Task]) -> int | None:
    """Where DIR is in ``rnnkit VERB ...`` read with the flags of ``tasks``: the first word that is neither
    a flag nor a flag's value, as argparse reads a positional (a flag may be a prefix of one of theirs).
    None before -h/--help or none. A word that names none of their flags, or several, is refused: whether
    the next word is its value is unknown."""
    flags, i = _verb_flags(name, tasks), 0
    whose = f" for a {tasks[0].name} model" if len(tasks) == 1 else ""
    while i < len(rest):
        word = rest[i]
        if word == "--" or not word.startswith("-") or word == "-":
            at = i + (word == "--")
            return at if at < len(rest) else None
        flag = word.split("=", 1)[0]
        if flag in ("-h", "--help"):
            return None
        known = _flags_named(flag, flags)
        if not known and len(tasks) == 1 and (refusal := _training_only(name, tasks[0], flag)):
            raise refusal
        if len(known) != 1:
            what = f"could be {' or '.join(known)}" if known else f"not a flag of `rnnkit {name}`{whose}"
            raise UserError(f"{flag}: {what} (`rnnkit {name} DIR -h` lists its flags)")
        i += 2 if flags[known[0]] and "=" not in word else 1
    return None


def _train_flags(task: Task) -> dict[str, bool]:
    """Each flag of ``rnnkit train TASK``, as :func:`build_parser` adds them (the regularisers' flags only for
    a task whose settings take them, which the task's defaults say)."""
    return _flags(*_train_adders(task))


def _train_adders(task: Task) -> tuple[Callable[[argparse.ArgumentParser], Any], ...]:
    """What adds the flags of ``rnnkit train TASK`` to a parser (the regularisers' only for a task whose settings
    take them, which the task's defaults say)."""
    from rnnkit.train.options import add_trainer_arguments

    return task.add_arguments, partial(add_trainer_arguments, defaults=_help_defaults(task))


def _training_only(name: str, task: Task, flag: str) -> UserError | None:
    """The one-line refusal of ``flag``, one that `rnnkit NAME` does not read for a ``task`` model, when it is a
    flag of `rnnkit train TASK` (``transcribe --spec-augment``, ``evaluate --steps``: argparse's two lines said
    only 'unrecognized arguments'); None when it is not."""
    if flag not in _train_flags(task):
        return None
    if name in CPU_VERBS and flag == "--device":  # the other verbs take it: it is not a training setting alone
        return UserError(f"{flag}: `rnnkit {name}` runs on the CPU whatever the machine has, and takes no --device")
    others = [f"`rnnkit {v.name}`" for v in task.verbs if v.name != name and flag in _verb_flags(v.name, [task])]
    if others:  # not a training setting alone (translate --data: evaluate reads it)
        return UserError(f"{flag}: not a flag of `rnnkit {name}`; {listed([f'`rnnkit train {task.name}`', *others])} "
                         f"take it (`rnnkit {name} DIR -h` lists its flags)")
    return UserError(f"{flag}: a training setting; it applies to `rnnkit train {task.name}`, not to `rnnkit {name}`")


def _unknown_flag(rest: Sequence[str], flags: dict[str, bool]) -> str | None:
    """The first word of ``rest`` (up to ``--``) that is written as a long flag and is neither one of ``flags`` nor
    a prefix of one (argparse reads a prefix as its flag), nor ``--help``; None when there is none."""
    for word in rest:
        if word == "--":
            return None
        flag = word.split("=", 1)[0]
        if flag.startswith("--") and not any(f.startswith(flag) for f in (*flags, "--help")):
            return flag
    return None


def _refuse_unknown_flags(name: str, task: Task, rest: Sequence[str]) -> None:
    """Refuse in one line the first flag of ``rest`` (up to ``--``) that `rnnkit NAME` does not read for a ``task``
    model, neither as itself nor as a prefix of one of its flags: as a training setting when it is a flag of
    `rnnkit train TASK`, else as no flag of the verb. Before argparse, whose refusal came as a usage and
    'unrecognized arguments', or, when the slip was in a required flag (``evaluate DIR --dta FILE``), as
    'the following arguments are required: --data', which did not name the word that was wrong."""
    flag = _unknown_flag(rest, _verb_flags(name, [task]))
    if flag is not None:
        raise _training_only(name, task, flag) or UserError(
            f"{flag}: not a flag of `rnnkit {name}` for a {task.name} model (`rnnkit {name} DIR -h` lists its flags)")


def _refuse_unknown_command_flags(argv: Sequence[str]) -> None:
    """Refuse in one line the first flag of ``rnnkit train TASK``, ``rnnkit data NAME`` or a command (``experiment``,
    ``diagnose`` ...) that the subcommand does not read: argparse's top-level parser said 'unrecognized
    arguments' under its own usage (``rnnkit [-h] [--version] VERB ...``), or named a missing required flag
    instead of the mistyped one (``data dates --ot FILE``)."""
    if len(argv) >= 2 and argv[0] == "train" and argv[1] in TASKS:
        task = TASKS[argv[1]]
        prog, flags, rest = f"rnnkit train {task.name}", _train_flags(task), argv[2:]
    elif len(argv) >= 2 and argv[0] == "data" and argv[1] in GENERATORS:
        gen = GENERATORS[argv[1]]
        prog, flags, rest = f"rnnkit data {gen.name}", _flags(partial(_add_generator_arguments, gen=gen)), argv[2:]
    elif argv and argv[0] in COMMANDS:
        prog, flags, rest = f"rnnkit {argv[0]}", _flags(COMMANDS[argv[0]].add_arguments), argv[1:]
    else:
        return
    if (flag := _unknown_flag(rest, flags)) is not None:
        raise UserError(f"{flag}: not a flag of `{prog}` (`{prog} -h` lists its flags)")
    if argv[0] == "train" and (word := _stray_word(rest, flags)) is not None:
        raise UserError(_stray_word_line(word, TASKS[argv[1]], rest, flags))


def _stray_word_line(word: str, task: Task, rest: Sequence[str], flags: dict[str, bool]) -> str:
    """Why ``word``, a stray word of ``rnnkit train TASK ...``, is refused: a forgotten ``--data`` where nothing on
    the line gives the data; else where the data comes from (``--data``, the ``--config`` file's ``data``, the
    resumed run), not advice to add ``--data``, which `train classify --config c.toml t.csv` was told though
    c.toml gave the data."""
    prog = f"rnnkit train {task.name}"
    if (where := _data_from(task, rest, flags)) is None:
        return f"{word}: `{prog}` reads its data from --data FILE (--data {word}), not from a word alone"
    return (f"{word}: an unexpected argument; `{prog}` takes flags and their values only, and this word follows no "
            f"flag that takes one (its data comes from {where}; `{prog} -h` lists its flags)")


def _data_from(task: Task, rest: Sequence[str], flags: dict[str, bool]) -> str | None:
    """Where ``rnnkit train TASK ...`` (``rest``) gets its data besides a word: ``--data FILE``, the ``--config``
    file's ``data``, or the run that ``--resume DIR`` resumes; None when nothing on the line gives it. An empty
    value (``--data=``, ``data = ""``) gives none, as training reads it: ``--data=`` wins over the config's data
    ("--data FILE is required"), and either leaves a resumed run its own data (it was told to add ``--data``)."""
    from rnnkit.train.options import TRAINER_DEFAULTS, config_line, load_config_file

    data = _flag_value(rest, flags, "--data")
    if data:
        return flag_as_given("data", data)  # a blank name quoted: "comes from --data ' '" (it read "--data  ;")
    if data is None and (config := _flag_value(rest, flags, "--config")) is not None:
        with contextlib.suppress(UserError):  # a bad file is refused as ever once the word is gone
            settings = load_config_file(config, {*TRAINER_DEFAULTS, *_defaults(task), "val_data"})
            if isinstance(value := settings.get("data"), str) and value:
                return config_line(config, "data", value)
    if (resumed := _flag_value(rest, flags, "--resume")) is not None:
        return f"the run that {flag_as_given('resume', resumed)} continues"
    return None


def _flag_value(rest: Sequence[str], flags: dict[str, bool], flag: str) -> str | None:
    """The value that ``rest`` (up to ``--``) gives ``flag`` (``--flag VALUE``, ``--flag=VALUE`` or a prefix of
    it, as argparse reads them; of a flag given twice, the last, as argparse keeps it); None when it gives none."""
    value = None
    for i, word in enumerate(rest):
        if word == "--":
            break
        if word.startswith("--") and _flags_named(word, flags) == [flag]:
            value = word.split("=", 1)[1] if "=" in word else rest[i + 1] if i + 1 < len(rest) else None
    return value


def _stray_word(rest: Sequence[str], flags: dict[str, bool]) -> str | None:
    """The first word of ``rest`` (up to ``--``) that is neither a flag nor the value of the flag before it (a flag
    that may go without its value is taken to have it); None when there is none. ``rnnkit train TASK`` has no
    positional argument: argparse said 'unrecognized arguments: train.csv' of a forgotten ``--data``."""
    i = 0
    while i < len(rest) and rest[i] != "--":
        word = rest[i]
        if not word.startswith("-") or word == "-":
            return word
        known = _flags_named(word, flags)
        if len(known) > 1:  # an ambiguous prefix: argparse names it
            return None
        value = i + 1 < len(rest) and (rest[i + 1] == "-" or not rest[i + 1].startswith("-")
                                       or NEGATIVE_NUMBER.match(rest[i + 1]))
        i += 2 if "=" not in word and known and flags[known[0]] and value else 1
    return None


def _task_name(word: str) -> str | None:
    """The task of the model directory ``word``; None when it is none."""
    try:
        return task_of(word).name
    except (UserError, OSError):  # OSError: a word no path can be (a long TEXT argument)
        return None


def _model_dir(name: str, rest: list[str]) -> tuple[str | None, list[str]]:
    """DIR of ``rnnkit VERB ...`` and the line without it; None before -h/--help or none.

    Flags may come before DIR, so where it is depends on which flags take a value, and a prefix of a flag
    names different flags for different tasks (``evaluate --b`` is a classifier's ``--baseline``, a
    translator's ``--beam``). So the line is read with the flags of the task of DIR alone, as argparse
    reads a single task's line: that of the first model directory on it that stands where its own task's
    flags put DIR, else that of the first model directory on it. A line with no model directory is read
    per task too (DIR is then the first word some task puts there, for task_of to say why it is none)."""
    readings: dict[str, int | None | UserError] = {}
    for task in model_verbs()[name]:
        try:
            readings[task.name] = _dir_at(name, rest, [task])
        except UserError as exc:
            readings[task.name] = exc
    places = sorted({at for at in readings.values() if isinstance(at, int)})
    where_own = (t for at in places if (t := _task_name(rest[at])) and readings.get(t) == at)
    anywhere = (t for word in rest if not word.startswith("-") and (t := _task_name(word)) in readings)
    own = next(where_own, None) or next(anywhere, None)
    if own is not None:
        at = readings[own]
    elif places:
        at = places[0]
    elif None in readings.values():
        at = None
    else:  # every task refuses a flag: say so for all of them
        at = _dir_at(name, rest, model_verbs()[name])
    if isinstance(at, UserError):
        raise at
    return (rest[at], rest[:at] + rest[at + 1:]) if at is not None else (None, rest)


#: the path flags of the verbs of a trained model, and what each names (``--onnx``, ``--lm`` and ``--ensemble`` say an
#: empty name themselves): given an empty name (an unset shell variable), ``--file ""`` was dropped beside TEXT
#: arguments, ``--output ""`` wrote to standard output, ``--png ""`` drew into the model's folder, and ``--data ""``
#: read the working directory (".: not a speech corpus", ": is a directory")
VERB_PATHS = {"data": "the data to read", "file": "the file to read", "train": "the training file to read",
              "output": "the name of a file to write", "png": "the name of a PNG file to write",
              "attention_png": "the name of a PNG file to write"}


def _refuse_empty_names(args: argparse.Namespace) -> None:
    """Refuse, in one line naming the flag, an empty name given to one of :data:`VERB_PATHS`."""
    for dest, expected in VERB_PATHS.items():
        value = getattr(args, dest, None)
        for given in value if isinstance(value, list) else [value]:  # score --file is given once a file
            if isinstance(given, str):
                refuse_empty_name(given, expected, f"--{dest.replace('_', '-')}")


def verb_parser(name: str, task: Task, path: str) -> argparse.ArgumentParser:
    """The parser of ``rnnkit NAME PATH ...`` for a ``task`` model: the verb's flags, ``--threads`` and (but for
    :data:`CPU_VERBS`) ``--device``."""
    from rnnkit.train.options import add_device_argument, add_threads_argument

    verb = task.verb(name)
    assert verb is not None, f"a {task.name} model answers no {name}"
    parser = Parser(prog=f"rnnkit {name} {path}", description=verb.help)
    verb.add_arguments(parser)
    add_threads_argument(parser)   # every verb of a trained model
    if name not in CPU_VERBS:
        add_device_argument(parser)
    return parser


def _run_model_verb(name: str, rest: list[str]) -> int:
    """``rnnkit VERB DIR ...``: the task of DIR parses the rest of the line and answers the verb."""
    from rnnkit.train.checkpoint import load_checkpoint
    from rnnkit.train.options import use_threads, verb_device

    path, rest = _model_dir(name, rest)
    if path is None:
        if rest and not {"-h", "--help"} & set(rest):
            raise UserError(f"`rnnkit {name}` needs a model directory: rnnkit {name} DIR [flags]")
        if _speaks():   # rank 0 alone under torchrun
            print(_verb_help(name), file=sys.stdout if rest else sys.stderr)
        return 0 if rest else 2
    task = task_of(path)
    verb = task.verb(name)
    if verb is None:
        answers = ", ".join(v.name for v in task.verbs) or "none"
        raise UserError(f"{path}: a {task.name!r} model does not answer '{name}' (it answers: {answers})")
    _refuse_unknown_flags(name, task, rest)
    args = verb_parser(name, task, path).parse_args(rest)
    _refuse_under_torchrun(name)
    _refuse_empty_names(args)
    args.dir = args.model = path
    use_threads(args)
    device = verb_device(args)
    obj = task.load(load_checkpoint(path))
    obj.model.to(device)  # every task's object holds its network as .model; the checkpoint is read on the CPU
    return int(verb.run(obj, args) or 0)


def _refuse_under_torchrun(command: str) -> None:
    """Refuse ``rnnkit COMMAND`` other than ``train`` under torchrun (every process alike; rank 0 says it): each
    process did the whole of it, printing its output once a process and writing the same files at once (an
    evaluation's confusion matrix, a report, a prepared text). The line names the variable it read, for a
    scheduler (Kubeflow) that set it in a shell of one process."""
    world = _world_size()
    if world > 1:
        raise UserError(f"`rnnkit {command}` runs in one process: under torchrun (WORLD_SIZE={world}) only `rnnkit "
                        f"train` runs (data-parallel), and each of the {world} processes would do all of it; run it "
                        "without torchrun (or unset WORLD_SIZE)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rnnkit`` console script. Its errors name flags (``--train FILE``), also those of the
    Python API's methods it calls, which otherwise name keywords (``train=FILE``)."""
    with command_line(), _terminate_as_ctrl_c():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args: argparse.Namespace | None = None
    try:
        with _stop_at_ctrl_c():
            discover()
        if argv and argv[0] in model_verbs():
            return _run_model_verb(argv[0], argv[1:])
        _refuse_unknown_command_flags(argv)
        args = build_parser().parse_args(argv)
        if argv and argv[0] != "train":
            _refuse_under_torchrun(argv[0])
        return int(args.func(args) or 0)
    except SettingError as exc:
        _say_error(_setting_line(exc, args))
        return exc.exit_code
    except UserError as exc:
        _say_error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt as exc:
        if _peer_stopped_before(exc):  # torchrun's SIGTERM, on the way out of a collective whose peer died
            return _say_peer_stopped()
        _say("rnnkit: interrupted")
        return 130
    except (RuntimeError, MemoryError) as exc:
        if _peer_stopped(exc):
            return _say_peer_stopped()
        size = out_of_memory(exc)
        if size is None:
            raise
        _say_error(_out_of_memory_line(size, args))
        return 1
    except BrokenPipeError:
        # the reader went away (`rnnkit sample ... | head`): stop quietly, as other Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except OSError as exc:
        if exc.filename is None:
            raise
        # a path the user gave that cannot be read or written (a directory, a missing folder, no permission)
        # (a failed rename into place names the destination, the path the user gave, as filename2)
        _say_error(_os_error_line(exc))
        return UserError.exit_code


def _os_error_line(exc: OSError) -> str:
    """``PATH: reason`` for a path the user gave; a file standing where a folder must be is named (``mkdir``
    says only "File exists" or "Not a directory")."""
    path = exc.filename2 or exc.filename
    if exc.errno in (errno.EEXIST, errno.ENOTDIR) and (blocker := file_in_the_way(os.fsdecode(path))):
        return blocked_line(blocker, os.fsdecode(path))
    return f"{path}: {exc.strerror or exc}"


def _setting_line(exc: SettingError, args: argparse.Namespace | None) -> str:
    """A bad setting named where the user wrote it: the flag, or the ``--config`` file and its key."""
    if exc.name in getattr(args, "from_config", ()):
        from rnnkit.train.options import config_line
        return f"{config_line(args.config, exc.name, exc.value)}: {exc.expected}"  # type: ignore[union-attr]
    return exc.as_flag()


#: the settings that size a model or its batches, named when the memory runs out
SIZES = ("hidden", "layers", "embedding", "embed_dim", "char_hidden", "char_dim", "decoder_layers", "channels",
         "image_size", "n_mels", "vocab_size", "buckets", "batch_size", "seq_len", "max_len", "length", "params",
         "eval_size", "clip_length")


def _out_of_memory_line(size: str, args: argparse.Namespace | None) -> str:
    """The one line for a failed allocation of ``size`` (``out_of_memory``'s): with the sizes the command
    line asked for, where it was read."""
    sizes = [f"--{name.replace('_', '-')} {value}" for name in SIZES
             if (value := getattr(args, name, None)) is not None and not isinstance(value, bool)]
    what = f"torch could not allocate {size} for" if size else "no memory was left for"
    asked = f" (with {', '.join(sizes)})" if sizes else ""
    return f"out of memory: {what} the model or a batch{asked}; smaller sizes or a machine with more memory are needed"


def _say_peer_stopped() -> int:
    """Say that another process of this torchrun run stopped (:func:`_peer_stopped`); the exit status."""
    _say_error("another process of this run stopped (its own message, or torchrun's report of its exit, says why)")
    return UserError.exit_code


def _peer_stopped_before(exc: BaseException) -> bool:
    """Whether ``exc`` (Ctrl-C, or torchrun's SIGTERM) came while this process was leaving a collective whose peer
    had stopped: torchrun ends the other processes of a killed one (kill -9, the kernel's out-of-memory killer) as
    it notices, and its SIGTERM met rank 0 writing its loss plot on the way out, which then said 'interrupted'."""
    seen = exc.__context__
    while seen is not None:
        if _peer_stopped(seen):
            return True
        seen = seen.__context__
    return False


def _peer_stopped(exc: BaseException) -> bool:
    """Under torchrun: whether ``exc`` is a collective's error whose cause is another process's stop (it says its
    own error, :func:`_say_error`); torch's traceback of it, after that line, read as a second fault."""
    if _world_size() <= 1:
        return False
    from rnnkit.train.distributed import peer_stopped

    return peer_stopped(exc)


def _say(line: str) -> None:
    """``line`` on stderr (``interrupted``); under torchrun only from rank 0, the others exit with the same status
    silently (every rank is stopped alike; errors: :func:`_say_error`)."""
    if _speaks():
        print(line, file=sys.stderr, flush=True)


#: how long a torchrun process other than rank 0 waits, after its error, for torchrun to end it (it does within a
#: moment of rank 0's exit) before it says the error itself
RANK_ERROR_GRACE_S = 5.0


def _say_error(message: str, prog: str = "rnnkit") -> None:
    """``PROG: error: MESSAGE`` on stderr. Under torchrun rank 0 says it at once; another rank first waits
    :data:`RANK_ERROR_GRACE_S` for torchrun to end it, as torchrun does once rank 0 has exited (every rank meets
    the same bad input, and N copies of one line read as N problems), and says it, with its rank, only when it is
    still running then: an error of its own (data missing on another machine), which rank 0, waiting for it,
    never saw. Silent, that left torchrun's 'exitcode: 2' and rank 0's 'interrupted' with no reason."""
    if _speaks():
        print(f"{prog}: error: {message}", file=sys.stderr, flush=True)
        return
    try:
        time.sleep(RANK_ERROR_GRACE_S)
    except KeyboardInterrupt:  # torchrun's SIGTERM (see _terminate): rank 0 has exited, having said it
        return
    print(f"{prog}: error: rank {os.environ.get('RANK')}: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _stop_at_ctrl_c() -> Iterator[None]:
    """While rnnkit's modules load (``import torch``: the first seconds of every command), Ctrl-C or SIGTERM
    prints its one line and exits 130 at once: nothing is written yet, and a KeyboardInterrupt raised inside
    ``import torch`` does not reliably come out of it (torch swallows one in its numpy import, then fails)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # Ctrl-C where it interrupts (not ignored, as in a background job or under nohup, nor a caller's), and SIGTERM
    # where it is rnnkit's: also with Ctrl-C ignored, where it would raise KeyboardInterrupt inside import torch
    stopped = [number for number, ours in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, _terminate))
               if signal.getsignal(number) is ours]

    def stop(signum: int, frame: object) -> None:
        _say("rnnkit: interrupted")
        os._exit(130)

    previous = {number: signal.signal(number, stop) for number in stopped}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def _terminate_as_ctrl_c(exiting: bool = False) -> Iterator[None]:
    """SIGTERM (``kill PID``, ``timeout``, a batch scheduler's stop, torchrun passing its own on) does what
    Ctrl-C does at that moment: a training finishes its step, saves ``last/`` and exits 130 with the way on; a
    command writing files removes its half-written ones. Python's default ends the process at once, losing the
    steps since the last save and leaving temporary files. Left as it is where a caller chose its own handling.

    ``exiting``: the process ends after it (:func:`_console`), so a SIGTERM once had leaves SIGTERM ignored, not
    back at its default: the second one close behind (see :func:`_terminate`) otherwise could meet the default
    while Python shut down, after the save and the closing line, and the process died of it (status -15, 143 in
    a shell, for 130). Python puts its own handlers back to the default as it shuts down; an ignored one stays."""
    if threading.current_thread() is not threading.main_thread() or (
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return
    global _terminated
    _terminated = False
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:  # signal.signal first runs a SIGTERM that came just before, with _terminate
        signal.signal(signal.SIGTERM, signal.SIG_IGN if exiting and _terminated else previous)


#: whether this command has had its SIGTERM (see :func:`_terminate`)
_terminated = False


def _terminate(signum: int, frame: object) -> None:
    """:func:`_terminate_as_ctrl_c`'s handler of SIGTERM (:func:`_stop_at_ctrl_c`'s while rnnkit loads). It acts
    on the first SIGTERM only: a scheduler signals every process of a job and torchrun passes its own on too,
    so a worker gets two within milliseconds, and a second Ctrl-C's interrupt would cut short the save the first
    asked for (a scheduler's SIGKILL ends a process that overstays its grace)."""
    global _terminated
    if _terminated:
        return
    _terminated = True
    if callable(signal.getsignal(signal.SIGINT)):  # what Ctrl-C does now: the trainer's stop, Python's interrupt
        signal.raise_signal(signal.SIGINT)
    else:                                           # Ctrl-C ignored (a background job of a script)
        raise KeyboardInterrupt


def _console() -> None:
    """The ``rnnkit`` console script and ``python -m rnnkit``: :func:`main`, then the process exits with its
    status (SIGTERM handled up to the exit: :func:`_terminate_as_ctrl_c`; main leaves this handling as it is)."""
    with _terminate_as_ctrl_c(exiting=True):
        status = main()
    sys.exit(status)


if __name__ == "__main__":
    _console()
