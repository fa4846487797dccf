"""Gaps a mutation audit of ``conll.tagged_lines`` (fixm, review36) found (round 36b): a CoNLL-U multiword line
inside a sentence ('2-3 al' before its words 'a' and 'el') keeps its place, the sentence's tokens on the lines they
were read from, not counted on from its first; and a line after the file's last token is kept as written."""

from __future__ import annotations

from pathlib import Path

from rnnkit.data.conll import read_conll, tagged_lines

WORD = "\t_\t_\t_\t_\t_\t_\t_\t_"


def test_a_multiword_line_inside_a_sentence_keeps_its_place(tmp_path: Path) -> None:
    lines = [f"1\tVoy{WORD}", f"2-3\tal{WORD}", f"2\ta{WORD}", f"3\tel{WORD}", f"4\tcine{WORD}", "", "# end"]
    path = tmp_path / "t.conllu"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tagged = list(tagged_lines(read_conll(path, require_tags=False), [["A", "B", "C", "D"]]))
    assert tagged == ["Voy\tA", lines[1], "a\tB", "el\tC", "cine\tD", "", "# end"]
