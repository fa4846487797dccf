"""read_audio fed damaged recordings (hostile35's fuzzing): each case hypothesis found is pinned here. A file's bytes
give samples and a rate, or a UserError of one line naming it; nothing else, and fd 2 silent and restored."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data import audio_read
from rnnkit.data.audio_read import read_audio
from rnnkit.errors import UserError
from tests import test_fuzz_readers as fuzz


def _refused(path: Path, data: bytes, match: str) -> str:
    """``data`` written to ``path`` and read: the refusal's message (one line naming ``path``, matching ``match``)."""
    path.write_bytes(data)
    with pytest.raises(UserError, match=match) as caught:
        read_audio(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    return message


def test_a_web_page_saved_as_mp3_is_refused_without_libmpg123s_notes(tmp_path: Path,
                                                                      capfd: pytest.CaptureFixture[str]) -> None:
    """libsndfile hands a file named .mp3 to libmpg123 whatever its first bytes: its 'Note: Illegal Audio-MPEG-Header'
    lines came before rnnkit's, as only files starting as MP3s were silenced."""
    _refused(tmp_path / "song.mp3", b"<html><body>404 Not Found</body></html>\n" * 5, "song.mp3: not an audio file")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_a_wav_is_read_with_fd_2_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fd 2 is the process's: speech_corpus reads its WAV files in threads while it prints its progress there, which
    a silencing for every file would swallow. Only MP3s, and files named .mp3, are read with it silenced."""
    wav = tmp_path / "call.wav"
    wav.write_bytes(fuzz.GOOD[".wav"])
    monkeypatch.setattr(audio_read, "quiet_stderr", lambda: pytest.fail("fd 2 silenced for a WAV file"))
    assert read_audio(wav)[1] == 8000


@pytest.mark.parametrize("name", ["call.raw", "CALL.RAW"])
def test_a_raw_file_is_refused_with_the_ffmpeg_command_that_gives_it_a_header(tmp_path: Path, name: str) -> None:
    """soundfile opens a file named .raw as headerless samples and asks their rate: a TypeError's traceback
    ('samplerate must be specified'), whatever the file held, telephone systems' raw PCM dumps first."""
    message = _refused(tmp_path / name, bytes(range(256)) * 8, f"{name}: a .raw file, samples without a header")
    assert f"ffmpeg -f s16le -ar 8000 -ac 1 -i {tmp_path / name} " in message


def test_an_rf64_cut_short_is_refused_as_a_wav_is(tmp_path: Path) -> None:
    """An RF64 (a WAV file past 4 GiB, as broadcast recorders write it) gives its samples' length in its 'ds64'
    chunk, its 'data' chunk saying 0xFFFFFFFF: cut short, it was read as far as it went, where a WAV is refused."""
    soundfile = pytest.importorskip("soundfile")
    whole = tmp_path / "whole.wav"
    soundfile.write(whole, np.zeros(2000, np.float32), 8000, format="RF64", subtype="PCM_16")
    assert read_audio(whole)[0].shape == (2000,)
    data = whole.read_bytes()
    _refused(tmp_path / "call.wav", data[:2000], "call.wav: truncated WAV file: the header declares 4000 bytes of "
                                                 "samples, the file holds 1896")


def test_a_damaged_midi_sample_dump_is_refused_before_libsndfile_prints_on_stdout(tmp_path: Path) -> None:
    """libsndfile's SDS reader printf's 'Error A : 00' on stdout (where `rnnkit transcribe` writes its transcripts)
    for each data packet its header's length needs that does not start F0 7E (or is past the file's end), and read
    the file as noise; an SDS whole is read."""
    soundfile = pytest.importorskip("soundfile")
    whole = tmp_path / "whole.sds"
    soundfile.write(whole, np.zeros(1500, np.float32), 8000, format="SDS", subtype="PCM_16")
    assert read_audio(whole)[0].shape == (1500,)
    data = bytearray(whole.read_bytes())
    data[21 + 127] = 0
    _refused(tmp_path / "call.sds", bytes(data), r"call.sds: truncated or damaged SDS file \(a MIDI sample dump\): "
             r"its header declares 1500 samples, its packet 1 \(byte 148\) starts 00 7e; expected f0 7e")
    _refused(tmp_path / "cut.sds", whole.read_bytes()[:19], r"cut.sds: .* 1500 samples, its packet 0 \(byte 21\) "
             "starts past its end")


def _w64(tmp_path: Path) -> bytes:
    """A W64 (Sony Wave64) file of 2000 silent samples: its 'riff' GUID and size, 'wave' GUID, then GUID chunks
    whose 8-byte lengths count their own 24-byte headers: 'fmt ' at byte 40, 'data' after it."""
    soundfile = pytest.importorskip("soundfile")
    whole = tmp_path / "whole.w64"
    soundfile.write(whole, np.zeros(2000, np.float32), 8000, format="W64", subtype="PCM_16")
    assert read_audio(whole)[0].shape == (2000,)
    return whole.read_bytes()


def test_a_w64_cut_short_is_refused_as_a_wav_is(tmp_path: Path) -> None:
    """libsndfile reads a W64 as far as it goes, as it does a WAV: cut short, it was read without a word."""
    data = _w64(tmp_path)
    _refused(tmp_path / "call.w64", data[:2000], "call.w64: truncated W64 file: the header declares 4000 bytes of "
                                                 "samples, the file holds 1896")


@pytest.mark.parametrize(("length", "said"), [(2**64 - 1, "truncated W64 file: no 'data' chunk"),
                                              (2**63, "truncated W64 file: no 'data' chunk"),
                                              (8, "damaged W64 file: a chunk of 8 bytes; expected 24 or more")])
def test_a_w64_chunk_of_an_absurd_length_is_refused(tmp_path: Path, length: int, said: str) -> None:
    """The walk over a W64's chunks neither seeks past 2^63 (an OverflowError) nor goes back (a chunk shorter than
    its own header: a walk that never ends)."""
    data = _w64(tmp_path)
    _refused(tmp_path / "call.w64", data[:56] + struct.pack("<Q", length) + data[64:], f"call.w64: {said}")
