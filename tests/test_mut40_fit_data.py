"""Mutation round 40: fit's refusal of data in memory (walk51's _check_data_file) leaves bytes to the plain
type refusal: bytes are no table to write to a file."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit


def test_bytes_data_is_refused_as_a_type_not_as_data_in_memory(tmp_path: Path) -> None:
    with pytest.raises(TypeError) as caught:
        rnnkit.fit("classify", data=b"train.csv", out=tmp_path / "run")
    assert str(caught.value) == "fit: data takes a str or a path, not bytes"
