"""Every Python block of README.md runs as written and prints what the README says it prints.

The convention: a ```text block right after a ```python block (only blank lines between) is that
block's output; ``...`` in it matches any text (doctest's ELLIPSIS). A block without one prints
nothing. Blocks run one after another in a fresh temporary directory, each in its own namespace.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```python\n(?P<code>.*?)```\n(?:[ \t]*\n)*(?:```text\n(?P<output>.*?)```)?", re.S)
EXAMPLES = [(m["code"], m["output"] or "") for m in BLOCK.finditer(README.read_text(encoding="utf-8"))]
CHECKER = doctest.OutputChecker()


def test_the_readme_has_python_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize(("code", "expected"), EXAMPLES, ids=[f"block{i}" for i in range(len(EXAMPLES))])
def test_readme_block_prints_what_the_readme_shows(code: str, expected: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    printed = capsys.readouterr().out
    if not CHECKER.check_output(expected, printed, doctest.ELLIPSIS):
        example = doctest.Example(code, expected)
        pytest.fail(CHECKER.output_difference(example, printed, doctest.ELLIPSIS))


def test_the_checker_tells_a_wrong_output() -> None:
    assert CHECKER.check_output("torch.Size([4, 10, 64])\n", "torch.Size([4, 10, 64])\n", doctest.ELLIPSIS)
    assert not CHECKER.check_output("torch.Size([4, 10, 64])\n", "torch.Size([4, 10, 32])\n", doctest.ELLIPSIS)
    assert not CHECKER.check_output("", "something\n", doctest.ELLIPSIS)


def test_readme_shows_the_commands() -> None:
    text = README.read_text(encoding="utf-8")
    for command in ("make demo", "make test", "make quick", "rnnkit --version", "rnnkit data scam --out"):
        assert command in text, command


def test_make_bench_times_every_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README: `make bench` runs benchmarks/cells.py, 'each cell's forward+backward speed'; it left out
    minGRU and minLSTM, and a cell registered in rnnkit.cells.CELLS (as CONTRIBUTING.md's recipe says) was
    left out until its name was copied into the script's own list as well."""
    import importlib.util

    from rnnkit.cells import CELLS, GRU

    monkeypatch.setitem(CELLS, "new_cell", GRU)  # a cell added after the script was written
    spec = importlib.util.spec_from_file_location("bench_cells", README.parent / "benchmarks" / "cells.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(CELLS) <= set(module.ROWS)
