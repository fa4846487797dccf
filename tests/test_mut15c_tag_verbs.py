"""Mutation audit round 15: ``rnnkit predict`` and ``rnnkit evaluate`` of a tagger (``rnnkit.tasks._tag_verbs``),
on a character tagger of span tags trained for one step (what it predicts is read back, never assumed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--steps", "1", "--hidden", "4", "--embedding", "4", "--no-progress", "--json"]


@pytest.fixture(scope="module")
def tagger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A character tagger whose tags, B-X, I-X and O, are a tag set of spans."""
    tmp = tmp_path_factory.mktemp("tagverbs")
    data = tmp / "train.conll"
    data.write_text("a\tB-X\nb\tI-X\n1\tO\n\nb\tB-X\n2\tO\n\n", encoding="utf-8")
    out = tmp / "run"
    assert main(["train", "tag", "--data", str(data), "--val-data", str(data), "--out", str(out), *TINY]) == 0
    return out


def _predicted(out: Path, tokens: list[str]) -> list[str]:
    return rnnkit.load(out).predict([tokens])[0]


def test_an_empty_column_name_is_refused_too(tagger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["predict", str(tagger), "ab", "--text-column", ""]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: --text-column: applies to classifiers")


def test_an_upper_case_table_extension_is_refused_as_output(tagger: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    for name in ("T.CSV", "T.Json"):
        assert main(["predict", str(tagger), "ab", "--output", str(tmp_path / name)]) == 2
        assert f"--output {tmp_path / name}: a tagger writes CoNLL" in capsys.readouterr().err
        assert not (tmp_path / name).exists()


def test_a_refused_output_is_named_before_the_file_is_read(tagger: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["predict", str(tagger), "--file", str(tmp_path / "missing.conll"),
                 "--output", str(tmp_path / "t.csv")]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: --output {tmp_path / 't.csv'}: a tagger writes")


def test_a_character_tagger_shows_each_token_quoted(tagger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A space is a token of a character tagger: unquoted, 'a b' would print as an empty token."""
    tags = _predicted(tagger, ["a", " ", "1"])
    capsys.readouterr()
    assert main(["predict", str(tagger), "a 1"]) == 0
    assert capsys.readouterr().out == f"'a'/{tags[0]} ' '/{tags[1]} '1'/{tags[2]}\n"


def test_json_lines_keep_non_ascii_tokens_as_written(tagger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["predict", str(tagger), "é1", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"tokens": ["é", "1"]' in out and json.loads(out)["tokens"] == ["é", "1"]


def test_output_of_texts_prints_nothing_and_of_a_file_says_what_it_wrote_unless_json(
        tagger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare = tmp_path / "bare.conll"
    bare.write_text("a\n1\n\nb\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["predict", str(tagger), "a1", "b", "--output", str(tmp_path / "t.jsonl")]) == 0
    assert capsys.readouterr().out == ""
    assert len((tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    target = tmp_path / "t.conll"
    assert main(["predict", str(tagger), "--file", str(bare), "--output", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"wrote 2 tagged sentences to {target}\n"
    assert main(["predict", str(tagger), "--file", str(bare), "--output", str(target), "--json"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("content, tokens", [
    ("a B-X\nb I-X\n1 O\n", [["a", "b", "1"]]),  # one block of every tag the model knows
    ("a\tX\n1\tY\n\nb\tZ\n", [["a", "1"], ["b"]]),  # tags the model does not know, in more than one sentence
])
def test_a_tagged_conll_file_is_read_as_conll(content: str, tokens: list[list[str]], tagger: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.conll").write_text(content, encoding="utf-8")
    capsys.readouterr()
    assert main(["predict", str(tagger), "--file", str(tmp_path / "t.conll"), "--json"]) == 0
    captured = capsys.readouterr()
    assert [json.loads(x)["tokens"] for x in captured.out.splitlines()] == tokens
    assert captured.err == ""


def _evaluated(tagger: Path, tokens: list[str], gold: list[str], path: Path,
               capsys: pytest.CaptureFixture[str]) -> tuple[str, dict]:
    path.write_text("".join(f"{t}\t{g}\n" for t, g in zip(tokens, gold, strict=True)), encoding="utf-8")
    capsys.readouterr()
    assert main(["evaluate", str(tagger), "--data", str(path), "--png", str(path.with_suffix(".png"))]) == 0
    printed = capsys.readouterr().out
    assert main(["evaluate", str(tagger), "--data", str(path), "--json"]) == 0
    return printed, json.loads(capsys.readouterr().out.splitlines()[-1])


def test_evaluate_prints_an_oov_accuracy_of_zero_not_none(tagger: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Every token unseen in training and tagged wrong: an accuracy of 0 on them, not 'n/a'."""
    tokens = ["z", "q", "w"]
    gold = ["B-X" if tag == "O" else "O" for tag in _predicted(tagger, tokens)]
    printed, scores = _evaluated(tagger, tokens, gold, tmp_path / "gold.conll", capsys)
    assert scores["oov_accuracy"] == 0.0 and scores["oov_count"] == 3
    assert "accuracy on words unseen in training 0.0000 (3 tokens)" in printed


def test_evaluate_prints_the_true_and_the_predicted_spans_apart(tagger: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    tokens = ["a", "1", "b", "2"]
    predicted = _predicted(tagger, tokens)
    gold = ["O"] * 4 if set(predicted) != {"O"} else ["B-X"] * 4  # no span where some are predicted, else four
    printed, scores = _evaluated(tagger, tokens, gold, tmp_path / "gold.conll", capsys)
    assert scores["true_spans"] == gold.count("B-X") != scores["pred_spans"]
    assert (f"({scores['correct_spans']} correct of {scores['true_spans']} true, {scores['pred_spans']} predicted)"
            in printed)


def test_a_flag_left_out_leaves_a_config_files_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--fold-words/--no-fold-words not given: the config file's fold_words = true holds."""
    data = tmp_path / "w.txt"
    data.write_text("The/DT Cat/NN\nthe/DT dog/NN\n", encoding="utf-8")
    (tmp_path / "c.toml").write_text("fold_words = true\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "tag", "--data", str(data), "--val-data", str(data), "--out", str(out),
                 "--config", str(tmp_path / "c.toml"), "--char-dim", "2", "--char-hidden", "2", *TINY]) == 0
    assert json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))["fold_words"] is True
