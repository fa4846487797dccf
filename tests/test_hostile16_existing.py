"""Round 16 of hostile command lines: checks that already answer a mistyped number in one line, which no test held
(the character model's verbs, the built-in corpora's sizes, charlm's --eval-chars)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from tests.test_hostile16_commands import refused

pytestmark = pytest.mark.usefixtures("one_torch_thread")



@pytest.fixture(scope="module")
def charlm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile16_charlm")
    (root / "t.txt").write_text("to be or not to be\n" * 20, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(root / "t.txt"), "--out", str(root / "run"), "--hidden", "4",
                 "--embed-dim", "4", "--seq-len", "4", "--batch-size", "2", "--steps", "1", "--threads", "1",
                 "--no-progress"]) == 0
    return root / "run"


@pytest.mark.parametrize(("flags", "message"), [
    (["--temperature", "-1"], "--temperature -1.0: expected a finite number >= 0 (0 = greedy)"),
    (["--temperature", "nan"], "--temperature nan: expected a finite number >= 0 (0 = greedy)"),
    (["--temperature", "1e400"], "--temperature inf: expected a finite number >= 0 (0 = greedy)"),
    (["--length", "-1"], "--length -1: expected an integer >= 0"),
    (["--top-k", "0"], "--top-k 0: expected an integer >= 1"),
    (["--top-p", "0"], "--top-p 0.0: expected a probability above 0, at most 1 (1 = off)"),
    (["--seed", "99999999999999999999999"], "--seed 99999999999999999999999: expected an integer from ")])
def test_sample_refuses_numbers_out_of_range(charlm: Path, flags: list[str], message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(["sample", str(charlm), "--threads", "1", *flags], capsys).startswith(f"rnnkit: error: {message}")


@pytest.mark.parametrize("flags", [["--dynamic-lr", "-1"], ["--dynamic-lr", "nan"], ["--segment", "0"]])
def test_score_refuses_the_settings_of_dynamic_evaluation_without_it(charlm: Path, flags: list[str],
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(["score", str(charlm), "to be", *flags], capsys) == (
        f"rnnkit: error: {flags[0]} sets dynamic evaluation; add --dynamic\n")


@pytest.mark.parametrize(("argv", "message"), [
    (["dates", "--pairs", "0"], "--pairs 0: expected a positive integer"),
    (["dates", "--pairs", "-1"], "--pairs -1: expected a positive integer"),
    (["shapes", "--images", "0"], "--images 0: expected at least 10 (the splits take a tenth each)"),
    (["digits", "--images", "-1"], "--images -1: expected at least 10 (the splits take a tenth each)"),
    (["scam", "--train", "0"], "--train 0: expected a positive number of rows"),
    (["scam", "--test", "-1"], "--test -1: expected a positive number of rows")])
def test_data_refuses_a_size_below_its_least(argv: list[str], message: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert refused(["data", argv[0], "--out", str(out), *argv[1:]], capsys) == f"rnnkit: error: {message}\n"
    assert not out.exists()


def test_charlm_refuses_a_negative_eval_chars_before_reading_anything(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert refused(["train", "charlm", "--data", str(tmp_path / "none.txt"), "--out", str(out), "--eval-chars", "-1"],
                   capsys) == "rnnkit: error: --eval-chars -1: expected a number of characters >= 0 (0: all)\n"
    assert not out.exists()
