"""UTF-8 files as text: the one place where rnnkit turns a file's bytes into a string.

What a user gets: a byte order mark is dropped; with ``newlines=True`` (texts for language models) CRLF and a
lone CR become LF and a byte order mark that begins a line is dropped too (files joined), otherwise line ends
are left as they are (a CSV field may hold a CRLF; the readers of tables and tagged files split lines
themselves). A missing file, a folder, a file that cannot be read, an empty one where text is required
(``empty``) and bytes that are not UTF-8 are refused with a one-line :class:`~rnnkit.errors.UserError`. Bad
bytes read the same in every file (one line, cut here)::

    data.csv:3: not UTF-8 (byte 0xe9 at column 4, byte offset 21); save the file as UTF-8,
    e.g. `iconv -f latin1 -t utf-8` (`-f cp949` for Korean)

the line and the column (in characters) as an editor counts them (LF, CRLF or a lone CR ends a line), the
byte offset from the start of the file (0 for the first byte), the first byte that is not UTF-8. Where a byte of
0x80-0x9f stands alone after it (Windows-1252's curly quotes and dashes, control characters to latin1), the mend
is ``iconv -f cp1252 -t utf-8``.
A file that begins with a UTF-16 byte order mark (Excel's "Unicode Text" and Windows Notepad's "Unicode"
save so) is named as UTF-16, with ``iconv -f utf-16 -t utf-8`` as the mend; so is one without the mark whose
first bytes are every other one 0 (UTF-32: three in four), with the byte order in the mend (``-f utf-16le``), and
one without the mark, not UTF-8, whose first bytes hold 0 bytes and read as UTF-16 text in one byte order (Korean
or Chinese text, a 0 byte in a space's or a line end's unit but not in a syllable's; a cp949 or EUC-KR file has no 0
byte, and keeps the message above).

A file is read and decoded in pieces (:func:`read_pieces`), so that a text larger than memory can be
encoded piece by piece (:mod:`rnnkit.data.prepared`) and read in memory (:func:`read_utf8`) alike.
"""

from __future__ import annotations

import codecs
import itertools
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from rnnkit.errors import UserError
from rnnkit.wording import counted

__all__ = ["CHUNK_BYTES", "HINT", "decode_pieces", "decode_utf8", "empty_file", "open_readable", "read_pieces",
           "read_utf8", "utf8_argument", "with_lf", "without_line_boms"]

#: the bytes read from a file at a time
CHUNK_BYTES = 16 << 20

#: how to mend a file that is not UTF-8 (Latin-1 and, for Korean, CP949 are the encodings met most)
HINT = "save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8` (`-f cp949` for Korean)"

#: how to mend a file that reads as Korean in CP949 (:func:`_reads_as_korean`: the bytes looked at, the Hangul
#: syllables they must hold)
KOREAN_HINT = "save the file as UTF-8, e.g. `iconv -f cp949 -t utf-8` (in Excel: Save As 'CSV UTF-8')"
KOREAN_SAMPLE, KOREAN_SYLLABLES = 4096, 4
#: how to mend a file of Windows-1252 (a byte of 0x80-0x9f that no other byte of 0x80 or above comes before, as
#: its curly quotes, dashes and euro sign stand in Western text): latin1 reads those bytes as control characters
CP1252_HINT = ("save the file as UTF-8, e.g. `iconv -f cp1252 -t utf-8` (Windows-1252: its bytes 0x80-0x9f, curly "
               "quotes and dashes, are control characters in latin1; `-f cp949` for Korean)")
CP1252_BYTE = re.compile(rb"(?<![\x80-\xff])[\x80-\x9f]")

#: the byte order marks that begin a UTF-16 file (little- and big-endian), and how to mend one
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF16_HINT = "save the file as UTF-8, e.g. `iconv -f utf-16 -t utf-8`"
#: how to get text out of a spreadsheet saved as a workbook
AS_CSV = ("save the sheet as text: in Excel File > Save As > 'CSV UTF-8 (Comma delimited)', in pandas "
          "`pd.read_excel(FILE).to_csv('FILE.csv', index=False)`")
#: the first bytes of files that are no text, what each is and how to mend it (a text file never begins so)
NOT_TEXT = ((b"PK\x03\x04", f"a ZIP archive (as an Excel workbook, .xlsx, is), not text; {AS_CSV}, or unzip it"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", f"an Excel 97-2003 workbook (.xls) or another Office file, not text; "
                                                  f"{AS_CSV}"),
            (b"\x1f\x8b", "gzip-compressed, not text; uncompress it first: `gunzip -k FILE`"))
