"""Mutation audit round 33 of read_audio's checks before libsndfile (hostile35: .mp3 silenced, .raw refused, RF64's
ds64, MIDI sample dumps, W64's chunk walk; MPEG frames as audio_mpeg counts them): each test kills a mutant that
the earlier tests let live. Every file is made inside the test."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data import audio_read
from rnnkit.data.audio_mpeg import mpeg_frame
from rnnkit.data.audio_read import read_audio
from rnnkit.errors import UserError
from tests.test_hostile35_audio_fuzz import _refused

soundfile = pytest.importorskip("soundfile")

#: a W64 chunk's GUID after its 4-byte name (the GUID of every chunk but 'riff' and 'wave')
_GUID_TAIL = bytes.fromhex("f3acd3118cd100c04f8edb8a")


def _written(path: Path, frames: int = 100, **kwargs: str) -> bytes:
    """The bytes of ``frames`` silent samples at 8 kHz written to ``path`` by libsndfile (``kwargs``: format and
    subtype)."""
    soundfile.write(path, np.zeros(frames, np.float32), 8000, **{"subtype": "PCM_16", **kwargs})
    return path.read_bytes()


def test_an_upper_case_mp3_name_is_read_with_fd_2_silenced(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """SONG.MP3 is handed to libmpg123 as song.mp3 is: its notes on fd 2 are silenced too."""
    _refused(tmp_path / "SONG.MP3", b"<html><body>404 Not Found</body></html>\n" * 5, "SONG.MP3: not an audio file")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_an_empty_raw_file_is_refused_as_empty(tmp_path: Path) -> None:
    """An empty file says it is empty, whatever its name: no ffmpeg command gives nothing a header."""
    _refused(tmp_path / "call.raw", b"", "call.raw: empty file")


def test_the_ffmpeg_command_quotes_both_names_for_a_shell(tmp_path: Path) -> None:
    """A recording named with a space gets a command that can be pasted: both file names quoted."""
    name = tmp_path / "my call.raw"
    message = _refused(name, bytes(range(256)) * 8, "a .raw file")
    assert f"-i '{name}' '{name.with_suffix('.wav')}'" in message


def test_a_wav_whose_chunk_has_an_odd_length_is_read(tmp_path: Path) -> None:
    """RIFF pads a chunk of odd length to an even one: the walk to 'data' skips the pad byte."""
    data = _written(tmp_path / "whole.wav")
    at = data.index(b"data")
    data = data[:at] + b"junk" + struct.pack("<I", 5) + b"abcde\0" + data[at:]
    path = tmp_path / "call.wav"
    path.write_bytes(data[:4] + struct.pack("<I", len(data) - 8) + data[8:])
    assert read_audio(path)[0].shape == (100,)


def test_a_w64_whose_chunk_is_not_a_multiple_of_8_is_read(tmp_path: Path) -> None:
    """W64 aligns each chunk to 8 bytes: the walk skips a chunk's padding."""
    data = _written(tmp_path / "whole.w64", format="W64")
    at = data.index(b"data")
    data = data[:at] + b"junk" + _GUID_TAIL + struct.pack("<Q", 24 + 5) + b"abcde\0\0\0" + data[at:]
    path = tmp_path / "call.w64"
    path.write_bytes(data[:16] + struct.pack("<Q", len(data)) + data[24:])
    assert read_audio(path)[0].shape == (100,)


def test_a_w64_chunk_one_byte_shorter_than_its_header_is_refused(tmp_path: Path) -> None:
    data = _written(tmp_path / "whole.w64", format="W64")
    _refused(tmp_path / "call.w64", data[:56] + struct.pack("<Q", 23) + data[64:],
             "call.w64: damaged W64 file: a chunk of 23 bytes; expected 24 or more")


def test_an_rf64_data_chunk_with_its_own_length_is_checked_by_it(tmp_path: Path) -> None:
    """The ds64 chunk's length counts only where the 'data' chunk says 0xFFFFFFFF."""
    data = bytearray(_written(tmp_path / "whole.wav", format="RF64"))
    at, ds64 = data.index(b"data"), data.index(b"ds64")
    data[at + 4:at + 8] = struct.pack("<I", 200)
    data[ds64 + 16:ds64 + 24] = struct.pack("<Q", 10**6)
    path = tmp_path / "call.wav"
    path.write_bytes(bytes(data))
    assert read_audio(path)[0].shape == (100,)


