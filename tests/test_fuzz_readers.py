"""Every data reader, fed random bytes, truncations, wrong encodings, huge lines and NUL bytes (hypothesis):
it returns data or raises a UserError whose message names the file; never another exception.
``RNNKIT_FUZZ_EXAMPLES`` sets the inputs per reader (60 here; benchmarks/faults.py runs more)."""

from __future__ import annotations

import gzip
import io
import os
import struct
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnkit.data.audio import read_wav
from rnnkit.data.captions import load_image
from rnnkit.data.conll import read_conll
from rnnkit.data.mnist import read_idx
from rnnkit.data.pairs import read_pairs
from rnnkit.data.slashtags import read_slash_tagged, read_tagged
from rnnkit.data.tabular import read_table, read_unlabelled
from rnnkit.data.text import read_utf8
from rnnkit.errors import UserError

EXAMPLES = int(os.environ.get("RNNKIT_FUZZ_EXAMPLES", "60"))

READERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "text": (".txt", read_utf8),
    "csv": (".csv", lambda p: read_table(p)),
    "tsv": (".tsv", lambda p: read_table(p)),
    "jsonl": (".jsonl", lambda p: read_table(p)),
    "csv without a header line": (".nh.csv", lambda p: read_table(p)),
    "fastText": (".ft.txt", lambda p: read_table(p)),
    "lines to predict": (".txt", lambda p: read_table(p, require_label=False)),
    "unlabelled": (".txt", read_unlabelled),
    "conll": (".conll", read_conll),
    "slash-tagged": (".tags", read_slash_tagged),
    "tagged": (".tags", read_tagged),
    "idx": (".idx", read_idx),
    "pairs": (".pairs", read_pairs),
    "wav": (".wav", read_wav),
    "image": (".png", lambda p: load_image(p, 8)),
}


def _wav_bytes() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(struct.pack("<200h", *range(-100, 100)))
    return out.getvalue()


def _png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (12, 10), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()

GOOD = {
    ".txt": "a first line\nsecond line with ünïcödé and 한국어\n".encode(),
    ".csv": b"text,label\n\"hello, world\",pos\nbad movie,neg\n",
    ".tsv": b"text\tlabel\nhello world\tpos\nbad movie\tneg\n",
    ".jsonl": b'{"text": "hello", "label": "pos"}\n{"text": "bad", "label": "neg"}\n',
    ".nh.csv": b'"1","hello, world"\n"-1","bad movie"\n"1","fine"\n',
    ".ft.txt": "__label__pos hello, world\n__label__neg bad m\u00f6vie\n".encode(),
    ".conll": b"The\tDT\ncat\tNN\n\nRuns\tVBZ\n",
    ".tags": "The/DT cat/NN 1/2/CD ./.\nRuns/VBZ f\u00fcr/APPR\n".encode(),
    ".idx": b"\x00\x00\x08\x02" + struct.pack(">II", 2, 3) + bytes(range(6)),
    ".pairs": b"3rd of March 1999\t1999-03-03\nMarch 4, '99\t1999-03-04\n",
    ".wav": _wav_bytes(),
    ".png": _png_bytes(),
}


def mutations() -> st.SearchStrategy[Callable[[bytes], bytes]]:
    """Ways to damage a good file: truncate, insert random or NUL bytes, re-encode, blow up a line, gzip."""

    def truncate(at: int) -> Callable[[bytes], bytes]:
        return lambda b: b[: at % (len(b) + 1)]

    def insert(at: int, junk: bytes) -> Callable[[bytes], bytes]:
        return lambda b: b[: at % (len(b) + 1)] + junk + b[at % (len(b) + 1) :]

    return st.one_of(
        st.integers(0, 400).map(truncate),
        st.tuples(st.integers(0, 400), st.binary(min_size=1, max_size=40)).map(lambda a: insert(*a)),
        st.integers(0, 400).map(lambda at: insert(at, b"\x00" * 5)),
        st.just(lambda b: b.decode("utf-8", "replace").encode("utf-16")),
        st.just(lambda b: b.decode("utf-8", "replace").encode("latin-1", "replace") + b"\xe9\xff"),
        st.just(lambda b: b.replace(b"\n", b"x" * 200_000 + b"\n", 1)),
        st.just(lambda b: gzip.compress(b)),
        st.just(lambda b: b""),
        st.binary(max_size=300).map(lambda junk: (lambda b: junk)),
    )


def read_or_refused_by_name(name: str, data: bytes, read: Callable[[Path], Any]) -> None:
    """``data`` written to a file ``name`` in a fresh folder, then ``read``: whatever it returns, or a UserError
    whose one-line message names the file; any other exception fails the test. The other fuzz tests' check too."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            read(path)
        except UserError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc), str(exc)


@pytest.mark.parametrize("reader", sorted(READERS))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=mutations())
def test_reader_never_raises_anything_but_a_named_user_error(reader: str, damage) -> None:
    suffix, read = READERS[reader]
    read_or_refused_by_name(f"input{suffix}", damage(GOOD[suffix]), lambda path: read(str(path)))


@pytest.mark.parametrize("reader", sorted(READERS))
def test_good_files_read(reader: str, tmp_path: Path) -> None:
    suffix, read = READERS[reader]
    path = tmp_path / f"input{suffix}"
    path.write_bytes(GOOD[suffix])
    assert read(str(path)) is not None


def test_lines_to_predict_with_a_carriage_return_read(tmp_path: Path) -> None:
    """A carriage return inside the first line was a ``_csv.Error`` from the check of its header (hypothesis found
    it: a lone b"\\r" inserted at the start); the file is one text a line, as any other."""
    path = tmp_path / "input.txt"
    path.write_bytes(b"\ra first line\nsecond line\n")
    assert READERS["lines to predict"][1](str(path)).texts == ["a first line", "second line"]
