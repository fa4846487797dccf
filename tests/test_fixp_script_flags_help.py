"""Every flag of the scripts in examples/ and benchmarks/ has a help line: `python examples/korean_scam/
call_to_verdict.py -h` listed --beam and --seed with no word of what they set (nor did about a hundred benchmark
flags), where every flag of `rnnkit` has one. Read from the scripts' source (nothing is run)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _flags_without_help(paths: list[Path]) -> list[str]:
    """``PATH:LINE FLAG`` of each ``add_argument`` call in ``paths`` that gives no ``help=``."""
    missing = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "add_argument" and not any(k.arg == "help" for k in node.keywords)):
                names = [a.value for a in node.args if isinstance(a, ast.Constant)]
                missing.append(f"{path.name}:{node.lineno} {' '.join(map(str, names))}")
    return missing


def test_every_flag_of_the_examples_and_benchmarks_says_what_it_sets() -> None:
    scripts = sorted([*ROOT.glob("examples/**/*.py"), *ROOT.glob("benchmarks/**/*.py")])
    assert any(p.name == "call_to_verdict.py" for p in scripts)
    assert _flags_without_help(scripts) == []


def test_the_scan_finds_a_flag_without_help(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("import argparse\np = argparse.ArgumentParser()\np.add_argument('--beam', type=int)\n"
                      "p.add_argument('--seed', type=int, help='the seed')\n", encoding="utf-8")
    assert _flags_without_help([script]) == ["s.py:3 --beam"]
