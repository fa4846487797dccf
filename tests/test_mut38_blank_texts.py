"""Mutation round 38 on fixp's rows without a text: a CSV/TSV text of spaces alone is a row without a text, gathered
with the empty ones into the one refusal, as a JSONL text of spaces is."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError


@pytest.mark.parametrize("name, content", [("a.csv", "text,label\n   ,pos\nok,neg\n\t,pos\n"),
                                           ("a.jsonl", '{"text": "  ", "label": "pos"}\n{"text": "ok", "label": "neg"}'
                                                       '\n{"text": "\\t", "label": "pos"}\n')])
def test_texts_of_spaces_are_rows_without_a_text(tmp_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    line = 2 if name.endswith(".csv") else 1
    with pytest.raises(UserError, match=rf"a\.\w+:{line}: column 'text' is empty on 2 rows \(lines {line}, "):
        read_table(tmp_path / name)
