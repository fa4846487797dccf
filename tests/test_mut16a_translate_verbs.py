"""``rnnkit translate``, ``evaluate`` and ``score`` of a translator from the command line: what each refuses and
what each line says: neither texts nor a file, each scored pair's tokens and perplexity, the total of an ensemble,
the one blank hypothesis of a blank line in JSON and no picture of blank lines, evaluate's line without sacrebleu,
``data dates``'s default and line (mutation audit round 16)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from tests.test_mut14d_translate_verbs import run  # noqa: F401  # the module's tiny word-level translator

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_neither_texts_nor_a_file_is_refused(run: tuple[Path, Path],  # noqa: F811
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run
    capsys.readouterr()
    assert main(["translate", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err == "rnnkit: error: give either TEXT arguments or --file FILE (not both, not neither)\n"
    assert captured.out == ""


def test_score_lines_give_each_pairs_tokens_and_perplexity_and_the_total_names_an_ensemble(
        run: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    _, out = run
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("a b\tx y\na b c\tx y z\n", encoding="utf-8")
    expected = rnnkit.load(out).score(pairs)
    capsys.readouterr()
    assert main(["score", str(out), "--data", str(pairs)]) == 0
    captured = capsys.readouterr()
    rows = [line.split("\t") for line in captured.out.splitlines()]
    assert [(int(r[1]), float(r[2])) for r in rows] == [(e["tokens"], round(e["perplexity"], 4)) for e in expected]
    assert [e["tokens"] for e in expected] == [3, 4]  # the target's words and the end
    assert captured.err.startswith("2 pairs, 7 target tokens: log-probability ")
    assert main(["score", str(out), "--data", str(pairs), "--ensemble", str(out)]) == 0  # warned: named twice
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("2 pairs, 7 target tokens, an ensemble of 2 models: log-probability "), last


def test_a_blank_line_of_a_file_is_one_blank_hypothesis_of_log_probability_zero_in_json(
        run: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    """The only writing of nothing, certain (its --n-best line is checked in test_seq2seq)."""
    _, out = run
    sources = tmp_path / "src.txt"
    sources.write_text("a b\n\nb\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["translate", str(out), "--file", str(sources), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[1] == {"source": "", "translation": "", "n_best": [{"text": "", "log_prob": 0.0, "score": 0.0}]}


def test_evaluate_without_sacrebleu_says_how_to_get_bleu_and_writes_no_signatures(
        run: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    data, out = run
    monkeypatch.setitem(sys.modules, "sacrebleu.metrics", None)  # importing it fails, as where it is not installed
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and re.fullmatch(r"16 pairs, beam 1: BLEU n/a \(pip install sacrebleu\), chrF n/a, exact "
                                            r"match \d\.\d{4}", lines[0]), lines


def test_data_dates_writes_ten_thousand_pairs_unless_told_and_says_so(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dates.tsv"
    assert main(["data", "dates", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote 10000 date pairs to {out}\n"
    assert len(out.read_text(encoding="utf-8").splitlines()) == 10000


def test_a_file_of_blank_lines_draws_no_picture(run: tuple[Path, Path], tmp_path: Path,  # noqa: F811
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run
    sources, png = tmp_path / "src.txt", tmp_path / "a.png"
    sources.write_text("\n\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["translate", str(out), "--file", str(sources), "--attention-png", str(png)]) == 0
    assert capsys.readouterr().out == "\n\n" and not png.exists()