#: the bytes of a file's start looked at for a UTF-16 or UTF-32 file without a byte order mark
WIDE_SAMPLE = 64


class _Place:
    """The line and column reached in a text given in pieces (LF, CRLF and a lone CR each end one line)."""

    def __init__(self) -> None:
        self.line, self.column, self.after_cr = 1, 1, False

    def advance(self, text: str) -> None:
        if not text:
            return
        ends = text.count("\n") + text.count("\r") - text.count("\r\n") - (self.after_cr and text[0] == "\n")
        last = max(text.rfind("\n"), text.rfind("\r"))
        self.line += ends
        self.column = len(text) - last if last >= 0 else self.column + len(text)
        self.after_cr = text[-1] == "\r"


def decode_pieces(chunks: Iterable[bytes], where: str, *, newlines: bool = False,
                  empty: str | None = None) -> Iterator[str]:
    """The text of UTF-8 bytes given in pieces (a multi-byte character or a CRLF may be split between two):
    a BOM dropped; when ``newlines``, CRLF and a lone CR made LF and a BOM that begins a line dropped too (each joined
    file's, ``cat a.txt b.txt``: :func:`without_line_boms`; a language model learnt to write it, unseen: its text drops
    one anywhere, :func:`rnnkit.data.text.without_boms`); bytes that
    are not UTF-8 are refused in one line naming ``where``, the line, the column, the byte and its offset; with
    ``empty`` (what is expected, ``"UTF-8 text"``) a text of whitespace only is refused after its last piece. NUL
    bytes that end the bytes (a download or a copy cut short: a file made at its full size, never filled) are
    refused after the last piece, held back till then as a count (:func:`_refuse_nuls`): they read as UTF-8 and
    reached the readers, which named a missing column of '\x00\x00…', gave a CSV's last row NULs or trained a
    language model on them. NULs that text follows read as they are."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    place, fed, started, held, content, head = _Place(), 0, False, "", False, b""
    nuls, given = 0, 0  # the NULs that end the bytes so far (the end, unless more follow); the bytes decoded
    line_start = False  # newlines: the text so far ends a line, so a BOM that begins the next chunk is a joined file's
    for raw, final in _with_end(chunks):
        if fed == 0 and raw:
            _refuse_not_text(raw, where)
            _refuse_wide(raw, where)
            head = raw[:WIDE_SAMPLE * 4]
        fed += len(raw)
        body = raw.rstrip(b"\0")
        if final:  # the decoder holds the bytes of a character that the NULs cut short
            _refuse_nuls(where, nuls, fed, place.line, len(decoder.getstate()[0]))
        elif not body:
            nuls += len(raw)
            continue
        # held NULs that text follows go on as read, a chunk's worth at a time: bytes(nuls) was the whole run at once
        parts, nuls = itertools.chain(_zeros(nuls), (body,)), len(raw) - len(body)
        for part in parts:
            given += len(part)
            try:
                piece = decoder.decode(part, final)
            except UnicodeDecodeError as exc:  # exc.object: bytes held back from the last chunk, then part
                raise _not_utf8(exc, where, place, started, head, given) from None
            if not started and piece:
                piece, started = piece.removeprefix("\ufeff"), True
            place.advance(piece)
            if newlines:
                piece = held + piece
                held = "\r" if not final and piece.endswith("\r") else ""  # a CRLF may go on in the next chunk
                piece = without_line_boms(with_lf(piece[: len(piece) - len(held)]))
                piece = piece[1:] if line_start and piece.startswith("\ufeff") else piece  # after the last chunk's LF
                line_start = piece.endswith("\n") if piece else line_start
            content = content or (bool(piece) and not piece.isspace())
            if piece:
                yield piece
    if empty is not None and not content:
        raise empty_file(where, empty)


def empty_file(where: str, expected: str) -> UserError:
    """The refusal of a text of whitespace only (or nothing) named ``where``, ``expected`` what it should be."""
    return UserError(f"{where}: the file is empty; expected {expected}")


def _refuse_not_text(head: bytes, where: str) -> None:
    """Refuse a file whose first bytes say it is no text (:data:`NOT_TEXT`: a workbook, a ZIP or gzip archive),
    which was "not UTF-8 (byte 0xec at column 11)" with iconv's advice, no mend for a workbook."""
    for start, what in NOT_TEXT:
        if head.startswith(start):
            raise UserError(f"{where}: {what}")


