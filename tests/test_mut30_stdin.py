"""Mutation round 30 of ``predict --file -`` (walk34): the empty lines named are the first five then ``...``; only a
first line that is a JSON object with a "text" field is warned of (not one without it, not a JSON string that holds
the word, and also when plain lines follow it); a first line nested too deeply for json is classified, not a
RecursionError's traceback; a TEXT argument is no line of --file - and is not warned of."""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._classify_verbs import _warn_json_line
from rnnkit.tasks._text import stdin_texts
from tests.test_walk34_stdin import detector  # noqa: F401  # the module's tiny scam classifier


def test_the_first_five_empty_lines_are_named_then_dots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a call\n" + "\n" * 7 + "another call\n"))
    with pytest.warns(RnnkitWarning) as caught:
        assert stdin_texts() == ["a call", "another call"]
    assert [str(w.message) for w in caught] == [
        "--file -: 7 empty lines of standard input left out (lines 2, 3, 4, 5, 6 ...); the output has a line for "
        "each of the 2 texts, not one for each input line"]


@pytest.mark.parametrize("first", [json.dumps({"file": "a.wav"}), json.dumps("the text of a call"),
                                   json.dumps(["text"]), "[" * 100_000, '{"text": ' * 100_000])
def test_a_first_line_that_is_no_json_object_with_a_text_field_is_not_warned_of(first: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_json_line([first, "택배입니다"])  # nested past json's depth: it was a RecursionError's traceback


def test_a_json_first_line_is_warned_of_whatever_follows_it() -> None:
    with pytest.warns(RnnkitWarning, match='line 1 is a JSON object with a "text" field'):
        _warn_json_line([json.dumps({"file": "a.wav", "text": "안전계좌로 이체"}), "택배입니다"])


@pytest.mark.usefixtures("one_torch_thread")
def test_a_json_text_argument_is_no_line_of_standard_input(detector: Path,  # noqa: F811
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["predict", str(detector), json.dumps({"text": "안전계좌로 이체"})]) == 0
    assert "--file -" not in capsys.readouterr().err
