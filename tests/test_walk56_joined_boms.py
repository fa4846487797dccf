"""A language model's text joined from files that each began with a BOM (``cat a.txt b.txt > all.txt`` of
Notepad's files): the BOM of the first was dropped, every later one was read as a character. ``rnnkit train
charlm`` put U+FEFF in the vocabulary and the model learnt to write it, unseen, and ``score --file`` counted it.
The reader of language-model texts now drops a BOM that begins a line, as the readers of tables and tagged files
did (:func:`rnnkit.data.utf8.without_line_boms`), also where a chunk of the file begins with it."""

from __future__ import annotations

import json
from pathlib import Path

from rnnkit.cli import main
from rnnkit.data.text import read_utf8
from rnnkit.data.utf8 import decode_pieces

PARTS = ["First file.\r\nIts second line.\r\n", "둘째 파일\n끝\n", "third\rfile\r"]


def _joined(tmp_path: Path, parts: list[str] = PARTS) -> tuple[Path, str]:
    """The parts written as Notepad writes them (a BOM each), joined as ``cat`` joins them, and the text Python
    reads from each part on its own (``utf-8-sig``, universal newlines), one after another: the judge."""
    files = []
    for i, part in enumerate(parts):
        files.append(tmp_path / f"part{i}.txt")
        files[-1].write_bytes(("\ufeff" + part).encode("utf-8"))
    joined = tmp_path / "all.txt"
    joined.write_bytes(b"".join(f.read_bytes() for f in files))
    expected = "".join(f.open(encoding="utf-8-sig").read() for f in files)
    return joined, expected


def test_a_joined_files_boms_are_not_read_as_text(tmp_path: Path) -> None:
    joined, expected = _joined(tmp_path)
    assert "\ufeff" not in expected
    assert read_utf8(joined) == expected


def test_a_bom_that_begins_a_chunk_after_a_line_end_is_dropped(tmp_path: Path) -> None:
    joined, expected = _joined(tmp_path)
    raw = joined.read_bytes()
    for cut in range(1, len(raw)):  # every place the file could be cut between two reads
        pieces = decode_pieces([raw[:cut], raw[cut:]], "all.txt", newlines=True)
        assert "".join(pieces) == expected, cut


def test_the_char_models_vocabulary_lacks_the_joined_boms(tmp_path: Path, capsys) -> None:
    joined, expected = _joined(tmp_path)
    assert main(["prepare", str(joined), "--out", str(tmp_path / "prep")]) == 0
    chars = json.loads((tmp_path / "prep" / "vocab.json").read_text(encoding="utf-8"))["chars"]
    assert sorted(chars) == sorted(set(expected))
