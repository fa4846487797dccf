"""docs/CHARLM.md says which characters a model trained on a file knows: every character of the file (its
prepared ``vocab.json``), the held-out tail's too; it said "every character of the training part", which holds
only for the built-in corpora, so a writer expected a character met only in their last tenth to be unknown."""

from __future__ import annotations

from pathlib import Path

from rnnkit.tasks._charlm_data import _read

DOC = Path(__file__).resolve().parents[1] / "docs" / "CHARLM.md"


def test_a_files_vocabulary_is_the_whole_text_as_the_doc_says(tmp_path: Path) -> None:
    text = tmp_path / "novel.txt"
    text.write_bytes(("\ufeff" + "ab ba\r\n" * 40 + "☃").encode("utf-8"))
    ids, vocab, cut, _ = _read(str(text), 0.1, None)
    assert "☃" not in text.read_text(encoding="utf-8-sig")[:cut] and "☃" in vocab.stoi  # only in the tail
    assert "\r" not in vocab.stoi and "\ufeff" not in vocab.stoi
    page = " ".join(DOC.read_text(encoding="utf-8").split())
    assert "The vocabulary of a text file is every character of it, the held-out part's too" in page
    assert "every character of the training part, plus" not in page
