"""Every `rnnkit ...` command the pages show is one rnnkit takes as typed: its values of the right kind (an
integer where the flag counts, a fraction in range) and no pair of flags rnnkit refuses together, nor a flag
without the one it needs.

tests/test_docs_names.py checks that each flag exists for its command and that a value of a flag with choices is
one of them; this parses each command with rnnkit's own parsers (rnnkit.cli's, a trained model's verb's) and, for
``rnnkit train TASK``, resolves and validates its settings as a run does before it reads any data
(:func:`rnnkit.train.options.resolve_settings`, the task config's ``validate``), for ``rnnkit experiment`` builds its
settings (:func:`rnnkit.tasks.experiments.settings_from_args`), for ``diagnose`` and ``bench`` checks their sizes.
Nothing is trained, no data is read and no model built. A placeholder value (``--steps N``) is left out, an
optional flag of a synopsis (``[--dropout P]``) is read as given, and ``$NAME`` is the page's own ``NAME="..."``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from rnnkit import cli as rcli
from rnnkit.errors import SettingError, UserError
from tests import test_docs_names as dn

ROOT = dn.ROOT
ASSIGNMENT = re.compile(r"^(?P<name>[A-Z_][A-Z0-9_]*)=(?P<value>.+)$")

#: (page, command as this file reads it): why rnnkit refuses it as the page shows it, and the page is right
ALLOWED: dict[tuple[str, str], str] = {
    ("docs/PERFORMANCE.md", "bench --cells a,b --batch 32 --length 200 --hidden 256 --input 64 --device cpu"):
        "the synopsis of `rnnkit bench`: a,b stands for the cells' names",
    ("docs/CLASSIFY.md", "export DIR --ensemble DIR2"): "the page says rnnkit refuses it, and what to do instead",
    ("README.md", "train charlm --data my.txt"): "a mention in a sentence: 'The first `rnnkit train charlm --data "
                                                 "my.txt` encodes the file once'",
}
#: the refusals of a command without a flag or argument it needs: a page's inline mention of a command
#: (`rnnkit diagnose`, `rnnkit data digits --square`) leaves out what a run needs, as a sentence does; a
#: command of a code block is typed whole
NEEDS_MORE = ("the following arguments are required", "--out DIR is required")


@pytest.fixture
def pages_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with one GPU, so that the pages' ``--device cuda`` is read as it is on one (nothing is put on it),
    and the model directories the pages name (``--ensemble runs/dates2``): a name with no suffix is one. An
    experiment's settings are checked without the layer it builds to try each cell's initialisers (seconds of
    orthogonal starts at the configs' sizes; tests/test_experiments.py builds them)."""
    import torch

    from rnnkit.tasks import _ensemble, _experiment_settings

    monkeypatch.setattr(_experiment_settings, "Recurrent", lambda *args, **kwargs: None)

    real = _ensemble._no_model_directory
    monkeypatch.setattr(_ensemble, "_no_model_directory",
                        lambda path, inputs: real(path, inputs) if Path(path).suffix or not path.strip() else None)

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)


def variables(snippets: tuple[dn.Snippet, ...]) -> dict[str, dict[str, list[str]]]:
    """Each page's shell variables (``COMMON="--data bible-en-es ..."``): page, name, the words of its value."""
    found: dict[str, dict[str, list[str]]] = {}
    for s in snippets:
        if s.lang not in ("python", "text", "inline") and (m := ASSIGNMENT.match(s.text.strip())):
            found.setdefault(s.doc, {})[m["name"]] = " ".join(dn.words(m["value"])).split()  # $NAME unquoted
    return found


def typed(words: tuple[str, ...], own: Mapping[str, list[str]]) -> list[str]:
    """``words`` as a user types them: ``$NAME`` replaced by the page's value, an optional flag's brackets
    (``[--dropout P]``) taken off, and a placeholder (``N``, ``[FLAG]``, ``...``) left out with the flag it is the
    value of, unless that flag takes any text (``--out RUN``: a name)."""
    out: list[str] = []
    for word in words:
        if word.startswith("$") and word[1:] in own:
            out += own[word[1:]]
            continue
        optional = word.startswith("[") and word.endswith("]")  # [FLAG], [flags]: some flags, unnamed
        word = word.strip("[]")
        if not word or "..." in word or optional and not word.startswith("-"):
            continue
        if dn.PLACEHOLDER.search(word) and out and _takes_a_kind(out[-1]):
            out.pop()
            continue
        out.append(word)
    if out and _takes_a_value(out[-1]):  # `rnnkit diagnose --cells`: the flag named, not given
        out.pop()
    return out


@functools.cache
def _actions() -> dict[str, Any]:
    """Each flag of rnnkit (of a train task, a verb, a command, a data set) and its argparse action (the first
    found of those a flag has)."""
    from rnnkit.tasks import COMMANDS, GENERATORS, TASKS
    from rnnkit.train.options import add_device_argument, add_threads_argument

    rcli.model_verbs()  # the tasks registered
    adders: list[Any] = [add_threads_argument, add_device_argument, *(c.add_arguments for c in COMMANDS.values())]
    for task in TASKS.values():
        adders += [*rcli._train_adders(task), *(verb.add_arguments for verb in task.verbs)]
    adders += [functools.partial(rcli._add_generator_arguments, gen=gen) for gen in GENERATORS.values()]
    found: dict[str, Any] = {}
    for add in adders:
        for action in rcli._actions(add):
            found.update({f: action for f in action.option_strings if f not in found})
    return found


