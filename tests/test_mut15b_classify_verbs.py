"""Gaps a mutation audit of :mod:`rnnkit.tasks._classify_verbs` found (round 15): what ``rnnkit predict`` of a
text classifier refuses (--text-column with --file -), keeps (the label marks of TEXT arguments) and says of
what it wrote, and that it refuses a --top-k out of range before reading standard input; on a tiny classifier
trained here."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import torch

from rnnkit.cli import main

WORDS = ["good", "great", "fine", "nice", "bad", "awful", "poor", "dull", "film", "plot", "cast", "end"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny word classifier, two updates into its training."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("classify15b")
    rows = [f"{' '.join(WORDS[(i + j) % 12] for j in range(5))}\t{'pos' if i % 2 else 'neg'}" for i in range(16)]
    (root / "d.tsv").write_text("text\tlabel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    try:
        assert main(["train", "classify", "--data", str(root / "d.tsv"), "--out", str(root / "run"), "--steps", "2",
                     "--tokenizer", "word", "--hidden", "4", "--embedding", "4", "--no-progress", "--json"]) == 0
    finally:
        torch.set_num_threads(threads)
    return root / "run"


def test_text_column_with_standard_input_is_refused(model: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """--text-column names a column of a CSV, TSV or JSONL file: with --file - (lines of text, no columns) it is
    refused in one line, as with TEXT arguments, not ignored."""
    monkeypatch.setattr("sys.stdin", io.StringIO("a good film\n"))
    capsys.readouterr()
    assert main(["predict", str(model), "--file", "-", "--text-column", "body"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ("rnnkit: error: --text-column: applies only with --file FILE "
                                                   "(a CSV, TSV or JSONL file's column)\n")


def test_text_arguments_keep_their_label_marks(model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only the lines of --file - lose their fastText ``__label__`` words (as --file FILE reads a fastText file):
    a TEXT argument is classified as written, one that is a mark alone too."""
    capsys.readouterr()
    assert main(["predict", str(model), "__label__pos good film", "__label__neg", "--json"]) == 0
    texts = [json.loads(line)["text"] for line in capsys.readouterr().out.splitlines()]
    assert texts == ["__label__pos good film", "__label__neg"]


def test_predict_output_says_what_it_wrote_unless_json(model: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """--output FILE says on standard error how many rows it wrote, with which columns, where; --json says it as
    one JSON object on standard output, nothing on standard error (the file is CSV still: its name decides)."""
    target = tmp_path / "p.csv"
    capsys.readouterr()
    assert main(["predict", str(model), "a good film", "a dull plot", "--output", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("wrote 2 rows with predicted_label") and captured.err.endswith(f" to {target}\n")
    assert main(["predict", str(model), "a good film", "--output", str(tmp_path / "q.csv"), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and json.loads(captured.out)["output"] == str(tmp_path / "q.csv")
    assert (tmp_path / "q.csv").read_text(encoding="utf-8").startswith("text,predicted_label")



def test_a_top_k_out_of_range_is_refused_before_standard_input_is_read(
        model: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`predict DIR --file - --top-k 0` is refused for its --top-k before the lines are read (here: none, which
    would be refused for that instead)."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    capsys.readouterr()
    assert main(["predict", str(model), "--file", "-", "--top-k", "0"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("rnnkit: error: --top-k 0: ")
