"""A training file whose spans open both with I- (IOB1) and with B- (IOB2), given as --val-data too (as a small
corpus is), was warned of twice in the same words: once read for training, once for validation. The warning is said
once; a validation file of its own is still looked at."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from tests.test_walk39_iob_mix import IOB1, IOB2, TINY, warnings_of, write

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_training_file_given_as_validation_is_warned_of_once(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    data = write(tmp_path / "mixed.conll", IOB1 + IOB2)
    assert main(["train", "tag", "--data", str(data), "--val-data", str(data), "--out", str(tmp_path / "run"),
                 *TINY]) == 0
    (line,) = warnings_of(capsys.readouterr().err)
    assert f"{data}: spans open with I- as in IOB1" in line


def test_another_validation_file_is_warned_of_on_its_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write(tmp_path / "mixed.conll", IOB1 + IOB2)
    copy = write(tmp_path / "copy.conll", IOB1 + IOB2)  # the same lines in another file: its own warning
    assert main(["train", "tag", "--data", str(data), "--val-data", str(copy), "--out", str(tmp_path / "run2"),
                 *TINY]) == 0
    said = warnings_of(capsys.readouterr().err)
    assert len(said) == 2 and f"warning: {data}: spans open" in said[0] and f"warning: {copy}: spans open" in said[1]
