"""Gaps a mutation audit (round 39) found in walk49's tag files: the stray tag warning (each of two strays named; none
for three, nor beside a single span tag), the lone type warning (not of tags that are not span tags, as the Penn
Treebank's ``-LRB-``/``-RRB-``), and ``predict --file`` of a ``word/TAG`` file (read once, so a pipe is read whole;
judged by its first 20 lines, so a malformed token later is refused naming its line)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.data.slashtags import read_tagged
from rnnkit.tasks._tag_data import warn_lone_types, warn_stray_tags

GOOD = "Anna\tB-PER\nVance\tI-PER\nleft\tO\nNorvik\tB-LOC\n\n"


def _said(tmp_path: Path, content: str, check) -> list[str]:
    data = tmp_path / "ner.conll"
    data.write_text(content, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check(read_tagged(data))
    return [str(w.message) for w in caught]


def test_each_of_two_stray_tags_is_named(tmp_path: Path) -> None:
    said = _said(tmp_path, GOOD * 3 + "Hugo\t0\n\nQuist\tB_PER\n\n", warn_stray_tags)
    assert [s.split(": neither")[0].rsplit(" ", 1)[1] for s in said] == ["'0'", "'B_PER'"]


@pytest.mark.parametrize("content", [GOOD * 3 + "Hugo\t0\n\nQuist\tB_PER\n\nBo\tPER\n\n",  # three: no typos
                                     "Anna\tB-PER\nleft\tO\n\n" * 3 + "Hugo\t0\n\n"])  # one span tag beside O
def test_no_stray_warning_of_three_or_beside_one_span_tag(content: str, tmp_path: Path) -> None:
    assert _said(tmp_path, content, warn_stray_tags) == []


def test_no_lone_type_warning_of_tags_that_are_not_span_tags(tmp_path: Path) -> None:
    """Part-of-speech tags holding a dash: -RRB- once beside -LRB- twice is no typo of a span type."""
    pos = "(\t-LRB-\nso\tRB\n\n" * 2 + "so\tRB\n)\t-RRB-\n\n"
    assert _said(tmp_path, pos, warn_lone_types) == []


@pytest.fixture(scope="module")
def tagger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rnnkit.cli import main

    root = tmp_path_factory.mktemp("slash39")
    (root / "train.txt").write_text("Anna/B-PER left/O Norvik/B-LOC\n" * 3, encoding="utf-8")
    assert main(["train", "tag", "--data", str(root / "train.txt"), "--out", str(root / "run"), "--steps", "1",
                 "--hidden", "4", "--embedding", "4", "--char-dim", "2", "--char-hidden", "2", "--no-progress",
                 "--threads", "1"]) == 0
    return root / "run" / "best"


def test_a_word_tag_file_is_read_once(tagger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a pipe (--file <(zcat test.txt.gz)) a second read finds nothing: the words are those read first."""
    import rnnkit.data.slashtags as slashtags
    from rnnkit.tasks._tag_verbs import _file_to_tag

    data = tmp_path / "test.txt"
    data.write_text("Hugo/B-PER left/O\n", encoding="utf-8")
    monkeypatch.setattr(slashtags, "tagged_text", lambda *a, **k: "")  # what a pipe gives the second time
    assert _file_to_tag(str(data), ["B-PER", "O"]).tokens == [["Hugo", "left"]]


def test_a_malformed_token_after_the_first_lines_is_refused_naming_its_line(
        tagger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main

    data = tmp_path / "test.txt"
    data.write_text("Hugo/B-PER left/O\n" * 21 + "Hugo left/O\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["predict", str(tagger), "--file", str(data)]) == 2
    assert f"{data}:22: malformed token 'Hugo'" in capsys.readouterr().err
