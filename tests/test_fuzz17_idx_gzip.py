"""Gzip'd IDX files (``rnnkit experiment pixel-mnist --idx-dir DIR``, Fashion-MNIST's ``*-ubyte.gz``) whose
compressed bytes are damaged (hypothesis, the mutations of test_fuzz_readers.py applied after gzip; that file
gzips a good file whole): :func:`read_idx` returns the array or raises a UserError naming the file."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from rnnkit.data.mnist import read_idx
from rnnkit.errors import UserError
from tests import test_fuzz_readers as fuzz

EXAMPLES = fuzz.EXAMPLES
GOOD = gzip.compress(b"\x00\x00\x08\x03" + struct.pack(">III", 3, 4, 5) + bytes(range(60)), mtime=0)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=fuzz.mutations())
def test_a_damaged_gzip_idx_file_is_read_or_refused_by_name(damage) -> None:
    fuzz.read_or_refused_by_name("train-images-idx3-ubyte.gz", damage(GOOD), read_idx)


def test_the_good_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(GOOD)
    assert read_idx(path).shape == (3, 4, 5)


def test_a_corrupt_deflate_stream_is_refused_by_name(tmp_path: Path) -> None:
    """A bit flipped inside the deflate stream was zlib.error ('Error -3 while decompressing data: invalid ...'),
    which the reader did not catch (only OSError and EOFError): a traceback of `rnnkit experiment --idx-dir`."""
    path = tmp_path / "train-images-idx3-ubyte.gz"
    damaged = bytearray(GOOD)
    damaged[10:14] = b"\xff\xff\xff\xff"  # the first bytes of the deflate stream, after gzip's 10-byte header
    path.write_bytes(bytes(damaged))
    with pytest.raises(UserError, match="cannot read \\(Error -3 while decompressing data") as info:
        read_idx(path)
    assert str(path) in str(info.value)
