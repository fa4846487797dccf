"""read_audio's input, as a user of `rnnkit transcribe` and `train speech` meets it: a damaged MP3 is refused in
rnnkit's one line alone (libmpg123 wrote its own notes on fd 2 before it)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.audio import read_audio
from rnnkit.errors import UserError, quiet_stderr

soundfile = pytest.importorskip("soundfile")
if "MP3" not in soundfile.available_formats():
    pytest.skip("this libsndfile writes no MP3", allow_module_level=True)


def _mp3(path: Path) -> bytes:
    """A fifth of a second of a 440 Hz tone at 16 kHz as MP3; its bytes."""
    t = np.arange(3200, dtype=np.float32) / 16000
    soundfile.write(path, 0.3 * np.sin(2 * np.pi * 440 * t), 16000, format="MP3")
    return path.read_bytes()


def test_a_damaged_mp3_is_refused_in_rnnkits_line_alone(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    good = _mp3(tmp_path / "good.mp3")
    bad = tmp_path / "call.mp3"
    bad.write_bytes(good[:400] + bytes(range(256)) * 4 + good[400:])  # junk inside: mpg123 resyncs, saying so
    with pytest.raises(UserError, match="call.mp3: truncated or damaged MP3 file"):
        read_audio(bad)
    os.write(2, b"after the refusal\n")  # fd 2 is back
    err = capfd.readouterr().err
    assert "Illegal Audio-MPEG-Header" not in err and "Xing" not in err and "resync" not in err
    assert err == "after the refusal\n"


def test_fd_2_comes_back_after_an_exception_and_threads_interleaving(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError), quiet_stderr():
        os.write(2, b"silenced\n")
        raise RuntimeError
    os.write(2, b"one\n")
    first, second = quiet_stderr(), quiet_stderr()  # two threads' blocks: the first ends before the second
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    os.write(2, b"still silenced\n")
    second.__exit__(None, None, None)
    os.write(2, b"two\n")
    assert capfd.readouterr().err == "one\ntwo\n"


def test_with_fd_2_closed_the_block_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def closed(fd: int) -> int:
        raise OSError(9, "Bad file descriptor")

    monkeypatch.setattr(os, "dup", closed)
    with quiet_stderr():
        ran = True
    assert ran
