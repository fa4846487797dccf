"""A column named on the command line in one Unicode spelling finds the header's name in the other (NFC typed,
NFD written by a Mac, or the reverse): both print alike."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from rnnkit.data import tabular

NFC = unicodedata.normalize("NFC", "문장")
NFD = unicodedata.normalize("NFD", "문장")
LABEL_NFD = unicodedata.normalize("NFD", "étiquette")


@pytest.mark.parametrize(("name", "content"), [
    ("data.csv", f"{NFD},{LABEL_NFD}\n좋은 영화,pos\n나쁜 영화,neg\n"),
    ("data.tsv", f"{NFD}\t{LABEL_NFD}\n좋은 영화\tpos\n나쁜 영화\tneg\n"),
    ("data.txt", f"{NFD}\t{LABEL_NFD}\n좋은 영화\tpos\n나쁜 영화\tneg\n"),
    ("data.jsonl", f'{{"{NFD}": "좋은 영화", "{LABEL_NFD}": "pos"}}\n{{"{NFD}": "나쁜 영화", "{LABEL_NFD}": "neg"}}\n'),
], ids=["csv", "tsv", "txt", "jsonl"])
def test_a_header_in_nfd_is_found_by_its_nfc_name(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    label = unicodedata.normalize("NFC", "étiquette")
    table = tabular.read_table(path, NFC, label)
    assert table.texts == ["좋은 영화", "나쁜 영화"] and table.labels == ["pos", "neg"]
    assert table.rows[0][NFC] == "좋은 영화"  # kept under the name the user typed, which predict --file reads
    unlabelled = tabular.read_table(path, NFC, label, require_label=False)
    assert unlabelled.texts == table.texts and unlabelled.reader == table.reader


def test_a_header_in_nfc_is_found_by_its_nfd_name(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(f"{NFC},label\n좋은 영화,pos\n나쁜 영화,neg\n", encoding="utf-8")
    assert tabular.read_table(path, NFD).texts == ["좋은 영화", "나쁜 영화"]


def test_a_tab_separated_txt_to_pretrain_on_gives_its_text_column(tmp_path: Path) -> None:
    """--pretrain-data of Excel's 'Text (Tab delimited)' .txt was read one text a line: the header line a text, each
    row's label glued to its text; the labelled readers already took such a file as TSV."""
    path = tmp_path / "unlabelled.txt"
    path.write_text("id\ttext\tlabel\n1\ta fine film\tpos\n2\ta dull one\t\n", encoding="utf-8")
    assert tabular.read_unlabelled(path) == ["a fine film", "a dull one"]
    assert tabular.read_unlabelled(path) == tabular.read_table(path, require_label=False).texts
    plain = tmp_path / "plain.txt"
    plain.write_text("a fine film\tpos\nno tab here\n", encoding="utf-8")
    assert tabular.read_unlabelled(plain) == ["a fine film\tpos", "no tab here"]  # no header: lines, as before
