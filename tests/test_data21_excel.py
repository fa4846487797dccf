"""Excel's 'sep=;' first line is refused naming its line and saying to delete it (pandas does not honour it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data import tabular
from rnnkit.errors import UserError


@pytest.mark.parametrize(("content", "line", "shown", "mend"), [
    ("sep=;\r\ntext;label\r\nfine;1\r\n", 1, "sep=;", ", and save the file comma-separated (its rows are separated "
                                                      "by ';')"),
    ("\nsep=,\ntext,label\nfine,1\n", 2, "sep=,", ""),
])
@pytest.mark.parametrize("require_label", [True, False])  # training and evaluate, predict --file
def test_excels_separator_line_is_refused_by_its_line(tmp_path: Path, content: str, line: int, shown: str, mend: str,
                                                      require_label: bool) -> None:
    """It was read as a header: 'text column 'text' is missing; the first line is one field 'sep=;': the file looks
    semicolon-separated', or for 'sep=,' a header of the columns 'sep=' and ''."""
    path = tmp_path / "data.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError) as info:
        tabular.read_table(path, require_label=require_label)
    assert str(info.value) == (f"{path}:{line}: {shown!r} is Excel's line naming the separator, which rnnkit does "
                               f"not honour (nor does pandas): delete the line{mend}")


def test_a_column_named_sep_is_a_column(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("sep=x,text,label\na,fine,1\n", encoding="utf-8")
    assert tabular.read_table(path).texts == ["fine"]
