"""Mutation round 27 of ``rnnkit score RUN --file -``: standard input is read as a file's bytes are (a byte order
mark dropped, as the file's; not through the locale's text layer), a TEXT argument ``-`` is a text and not a second
read of standard input, and a standard input of whitespace only is refused as a file of whitespace only is."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from rnnkit.cli import main
from tests.test_fixf_score_stdin import TEXT, run  # noqa: F401  (run: the module's fixture, a trained char LM)


def _score(folder: Path, args: list[str], stdin: bytes, capsys: pytest.CaptureFixture[str],
           monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(["score", str(folder), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_standard_input_with_a_byte_order_mark_scores_as_the_file(run: Path, tmp_path: Path,  # noqa: F811
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    raw = b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode()
    (tmp_path / "same.txt").write_bytes(raw)
    code, out, _ = _score(run, ["--file", "-", "--file", str(tmp_path / "same.txt"), "--json"], raw, capsys,
                          monkeypatch)
    assert code == 0
    piped, named = json.loads(out)["results"]
    assert piped["chars"] == named["chars"] == len(TEXT)
    assert piped["log_prob"] == pytest.approx(named["log_prob"])


def test_a_text_argument_dash_is_a_text_beside_standard_input(run: Path,  # noqa: F811
                                                              capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _score(run, ["-", "--file", "-", "--json"], TEXT.encode(), capsys, monkeypatch)
    assert code == 0  # said: '-' is a character the model does not know
    text, piped = json.loads(out)["results"]
    assert (text["text"], piped["file"], piped["chars"]) == ("-", "-", len(TEXT))


def test_standard_input_of_whitespace_only_is_refused_as_a_file_of_it_is(run: Path, tmp_path: Path,  # noqa: F811
                                                                         capsys: pytest.CaptureFixture[str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blank.txt").write_text(" \n\n")
    code, out, err = _score(run, ["--file", str(tmp_path / "blank.txt")], b" \n\n", capsys, monkeypatch)
    assert (code, out) == (2, "") and "the file is empty" in err
    code, out, err = _score(run, ["--file", "-"], b" \n\n", capsys, monkeypatch)
    assert (code, out, err) == (2, "", "rnnkit: error: --file -: standard input is empty; expected the UTF-8 "
                                       "text to score\n")
