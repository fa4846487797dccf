"""``rnnkit predict TAGGER --file test.conll`` printed each sentence's tokens and tags with one blank line after it,
dropping the file's ``-DOCSTART-`` lines and the blank line after each, so its lines no longer lined up with the
file's: a user could not paste the predictions beside the gold column (``paste test.conll <(cut -f2 out)``), as
conlleval reads a tagger's output. The output (and ``--output``) is now the file line for line: each token line
``TOKEN<TAB>TAG``, every other line (blank, ``-DOCSTART-``, a CoNLL-U comment or multiword line) as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.conll import read_conll

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CONLL = ("-DOCSTART- -X- -X- O\n\nJohn NNP B-NP B-PER\nvisited VBD B-VP O\nParis NNP B-NP B-LOC\n\n\n"
         "-DOCSTART- -X- -X- O\n\nMary NNP B-NP B-PER\n")


def _lined_up(given: str, printed: str) -> None:
    """Each printed line is the given file's: its token lines' first column and a tag, the rest as they are."""
    pairs = list(zip(given.splitlines(), printed.splitlines(), strict=True))
    for line, out in pairs:
        if line.strip() and not line.startswith(("-DOCSTART-", "#")):
            token, tag = out.split("\t")
            assert token == line.split()[0] and tag in {"B-PER", "B-LOC", "O"}, (line, out)
        else:
            assert out == line


def test_predict_file_prints_the_files_lines_in_order(tiny_ner_run: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    test = tmp_path / "test.conll"
    test.write_text(CONLL, encoding="utf-8")
    capsys.readouterr()
    assert main(["predict", str(tiny_ner_run), "--file", str(test)]) == 0
    _lined_up(CONLL, capsys.readouterr().out)
    assert main(["predict", str(tiny_ner_run), "--file", str(test), "--output", str(tmp_path / "out.conll")]) == 0
    _lined_up(CONLL, (tmp_path / "out.conll").read_text(encoding="utf-8"))


def test_conllu_comments_and_multiword_lines_keep_their_places(tmp_path: Path) -> None:
    from rnnkit.data.conll import tagged_lines

    text = ("# sent_id = 1\n1-2\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n1\tde\tde\tADP\t_\t_\t0\t_\t_\t_\n"
            "2\tel\tel\tDET\t_\t_\t1\t_\t_\t_\n\n# sent_id = 2\n1\tya\tya\tADV\t_\t_\t0\t_\t_\t_\n")
    path = tmp_path / "t.conllu"
    path.write_text(text, encoding="utf-8")
    sentences = read_conll(path, require_tags=False)
    lines = list(tagged_lines(sentences, [["X", "Y"], ["Z"]]))
    assert lines == ["# sent_id = 1", text.splitlines()[1], "de\tX", "el\tY", "", "# sent_id = 2", "ya\tZ"]
