"""What the documentation tells a user to type exists: the flags of every `rnnkit ...` command and of every
`python benchmarks/NAME.py ...` (or `examples/.../NAME.py`) line, the files it names, the `make` targets, and
the Python names (`rnnkit.a.b.Name`, `from rnnkit.a import Name`, the calls of its Python examples).

Code moves (a file split into parts, a flag renamed); a doc that still names the old one sends its reader to an
error. The names are read from the code blocks and the inline code of README.md, CONTRIBUTING.md, docs/*.md and
examples/*/README.md; nothing is trained or run: the flags are read from the parsers rnnkit.cli builds (and, for
the scripts, from the `add_argument` calls of their source). A mention that is not meant to exist (a placeholder,
another program's flag, a name the docs say was removed) is in ALLOWED below, with the reason.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
import shlex
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "examples").glob("*/README.md"))]

#: (doc, text of the mention, why it is not a stale name): mentions the checks below would refuse but that are right
ALLOWED: dict[tuple[str, str], str] = {
    ("docs/CLASSIFY.md", "--no-ensemble"): "the doc says the feature was built, then withdrawn: not in rnnkit",
}

FENCE = re.compile(r"^[ \t]*(?P<ticks>```+)(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^[ \t]*(?P=ticks)[ \t]*$", re.S | re.M)
INLINE = re.compile(r"(?<!`)(?P<ticks>`+)(?!`)(?P<code>(?:(?!\n[ \t]*\n).)+?)(?<!`)(?P=ticks)(?!`)", re.S)
SEPARATORS = frozenset({"|", "||", "&&", ";", "&", ">", ">>", "<", "(", ")", "2>", "2>&1", "&>"})
FLAG = re.compile(r"(?:^|[\[/(|])(--?[A-Za-z][\w-]*)")
PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*$|[<>]|\.\.\.")


@dataclass(frozen=True)
class Snippet:
    """A piece of a doc's code: one line of a fenced block (its continuation lines joined) or one inline span."""

    doc: str
    line: int
    text: str
    lang: str  # the block's language ("sh", "python", "" ...), or "inline"


def snippets(path: Path) -> list[Snippet]:
    """Every code line and inline code span of the markdown file ``path``."""
    text = path.read_text(encoding="utf-8")
    name = path.relative_to(ROOT).as_posix()
    found: list[Snippet] = []
    prose: list[str] = []
    at = 0
    for block in FENCE.finditer(text):
        prose.append(text[at:block.start()] + "\n" * text.count("\n", block.start(), block.end()))
        at = block.end()
        first = text.count("\n", 0, block.start("body")) + 1
        lang = block["lang"] or ""
        if lang == "python":
            found.append(Snippet(name, first, block["body"], lang))
            continue
        pending, start = "", 0
        for i, line in enumerate(block["body"].split("\n")):
            start = start if pending else first + i
            if line.rstrip().endswith("\\"):  # a continued line is one command with the next
                pending += line.rstrip()[:-1] + " "
                continue
            found.append(Snippet(name, start, pending + line, lang))
            pending = ""
    prose.append(text[at:])
    rest = "".join(prose)
    for span in INLINE.finditer(rest):  # a span may go on over a line break, as markdown's do
        code = re.sub(r"\s*\n\s*", " ", span["code"].strip())
        found.append(Snippet(name, rest.count("\n", 0, span.start()) + 1, code, "inline"))
    return found


@functools.cache
def all_snippets() -> tuple[Snippet, ...]:
    return tuple(s for doc in DOCS for s in snippets(doc))


def words(text: str) -> list[str]:
    """``text`` as the shell splits it (separators as words of their own, comments left out); a line whose
    quotes do not pair (a doc's prose) split at spaces."""
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        return list(lexer)
    except ValueError:
        return text.split("#", 1)[0].split()


def allowed(s: Snippet, what: str) -> bool:
    return (s.doc, what) in ALLOWED


# -- commands and their flags -------------------------------------------------------------------------------

#: programs other than rnnkit and the benchmarks, whose flags the docs name as those programs take them
OTHER_PROGRAMS = {
    "pip": "pip's own flags (pip download --no-deps ...)",
    "torchrun": "torchrun's own flags (--nproc_per_node ...); the `-m rnnkit ...` after them is checked",
    "pytest": "pytest's own flags (--durations)",
    "tensorboard": "TensorBoard's own flags (tensorboard --logdir runs), which reads what --tensorboard writes",
}
SHELL_WORDS = frozenset({"$", "do", "then", "else", "time", "sudo", "exec"})
SCRIPT = re.compile(r"(?:benchmarks|examples)/[\w/-]*\.py")


