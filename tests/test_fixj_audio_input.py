"""read_audio's input, as a user of `rnnkit transcribe` and `train speech` meets it: a damaged MP3 is refused in
rnnkit's one line alone (libmpg123 wrote its own notes on fd 2 before it), a UTF-16 text is not called a damaged
MP3 nor an ID3-tagged AAC an MP3, and a name longer than the system takes is refused in one line (was a raw
OSError)."""

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


def test_utf16_text_is_not_an_mp3_and_an_mpeg_layer_1_still_is(tmp_path: Path) -> None:
    notes = tmp_path / "notes.wav"
    notes.write_bytes(("hello, the call notes\n" * 30).encode("utf-16"))  # FF FE: a byte order mark
    with pytest.raises(UserError, match=r"notes.wav: not an audio file \(WAV, .*; found b'\\xff\\xfeh\\x00e"):
        read_audio(notes)
    layer1 = tmp_path / "tone.mp1"
    layer1.write_bytes((b"\xff\xfe\x10\x00" + bytes(28)) * 20)  # MPEG-1 Layer I frames of silence, also FF FE
    wave, rate = read_audio(layer1)
    assert (wave.shape, rate) == ((20 * 384,), 44100)


def test_an_id3_tagged_aac_is_named_aac(tmp_path: Path) -> None:
    aac = tmp_path / "call.aac"
    aac.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(16) + b"\xff\xf1\x50\x80" + bytes(200))
    with pytest.raises(UserError, match=r"call.aac: AAC audio, which libsndfile does not read; convert it first"):
        read_audio(aac)
    tagged = tmp_path / "tagged.mp3"  # an ID3 tag before MP3 frames is still an MP3
    tagged.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(16) + _mp3(tmp_path / "plain.mp3"))
    assert read_audio(tagged)[0].shape[0] > 3000


def test_a_name_longer_than_the_system_takes_is_refused_in_one_line(tmp_path: Path) -> None:
    long = tmp_path / ("a" * 300 + ".wav")
    with pytest.raises(UserError) as err:
        read_audio(long)
    assert str(err.value) == f"{long}: cannot read (File name too long)"
