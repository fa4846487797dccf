"""walk52: what docs/CLASSIFY.md says of labels, on an Excel export of Korean calls: a typed space after a label and
a label pasted from macOS (Hangul jamo, NFD) are the label itself, and so is a text's NFD spelling to the char
tokenizer."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from rnnkit.data.tabular import read_table
from rnnkit.data.tokenize import build_tokenizer


def test_spaced_and_nfd_labels_and_texts_read_as_their_composed_selves(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "사기")
    rows = ["내용,라벨", "금융감독원입니다,사기 ", f"{unicodedata.normalize('NFD', '금융감독원입니다')},{nfd}",
            "엄마 나 늦어, 정상"]
    (tmp_path / "calls.csv").write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    table = read_table(tmp_path / "calls.csv", "내용", "라벨")
    assert table.labels == ["사기", "사기", "정상"]
    chars = build_tokenizer("char", table.texts)
    assert chars.encode(table.texts[0]) == chars.encode(table.texts[1])
