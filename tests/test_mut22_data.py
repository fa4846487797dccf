"""Mutation audit round 22 of the readers' helpers: rnnkit.data.utf8 (a U+FEFF inside a line kept, a UTF-32BE file
without a byte order mark named, NULs that are no UTF-16 or UTF-32 pattern read on, only a file's start judged), a
TokenVocab whose word was saved in NFD before its NFC spelling, and rnnkit.data.split.index_header."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data import utf8
from rnnkit.data.split import index_header
from rnnkit.data.tokenize import TokenVocab
from rnnkit.errors import UserError
from tests.test_data21_utf8 import refusal
from tests.test_review21_nfd_models import nfd


def test_a_bom_inside_a_line_is_kept() -> None:
    """Only the BOM that begins a line is a joined file's; inside a line U+FEFF is the text's own (a zero-width
    no-break space)."""
    assert utf8.without_line_boms("a\ufeffb\n\ufeffc\r\ufeffd") == "a\ufeffb\nc\rd"


def test_a_utf32be_file_without_a_bom_is_named_with_its_byte_order(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes("text,label\r\ncafé,1\r\n".encode("utf-32-be"))
    assert refusal(path) == (f"{path}:1: not UTF-8 but UTF-32 (no byte order mark; three bytes in four are 0); save "
                             "the file as UTF-8, e.g. `iconv -f utf-32be -t utf-8`")


@pytest.mark.parametrize("size", [2, 4096])
def test_a_file_of_nul_bytes_is_no_utf16_or_utf32(size: int) -> None:
    """A write cut short can leave a file of zeros: no byte of it is text, in any byte order; it is refused as
    what it is (a file of NULs), not as UTF-16 or UTF-32."""
    with pytest.raises(UserError, match=r"^zeros\.csv: holds only NUL bytes") as caught:
        utf8.decode_utf8(b"\0" * size, "zeros.csv")
    assert "UTF-16" not in str(caught.value) and "UTF-32" not in str(caught.value)


def test_only_the_start_of_a_text_is_judged_for_utf16() -> None:
    """A later piece (a file is read 16 MB at a time) that holds NULs every other byte is the same UTF-8 as the
    first piece; whether it is refused was left to where the pieces happened to be cut."""
    # (text that ends in NULs is refused as cut short: test_fixe_trailing_nuls)
    assert "".join(utf8.decode_pieces([b"text\n", b"a\0b\0c\0d\0e"], "data.txt")) == "text\na\0b\0c\0d\0e"


def test_a_word_saved_in_nfd_before_its_nfc_spelling_keeps_each_its_own_id() -> None:
    vocab = TokenVocab([nfd("서울"), "서울"])
    assert vocab.ids(["서울", nfd("서울")]) == [3, 2]


@pytest.mark.parametrize(("lines", "found"), [
    (["", " \t ", " Audio\tText ", "a.wav\thello"], (3, ["audio", "text"])),  # a line of spaces is blank too
    (["", " \t "], (0, [])),  # no header at all
    (["audio text", "a.wav hello"], (1, ["audio text"])),  # split at tabs only
])
def test_an_index_header_is_its_first_line_with_text_split_at_tabs(lines: list[str],
                                                                   found: tuple[int, list[str]]) -> None:
    assert index_header(lines) == found