def _zeros(count: int) -> Iterator[bytes]:
    """``count`` NUL bytes in pieces of at most :data:`CHUNK_BYTES`."""
    for start in range(0, count, CHUNK_BYTES):
        yield bytes(min(CHUNK_BYTES, count - start))


def _not_utf8(exc: UnicodeDecodeError, where: str, place: _Place, started: bool, head: bytes,
              given: int) -> UserError:
    """The refusal of bytes that are not UTF-8 (``given``: the bytes given to the decoder so far), naming the line,
    the column, the byte and its offset; UTF-16 (by its byte order mark or its NULs) named as such."""
    before = exc.object[: exc.start].decode("utf-8")
    place.advance(before if started else before.removeprefix("\ufeff"))
    offset = given - len(exc.object) + exc.start
    if offset == 0 and exc.object[:2] in UTF16_BOMS:
        return UserError(f"{where}:1: not UTF-8 but UTF-16 (it begins with the byte order mark "
                         f"0x{exc.object[0]:02x} 0x{exc.object[1]:02x}, as Excel's 'Unicode Text' does); {UTF16_HINT}")
    # UTF-16 fails as UTF-8 in its first bytes; a file whose first bytes are UTF-8 (NULs and all) is not it
    if offset < len(head) and (codec := _utf16_by_its_nuls(head)) is not None:
        return _wide_error(where, codec, f"it has 0 bytes and reads as {codec[:6].upper()} text")
    korean = " but Korean in CP949 or EUC-KR, it seems" if _reads_as_korean(exc.object, exc.start) else ""
    # a Korean file's lead bytes may be 0x81-0x9f too: it is told of first
    mend = KOREAN_HINT if korean else CP1252_HINT if CP1252_BYTE.search(exc.object, exc.start) else HINT
    return UserError(f"{where}:{place.line}: not UTF-8 (byte 0x{exc.object[exc.start]:02x} at column "
                     f"{place.column}, byte offset {offset}){korean}; {mend}")


def _reads_as_korean(raw: bytes, start: int) -> bool:
    """Whether ``raw``, from the line that holds byte ``start`` (the first that is not UTF-8) on, reads as Korean in
    CP949 (EUC-KR is its part): :data:`KOREAN_SAMPLE` bytes decode and hold :data:`KOREAN_SYLLABLES` Hangul
    syllables or more, nine in ten of their characters beyond ASCII. A Korean Windows' Excel saves its plain "CSV"
    so, and the refusal put `iconv -f latin1` first, which turns such a file into UTF-8 nonsense that reads.
    Latin-1 text does not read so: its accented small letters (0xe0 on) take no ASCII byte after them in CP949."""
    begin = raw.rfind(b"\n", 0, start) + 1  # a line end is never the second byte of a CP949 character
    try:
        text = codecs.getincrementaldecoder("cp949")("strict").decode(raw[begin:begin + KOREAN_SAMPLE], False)
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if c >= "\x80"]
    syllables = sum("\uac00" <= c <= "\ud7a3" for c in wide)
    return syllables >= KOREAN_SYLLABLES and syllables >= 0.9 * len(wide)


def _refuse_nuls(where: str, count: int, size: int, line: int, cut: int = 0) -> None:
    """Refuse bytes (``size`` of them) that end in ``count`` NULs, which begin on ``line``: all of them NUL, or
    text and then NULs; nothing for none. ``cut``: the bytes before the NULs of a character they cut short, which
    the text to keep leaves out (``truncate`` to keep them left a file refused as not UTF-8)."""
    if not count:
        return
    why = "was it cut short while being written (a download or a copy that did not finish)?"
    if count == size:
        raise UserError(f"{where}: holds only NUL bytes (0x00, {count:,} of them), not text; {why}")
    start = size - count
    text = start - cut
    half = f", after {counted(cut, 'byte')} of a character cut short" if cut else ""
    raise UserError(f"{where}:{line}: the text ends in NUL bytes (0x00, {count:,} of them from byte offset {start:,} "
                    f"on{half}), not text; {why} Its first {text:,} bytes are the text (`truncate -s {text} FILE` "
                    "keeps them)")


