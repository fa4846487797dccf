"""Mutation audit round 22 of rnnkit.data.tabular: a saved model's labels kept as saved where their NFC spellings
would merge (or where they are no list of strings), the sniff of a .txt file's first line (a line of spaces before
it, lone-CR line ends, a header whose one tab begins it, a comma-separated header in NFD) and Excel's ``sep=`` line
(in capitals, alone, or a column of that name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rnnkit.data import tabular
from rnnkit.errors import UserError
from tests.test_data21_columns import LABEL_NFD, NFC, NFD
from tests.test_review21_nfd_models import nfd


@pytest.mark.parametrize("saved", [["café", nfd("café")], [nfd("스팸"), "스팸", "정상"]])
def test_saved_labels_whose_spellings_would_merge_are_kept_as_saved(saved: list[str]) -> None:
    """Both spellings were classes of the model: composed, two of its labels would be one."""
    assert tabular.composed_labels(saved) == saved


@pytest.mark.parametrize("saved", [[nfd("café"), 1], nfd("café"), None, {"a": 1}])
def test_saved_labels_that_are_no_list_of_strings_are_left_to_the_caller(saved: Any) -> None:
    """The caller refuses them in one line ('labels must be a list of distinct strings', 'not in the training
    data'); composing them raised a TypeError, or split a string into its characters."""
    assert tabular.composed_labels(saved) == saved


def test_a_comma_separated_txt_headed_in_nfd_is_read_by_its_header(tmp_path: Path) -> None:
    """Predicting on such a file (no labels needed): the header names the text column in its other spelling, so the
    file is CSV, not one text a line (the header line and each row's label were texts)."""
    path = tmp_path / "data.txt"
    path.write_text(f"{NFD},{LABEL_NFD}\n좋은 영화,pos\n나쁜 영화,neg\n", encoding="utf-8")
    table = tabular.read_table(path, NFC, require_label=False)
    assert (table.reader, table.texts) == ("csv", ["좋은 영화", "나쁜 영화"])


@pytest.mark.parametrize("content", [
    "  \r\ntext\tlabel\r\ngood, film\tpos\r\nbad\tneg\r\n",  # a line of spaces before the header
    "text\tlabel\rgood, film\tpos\rbad\tneg\r",  # Excel for Mac's "Tab delimited Text": lone CRs end the lines
], ids=["spaces-before", "lone-cr"])
@pytest.mark.parametrize("require_label", [True, False])
def test_the_first_line_of_a_txt_sniffed_as_tsv_is_its_first_line_with_text(tmp_path: Path, content: str,
                                                                            require_label: bool) -> None:
    path = tmp_path / "excel.txt"
    path.write_bytes(content.encode())
    table = tabular.read_table(path, require_label=require_label)
    assert (table.reader, table.texts, table.labels) == ("tsv", ["good, film", "bad"], ["pos", "neg"])


def test_a_txt_whose_header_begins_with_its_one_tab_is_tsv(tmp_path: Path) -> None:
    """pandas' ``to_csv(sep='\\t')`` of one column writes its unnamed index first: the header's only tab begins it.
    Read as CSV, each text had its row number and a tab glued to it."""
    path = tmp_path / "series.txt"
    path.write_text("\ttext\n0\tgood, film\n1\tbad\n", encoding="utf-8")
    table = tabular.read_table(path, require_label=False)
    assert (table.reader, table.texts) == ("tsv", ["good, film", "bad"])


def test_excels_separator_line_in_capitals_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("SEP=;\ntext;label\nfine;1\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"data\.csv:1: 'SEP=;' is Excel's line naming the separator"):
        tabular.read_table(path)


def test_a_separator_line_naming_no_separator_says_only_to_delete_it(tmp_path: Path) -> None:
    """'sep=' alone names no other separator than the file's: no mend of the rows' separator ('separated by ''')."""
    path = tmp_path / "data.csv"
    path.write_text("sep=\ntext,label\nfine,1\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"data\.csv:1: 'sep=' is Excel's line naming the separator, .*: delete the "
                                        r"line$"):
        tabular.read_table(path)


def test_a_text_column_named_like_a_separator_line_is_a_column(tmp_path: Path) -> None:
    """Excel's line is 'sep=' and one character; a name of six, 'sep=no', is a column's."""
    path = tmp_path / "data.csv"
    path.write_text("sep=no\na fine film\nanother\n", encoding="utf-8")
    assert tabular.read_table(path, "sep=no", require_label=False).texts == ["a fine film", "another"]
