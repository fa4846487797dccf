"""Word-vector files (``--pretrained-vectors FILE``), fed damaged bytes (hypothesis, the mutations of
test_fuzz_readers.py) and hand-made hostile first lines: :func:`vector_dimension` and :func:`read_vectors` return
vectors or raise a UserError whose one-line message names the file; never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from rnnkit.data.vectors import read_vectors, vector_dimension
from rnnkit.errors import UserError
from tests import test_fuzz_readers as fuzz

EXAMPLES = fuzz.EXAMPLES
WORDS = ["the", "cat", "sat", "3", "1"]
GOOD = {
    ".vec": "3 2\nthe 0.5 -1.25\ncat 1e-3 2\nsat\u00e9 0 0\n".encode(),
    ".txt": b"the 0.5 -1.25 3\ncat 1 2 3\n3 4 5 6\n",
}


def read(path: Path) -> object:
    return vector_dimension(path), read_vectors(path, WORDS)


@pytest.mark.parametrize("suffix", sorted(GOOD))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=fuzz.mutations())
def test_a_damaged_vectors_file_is_read_or_refused_by_name(suffix: str, damage) -> None:
    fuzz.read_or_refused_by_name(f"vectors{suffix}", damage(GOOD[suffix]), read)


@pytest.mark.parametrize("suffix", sorted(GOOD))
def test_the_good_files_read(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"vectors{suffix}"
    path.write_bytes(GOOD[suffix])
    dim, vectors = read(path)
    assert dim == vectors.dim == (2 if suffix == ".vec" else 3)
    assert vectors.found["the"][:2] == [0.5, -1.25]


@pytest.mark.parametrize("first", ["1 " + "9" * 5000, "9" * 4301 + " 2", "7" * 4400 + " 1"])
def test_a_first_line_of_numbers_past_pythons_digit_limit_is_refused_naming_it(tmp_path: Path, first: str) -> None:
    """A header of more than 4,300 digits was a ValueError traceback ('Exceeds the limit (4300 digits) for
    integer string conversion') from `rnnkit train classify --pretrained-vectors FILE`."""
    path = tmp_path / "vectors.vec"
    path.write_text(first + "\nthe 1 2\ncat 1 2\n")
    for call in (vector_dimension, lambda p: read_vectors(p, WORDS)):
        with pytest.raises(UserError, match="line 1: a first line of two numbers, one of [0-9,]+ digits") as info:
            call(path)
        assert str(path) in str(info.value)
