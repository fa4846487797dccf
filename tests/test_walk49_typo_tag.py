"""A typo in a training file's tag column (one ``B-PRE`` among many ``B-PER``) was trained as a span type of its
own without a word; ``rnnkit train tag`` now warns naming its line, and says nothing of a type seen more than once,
of one unlike the others, or of tags that are not span tags (a rare part of speech)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--steps", "1", "--hidden", "4", "--embedding", "4", "--char-dim", "2", "--char-hidden", "2",
        "--no-progress", "--threads", "1"]
GOOD = "Anna\tB-PER\nVance\tI-PER\nleft\tO\nNorvik\tB-LOC\n\n"


def _warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str) -> list[str]:
    data = tmp_path / "ner.conll"
    data.write_text(content, encoding="utf-8")
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), *TINY]) == 0
    return [line for line in capsys.readouterr().err.splitlines() if "a typo?" in line]


def test_a_lone_type_spelt_like_another_is_named_by_its_line(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    (line,) = _warnings(tmp_path, capsys, GOOD * 4 + "Hugo\tB-PRE\nleft\tO\n\n")
    assert line.startswith(f"rnnkit: warning: {tmp_path / 'ner.conll'}:21: column 2 (tag) 'B-PRE': ")
    assert "type PRE" in line and "type PER (8 tokens)" in line


@pytest.mark.parametrize("extra", ["Hugo\tB-PRE\nQuist\tI-PRE\n\n",  # seen twice: meant
                                   "Hugo\tB-DATE\nleft\tO\n\n"])  # seen once, like no other type
def test_no_warning_for_a_type_seen_twice_or_unlike_any(extra: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert _warnings(tmp_path, capsys, GOOD * 4 + extra) == []


def test_no_warning_for_tags_that_are_not_spans(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _warnings(tmp_path, capsys, "The\tDT\ncat\tNN\n\n" * 4 + "cats\tNNS\n\n") == []


@pytest.mark.parametrize("stray", ["0", "B_PER"])
def test_a_stray_tag_among_span_tags_is_named(stray: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A ``0`` typed for ``O`` made the tag set no span tag set: the tagger got no span scores, unsaid."""
    data = tmp_path / "ner.conll"
    data.write_text(GOOD * 3 + f"Hugo\t{stray}\n\n", encoding="utf-8")
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), *TINY]) == 0
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "neither O nor a span tag" in x]
    assert line.startswith(f"rnnkit: warning: {data}:16: column 2 (tag) {stray!r}: ")
    assert "no span scores" in line
