"""Every ```python block of docs/*.md runs: the files and models it names are made first, tiny, in a temporary
folder, and the block is run as written, but for the budget of an ``rnnkit.fit`` it calls (a block that trains
for minutes on Shakespeare trains a few steps of a small model here).

tests/test_docs_names.py checks that the names and keywords of these blocks exist; this runs them, so a method
that returns another shape, refuses a documented argument or needs a file the page does not name fails here.
README.md's blocks are tests/test_readme.py's (run as written, their output compared).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ROOT = Path(__file__).resolve().parents[1]
TINY = {"steps": 4, "eval_every": 4, "hidden": 16, "verbose": False}
#: blocks another test runs: (doc, the heading of the section the block is in) and which test runs them
ELSEWHERE = {("docs/CLASSIFY.md", "### The ONNX file without rnnkit"):
             "tests/test_classify_cli.py runs it without torch, on a classifier of each tokenizer and on taggers"}


def blocks(doc: str) -> list[str]:
    """The ```python blocks of ``doc`` that no other test runs (none in a section of ELSEWHERE's)."""
    found: list[str] = []
    heading, fence = "", None  # the last heading; the language of the fenced block a line is in (None: outside)
    for line in (ROOT / doc).read_text(encoding="utf-8").splitlines(keepends=True):
        run = (doc, heading) not in ELSEWHERE
        if line.lstrip().startswith("```"):
            fence = line.strip()[3:] if fence is None else None
            found += [""] if fence == "python" and run else []
        elif fence == "python" and run:
            found[-1] += line
        elif fence is None and line.startswith("#"):
            heading = line.strip()
    return found


def reviews(path: str, rows: int) -> None:
    """A labelled CSV (text,label) whose label follows from one word."""
    pick = random.Random(rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["text", "label"])
        for _ in range(rows):
            good = pick.random() < 0.5
            out.writerow([f"a {pick.choice(['great', 'fine'] if good else ['dull', 'poor'])} film",
                          "pos" if good else "neg"])


def charlm(fit: Callable[..., Any]) -> None:
    Path("act5.txt").write_text("ROMEO: what light through yonder window breaks?\n" * 3, encoding="utf-8")


def classify(fit: Callable[..., Any]) -> None:
    reviews("reviews.csv", 60)
    reviews("held_out.csv", 20)
    reviews("new_reviews.csv", 4)
    fit("classify", data="reviews.csv", out="runs/reviews", tokenizer="word")


def translate(fit: Callable[..., Any]) -> None:
    Path("runs").mkdir()
    assert main(["data", "dates", "--out", "dates.tsv", "--pairs", "200", "--seed", "0"]) == 0
    assert main(["data", "dates", "--out", "runs/dates-test.tsv", "--pairs", "10", "--seed", "1"]) == 0
    fit("seq2seq", data="dates.tsv", out="runs/dates", embedding=16)


#: what each page's blocks read, made in the folder they run in (given the shrunk ``rnnkit.fit``)
SETUP: dict[str, Callable[[Callable[..., Any]], None]] = {
    "docs/CHARLM.md": charlm, "docs/CLASSIFY.md": classify, "docs/TRANSLATE.md": translate}
EXAMPLES = [(doc, i, code) for doc in sorted(SETUP) for i, code in enumerate(blocks(doc))]


def shrunk(fit: Callable[..., Any]) -> Callable[..., Any]:
    """``rnnkit.fit`` with a few steps of a small model in place of the block's budget and sizes."""
    def tiny_fit(task: str, data: str | None = None, out: str = "runs/model", **settings: Any) -> Any:
        settings = {k: v for k, v in settings.items() if k not in ("minutes", "hidden", "steps")}
        if data == "shakespeare":  # millions of characters to read and evaluate: a text of the same kind
            speech = "ROMEO:\nTo be, or not to be. But soft, what light through yonder window breaks?\n\n"
            Path("plays.txt").write_text(speech * 200, encoding="utf-8")
            data = "plays.txt"
        return fit(task, data=data, out=out, **{**TINY, **settings})
    return tiny_fit


def test_every_doc_with_python_blocks_is_run_here_or_elsewhere() -> None:
    """A page that gains a block gets a SETUP entry (or an ELSEWHERE one), else its block would go unrun."""
    docs = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "docs").glob("*.md"))]
    assert {doc for doc in docs if blocks(doc)} == set(SETUP)


@pytest.mark.parametrize(("doc", "index", "code"), EXAMPLES, ids=[f"{d[5:-3]}-{i}" for d, i, _ in EXAMPLES])
def test_a_python_block_of_the_docs_runs(doc: str, index: int, code: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    fit = shrunk(rnnkit.fit)
    SETUP[doc](fit)
    monkeypatch.setattr(rnnkit, "fit", fit)
    exec(compile(code, f"{doc} block {index}", "exec"), {"__name__": "__docs__"})
