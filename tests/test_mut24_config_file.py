"""Mutation audit round 24 of ``--config``'s opening (rnnkit.train.options.read_toml): a file that opens but fails
as it is read (an I/O error: a bad disk, a network share gone) is refused in one line naming it, not an OSError
traceback."""

from __future__ import annotations

import errno
import io
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.train import options


class _FailingDisk(io.RawIOBase):
    """A file whose every read is an I/O error."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        raise OSError(errno.EIO, "Input/output error")


def test_a_config_that_cannot_be_read_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(options, "open_readable", lambda path, expected, **kwargs: io.BufferedReader(_FailingDisk()))
    with pytest.raises(UserError, match=r"bad\.toml: cannot read \(Input/output error\)$"):
        options.read_toml(tmp_path / "bad.toml")