def _wide_encoding(head: bytes) -> str | None:
    """``"utf-16le"``, ``"utf-16be"``, ``"utf-32le"`` or ``"utf-32be"`` when a file's first bytes have NULs where
    such a text without a byte order mark has them (every other byte, or three of four, for Latin text), else
    None. ASCII so written is valid UTF-8, NULs and all: read on, it was a header of NUL-strewn names."""
    sample = head[:WIDE_SAMPLE]
    sample = sample[: len(sample) // 4 * 4] or sample[: len(sample) // 2 * 2]
    if sample.count(0) < 2:  # one NUL is no pattern (a damaged file, a binary one)
        return None
    for name, step, nul, other in (("utf-32le", 4, (2, 3), (0,)), ("utf-32be", 4, (0, 1), (3,)),
                                   ("utf-16le", 2, (1,), (0,)), ("utf-16be", 2, (0,), (1,))):
        if len(sample) >= step and all(b == 0 for i in nul for b in sample[i::step]) \
                and all(sample[i::step].count(0) == 0 for i in other):
            return name
    return None


def _refuse_wide(head: bytes, where: str) -> None:
    """Refuse a file that begins as UTF-16 or UTF-32 text without a byte order mark (see :func:`_wide_encoding`),
    as one with the mark is refused, the mend naming the byte order."""
    codec = _wide_encoding(head)
    if codec is not None:
        raise _wide_error(where, codec, "three bytes in four are 0" if "32" in codec else "every other byte is 0")


def _wide_error(where: str, codec: str, why: str) -> UserError:
    """The refusal of a file in ``codec`` (UTF-16 or UTF-32 of a byte order) without a byte order mark, ``why``
    saying how it was told."""
    return UserError(f"{where}:1: not UTF-8 but {codec[:6].upper()} (no byte order mark; {why}); "
                     f"save the file as UTF-8, e.g. `iconv -f {codec} -t utf-8`")


def _utf16_by_its_nuls(head: bytes) -> str | None:
    """``"utf-16le"`` or ``"utf-16be"`` when a file's first bytes, not UTF-8, hold two NULs or more and read in that
    byte order as text (:func:`_text_read`): Korean, Chinese or Japanese text so written, where most units of a
    syllable or an ideograph have no NUL and a space's or a line end's has one (:func:`_wide_encoding` wants
    every other byte 0). Read both ways, the order with more characters below U+0100 (spaces, line ends, digits)
    is it. Else None: a file of a legacy encoding (cp949, EUC-KR, Shift-JIS, GBK, Latin-1) has no NUL byte, and
    one of other bytes reads as control or unassigned characters."""
    sample = head[: len(head) // 2 * 2]
    if sample.count(0) < 2:
        return None
    narrow = {codec: sum(c < "\u0100" for c in text) for codec in ("utf-16le", "utf-16be")
              if (text := _text_read(sample, codec)) is not None}
    return max(narrow, key=lambda codec: narrow[codec]) if narrow else None


def _text_read(sample: bytes, codec: str) -> str | None:
    """``sample`` read in ``codec`` (a character may be cut at its end) when it is text: no control character but
    a tab or a line end, no unpaired surrogate, private-use or unassigned character; else None."""
    try:
        text = codecs.getincrementaldecoder(codec)("strict").decode(sample, False)
    except UnicodeDecodeError:
        return None
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\t\n\r" for c in text):
        return None
    return text


def _with_end(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    for raw in chunks:
        yield raw, False
    yield b"", True


def decode_utf8(raw: bytes, where: str, *, newlines: bool = False, empty: str | None = None) -> str:
    """``raw`` as text (see :func:`decode_pieces`); ``where`` names it in an error (a file, an archive member)."""
    return "".join(decode_pieces((raw,), where, newlines=newlines, empty=empty))


def stdin_text() -> str:
    """Standard input as UTF-8 whatever the locale says (its bytes checked as a file's are, named ``standard
    input``), line ends made LF; a standard input of text only (a notebook's, a test's) as it reads. A closed
    one (``<&-``, a service started without one: Python's ``sys.stdin`` is None) is refused in one line."""
    if sys.stdin is None:
        raise UserError("standard input is closed; give the texts on it (a pipe, or < FILE) or name a file")
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:
        return with_lf(sys.stdin.read())
    return decode_utf8(raw.read(), "standard input", newlines=True)


def open_readable(path: str | Path, expected: str, *, missing: str = "") -> BinaryIO:
    """The file ``path`` opened to read its bytes. A folder is refused as ``PATH: is a directory; expected
    {expected}``, a device (``/dev/zero`` never ends: it was read until memory ran out) as ``PATH: not a
    regular file (a device); expected {expected}``, a missing file as ``PATH: no such file`` (then
    ``; {missing}`` when given), an unreadable one as ``PATH: cannot read (why)``. A pipe, a terminal
    (``/dev/stdin``, ``<(zcat data.gz)``) and ``/dev/null`` (an empty file) are read as files."""
    name = str(path)  # as the user wrote it, as the other messages of a reader name it
    if Path(path).is_dir():
        raise UserError(f"{name}: is a directory; expected {expected}")
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise UserError(f"{name}: no such file" + (f"; {missing}" if missing else "")) from None
    except OSError as exc:
        raise unreadable(name, exc) from None
    if _a_device(fh):
        fh.close()
        raise UserError(f"{name}: not a regular file (a device); expected {expected}")
    return fh


def unreadable(name: str | Path, exc: BaseException, then: str = "") -> UserError:
    """The one line of every reader for a file that cannot be read: ``NAME: cannot read (why)``, then ``; {then}``
    when given; ``why`` is the system's reason (``Permission denied``), or ``exc`` itself where it has none (a
    damaged gzip stream)."""
    return _cannot("read", name, exc, then)


def unwritable(name: str | Path, exc: BaseException, then: str = "") -> UserError:
    """The one line of every writer for a file or folder that cannot be written: ``NAME: cannot write (why)``
    (``No space left on device``), then ``; {then}`` when given, as :func:`unreadable` says a file it cannot read.
    ``NAME`` is the path the user asked for, not a temporary file beside it."""
    return _cannot("write", name, exc, then)


def _cannot(verb: str, name: str | Path, exc: BaseException, then: str) -> UserError:
    why = getattr(exc, "strerror", None) or exc
    return UserError(f"{name}: cannot {verb} ({why})" + (f"; {then}" if then else ""))


def _a_device(fh: BinaryIO) -> bool:
    """True when ``fh`` reads a character or block device other than a terminal and ``/dev/null`` (an empty file,
    as scripts give it)."""
    try:
        fd = fh.fileno()
        st = os.fstat(fd)
        if not (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)) or os.isatty(fd):
            return False
        return not stat.S_ISCHR(os.stat(os.devnull).st_mode) or st.st_rdev != os.stat(os.devnull).st_rdev
    except (OSError, ValueError):  # not a file of the system (io.UnsupportedOperation is both)
        return False


def read_pieces(path: str | Path, expected: str, *, missing: str = "", newlines: bool = False,
                empty: str | None = None) -> Iterator[str]:
    """The text of a UTF-8 file in pieces (see :func:`decode_pieces`), read :data:`CHUNK_BYTES` at a time; a
    folder, a missing or an unreadable file refused as :func:`open_readable` tells."""
    name = str(path)
    with open_readable(path, expected, missing=missing) as fh:
        try:
            yield from decode_pieces(iter(lambda: fh.read(CHUNK_BYTES), b""), name, newlines=newlines, empty=empty)
        except OSError as exc:  # a read that fails half way (an I/O error, a lost network mount)
            raise unreadable(name, exc) from None


def read_utf8(path: str | Path, expected: str, *, missing: str = "", newlines: bool = False,
              empty: str | None = None) -> str:
    """The text of a UTF-8 file, refused in one line as :func:`read_pieces` tells."""
    return "".join(read_pieces(path, expected, missing=missing, newlines=newlines, empty=empty))


def with_lf(text: str) -> str:
    """``text`` with each CRLF and lone CR (an old Mac file's, Excel for Mac's text export's) made LF; U+2028 or a
    form feed is left, as it is no line end of a file."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def without_line_boms(text: str) -> str:
    """``text`` without a byte order mark at the start of a line: the BOM each file began with where files were
    joined (``cat a.txt b.txt``; Windows' Notepad and Excel begin every UTF-8 file with one), which the decoder
    drops only at the start of the whole. Left in, it was glued to the first word of the line, unseen (a token,
    a translation's source), or hid the line's ``__label__`` or JSON from the reader."""
    return text.replace("\n\ufeff", "\n").replace("\r\ufeff", "\r")


def utf8_argument(name: str) -> Callable[[str], str]:
    """An argparse ``type`` for a text given on the command line (``name`` as the refusal says it: ``TEXT``,
    ``--prime``). Bytes that are not UTF-8 reach Python as lone surrogates (its surrogateescape), which
    writing the text to a file (``--output``, ``--json``) refused with a UnicodeEncodeError's traceback; they
    are refused in one line, naming the byte and its column, as a file's are."""

    def check(text: str) -> str:
        for column, char in enumerate(text, 1):
            if "\udc80" <= char <= "\udcff":
                shown = repr(text.encode("utf-8", "surrogateescape"))[1:]
                raise UserError(f"{name} {shown}: not UTF-8 (byte 0x{ord(char) - 0xdc00:02x} at column {column}); "
                                "give the text in UTF-8 (is the terminal set to another encoding?)")
        return text

    return check
