"""UTF-8 files (rnnkit.data.utf8): one decoder for every reader, one message for bytes that are not UTF-8."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rnnkit.data import tabular, text, utf8
from rnnkit.data.conll import TAGGED, read_conll
from rnnkit.data.pairs import read_pairs
from rnnkit.data.prepared import prepare_text
from rnnkit.data.utf8 import HINT, decode_pieces, decode_utf8, utf8_argument
from rnnkit.errors import UserError

READERS: dict[str, Callable[[Path], Any]] = {
    "table": tabular.read_table,
    "lm text": text.read_utf8,
    "prepared text": prepare_text,
    "lines": tabular.file_lines,
    "pairs": read_pairs,
    "conll": read_conll,
}


def refusal(read: Callable[[], Any]) -> str:
    with pytest.raises(UserError) as info:
        read()
    return str(info.value)


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("reader", READERS)
def test_a_bad_byte_on_line_3_reads_the_same_in_a_csv_and_a_text(tmp_path: Path, reader: str, end: str) -> None:
    lines = [b"text,label", b"fine,1", b"caf\xe9,0", b""]
    path = tmp_path / "data.csv"
    path.write_bytes(end.encode().join(lines))
    offset = len(b"text,label" + b"fine,1") + 2 * len(end) + len(b"caf")
    assert refusal(lambda: READERS[reader](path)) == (
        f"{path}:3: not UTF-8 (byte 0xe9 at column 4, byte offset {offset}); {HINT}")


BAD = "\ufeff한국어\r\nxé\r".encode() + b"\xe9\x9fZ\n"  # a BOM, Hangul, CRLF, a lone CR, a cut 3-byte character
WHERE = "BAD:3: not UTF-8 (byte 0xe9 at column 1, byte offset 18)"


@pytest.mark.parametrize("newlines", [False, True])
def test_the_line_column_and_offset_are_those_of_the_whole_file_in_pieces_of_any_size(newlines: bool) -> None:
    assert refusal(lambda: decode_utf8(BAD, "BAD", newlines=newlines)) == f"{WHERE}; {HINT}"
    for size in range(1, len(BAD) + 1):
        pieces = [BAD[i: i + size] for i in range(0, len(BAD), size)]
        assert refusal(lambda p=pieces: list(decode_pieces(p, "BAD", newlines=newlines))) == f"{WHERE}; {HINT}", size


def test_the_column_counts_characters_after_the_bom() -> None:
    raw = "\ufeff한국어 ".encode() + b"\xff"
    assert refusal(lambda: decode_utf8(raw, "k.txt")).startswith("k.txt:1: not UTF-8 (byte 0xff at column 5, "
                                                                 "byte offset 13)")


def test_line_ends_are_made_lf_for_texts_and_kept_for_tables(tmp_path: Path) -> None:
    raw = "\ufeffone\r\ntwo\rthree\n".encode()
    assert text.decode_text(raw, "t") == "one\ntwo\nthree\n"
    assert decode_utf8(raw, "t") == "one\r\ntwo\rthree\n"
    for size in (1, 2, 5):
        pieces = [raw[i: i + size] for i in range(0, len(raw), size)]
        assert "".join(decode_pieces(pieces, "t", newlines=True)) == "one\ntwo\nthree\n"
    (tmp_path / "q.csv").write_bytes(b'text,label\r\n"first\r\nsecond",1\r\n')
    assert tabular.read_table(tmp_path / "q.csv").texts == ["first\r\nsecond"]  # a quoted field keeps its CRLF


@pytest.mark.parametrize("raw", [b"", b" \n\r\n", b"\xef\xbb\xbf", "\u3000\n".encode()])
def test_a_text_of_whitespace_only_is_refused_as_empty_but_a_table_says_it_itself(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "e.txt"
    path.write_bytes(raw)
    assert refusal(lambda: text.read_utf8(path)) == f"{path}: the file is empty; expected UTF-8 text"
    assert refusal(lambda: text.decode_text(raw, "member")) == "member: the file is empty; expected UTF-8 text"
    assert tabular.read_utf8(path) == raw.decode("utf-8-sig")  # a table's reader names what it lacks itself
    (tmp_path / "e.csv").write_bytes(raw)
    assert "expected UTF-8 text" not in refusal(lambda: tabular.read_table(tmp_path / "e.csv"))


def test_a_missing_file_and_a_folder_keep_each_readers_words(tmp_path: Path) -> None:
    gone = tmp_path / "gone.txt"
    assert refusal(lambda: text.read_utf8(gone)) == (
        f"{gone}: no such file; --data takes 'shakespeare', 'korean' or the path of a UTF-8 text file")
    assert refusal(lambda: text.read_utf8(tmp_path)) == f"{tmp_path}: is a directory; expected a UTF-8 text file"
    assert refusal(lambda: tabular.read_utf8(gone)) == f"{gone}: no such file"
    assert refusal(lambda: tabular.read_table(tmp_path)) == (
        f"{tmp_path}: is a directory; expected a CSV, TSV or JSONL file")
    assert refusal(lambda: read_conll(tmp_path)) == f"{tmp_path}: is a directory; expected {TAGGED}"
    assert refusal(lambda: read_pairs(tmp_path)) == (
        f"{tmp_path}: is a directory; expected a file of tab-separated pairs")
    assert refusal(lambda: tabular.file_lines(tmp_path)) == f"{tmp_path}: is a directory; expected a UTF-8 text file"


@pytest.mark.skipif(not Path("/dev/urandom").is_char_device() or not Path("/dev/fd").is_dir(), reason="no /dev")
def test_a_device_is_refused_and_a_pipe_is_read(tmp_path: Path) -> None:
    """``--data /dev/zero`` was read until memory ran out (the process killed, exit 137); ``/dev/urandom``, whose
    bytes soon are not UTF-8, stands for it here. ``/dev/null`` still reads as an empty file."""
    readers = {**READERS, "prepared text": lambda p: prepare_text(p, tmp_path / "prepared")}
    for read in readers.values():
        assert refusal(lambda: read(Path("/dev/urandom"))).startswith(  # noqa: B023 (called at once)
            "/dev/urandom: not a regular file (a device); expected ")
    assert not (tmp_path / "prepared").exists()
    assert refusal(lambda: read_pairs(os.devnull)) == f"{os.devnull}: no pairs; expected lines of 'source<TAB>target'"
    assert tabular.file_lines(Path(os.devnull)) == [""]
    r, w = os.pipe()  # a pipe (`--file /dev/stdin`, `<(zcat pairs.tsv.gz)`) is read as a file
    os.write(w, b"a b\tx y\n")
    os.close(w)
    try:
        assert read_pairs(f"/dev/fd/{r}") == [("a b", "x y")]
    finally:
        os.close(r)


def test_a_file_that_cannot_be_read_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.txt"
    path.write_text("text\n", encoding="utf-8")

    def refused_open(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    class Failing(io.BytesIO):
        def read(self, *args: object) -> bytes:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(utf8, "open", refused_open, raising=False)  # root reads any file: denied here
    assert refusal(lambda: tabular.read_table(path)) == f"{path}: cannot read (Permission denied)"
    monkeypatch.setattr(utf8, "open", lambda *args: Failing(), raising=False)
    assert refusal(lambda: text.read_utf8(path)) == f"{path}: cannot read (Input/output error)"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_as_utf16_with_its_own_mend(tmp_path: Path, codec: str) -> None:
    """Excel's 'Unicode Text' (UTF-16 with a BOM) was told to mend itself with `iconv -f latin1`, which garbles it."""
    path = tmp_path / "data.tsv"
    path.write_bytes("\ufefftext\tlabel\r\nfine\t1\r\n".encode(codec))
    message = refusal(lambda: tabular.read_table(path))
    assert message.startswith(f"{path}:1: not UTF-8 but UTF-16 (it begins with the byte order mark 0x")
    assert message.endswith("`iconv -f utf-16 -t utf-8`") and "latin1" not in message


