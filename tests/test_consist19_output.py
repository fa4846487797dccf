"""`predict`/`translate --output FILE` say on standard error what they wrote, for every task that writes one, as
classify's `predict --output` does (cross-task consistency, round 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from tests.test_walk37_output_limit import uncut

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    (root / "tagged.conll").write_text("".join("the\tDT\ncat\tNN\nsat\tVBD\n\n" for _ in range(6)), encoding="utf-8")
    small = ["--steps", "1", "--no-progress", "--hidden", "4", "--embedding", "4", "--batch-size", "4"]
    assert main(["train", "tag", "--data", str(root / "tagged.conll"), "--out", str(root / "tag"), *small]) == 0
    assert main(["data", "dates", "--out", str(root / "pairs.tsv"), "--pairs", "12"]) == 0
    assert main(["train", "seq2seq", "--data", str(root / "pairs.tsv"), "--out", str(root / "seq2seq"), *small,
                 "--eval-sentences", "1"]) == 0
    return {"tag": root / "tag", "seq2seq": root / "seq2seq"}


@pytest.mark.parametrize("source", [["the cat sat on the mat", "the dog ran"], ["--file", "{plain}"]])
def test_a_tagger_s_output_of_texts_says_what_it_wrote_unless_json(runs, tmp_path: Path, capsys,
                                                                   source: list[str]) -> None:
    """`rnnkit predict TAGGER "the cat" --output t.conll` (or --file of plain lines) wrote its file without a word,
    where the same tagger given a CoNLL --file says 'wrote N tagged sentences to FILE', and classify's predict
    'wrote N rows ... to FILE'."""
    (tmp_path / "plain.txt").write_text("the cat sat on the mat\nthe dog ran\n", encoding="utf-8")
    target = tmp_path / "t.conll"
    line = ["predict", str(runs["tag"]), *(w.format(plain=tmp_path / "plain.txt") for w in source)]
    capsys.readouterr()
    assert main([*line, "--output", str(target)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == f"wrote 2 tagged sentences to {target}" and target.read_text().count("\t") == 9
    assert main([*line, "--output", str(target), "--json"]) == 0
    assert "wrote" not in capsys.readouterr().err


def test_translate_output_says_what_it_wrote_unless_json(runs, tmp_path: Path, capsys) -> None:
    """`rnnkit translate DIR --file F --output OUT` wrote OUT without a word, unlike every predict --output."""
    (tmp_path / "src.txt").write_text("3 March 1999\n1 May 2000\n", encoding="utf-8")
    target = tmp_path / "out.txt"
    line = ["translate", str(runs["seq2seq"]), "--file", str(tmp_path / "src.txt"), "--output", str(target)]
    capsys.readouterr()
    assert main(line) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and uncut(captured.err) == f"wrote the translations of 2 sources to {target}\n"
    assert len(target.read_text().splitlines()) == 2
    assert main([*line, "--json"]) == 0
    assert uncut(capsys.readouterr().err) == ""
