"""The defaults that ``-h`` and the docs state are the defaults the code uses.

Every flag's help of every parser (``rnnkit train TASK``, each verb of each task, the commands, ``rnnkit data
NAME``) that says ``default V`` (or ``V (default`` of a flag with choices) is held to that flag's default: the
argparse default, else the task's settings (a classifier's after :meth:`with_defaults`), else the value the code
sets at run time (:func:`runtime_defaults`, read from the code's own constants and signatures). A default in
words that cannot be compared (``default: from the budget``, ``default: the one used in training``) is left
alone; a number stated where the test finds no default fails until :func:`runtime_defaults` says where the code
sets it. The docs' ```--flag` (default N)`` phrases are held to the same defaults."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rnnkit import cli
from rnnkit.cells import CELLS
from rnnkit.data.tokenize import DEFAULT_BUCKETS
from rnnkit.models.dynamic_eval import DYNAMIC_LR, DYNAMIC_SEGMENT, RMS_LR
from rnnkit.multilabel import DEFAULT_THRESHOLD
from rnnkit.report import charlm as charlm_report
from rnnkit.sampling import Sampling
from rnnkit.tasks import COMMANDS, TASKS, demo, discover
from rnnkit.tasks._classify_config import FIXED, ClassifyConfig
from rnnkit.tasks._classify_trained import TextClassifier
from rnnkit.tasks._experiment_problems import EXPERIMENTS
from rnnkit.tasks._experiment_settings import Settings
from rnnkit.tasks._speech_config import SPEC_AUGMENT
from rnnkit.tasks._tag_config import CHAR_DIM
from rnnkit.tasks._tag_config import EMBEDDING as TAG_EMBEDDING
from rnnkit.tasks._translate_config import EMBEDDING as SEQ2SEQ_EMBEDDING
from rnnkit.tasks._translate_decoding import Decoding
from rnnkit.train.options import add_device_argument, add_threads_argument, settings_of

ROOT = Path(__file__).resolve().parent.parent
#: ``default V``: V a number, a word or a list of numbers, up to what ends it (``default: V`` begins words, and only
#: a number, on, off or none there is compared)
FORWARD = re.compile(r"\bdefault(?P<colon>:?) (?P<value>[\w./+-]+(?:,\d+)*)")
#: ``V (default)``, ``V (default; ...``: a flag's choice named as its default
BACKWARD = re.compile(r"(?P<value>[\w-]+) \(default[);,:]")
#: the tasks each page of the docs describes (README and the rest: every parser)
DOC_TASKS = {"docs/CHARLM.md": ("charlm",), "docs/CLASSIFY.md": ("classify", "tag"),
             "docs/TRANSLATE.md": ("seq2seq",), "docs/SPEECH.md": ("speech",), "docs/CAPTION.md": ("caption",)}
UNSET = object()
#: the words a default is said in that every kind of setting compares
WORDS = ("on", "off", "none")


def _signature_default(function: Any, name: str) -> Any:
    return inspect.signature(function).parameters[name].default


def runtime_defaults() -> dict[tuple[str, str], Any]:
    """``(parser, flag)``: the default the code sets at run time where the flag's own default and the task's
    settings say None (a set where it depends on the model, as ``score --dynamic-lr``'s two rules)."""
    discover()
    sampling, experiment = Sampling(), {f.name: f.default for f in dataclasses.fields(Settings)}
    found: dict[tuple[str, str], Any] = {
        ("translate seq2seq", "--alpha"): Decoding.alpha, ("evaluate seq2seq", "--alpha"): Decoding.alpha,
        ("score charlm", "--segment"): DYNAMIC_SEGMENT, ("score charlm", "--dynamic-lr"): {RMS_LR, DYNAMIC_LR},
        ("predict classify", "--explain"): _signature_default(TextClassifier.explain, "top"),
        ("train classify", "--buckets"): DEFAULT_BUCKETS,
        ("train classify", "--pretrain-minutes"): 1,   # classify.train: only --pretrain-data given
        ("train tag", "--embedding"): TAG_EMBEDDING, ("train tag", "--char-dim"): CHAR_DIM,
        ("train seq2seq", "--embedding"): SEQ2SEQ_EMBEDDING,
        ("report", "--chars"): _signature_default(charlm_report.add_sections, "chars"),
        ("report", "--threshold"): DEFAULT_THRESHOLD,
        ("bench", "--cells"): "all",   # the argparse default lists every cell: test_bench_cells_default_is_all
        **{("experiment", f"--{name.replace('_', '-')}"): value for name, value in experiment.items()},
        **{("demo", f"--{name}"): _signature_default(demo.run_charlm_demo, name) for name in ("minutes", "out")},
        **{("demo", f"--{name}"): _signature_default(demo.run_hello, name) for name in ("steps", "hidden", "cell")},
    }
    for verb in ("translate seq2seq", "caption caption"):
        found |= {(verb, "--temperature"): sampling.temperature, (verb, "--top-p"): sampling.top_p}
    for verb in ("predict classify", "evaluate classify"):
        found[(verb, "--threshold")] = DEFAULT_THRESHOLD
    for name, value in SPEC_AUGMENT.items():
        found[("train speech", f"--{name.replace('_', '-')}")] = value
    for task in TASKS:   # the trainer's: the plateau's patience is the Trainer's `or 2`
        found[(f"train {task}", "--plateau-patience")] = 2
        found[(f"train {task}", "--weight-drop")] = 0.0   # charlm's without the budget's dropout too
    return found


def _task_defaults(name: str) -> dict[str, Any]:
    config = TASKS[name].config()
    with_defaults = getattr(config, "with_defaults", None)
    return settings_of(with_defaults() if with_defaults else config)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(found[0].choices) if found else {}


def parsers() -> Iterator[tuple[str, argparse.ArgumentParser, dict[str, Any]]]:
    """``(key, parser, settings)`` of every parser rnnkit has: the key as :func:`runtime_defaults` names it, the
    settings the flags fall back on (a task's, for ``rnnkit train TASK``)."""
    verbs = _subparsers(cli.build_parser())
    for name, p in _subparsers(verbs["train"]).items():
        yield f"train {name}", p, _task_defaults(name)
    for name, p in _subparsers(verbs["data"]).items():
        yield f"data {name}", p, {}
    for name in COMMANDS:
        yield name, verbs[name], {}
    for task in TASKS.values():
        for verb in task.verbs:
            p = argparse.ArgumentParser(add_help=False)
            verb.add_arguments(p)
            add_threads_argument(p)
            if verb.name not in cli.CPU_VERBS:
                add_device_argument(p)
            yield f"{verb.name} {task.name}", p, {}


def effective_default(key: str, action: argparse.Action, settings: dict[str, Any],
                      runtime: dict[tuple[str, str], Any]) -> Any:
    """What a flag not given comes to (UNSET: nothing the test knows of)."""
    flag = action.option_strings[0]
    if (key, flag) in runtime:
        return runtime[(key, flag)]
    if action.default is not None and action.default != argparse.SUPPRESS:
        return action.default
    return settings.get(action.dest, UNSET)   # None there: off, none


def _number(text: str) -> float | None:
    if re.fullmatch(r"\d{1,3}(,\d{3})+", text):   # 131,072
        text = text.replace(",", "")
    try:
        value = float(text.rstrip("."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def agrees(said: str, actual: Any, choices: Any = None) -> bool | None:
    """Whether the default ``said`` is ``actual`` (a set: any of them); None where a word cannot be compared."""
    if isinstance(actual, set):
        verdicts = [agrees(said, one, choices) for one in actual]
        return None if all(v is None for v in verdicts) else any(verdicts)
    number = _number(said)
    if number is not None:
        if isinstance(actual, bool) or actual is UNSET or actual is None:
            return False   # a number the code has nowhere
        if isinstance(actual, (int, float)):
            return math.isclose(number, actual)
        return said == str(actual)
    if said in ("on", "off") and isinstance(actual, bool):
        return actual == (said == "on")
    if said == "off" and actual in (None, 0, "0"):
        return True
    if said == "none":
        return actual in (None, "none")
    if isinstance(actual, str) and (choices is None or said in choices):
        return said == actual
    return None


def claims(action: argparse.Action) -> list[str]:
    """The defaults ``action``'s help states."""
    text = action.help if isinstance(action.help, str) else ""
    said = [m.group("value") for m in FORWARD.finditer(text)
            if not m.group("colon") or _number(m.group("value")) is not None or m.group("value") in WORDS]
    if action.choices:
        said += [m.group("value") for m in BACKWARD.finditer(text) if m.group("value") in action.choices]
    return said


def test_every_stated_default_is_the_default() -> None:
    runtime, wrong, checked = runtime_defaults(), [], 0
    for key, parser, settings in parsers():
        for action in parser._actions:
            for said in claims(action) if action.option_strings else []:
                actual = effective_default(key, action, settings, runtime)
                verdict = agrees(said, actual, action.choices)
                checked += verdict is not None
                if verdict is False:
                    shown = "none known" if actual is UNSET else repr(actual)
                    wrong.append(f"rnnkit {key} {action.option_strings[0]}: help says default {said}, the code's "
                                 f"is {shown}")
    assert not wrong, "\n".join(wrong)
    assert checked > 200   # the claims were found at all


def test_bench_cells_default_is_all() -> None:
    action = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    cells = next(a for a in action.choices["bench"]._actions if a.dest == "cells")
    assert cells.default.split(",") == list(CELLS)


def test_experiment_help_names_each_experiments_own_default() -> None:
    """``rnnkit experiment -h`` said fp32 and constant were the defaults of --precision and --schedule, where
    ``rnnkit experiment pixel-mnist`` runs auto and cosine: every flag whose help states a default names each
    experiment whose own default is another, with that value."""
    verbs, own = _subparsers(cli.build_parser()), []
    for action in verbs["experiment"]._actions:
        if not claims(action):
            continue
        common = next((f.default for f in dataclasses.fields(Settings) if f.name == action.dest), None)
        for experiment, exp in EXPERIMENTS.items():
            if exp.defaults.get(action.dest, common) != common:
                own.append(action.dest)
                said = rf"\b{re.escape(experiment)}\b[^;)]*: {re.escape(str(exp.defaults[action.dest]))}\b"
                assert re.search(said, action.help), (experiment, action.help)
    assert {"precision", "schedule"} <= set(own)


def _train_action(task: str, dest: str) -> argparse.Action:
    train = _subparsers(_subparsers(cli.build_parser())["train"])[task]
    return next(a for a in train._actions if a.dest == dest)


def test_classify_max_len_help_states_the_default_with_character_ngrams() -> None:
    """classify's ``--max-len`` said its default was 400 ids; with ``--char-ngrams`` it is 50,000 (a word brings a
    dozen ids): the help states both."""
    action = _train_action("classify", "max_len")
    for chars in ("0", "3,6"):
        assert re.search(rf"\b{ClassifyConfig(char_ngrams=chars).with_defaults().max_len}\b", action.help), chars


def test_autotune_help_names_every_setting_that_keeps_the_default_search_off() -> None:
    """classify's ``--autotune`` help said the search is on by default with ``--minutes`` and no model flag, where
    ``--pretrain-data`` and ``--find-lr`` keep it off too: each setting that does is named in that clause."""
    action = _train_action("classify", "autotune")
    clause = action.help[action.help.index("(default"):]
    assert ClassifyConfig(minutes=1.0).wants_autotune()
    for name, value in {**FIXED, "pretrain_data": "u.txt", "find_lr": True}.items():
        if not ClassifyConfig(minutes=1.0, **{name: value}).wants_autotune():
            assert re.search(rf"--{name.replace('_', '-')}\b", clause), name


def doc_claims() -> Iterator[tuple[str, str, str]]:
    """``(page, flag, value)`` of each ```--flag` ... (default N`` of README.md and docs/*.md."""
    pattern = re.compile(r"`(--[a-z][a-z0-9-]*)(?: [A-Z]+)?`[^`.]{0,40}?\bdefault (\d[\d.,e-]*\d|\d)")
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = " ".join(path.read_text(encoding="utf-8").split())
        for m in pattern.finditer(text):
            yield str(path.relative_to(ROOT)), m.group(1), m.group(2)


def test_docs_state_the_flags_defaults() -> None:
    runtime = runtime_defaults()
    every = [(key, a, s) for key, p, s in parsers() for a in p._actions]
    wrong, found = [], 0
    for page, flag, said in doc_claims():
        found += 1
        tasks = DOC_TASKS.get(page)
        actual = [effective_default(key, a, s, runtime) for key, a, s in every
                  if flag in a.option_strings and (tasks is None or key.split()[-1] in tasks)]
        if not any(agrees(said, one) for one in actual):
            wrong.append(f"{page}: {flag} default {said}; the code's: {actual or 'no such flag'}")
    assert not wrong, "\n".join(wrong)
    assert found >= 15