def test_a_command_line_text_that_is_not_utf8_is_named_with_its_byte() -> None:
    check = utf8_argument("--prime")
    assert check("café 한국어") == "café 한국어"
    assert refusal(lambda: check(os.fsdecode(b"ok \xc3\xa9 \xe9\xff"))) == (
        "--prime 'ok \\xc3\\xa9 \\xe9\\xff': not UTF-8 (byte 0xe9 at column 6); give the text in UTF-8 (is the "
        "terminal set to another encoding?)")


def test_standard_input_is_read_as_utf8_whatever_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--file -` of predict and translate: the bytes of standard input decoded as UTF-8 (a latin-1 locale made
    '영화' mojibake), CRLF and CR made LF, bad bytes named by line; a text-only stdin read as it is."""
    stdin_text = utf8.stdin_text
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("\ufeffgood 영화\r\nbad\rend".encode()),
                                                      encoding="latin-1"))
    assert stdin_text() == "good 영화\nbad\nend"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"fine\nnot \xff\n")))
    with pytest.raises(UserError, match=r"^standard input:2: not UTF-8 \(byte 0xff at column 5"):
        stdin_text()
    monkeypatch.setattr("sys.stdin", io.StringIO("a\r\nb"))
    assert stdin_text() == "a\nb"
    monkeypatch.setattr("sys.stdin", None)  # `rnnkit translate DIR --file - <&-`: an AttributeError's traceback
    with pytest.raises(UserError, match=r"^standard input is closed; give the texts on it"):
        stdin_text()