@dataclass(frozen=True)
class Segment:
    """One command of a shell line (the line cut at ``|``, ``&&``, ``;`` ...): its program and its words after it."""

    snippet: Snippet
    program: str  # "rnnkit", a script (benchmarks/NAME.py), another program's name, or "" (flags on their own)
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.snippet.doc}:{self.snippet.line}: {self.program} {' '.join(self.words)}".rstrip()


def segments(s: Snippet) -> Iterator[Segment]:
    """The commands of a shell line or an inline code span; none of a Python block or of a program's output."""
    if s.lang in ("python", "text"):
        return
    ws = words(s.text)
    cuts = [-1, *(i for i, w in enumerate(ws) if w in SEPARATORS), len(ws)]
    for start, end in zip(cuts, cuts[1:], strict=False):
        part = ws[start + 1:end]
        while part and (part[0] in SHELL_WORDS or re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", part[0])):
            part = part[1:]  # `$ `, `do `, `RNNKIT_DATA_CACHE=data-cache `
        if not part:
            continue
        first = part[0]
        if first.endswith("torchrun") and "-m" in part and part.index("-m") + 1 < len(part):
            at = part.index("-m")
            yield Segment(s, "torchrun", tuple(part[1:at]))
            part = part[at + 1:]
            first = part[0]
        if re.fullmatch(r"(?:\S*/)?python3?", first) and len(part) > 1:
            part = part[2:] if part[1] == "-m" else part[1:]  # python -m rnnkit, python benchmarks/NAME.py
            first = part[0] if part else ""
        if first == "rnnkit" or first.endswith("/bin/rnnkit"):
            yield Segment(s, "rnnkit", tuple(part[1:]))
        elif SCRIPT.fullmatch(first) or re.fullmatch(r"\w+\.py", first) and (ROOT / "benchmarks" / first).is_file():
            yield Segment(s, first if SCRIPT.fullmatch(first) else f"benchmarks/{first}", tuple(part[1:]))
        elif first.startswith("-"):
            yield Segment(s, "", tuple(part))
        else:
            yield Segment(s, first, tuple(part[1:]))


def flags_in(ws: tuple[str, ...] | list[str]) -> list[str]:
    """The flags among ``ws`` (``--beam 4``, ``--json``, ``[--seed N]``, ``--dropout/--no-dropout``)."""
    return [m for w in ws for m in FLAG.findall(w)]


@functools.cache
def cli() -> dict[str, Any]:
    """What `rnnkit` answers, read from the parsers rnnkit.cli builds: each subcommand's flags, with the values a
    flag of fixed choices takes (None for any value)."""
    from rnnkit import cli as rcli
    from rnnkit.tasks import COMMANDS, GENERATORS, TASKS

    def names(*adders: Callable[..., Any]) -> dict[str, frozenset[str] | None]:
        return {"-h": None, "--help": None, **{f: frozenset(map(str, a.choices)) if a.choices else None
                                                for a in rcli._actions(*adders) for f in a.option_strings}}

    def verb_names(task: Any, verb: Any) -> dict[str, frozenset[str] | None]:
        return {**dict.fromkeys(rcli._verb_flags(verb.name, [task])), **names(verb.add_arguments)}

    top = {f for a in rcli.build_parser()._actions for f in a.option_strings}
    return {
        "top": top,
        "train": {name: names(*rcli._train_adders(task)) for name, task in TASKS.items()},
        "data": {name: names(functools.partial(rcli._add_generator_arguments, gen=gen))
                 for name, gen in GENERATORS.items()},
        "commands": {name: names(command.add_arguments) for name, command in COMMANDS.items()},
        "verbs": {name: set(rcli._verb_flags(name, tasks)) | {"-h", "--help"}
                  for name, tasks in rcli.model_verbs().items()},
        "tasks_of_verb": rcli.model_verbs(),
        "task_verbs": {(task.name, verb.name): verb_names(task, verb)
                       for task in TASKS.values() for verb in task.verbs},
    }


def every_rnnkit_flag() -> set[str]:
    c = cli()
    return set(c["top"]).union(*c["verbs"].values(), *c["commands"].values(), *c["train"].values(),
                               *c["data"].values())


#: the task of a doc's models where a command names none the doc trains (``rnnkit predict DIR --top-k K``)
TASK_OF_DOC = {"docs/CHARLM.md": "charlm", "docs/CLASSIFY.md": "classify", "docs/TRANSLATE.md": "seq2seq",
               "docs/SPEECH.md": "speech", "docs/CAPTION.md": "caption"}


def trained(snippets_: tuple[Snippet, ...]) -> dict[tuple[str, str], str]:
    """Each folder a doc trains a model into (``rnnkit train TASK ... --out DIR``): (doc, DIR) and the task."""
    runs: dict[tuple[str, str], str] = {}
    for s in snippets_:
        for seg in rnnkit_commands(s):
            ws = seg.words
            if ws[:1] == ("train",) and len(ws) > 1 and "--out" in ws[:-1]:
                runs.setdefault((s.doc, ws[ws.index("--out") + 1]), ws[1])
    return runs


def model_task(doc: str, verb: str, rest: tuple[str, ...], runs: Mapping[tuple[str, str], str]) -> str | None:
    """The task of the model ``rnnkit VERB ...`` runs on, as far as the doc says: the task of a folder of ``rest``
    the doc trains, else the doc's own task when it answers the verb; None when the doc does not say."""
    for word in rest:
        if (task := runs.get((doc, word.removesuffix("/").removesuffix("/best").removesuffix("/last")))) is not None:
            return task
    task = TASK_OF_DOC.get(doc)
    return task if task is not None and any(t.name == task for t in cli()["tasks_of_verb"].get(verb, ())) else None


def command_flags(words_: tuple[str, ...], doc: str = "", runs: Mapping[tuple[str, str], str] | None = None
                  ) -> tuple[str, Collection[str] | None, list[str]]:
    """For the words after `rnnkit`: which command they are (``train charlm``, ``predict`` of a ``tag`` model), the
    flags it takes (None: no such command) and the flags they give it. A placeholder (``rnnkit VERB``, ``train
    TASK``) takes the flags that some command of its kind takes, and so does a verb on a model of no known task.
    The flags it takes are a mapping to their choices where the command is known."""
    c = cli()
    i = 0
    while i < len(words_) and words_[i].startswith("-"):  # rnnkit --version
        i += 1
    if i == len(words_):
        return "", c["top"], flags_in(words_)
    verb, rest = words_[i], words_[i + 1:]
    before = flags_in(words_[:i])
    if PLACEHOLDER.search(verb):
        return verb, every_rnnkit_flag(), before + flags_in(rest)
    if verb in ("train", "data"):
        table, sub = c[verb], (rest[0] if rest else "")
        if not sub or sub.startswith("-") or PLACEHOLDER.search(sub):
            return verb, set().union(*table.values()), before + flags_in(rest)
        return f"{verb} {sub}", table.get(sub), before + flags_in(rest[1:])
    if verb in c["verbs"] and (task := model_task(doc, verb, rest, runs or {})) is not None:
        takes = c["task_verbs"].get((task, verb))
        return f"{verb} (of a {task} model)", takes, before + flags_in(rest)
    takes = c["commands"].get(verb, c["verbs"].get(verb))
    return verb, takes, before + flags_in(rest)


def rnnkit_commands(s: Snippet) -> Iterator[Segment]:
    return (seg for seg in segments(s) if seg.program == "rnnkit")


def command_problems(snippets_: tuple[Snippet, ...]) -> list[str]:
    problems, runs = [], trained(snippets_)
    for s in snippets_:
        for command in rnnkit_commands(s):
            what, takes, given = command_flags(command.words, s.doc, runs)
            if takes is None:
                if re.fullmatch(r"[a-z][a-z0-9_-]*(?: [a-z][a-z0-9_-]*| \(of a \w+ model\))?", what) \
                        and not allowed(s, f"rnnkit {what}"):
                    problems.append(f"{command}: `rnnkit {what}` is no command")
                continue
            for flag in given:
                if flag not in takes and not allowed(s, f"rnnkit {what} {flag}".replace("  ", " ")):
                    problems.append(f"{command}: `rnnkit {what}` takes no {flag}")
            for flag, value in flag_values(command.words) if isinstance(takes, Mapping) else ():
                if (choices := takes.get(flag)) and value not in choices and not PLACEHOLDER.search(value) \
                        and not allowed(s, f"rnnkit {what} {flag} {value}"):
                    problems.append(f"{command}: `rnnkit {what}` takes {flag} {'|'.join(sorted(choices))}, not {value}")
    return problems


def flag_values(ws: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Each ``--flag VALUE`` and ``--flag=VALUE`` of ``ws`` (a VALUE that is not itself a flag)."""
    for i, w in enumerate(ws):
        flag, eq, value = w.partition("=")
        if flag.startswith("--") and (eq or i + 1 < len(ws) and not ws[i + 1].startswith("-")):
            yield flag, value if eq else ws[i + 1]


def test_every_flag_of_an_rnnkit_command_in_the_docs_is_one_its_parser_takes() -> None:
    problems = command_problems(all_snippets())
    assert not problems, "\n".join(problems)


@functools.cache
def script_flags(path: Path) -> frozenset[str]:
    """The flags of a script (benchmarks/, examples/), read from its ``add_argument`` calls (running each
    ``--help`` would import torch in a process of its own, seconds apiece)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    flags = {arg.value for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument"
             for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
             and arg.value.startswith("-")}
    return frozenset(flags | {"-h", "--help"}) if flags else frozenset()


#: scripts that hand words on to an rnnkit command: those after `--`, or (None) all of them
PASSES_ON = {"benchmarks/charlm.py": (("train", "charlm"), "--"),
             "examples/korean_scam/generate.py": (("data", "scam"), None)}


def script_problems(snippets_: tuple[Snippet, ...]) -> list[str]:
    problems = []
    for s in snippets_:
        for seg in segments(s):
            if not SCRIPT.fullmatch(seg.program):
                continue
            path = ROOT / seg.program
            if not path.is_file():
                if not allowed(s, seg.program):
                    problems.append(f"{seg}: no such script")
                continue
            own, passed = seg.words, ()
            command, after = PASSES_ON.get(seg.program, ((), ""))
            if after is None:
                own, passed = (), command + own
            elif after in own:
                at = own.index(after)
                own, passed = own[:at], command + own[at + 1:]
            takes = script_flags(path)
            for flag in flags_in(own):
                if flag not in takes and not allowed(s, f"{seg.program} {flag}"):
                    problems.append(f"{seg}: {seg.program} takes no {flag}")
            if passed:
                what, takes_on, given = command_flags(passed)
                problems += [f"{seg}: `rnnkit {what}` takes no {flag}" for flag in given if flag not in takes_on]
    return problems


def test_every_script_line_in_the_docs_names_a_script_and_flags_it_takes() -> None:
    problems = script_problems(all_snippets())
    assert not problems, "\n".join(problems)


def loose_flag_problems(snippets_: tuple[Snippet, ...]) -> list[str]:
    """A flag named in code without its command (``--pooling max``, ``--no-ensemble``), or after a program the
    docs do not say, must be one of rnnkit's or of a benchmark's: one renamed everywhere leaves it behind."""
    scripts = [*(ROOT / "benchmarks").glob("*.py"), *(ROOT / "examples").rglob("*.py")]
    known = every_rnnkit_flag().union(*(script_flags(p) for p in scripts))
    problems = []
    for s in snippets_:
        for seg in segments(s):
            if seg.program in ("rnnkit", *OTHER_PROGRAMS) or _base(seg.program) in OTHER_PROGRAMS \
                    or SCRIPT.fullmatch(seg.program):
                continue
            for flag in flags_in((seg.program, *seg.words)):
                if flag.startswith("--") and flag not in known and not allowed(s, flag):
                    problems.append(f"{seg}: {flag} is no flag of rnnkit's or of a benchmark's")
            for flag, value in flag_values(seg.words):
                if (choices := fixed_choices().get(flag)) and value not in choices and not PLACEHOLDER.search(value):
                    problems.append(f"{seg}: {flag} takes {'|'.join(sorted(choices))}, not {value}")
    return problems


def _base(program: str) -> str:
    return program.rsplit("/", 1)[-1]  # .venv/bin/pytest


@functools.cache
def fixed_choices() -> dict[str, frozenset[str]]:
    """The values of each flag that takes one of fixed choices wherever rnnkit has it (``--pooling``)."""
    c = cli()
    tables = [*c["commands"].values(), *c["train"].values(), *c["data"].values(), *c["task_verbs"].values()]
    free = {flag for table in tables for flag, choices in table.items() if not choices}
    choices: dict[str, frozenset[str]] = {}
    for table in tables:
        for flag, values in table.items():
            if values and flag not in free:
                choices[flag] = choices.get(flag, frozenset()) | values
    return choices


def test_every_flag_named_on_its_own_in_the_docs_is_a_flag_of_rnnkit_or_a_benchmark() -> None:
    problems = loose_flag_problems(all_snippets())
    assert not problems, "\n".join(problems)


# -- files and make targets ---------------------------------------------------------------------------------

PATH = re.compile(r"(?<![\w/.-])(?P<path>(?:src/rnnkit|benchmarks|tests|docs|experiments|examples|\.ci)"
                  r"(?:/[\w.*-]+)*/?)")
#: a module or a C++ file named from inside src/rnnkit, as CONTRIBUTING.md does (`cells/lstm.py`)
PACKAGE_PATH = re.compile(r"(?<![\w/.-])(?P<path>(?:cells|models|tasks|train|data|report|native)/[\w/*-]+\."
                          r"(?:py|cpp))(?![\w/])")
#: a source file named by itself (``_classify_flags.py``, ``lstm_step.cpp``, ``gpu_check.sh``)
SOURCE_NAME = re.compile(r"(?<![\w/.*-])(?P<name>[\w-]+\.(?:py|cpp|h|sh))(?![\w/])")


@functools.cache
def source_names() -> frozenset[str]:
    """The names of the repository's source files (src/, tests/, benchmarks/, examples/)."""
    return frozenset(p.name for top in ("src", "tests", "benchmarks", "examples") for p in (ROOT / top).rglob("*")
                     if p.suffix in (".py", ".cpp", ".h", ".sh"))


def exists(relative: str, base: Path = ROOT) -> bool:
    """Whether ``relative`` names a file or folder (a placeholder such as NAME or TASK, or a glob, matching one)."""
    relative = relative.rstrip(".,:;")
    if (base / relative).exists():
        return True
    pattern = re.sub(r"(?<![a-z])[A-Z]{3,}(?![a-z])", "*", relative)
    return "*" in pattern and any(base.glob(pattern.rstrip("/")))


def path_problems(snippets_: tuple[Snippet, ...]) -> list[str]:
    problems = []
    for s in snippets_:
        if s.lang == "text":
            continue
        for m in PATH.finditer(s.text):
            path = m["path"].rstrip(".")
            if path.count("/") == 0 and not path.endswith("/"):
                continue  # "tests", "docs" as words
            if not exists(path) and not allowed(s, path):
                problems.append(f"{s.doc}:{s.line}: {path}: no such file or folder")
        for m in PACKAGE_PATH.finditer(s.text):
            if not exists(m["path"], ROOT / "src" / "rnnkit") and not allowed(s, m["path"]):
                problems.append(f"{s.doc}:{s.line}: src/rnnkit/{m['path']}: no such file")
        for m in SOURCE_NAME.finditer(s.text):
            if m["name"] not in source_names() and not re.search(r"[A-Z]{3}", m["name"]) \
                    and not allowed(s, m["name"]):
                problems.append(f"{s.doc}:{s.line}: {m['name']}: no such source file")
    return problems


def test_every_repository_path_in_the_docs_exists() -> None:
    problems = path_problems(all_snippets())
    assert not problems, "\n".join(problems)


LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a markdown file (lower case, punctuation dropped, spaces as -; a
    heading met before gets -1, -2 ...)."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for heading in re.findall(r"^#+ (.*)$", text, re.M):
        anchor = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(next(a for n in range(len(found) + 1) if (a := f"{anchor}-{n}" if n else anchor) not in found))
    return found


def link_problems(docs: list[Path]) -> list[str]:
    """Each relative link of the docs (``[docs/CLASSIFY.md](docs/CLASSIFY.md)``, ``(#multi-label-...)``) leads to a
    file that exists, and to a heading of it where it names one."""
    problems = []
    for doc in docs:
        text = doc.read_text(encoding="utf-8")
        for m in LINK.finditer(text):
            path, _, anchor = m["target"].partition("#")
            if re.match(r"[a-z]+:", path):
                continue  # https:, mailto:
            name = doc.relative_to(ROOT) if doc.is_relative_to(ROOT) else doc
            where = f"{name}:{text.count(chr(10), 0, m.start()) + 1}"
            target = doc.parent / path if path else doc
            if not target.exists():
                problems.append(f"{where}: ({m['target']}): no such file")
            elif anchor and target.suffix == ".md" and anchor not in anchors(target):
                problems.append(f"{where}: ({m['target']}): no such heading")
    return problems


def test_every_link_of_the_docs_leads_somewhere() -> None:
    problems = link_problems(DOCS)
    assert not problems, "\n".join(problems)


MAKE = re.compile(r"(?:^|[\s$`])make (?P<target>[a-z][\w-]*)")


def make_problems(snippets_: tuple[Snippet, ...]) -> list[str]:
    targets = set(re.findall(r"^([\w.-]+):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    problems = []
    for s in snippets_:
        if s.lang in ("python", "text"):
            continue
        for m in MAKE.finditer(s.text):
            if (s.lang != "inline" or s.text.startswith("make ")) and m["target"] not in targets \
                    and not allowed(s, f"make {m['target']}"):
                problems.append(f"{s.doc}:{s.line}: make {m['target']}: no such target in the Makefile")
    return problems


def test_every_make_target_in_the_docs_is_in_the_makefile() -> None:
    problems = make_problems(all_snippets())
    assert not problems, "\n".join(problems)


# -- Python names -------------------------------------------------------------------------------------------

DOTTED = re.compile(r"(?<![\w./-])rnnkit(?:\.[A-Za-z_]\w*)+")
#: a name of a module of rnnkit's written from inside the package, as CONTRIBUTING.md does (``cells.CELLS``,
#: ``models/seq2seq.AttentionDecoder``): a class, a constant or a private function, so that ``data.csv`` is none
SHORT = re.compile(r"(?<![\w./-])(?P<module>(?:cells|models|tasks|train|data|report|native|bptt|scan|recurrent)"
                   r"(?:[./][a-z_]\w*)*)\.(?P<name>[A-Z_]\w*)(?![\w/])")
FROM = re.compile(r"\bfrom (?P<module>rnnkit(?:\.\w+)*) import (?P<names>\(?[\w, ]+)")


def lookup(dotted: str) -> Any:
    """The module ``rnnkit.a.b``, or the object reached from one by attributes (``rnnkit.a.b.Name.method``);
    LookupError when there is none."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for part in parts[cut:]:
            if not hasattr(obj, part):
                try:
                    obj = importlib.import_module(f"{obj.__name__}.{part}")
                    continue
                except (ModuleNotFoundError, AttributeError):
                    raise LookupError(dotted) from None
            obj = getattr(obj, part)
        return obj
    raise LookupError(dotted)


def resolves(dotted: str) -> bool:
    """Whether ``rnnkit.a.b.Name`` is a module, or a name reached from one by attributes."""
    try:
        lookup(dotted)
    except LookupError:
        return False
    return True


def python_names(s: Snippet) -> Iterator[str]:
    """The ``rnnkit.…`` names a snippet uses: dotted names, and each name of a ``from rnnkit… import``."""
    if s.lang == "text":
        return
    for m in DOTTED.finditer(s.text):
        name = m.group(0)
        if s.text[m.end():m.end() + 1] == "/" or name.endswith((".py", ".md", ".cpp", ".json", ".toml")):
            continue
        yield name
    for m in SHORT.finditer(s.text):
        yield f"rnnkit.{m['module'].replace('/', '.')}.{m['name']}"
    for m in FROM.finditer(s.text):
        for name in m["names"].strip("(").split(","):
            if name.strip():
                yield f"{m['module']}.{name.strip()}"


def name_problems(snippets_: tuple[Snippet, ...]) -> list[str]:
    problems = []
    for s in snippets_:
        for name in python_names(s):
            if not resolves(name) and not allowed(s, name):
                problems.append(f"{s.doc}:{s.line}: {name}: no such name")
    return problems


def test_every_rnnkit_python_name_in_the_docs_imports() -> None:
    problems = name_problems(all_snippets())
    assert not problems, "\n".join(problems)


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` of a name or an attribute chain; None for anything else (``rnnkit.load(d).predict``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (owner := _dotted(node.value)) is not None:
        return f"{owner}.{node.attr}"
    return None


def api_problems(snippets_: tuple[Snippet, ...]) -> list[str]:
    """The calls of the docs' Python (blocks, and inline code that parses as Python): ``rnnkit.fit(TASK, ...)``
    with a task and settings that exist; any other ``rnnkit.x.y(...)`` with arguments its signature takes; and on
    ``obj = rnnkit.load(DIR)`` (DIR's task from the block's ``fit``, the doc's ``rnnkit train`` or the doc's
    subject) methods and keywords its class has (docs/*.md's blocks are not run, as README.md's are)."""
    import dataclasses
    import inspect

    cli()
    from rnnkit.tasks import TASKS

    runs, problems = trained(snippets_), []
    for s in snippets_:
        if s.lang == "text":
            continue
        try:
            tree = ast.parse(s.text)
        except SyntaxError as exc:
            if s.lang == "python":
                problems.append(f"{s.doc}:{s.line + (exc.lineno or 1) - 1}: the Python block does not parse: {exc.msg}")
            continue
        fits: dict[str, str] = {}
        objects: dict[str, type] = {}
        calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call) and _dotted(n.func)),
                       key=lambda n: (n.lineno, n.col_offset))
        assigned = {id(n.value): n.targets[0].id for n in ast.walk(tree)
                    if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)}
        for call in calls:
            where, name = f"{s.doc}:{s.line + call.lineno - 1}", str(_dotted(call.func))
            owner, _, attr = name.rpartition(".")
            keywords = [k.arg for k in call.keywords if k.arg]
            literal = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            given = {k.arg: k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)}
            if name == "rnnkit.fit" and literal:
                if literal[0] not in TASKS:
                    problems.append(f"{where}: rnnkit.fit({literal[0]!r}): no such task")
                    continue
                fits[str(given.get("out", literal[2] if len(literal) > 2 else ""))] = literal[0]
                fields = {f.name for f in dataclasses.fields(TASKS[literal[0]].config)}
                problems += [f"{where}: rnnkit.fit({literal[0]!r}, {k}=...): no such setting"
                             for k in keywords if k not in fields and k not in _parameters(lookup(name))]
            elif name == "rnnkit.load" and literal and id(call) in assigned:
                task = fits.get(literal[0]) or runs.get((s.doc, literal[0])) or TASK_OF_DOC.get(s.doc)
                if task in TASKS:
                    objects[assigned[id(call)]] = TASKS[task].load
            elif name.startswith("rnnkit.") and resolves(name) and callable(function := lookup(name)):
                positional = [None] * len(call.args)
                if any(isinstance(a, ast.Starred) for a in call.args) or len(keywords) < len(call.keywords):
                    continue  # f(*args) or f(**options): what it passes is not written out
                try:
                    inspect.signature(function).bind_partial(*positional, **dict.fromkeys(keywords))
                except TypeError as exc:
                    problems.append(f"{where}: {name}(...): {exc}")
                except ValueError:
                    continue  # a builtin without a signature
            elif owner in objects:
                cls = objects[owner]
                if not hasattr(cls, attr):
                    problems.append(f"{where}: {cls.__name__}.{attr}: no such method")
                elif not _takes_any_keyword(getattr(cls, attr)):
                    problems += [f"{where}: {cls.__name__}.{attr}({k}=...): no such keyword"
                                 for k in keywords if k not in _parameters(getattr(cls, attr))]
    return problems


def _parameters(function: Callable[..., Any]) -> set[str]:
    import inspect

    return set(inspect.signature(function).parameters)


def _takes_any_keyword(function: Callable[..., Any]) -> bool:
    import inspect

    return any(p.kind is p.VAR_KEYWORD for p in inspect.signature(function).parameters.values())


def test_every_call_of_a_python_block_in_the_docs_names_what_rnnkit_has() -> None:
    problems = api_problems(all_snippets())
    assert not problems, "\n".join(problems)


# -- the checks can fail ------------------------------------------------------------------------------------


def test_the_docs_are_read() -> None:
    """The extraction finds the docs' commands: a regex that matched nothing would pass every check above."""
    found = all_snippets()
    commands = [c for s in found for c in rnnkit_commands(s)]
    assert len(commands) > 200
    assert any(c.words[:2] == ("train", "charlm") and "--minutes" in c.words for c in commands)
    assert any(c.words[:1] == ("evaluate",) for c in commands)
    assert sum(1 for s in found for name in python_names(s)) > 50
    assert sum(1 for s in found for _ in PATH.finditer(s.text)) > 50
    assert set(OTHER_PROGRAMS) <= {_base(seg.program) for s in found for seg in segments(s)}, "an unused entry"
    runs = trained(found)
    assert not set(ALLOWED) - {(s.doc, k) for s in found for k in _keys(s, runs)}, "an ALLOWED entry no doc has"


def _keys(s: Snippet, runs: Mapping[tuple[str, str], str]) -> set[str]:
    """Everything of ``s`` an ALLOWED entry may name."""
    keys: set[str] = set(python_names(s))
    keys |= {m["path"].rstrip(".") for m in PATH.finditer(s.text)} | {m["path"] for m in PACKAGE_PATH.finditer(s.text)}
    keys |= {f"make {m['target']}" for m in MAKE.finditer(s.text)} | {m["name"] for m in SOURCE_NAME.finditer(s.text)}
    for command in rnnkit_commands(s):
        what, _, given = command_flags(command.words, s.doc, runs)
        keys |= {f"rnnkit {what}", *(f"rnnkit {what} {flag}" for flag in given)}
    for seg in segments(s):
        keys |= {seg.program, *(f"{seg.program} {flag}" for flag in flags_in(seg.words)), *flags_in(seg.words)}
    return keys


@pytest.mark.parametrize(("line", "wrong"), [
    ("rnnkit train charlm --data x.txt --hiden 64 --out runs/x", "--hiden"),
    ("rnnkit evaluate runs/x --data t.csv --basline", "--basline"),
    ("rnnkit data dates --out d --numbr 5", "--numbr"),
    ("rnnkit experiment --config e.toml --cels lstm", "--cels"),
    ("rnnkit sing runs/x", "sing"),
    ("rnnkit train classify --data d.csv --pooling maximum", "not maximum"),
    ("rnnkit train charlm --cell=lstn", "not lstn"),
])
def test_a_flag_or_verb_that_is_none_is_caught(line: str, wrong: str) -> None:
    for lang in ("sh", "inline"):
        problems = command_problems((Snippet("X.md", 1, line, lang),))
        assert len(problems) == 1 and wrong in problems[0], problems


def test_the_other_checks_catch_a_stale_name() -> None:
    def one(text: str, lang: str = "inline") -> tuple[Snippet, ...]:
        return (Snippet("X.md", 1, text, lang),)

    assert script_problems(one("python benchmarks/charlm.py --no-such-flag 3"))
    assert script_problems(one("python benchmarks/no_such.py"))
    assert not script_problems(one("python benchmarks/charlm.py --help"))
    assert loose_flag_problems(one("--pooling maximum")) and not loose_flag_problems(one("--pooling max"))
    assert loose_flag_problems(one("--poolng max"))
    assert script_problems(one("python benchmarks/charlm.py quality --out o -- --minuts 1"))
    assert not script_problems(one("python benchmarks/charlm.py quality --out o -- --minutes 1"))
    assert script_problems(one("python examples/korean_scam/generate.py d --sed 3"))
    assert not script_problems(one("python examples/korean_scam/generate.py d --seed 3"))
    assert path_problems(one("src/rnnkit/tasks/no_such.py")) and path_problems(one("tasks/no_such.py"))
    assert not path_problems(one("src/rnnkit/tasks/charlm.py tests/test_NAME.py"))
    assert path_problems(one("_classify_flag.py")) and not path_problems(one("_classify_flags.py, _NAME_*.py"))
    assert sum(1 for doc in DOCS for _ in LINK.finditer(doc.read_text(encoding="utf-8"))) > 20
    assert make_problems(one("make no-such-target", "sh")) and not make_problems(one("make quick", "sh"))
    assert name_problems(one("rnnkit.fit_all")) and name_problems(one("from rnnkit.cells import NoSuchCell"))
    assert not name_problems(one("import rnnkit\nrnnkit.fit('charlm')\nfrom rnnkit.cells import CELLS", "python"))
    assert name_problems(one("native.SOURCE"))
    assert not name_problems(one("native.SOURCES models/seq2seq.AttentionDecoder"))
    block = 'import rnnkit\nrnnkit.fit("charlm", out="runs/a", hiden=3)\nlm = rnnkit.load("runs/a")\n'
    problems = api_problems(one(block + 'lm.sample(prime="a", temprature=1)\nfor c in lm.strem(): pass\n', "python"))
    assert [p.split(": ", 1)[1] for p in problems] == [
        "rnnkit.fit('charlm', hiden=...): no such setting", "CharLM.sample(temprature=...): no such keyword",
        "CharLM.strem: no such method"], problems
    assert not api_problems(one(block.replace("hiden", "hidden") + 'lm.sample(prime="a", temperature=1)', "python"))
    assert api_problems(one("rnnkit.train.options.start_run(config, out, NAME, FROZEN, resum=resume)"))
    assert api_problems(one('rnnkit.fit("caption", chanels=(16, 32))'))
    assert not api_problems(one('rnnkit.fit("caption", channels=(16, 32))'))


def test_a_verb_s_flag_is_checked_against_the_task_of_the_model_the_doc_trained() -> None:
    """`--top-k` is a classifier's flag of `predict`, not a tagger's: a doc that trains runs/t as a tagger and
    then asks `predict runs/t --top-k 2` names a flag that command refuses."""
    doc = (Snippet("X.md", 1, "rnnkit train tag --data d.conll --out runs/t", "sh"),
           Snippet("X.md", 2, "rnnkit predict runs/t --top-k 2 a b", "sh"),
           Snippet("X.md", 3, "rnnkit predict runs/c --top-k 2 a b", "sh"),
           Snippet("X.md", 4, "rnnkit sample runs/t/best", "inline"))
    problems = command_problems(doc)
    assert len(problems) == 2, problems
    assert "X.md:2:" in problems[0] and "`rnnkit predict (of a tag model)` takes no --top-k" in problems[0]
    assert "X.md:4:" in problems[1] and "is no command" in problems[1]


def test_a_link_is_checked_against_the_anchors_github_gives(tmp_path: Path) -> None:
    """On a markdown file of its own (a self-test tied to a heading of CLASSIFY.md failed when that heading was
    renamed with its links): GitHub's anchors, a repeated heading's with -1, and a link to none is caught."""
    doc = tmp_path / "X.md"
    doc.write_text("# Multi-label: fastText's `cooking` data\n## Options\n```sh\n# not a heading\n```\n## Options\n"
                   "[a](#multi-label-fasttexts-cooking-data) [b](#options-1) [c](X.md#options)\n", encoding="utf-8")
    assert anchors(doc) == {"multi-label-fasttexts-cooking-data", "options", "options-1"}
    assert not link_problems([doc])
    doc.write_text(doc.read_text(encoding="utf-8") + "[d](#options-2) [e](Y.md)\n", encoding="utf-8")
    assert [p.split(": ", 1)[1] for p in link_problems([doc])] == ["(#options-2): no such heading",
                                                                   "(Y.md): no such file"]