def _takes_a_kind(flag: str) -> bool:
    """Whether ``flag``'s value is of a kind (a number, one of some choices), not any text."""
    action = _actions().get(flag.split("=", 1)[0])
    return action is not None and (action.type is not None or bool(action.choices))


def _takes_a_value(flag: str) -> bool:
    action = _actions().get(flag)
    return action is not None and action.nargs != 0


def refusal(words: list[str], doc: str, runs: Mapping[tuple[str, str], str]) -> str | None:
    """What rnnkit says to the command ``rnnkit WORDS`` of the page ``doc``, before any data is read: its error line,
    or None when it takes it (or the command is a placeholder, ``rnnkit train TASK``, that names nothing to check)."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            _check(words, doc, runs)
    except SystemExit:  # argparse's refusal, said on stderr
        return err.getvalue().strip().removeprefix("rnnkit").strip() or "exit"
    except SettingError as exc:
        return exc.as_flag()
    except UserError as exc:
        return str(exc)
    return None


def _check(words: list[str], doc: str, runs: Mapping[tuple[str, str], str]) -> None:
    from rnnkit.tasks import GENERATORS, TASKS

    verbs = rcli.model_verbs()
    if {"-h", "--help", "--version"} & set(words):
        return  # argparse's own answers
    if not words or dn.PLACEHOLDER.search(words[0]):
        return  # `rnnkit VERB DIR`
    if words[0] in verbs:
        if (task := dn.model_task(doc, words[0], tuple(words[1:]), runs)) is not None:
            _check_verb(words[0], TASKS[task], words[1:])
        return
    if words[0] in ("train", "data") and (len(words) < 2 or words[1] not in {**TASKS, **GENERATORS}):
        return  # `rnnkit train TASK`, `rnnkit train --device cuda`: no command to parse
    if words[0] == "experiment" and not (set(words) & {"--config", *_experiments()}):
        return  # `rnnkit experiment --precision auto`: a flag named, no experiment
    rcli._refuse_unknown_command_flags(words)
    args = _parser().parse_args(words)
    check = {"train": _check_training, "experiment": _check_experiment, "diagnose": _check_diagnose,
             "bench": _check_bench}.get(args.verb)
    if check is not None:
        check(args)


@functools.cache
def _parser() -> Any:
    return rcli.build_parser()


@functools.cache
def _experiments() -> frozenset[str]:
    from rnnkit.tasks.experiments import EXPERIMENTS

    return frozenset(EXPERIMENTS)


def _check_verb(name: str, task: Any, rest: list[str]) -> None:
    """``rnnkit NAME DIR ...`` of a ``task`` model, parsed as rnnkit.cli parses it (DIR left out: no model is read)."""
    at = rcli._dir_at(name, rest, [task])
    if at is None and {"-h", "--help"} & set(rest):
        return
    rest = rest if at is None else rest[:at] + rest[at + 1:]
    rcli._refuse_unknown_flags(name, task, rest)
    rcli.verb_parser(name, task, "DIR").parse_args(rest)


def _check_training(args: Any) -> None:
    """The settings of ``rnnkit train TASK ...`` as a fresh run resolves and validates them, before its data."""
    from rnnkit.tasks import TASKS
    from rnnkit.train.options import config_from, resolve_settings

    task = TASKS[args.task]
    settings = resolve_settings(args, rcli._defaults(task))
    rcli.run_out(settings, args)
    config = config_from(task.config, settings)
    config.validate()
    if hasattr(config, "refuse_unused_settings"):  # the classifier's: a fresh run's given settings it would not use
        config.refuse_unused_settings()


def _check_experiment(args: Any) -> None:
    from rnnkit.tasks.experiments import settings_from_args

    if args.config is None or (ROOT / args.config).is_file():  # a page's own file (copy-chrono.toml) is not here
        if args.config is not None:
            args.config = str(ROOT / args.config)
        settings_from_args(args)


def _check_diagnose(args: Any) -> None:
    from rnnkit.tasks.diagnose import check_settings, parse_cells

    check_settings(parse_cells(args.cells), args.length, args.hidden, args.train_steps, args.seed, args.clip_steps,
                   args.clip_length)


def _check_bench(args: Any) -> None:
    from rnnkit.tasks import bench

    bench._positive(args, "batch", "length", "hidden", "input", "rounds")
    bench.parse_cells(args.cells)


def commands(snippets: tuple[dn.Snippet, ...]) -> Iterator[tuple[dn.Segment, list[str]]]:
    """Each `rnnkit ...` command of ``snippets``, with its words as a user types them."""
    own = variables(snippets)
    for s in snippets:
        for seg in dn.rnnkit_commands(s):
            yield seg, typed(seg.words, own.get(s.doc, {}))


def typed_whole(seg: dn.Segment, words: list[str]) -> bool:
    """Whether ``seg`` is a command to type as it stands, not a mention: a code block's, or an inline
    ``rnnkit train TASK --data ...`` that leaves nothing out (no ``...``): "Command: `rnnkit train ...`"."""
    return seg.snippet.lang != "inline" or words[:1] == ["train"] and "--data" in words and \
        not any("..." in w for w in seg.words)


def problems_of(snippets: tuple[dn.Snippet, ...]) -> list[str]:
    runs, found = dn.trained(snippets), []
    for seg, words in commands(snippets):
        said = refusal(words, seg.snippet.doc, runs)
        elided = not typed_whole(seg, words) and said is not None and any(n in said for n in NEEDS_MORE)
        if said is not None and not elided and (seg.snippet.doc, " ".join(words)) not in ALLOWED:
            found.append(f"{seg}: rnnkit says: {said}")
    return found


@pytest.mark.usefixtures("pages_machine")
def test_every_rnnkit_command_of_the_pages_is_one_rnnkit_takes() -> None:
    problems = problems_of(dn.all_snippets())
    assert not problems, "\n".join(problems)


def test_the_commands_are_read_as_typed() -> None:
    own = {"COMMON": ["--data", "d.tsv", "--hidden", "64"]}
    assert typed(("train", "seq2seq", "$COMMON", "--out", "RUN"), own) == [
        "train", "seq2seq", "--data", "d.tsv", "--hidden", "64", "--out", "RUN"]
    assert typed(("train", "charlm", "--steps", "N", "[--dropout", "P]", "[--no-memory]", "[FLAG]"), {}) == [
        "train", "charlm", "--no-memory"]
    assert typed(("train", "classify", "...", "--hidden", "96"), {}) == ["train", "classify", "--hidden", "96"]
    found = [words for _, words in commands(dn.all_snippets())]
    assert len(found) > 300
    assert any(w[:2] == ["train", "seq2seq"] and "--vocab-size" in w for w in found), "$COMMON of TRANSLATE.md"


@pytest.mark.parametrize(("line", "said"), [
    ("rnnkit train charlm --data x.txt --out runs/x --steps 1e3", "--steps: expected"),
    ("rnnkit train charlm --data x.txt --out runs/x --hidden 0.5", "--hidden"),
    ("rnnkit train charlm --data x.txt --out runs/x --dropout 1.5", "--dropout 1.5"),
    ("rnnkit train classify --data d.csv --out r --layers 0 --pooling mean --hidden 64", "--hidden 64"),
    ("rnnkit train classify --data d.csv --out r --pretrain-minutes 2", "--pretrain-minutes 2"),
    ("rnnkit train charlm --data x.txt --out r --shift 5", "--shift 5"),
    ("rnnkit train classify --data d.csv --out r --find-lr --autotune", "--autotune"),
    ("rnnkit data dates --out d.tsv --pairs 1e4", "--pairs"),
    ("rnnkit experiment --config experiments/adding-200.toml --cells lstm --seeds 0 --out r", "seeds"),
    ("rnnkit diagnose --cells lstm --length 0 --out r", "length"),
    ("rnnkit bench --batch 0", "--batch 0"),
    ("rnnkit translate runs/x 3rd of March --beam 4.5", "--beam"),
    ("rnnkit predict runs/x --threads 0.5 --file new.csv", "--threads"),
])
def test_a_value_or_pair_rnnkit_refuses_is_caught(line: str, said: str) -> None:
    doc = (dn.Snippet("X.md", 1, "rnnkit train seq2seq --data d.tsv --out runs/x", "sh"),
           dn.Snippet("X.md", 2, "rnnkit train classify --data d.csv --out runs/x", "sh"),
           dn.Snippet("X.md", 3, line, "sh"))
    runs = dn.trained(doc[:1]) if "translate" in line else dn.trained(doc[1:2])
    words = typed(next(dn.rnnkit_commands(doc[2])).words, {})
    got = refusal(words, "X.md", runs)
    assert got is not None and said in got, got
    assert refusal(typed(next(dn.rnnkit_commands(doc[0])).words, {}), "X.md", {}) is None


@pytest.mark.parametrize(("line", "said"), [
    ("rnnkit train charlm --data x.txt --steps 5", "--out DIR is required"),
    ("rnnkit diagnose --cells lstm", "required: --out"),
])
def test_a_command_of_a_code_block_is_typed_whole(line: str, said: str) -> None:
    """A code block's command lacking what a run needs fails as typed; an inline mention may leave it out, but not
    an inline training command that gives its data (docs/TRANSLATE.md's "Command: `rnnkit train seq2seq --data
    dates.tsv ...`" had no --out)."""
    problems = problems_of((dn.Snippet("X.md", 1, line, "sh"),))
    assert len(problems) == 1 and said in problems[0], problems
    assert bool(problems_of((dn.Snippet("X.md", 1, line, "inline"),))) == line.startswith("rnnkit train")
    assert not problems_of((dn.Snippet("X.md", 1, "rnnkit train classify ... --hidden 96 --minutes 3", "inline"),))
