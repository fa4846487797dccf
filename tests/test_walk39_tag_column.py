"""The line that starts ``rnnkit train tag`` says which column the tags were read from when a line holds more than
a token and its tag: a CoNLL-2003 file (word POS chunk NER) trains on its last column, the NER tags, and a CoNLL-U
file on UPOS; a user who meant a part-of-speech tagger from CoNLL-2003 was not told."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--steps", "1", "--hidden", "4", "--embedding", "4", "--char-hidden", "2", "--no-progress", "--threads", "1"]
CONLL2003 = "-DOCSTART- -X- -X- O\n\nJohn NNP B-NP B-PER\nsleeps VBZ B-VP O\n\nMary NNP B-NP B-PER\nsat VBD B-VP O\n"
CONLLU = ("# text = John sleeps\n1\tJohn\tjohn\tPROPN\tNNP\t_\t2\tnsubj\t_\t_\n"
          "2\tsleeps\tsleep\tVERB\tVBZ\t_\t0\troot\t_\t_\n\n") * 2
TWO = "John\tB-PER\nsleeps\tO\n\nMary\tB-PER\nsat\tO\n"


@pytest.mark.parametrize(("content", "said"), [(CONLL2003, "tags (column 4, the last) ['B-PER', 'O']"),
                                               (CONLLU, "tags (column 4, UPOS) ['PROPN', 'VERB']"),
                                               (TWO, "tags ['B-PER', 'O']")])
def test_the_start_line_names_the_tag_column(content: str, said: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "train.conll"
    data.write_text(content, encoding="utf-8")
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), *TINY]) == 0
    (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("tag: ")]
    assert f"validation, {said}, " in line


def test_the_start_line_counts_one_sentence_in_the_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It said 'tag: 1 training sentences (2 tokens)'."""
    data, val = tmp_path / "pos.txt", tmp_path / "val.txt"
    data.write_text("Hi/UH ./.\n", encoding="utf-8")
    val.write_text("Hi/UH ./.\n", encoding="utf-8")
    assert main(["train", "tag", "--data", str(data), "--val-data", str(val), "--out", str(tmp_path / "run"),
                 *TINY]) == 0
    (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("tag: ")]
    assert line.startswith("tag: 1 training sentence (2 tokens), 1 validation, ")
