""""An int, not a bool" is :func:`rnnkit.errors.whole_number`'s to say (fixg): ten places wrote it out by hand."""

from __future__ import annotations

import re
from pathlib import Path

import rnnkit

#: ``isinstance(x, int) and not isinstance(x, bool)`` and its spellings with ``or``, either way round
HAND_WRITTEN = re.compile(r"isinstance\(([\w.]+), int\) (?:and not|or) isinstance\(\1, bool\)"
                          r"|isinstance\(([\w.]+), bool\) or not isinstance\(\2, int\)")


def test_no_module_writes_out_whole_number_by_hand() -> None:
    src = Path(rnnkit.__file__).parent
    found = [f"{path.relative_to(src)}:{number}" for path in sorted(src.rglob("*.py")) if path.name != "errors.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if HAND_WRITTEN.search(line)]
    assert found == [], f"use rnnkit.errors.whole_number (or check_count) in {', '.join(found)}"
