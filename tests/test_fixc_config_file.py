"""``--config`` is opened as the data files are: a device is refused in one line (``--config /dev/zero`` was read
until memory ran out), a folder too, and a pipe is read (``--config <(make_config)``, a FIFO once its writer
writes), as ``cat`` reads one."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from rnnkit.data import utf8
from rnnkit.errors import UserError
from rnnkit.train.options import read_toml


def test_a_device_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file taken for a device (``/dev/zero`` itself is not read here: a regression would fill the memory)."""
    device = tmp_path / "zero"
    device.write_text("steps = 1\n", encoding="utf-8")
    monkeypatch.setattr(utf8, "_a_device", lambda fh: True)
    with pytest.raises(UserError, match=r"zero: not a regular file \(a device\); expected a TOML file$"):
        read_toml(device)


def test_a_folder_and_a_missing_file_are_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r": is a directory; expected a TOML file$"):
        read_toml(tmp_path)
    with pytest.raises(UserError, match=r"missing\.toml: no such file; expected a TOML config file$"):
        read_toml(tmp_path / "missing.toml")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_pipe_is_read_once_its_writer_writes(tmp_path: Path) -> None:
    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_text, args=("steps = 3\nhidden = 8\n",))
    writer.start()
    try:
        assert read_toml(fifo) == {"steps": 3, "hidden": 8}
    finally:
        writer.join(timeout=5)
