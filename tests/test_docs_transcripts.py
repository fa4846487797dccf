"""The transcripts of docs/*.md (```text blocks of ``$ rnnkit ...`` lines, each followed by what it printed) show
the lines rnnkit prints now: each command is run again, in order, on the page's own data made in a temporary
folder, and its output is compared with the page's line by line in its form, not its figures (every number is
``#``, every label of the page's data ``L``, a list of them one ``L``, so a loss, a speed or which labels pass a
threshold may differ, but not a line that is new, gone, reworded or reordered). A page's ``...`` line stands for
any lines. The ``threads:`` line is left out of both: it comes only where torch has several threads to choose
from, and these tests train on one.

tests/test_readme.py holds README.md's Python output to the letter, tests/test_docs_python.py runs the pages'
Python blocks and tests/test_docs_names.py checks the flags the pages name; this is the command line's output.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from rnnkit.cli import main
from tests import test_classify_multilabel as multilabel

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```text\n(?P<body>.*?)^```", re.S | re.M)
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
PATH = re.compile(r"(?:/[\w.-]+)+/")
RUN_OF_LABELS = re.compile(r"L(=#)?(?:[ ,]L(?:=#)?)+")


def cooking(where: Path) -> None:
    """CLASSIFY.md's multi-label section: ``cooking.train`` the first 300 made-up cooking lines of seed 0,
    ``cooking.valid`` the next 60 of the same stream."""
    lines = multilabel.cooking(where / "all.txt", 360, 0).read_text(encoding="utf-8").splitlines(keepends=True)
    (where / "cooking.train").write_text("".join(lines[:300]), encoding="utf-8")
    (where / "cooking.valid").write_text("".join(lines[300:]), encoding="utf-8")


#: each page with transcripts: what makes its files, and the labels of that data
SETUP: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "docs/CLASSIFY.md": (cooking, tuple(multilabel.WORDS)),
}


def transcripts(doc: Path) -> list[tuple[int, list[tuple[str, list[str]]]]]:
    """The page's transcript blocks: (line of the block, [(command, the lines shown after it)])."""
    text = doc.read_text(encoding="utf-8")
    found = []
    for block in BLOCK.finditer(text):
        body = block["body"].replace("\\\n", " ")
        if not body.startswith("$ "):
            continue
        steps = [(cmd, shown.splitlines()) for cmd, shown in
                 (part.split("\n", 1) if "\n" in part else (part, "") for part in body[2:].split("\n$ "))]
        found.append((text.count("\n", 0, block.start()) + 1, steps))
    return found


def pages() -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
            if transcripts(p)]


def run(command: str, where: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What ``command`` (``rnnkit ...`` or ``head -N FILE``, optionally ``| head -N``) prints, stderr first."""
    command, _, tail = command.partition(" | head -")
    argv = shlex.split(command)
    if argv[0] == "head":
        return (where / argv[2]).read_text(encoding="utf-8").splitlines()[: int(argv[1][1:])]
    assert argv[0] == "rnnkit", f"not a command these tests run: {command}"
    capsys.readouterr()
    assert main(argv[1:]) == 0, capsys.readouterr().err
    printed = capsys.readouterr()
    lines = printed.err.splitlines() + printed.out.splitlines()
    return lines[: int(tail)] if tail else lines


def form(line: str, labels: tuple[str, ...]) -> str:
    """A printed line without its figures: numbers ``#``, the data's labels ``L``, a folder ``/…/``."""
    if line.startswith("{"):
        line = json.dumps(json_form(json.loads(line)))
    line = NUMBER.sub("#", PATH.sub("/…/", line))
    for label in labels:
        line = re.sub(rf"(?<![A-Za-z]){label}(?![A-Za-z])", "L", line)
    return re.sub(" {2,}", "  ", RUN_OF_LABELS.sub(lambda m: "L" + (m[1] or ""), line))


def json_form(value: object) -> object:
    """A JSON value's keys and kinds: a list as its first item's, a number 0."""
    if isinstance(value, dict):
        return {k: json_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_form(v) for v in value[:1]]
    return 0 if isinstance(value, (int, float)) else value


def same_form(shown: list[str], printed: list[str], labels: tuple[str, ...]) -> bool:
    """Whether the lines printed have the forms of those shown (a shown ``...`` matches any lines)."""
    keep = [line for line in printed if not line.startswith("threads: ")]
    pattern = "".join(r"(?:.*\n)*?" if line == "..." else re.escape(form(line, labels)) + r"\n"
                      for line in shown if not line.startswith("threads: "))
    return re.fullmatch(pattern, "".join(form(line, labels) + "\n" for line in keep)) is not None


def test_every_page_with_transcripts_has_its_data() -> None:
    assert "docs/CLASSIFY.md" in pages()
    assert set(pages()) <= set(SETUP), "add the data of these pages' transcripts to SETUP"


@pytest.mark.slow
@pytest.mark.parametrize("doc", pages())
def test_a_transcript_shows_the_lines_rnnkit_prints(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    make, labels = SETUP[doc]
    make(tmp_path)
    monkeypatch.chdir(tmp_path)
    for line, steps in transcripts(ROOT / doc):
        for command, shown in steps:
            if "--baseline" in command:
                pytest.importorskip("sklearn")
            printed = run(command, tmp_path, capsys)
            assert same_form(shown, printed, labels), (f"{doc}:{line}: $ {command}\nshown:\n" + "\n".join(shown)
                                                       + "\nprinted now:\n" + "\n".join(printed))


def test_the_form_keeps_the_words_and_drops_the_figures() -> None:
    labels = ("bread", "sauce")
    same = [("step 20: train loss 0.6487, val 7,398 txt/s", "step 40: train loss 0.4, val 25 txt/s"),
            ("bread,sauce\tbread=0.2 sauce=0.7\tloaf", "sauce\tsauce=0.5\tloaf"),
            ("C=1, trained on 3 rows of /home/me/x.train", "C=10, trained on 30 rows of /t/y/x.train"),
            ('{"labels": ["bread"], "p": {"bread": 0.2}}', '{"labels": ["sauce"], "p": {"sauce": 1}}')]
    for shown, printed in same:
        assert same_form([shown], [printed], labels)
    assert not same_form(["step 20: val loss 0.5 (best)"], ["step 20: val loss 0.5"], labels)
    assert not same_form(['{"labels": ["bread"]}'], ['{"label": ["bread"]}'], labels)
    assert not same_form(["a", "b"], ["a", "new", "b"], labels)
    assert not same_form(["a", "b"], ["b", "a"], labels)
    assert same_form(["a", "...", "b"], ["a", "new", "b"], labels)
    assert same_form(["a"], ["threads: 1 of 2", "a"], labels)
