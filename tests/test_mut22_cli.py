"""Mutation audit round 22 of rnnkit.cli: where DIR is on a line that ends with ``--`` or gives ``-`` for it, and a
word of '-' and letters that only begins like minus infinity or NaN is a flag to argparse, not a value."""

from __future__ import annotations

import pytest

from rnnkit import cli


@pytest.mark.parametrize("rest", [["--"], ["--threads", "1", "--"]])
def test_a_line_that_ends_with_dash_dash_has_no_model_directory(rest: list[str],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """No word follows '--': DIR is missing (an IndexError's traceback where the word after it was taken)."""
    assert cli._model_dir("sample", rest) == (None, rest)
    assert cli.main(["sample", *rest]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: `rnnkit sample` needs a model directory: rnnkit sample DIR "
                                       "[flags]\n")


def test_a_lone_dash_stands_where_dir_does() -> None:
    """'-' is a word, as argparse reads it (standard input elsewhere), not a flag to be refused as none of the verb's:
    the model directory named '-' is then refused as no such directory."""
    assert cli._model_dir("predict", ["--threads", "1", "-", "a text"]) == ("-", ["--threads", "1", "a text"])


@pytest.mark.parametrize("word", ["-inform", "-nano", "-Infinite"])
def test_a_word_that_only_begins_like_minus_infinity_is_no_value(word: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Minus infinity and NaN are whole words ('-inf', '-NaN'); '-inform' after a flag is argparse's missing value."""
    assert not cli.NEGATIVE_NUMBER.match(word)
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "classify", "--class-weights", word])
    assert "argument --class-weights: expected one argument" in capsys.readouterr().err
