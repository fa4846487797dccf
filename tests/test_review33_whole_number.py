"""review33: errors.py, which defines whole_number, calls it too (fixg's check of every module skipped the file)."""

from __future__ import annotations

import inspect
from pathlib import Path

from rnnkit import errors
from tests.test_fixg_whole_number import HAND_WRITTEN


def test_errors_py_writes_whole_number_out_only_in_its_definition() -> None:
    definition = inspect.getsource(errors.whole_number)
    rest = Path(errors.__file__).read_text(encoding="utf-8").replace(definition, "")
    found = [line.strip() for line in rest.splitlines() if HAND_WRITTEN.search(line)]
    assert found == [], f"use whole_number in errors.py: {found}"