def test_an_rf64_cut_inside_its_ds64_chunk_is_refused(tmp_path: Path) -> None:
    data = _written(tmp_path / "whole.wav", format="RF64")
    ds64 = data.index(b"ds64")
    _refused(tmp_path / "call.wav", data[:ds64 + 16], "call.wav: truncated WAV file: no 'data' chunk")


def test_a_streamed_wav_and_one_without_samples(tmp_path: Path) -> None:
    """A streaming writer's data length (0xFFFFFFFF) is read as far as the file goes; a 'data' chunk that ends the
    file is refused as holding no samples."""
    data = bytearray(_written(tmp_path / "whole.wav"))
    at = data.index(b"data")
    data[at + 4:at + 8] = struct.pack("<I", 0xFFFFFFFF)
    path = tmp_path / "streamed.wav"
    path.write_bytes(bytes(data))
    assert read_audio(path)[0].shape == (100,)
    data[at + 4:at + 8] = struct.pack("<I", 0)
    _refused(tmp_path / "call.wav", bytes(data[:at + 8]), "call.wav: WAV file without samples")


def _sds(path: Path, bits: int, samples: int, packets: int) -> Path:
    """An SDS header of ``bits`` bits a sample and ``samples`` samples (7 bits a byte, low first), then ``packets``
    data packets of 127 bytes that start F0 7E."""
    header = bytes([0xF0, 0x7E, 0, 1, 0, 0, bits, 0x48, 0x50, 0x07,
                    samples & 0x7F, samples >> 7 & 0x7F, samples >> 14 & 0x7F]) + bytes(7) + b"\xf7"
    path.write_bytes(header + (b"\xf0\x7e" + bytes(124) + b"\xf7") * packets)
    return path


@pytest.mark.parametrize(("bits", "samples", "packets", "refused"),
                         [(16, 1 << 14, 0, "16384 samples, its packet 0"),  # the length's third byte counts
                          (14, 120, 2, None),  # 14 bits: 2 bytes a sample, 60 a packet
                          (14, 120, 1, "120 samples, its packet 1")])
def test_an_sds_needs_the_packets_its_length_and_bit_width_say(tmp_path: Path, bits: int, samples: int,
                                                                packets: int, refused: str | None) -> None:
    path = _sds(tmp_path / "call.sds", bits, samples, packets)
    if refused is None:
        audio_read._check_sds(path)
    else:
        with pytest.raises(UserError, match=refused):
            audio_read._check_sds(path)


def test_an_sds_cut_inside_its_length_is_refused_in_one_line(tmp_path: Path) -> None:
    """12 bytes of an SDS header (its length's third byte missing): libsndfile's refusal, no IndexError."""
    _refused(tmp_path / "cut.sds", _sds(tmp_path / "whole.sds", 8, 120, 2).read_bytes()[:12], "cut.sds: not an audio")


@pytest.mark.parametrize(("at", "byte"), [(3, 2), (2, 0x80)])
def test_a_sysex_that_is_no_sample_dump_header_is_not_called_one(tmp_path: Path, at: int, byte: int) -> None:
    """F0 7E starts every universal MIDI message: only a dump header (its 4th byte 01, a channel below 0x80) is one."""
    data = bytearray(_sds(tmp_path / "whole.sds", 8, 120, 0).read_bytes())
    data[at] = byte
    message = _refused(tmp_path / "call.sds", bytes(data), "call.sds: not an audio file")
    assert "SDS" not in message


def test_a_file_of_a_few_bytes_starting_id3_is_refused_in_one_line(tmp_path: Path) -> None:
    """An ID3 tag cut inside its 10-byte header: no IndexError from the tag's flags."""
    _refused(tmp_path / "call.mp3", b"ID3\x04", "call.mp3: ")


def test_a_padded_mpeg1_layer_i_frame_is_one_slot_of_4_bytes_longer() -> None:
    """Layer I pads a frame by a slot of 4 bytes (layers II and III by one byte): 32 kbit/s at 44.1 kHz is 8 slots,
    9 with the padding bit, 36 bytes."""
    assert mpeg_frame(bytes([0xFF, 0xFF, 0x12, 0x00])) == (36, 384)
    assert mpeg_frame(bytes([0xFF, 0xFF, 0x10, 0x00])) == (32, 384)
