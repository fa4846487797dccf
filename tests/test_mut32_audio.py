"""Mutation round 32 of read_audio: what no test held of this morning's MP3 frame count (review34), the sniffing of
FF FE and of an ID3 tag (fixj), a recording that cannot be opened, and the cut CAF/W64 rule (mut31).

Each test kills a mutant that survived the area's tests. The MPEG streams are built here, frame by frame, with the
lengths the MPEG standard gives (silence: a header, then zeros): a first frame larger than the rest makes libsndfile
read a fraction of the stream (mpg123's guess from the file's size), so its refusal says how many samples the
frames hold, and each version and layer's count is seen in it."""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.audio import read_audio
from rnnkit.errors import UserError

soundfile = pytest.importorskip("soundfile")
if "MP3" not in soundfile.available_formats():
    pytest.skip("this libsndfile reads no MP3", allow_module_level=True)


def _frame(second: int, kbps_index: int, rate_index: int, length: int, padded: int = 0) -> bytes:
    """One mono MPEG audio frame of silence ``length`` bytes long: ``second`` is the header's second byte (its
    version, layer and CRC bit), then the bit rate's and the sample rate's indexes and the padding bit."""
    return bytes([0xFF, second, (kbps_index << 4) | (rate_index << 2) | (padded << 1), 0xC0]) + bytes(length - 4)


def _refusal(path: Path) -> str:
    with pytest.raises(UserError) as err:
        read_audio(path)
    return str(err.value)


def _counted(said: str) -> int:
    """The samples a refusal of an MP3 without a length says its frames hold."""
    found = re.search(r"of the (\d+) its frames hold; convert it first", said)
    assert found is not None, said
    return int(found[1])


#: (first frame, every other frame, samples a frame): the standard's lengths, 40 small frames after a large one
STREAMS = {
    "MPEG-1 layer I, CRC (FF FE)": (_frame(0xFE, 14, 0, 484), _frame(0xFE, 1, 0, 32), 384),  # 448, 32 kbit/s, 44.1k
    "MPEG-2 layer I": (_frame(0xF7, 14, 2, 768), _frame(0xF7, 1, 2, 96), 384),  # 256, 32 kbit/s at 16 kHz
    "MPEG-2 layer II": (_frame(0xF5, 14, 2, 1440), _frame(0xF5, 1, 2, 72), 1152),  # 160, 8 kbit/s at 16 kHz
    "MPEG-2.5 layer III": (_frame(0xE3, 14, 2, 1440), _frame(0xE3, 1, 2, 72), 576),  # 160, 8 kbit/s at 8 kHz
    "MPEG-1 layer III, padded": (_frame(0xFB, 14, 0, 1044), _frame(0xFB, 1, 0, 105, padded=1), 1152),  # 44.1k
}


@pytest.mark.parametrize("name", STREAMS)
def test_each_mpeg_version_and_layer_is_counted_to_its_last_frame(tmp_path: Path, name: str) -> None:
    """The frames' lengths and samples by the standard's tables (MPEG-2's own layer I rates, layer II's 1152
    samples, MPEG-2.5's quartered rate, the padding byte), the last frame ending the file counted too."""
    first, rest, samples = STREAMS[name]
    path = tmp_path / "call.mp3"
    path.write_bytes(first + rest * 40)
    said = _refusal(path)
    assert said.startswith(f"{path}: an MP3 file whose first frame gives no length (no Xing or Info header): "
                           "libsndfile reads the ")
    assert _counted(said) == 41 * samples
    read = int(re.search(r"reads the (\d+) samples", said)[1])  # the guess: fewer than the frames hold
    assert read < 41 * samples


@pytest.mark.parametrize("tail", [b"\xff\xeb\x10\xc0",  # version 01, reserved
                                  b"\xff\xf9\x10\xc0",  # layer 00, reserved
                                  b"\xff\xfb\x1c\xc0",  # sample rate index 3, reserved
                                  b"\xff\xfb\x02\xc0",  # free format (bit rate index 0), padded: no length given
                                  b"\xff\xfb\xf0\xc0",  # bit rate index 15, reserved
                                  b"\xfe\xfb\x10\xc0"])  # no frame sync
def test_bytes_that_start_no_frame_end_the_count(tmp_path: Path, tail: bytes) -> None:
    """Junk after the frames (a reserved or free-format header, a broken sync) ends the count where it starts: it
    was a KeyError's or an IndexError's traceback, a frame counted more, or a loop that never ended."""
    first, rest, samples = STREAMS["MPEG-1 layer III, padded"]
    path = tmp_path / "call.mp3"
    path.write_bytes(first + rest * 40 + tail + bytes(400))
    assert _counted(_refusal(path)) == 41 * samples


def test_a_constant_rate_mp3_whose_first_frame_is_padded_is_read(tmp_path: Path) -> None:
    """At 44.1 kHz a constant-rate stream pads some frames by a byte: a padded first frame makes mpg123's guess
    a part of a frame short (under a frame's samples, as an MP3's decoder delay), which is read, not refused."""
    path = tmp_path / "call.mp3"
    path.write_bytes(_frame(0xFB, 1, 0, 105, padded=1) + _frame(0xFB, 1, 0, 104) * 60)
    wave, rate = read_audio(path)
    assert rate == 44100 and 61 * 1152 - 1152 < len(wave) <= 61 * 1152


def test_the_frames_after_an_id3_tag_with_a_footer_are_counted(tmp_path: Path) -> None:
    """An ID3v2.4 tag may end with a 10-byte footer ('3DI', its flags' bit 4): the frames start after it."""
    first, rest, samples = STREAMS["MPEG-2.5 layer III"]
    tag = b"ID3\x04\x00\x10\x00\x00\x01\x00" + bytes(128) + b"3DI\x04\x00\x10\x00\x00\x01\x00"
    path = tmp_path / "tagged.mp3"
    path.write_bytes(tag + first + rest * 40)
    assert _counted(_refusal(path)) == 41 * samples  # was read as a fraction of itself, without a word


@pytest.mark.parametrize("text", ["hi\n", "Notes of the call\n" * 30])
def test_utf16_text_too_short_for_a_frame_or_of_no_frame_header_is_no_audio(tmp_path: Path, text: str) -> None:
    """FF FE (UTF-16's byte order mark) then 'hi' is a layer I header whose frame the file is too short for; then
    'N' is no header at all (sample rate index 3): neither is a damaged MP3."""
    path = tmp_path / "notes.wav"
    path.write_bytes(text.encode("utf-16"))
    assert _refusal(path).startswith(f"{path}: not an audio file (WAV, FLAC, Ogg, MP3")


def test_utf16_text_is_refused_with_nothing_of_libmpg123_on_fd_2(tmp_path: Path,
                                                                capfd: pytest.CaptureFixture[str]) -> None:
    """'hello' after FF FE reads as a layer I header: libsndfile hands the file to libmpg123, which wrote 'Note:
    Illegal Audio-MPEG-Header ...' on fd 2 before rnnkit's line, as it did for a damaged MP3."""
    path = tmp_path / "notes.wav"
    path.write_bytes(("hello, the call notes\n" * 30).encode("utf-16"))
    assert _refusal(path).startswith(f"{path}: not an audio file")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_a_recording_that_cannot_be_opened_is_refused_in_one_line(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the system will not open (no read permission, a failing disk) was an OSError's traceback from
    read_audio's own look at its header; now rnnkit's line, as for a name too long."""
    path = tmp_path / "call.wav"
    soundfile.write(path, np.zeros(800, dtype=np.float32), 8000)
    opened = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "call.wav":
            raise PermissionError(13, "Permission denied", str(self))
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    assert _refusal(path) == f"{path}: cannot read (Permission denied)"


def test_a_w64_longer_than_its_header_says_is_read_and_a_cut_one_names_both_sizes(tmp_path: Path) -> None:
    """Only a file shorter than its header says is cut (libsndfile logs 'riff : N (should be M)' when the sizes
    differ either way); the refusal, from the chunk walk a WAV's takes, gives the data chunk's size, then what the
    file holds of it."""
    path = tmp_path / "call.w64"
    soundfile.write(path, np.zeros(1600, dtype=np.float32), 16000, format="W64", subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data + bytes(1000))  # bytes after the end the header gives
    wave, rate = read_audio(path)
    assert rate == 16000 and len(wave) >= 1600
    path.write_bytes(data[:200])
    samples = 1600 * 2  # the data chunk's bytes, the last chunk of the file
    assert _refusal(path) == (f"{path}: truncated W64 file: the header declares {samples} bytes of samples, the "
                              f"file holds {200 - (len(data) - samples)}")


def test_a_variable_rate_mp3_of_a_fraunhofer_vbri_header_is_counted_by_its_frames(tmp_path: Path) -> None:
    """libmpg123 reads a Xing or Info header's length, not a VBRI one (Fraunhofer's encoder writes it, 32 bytes
    after the first frame's header): libsndfile read the 15,639 samples it guessed from the size of a stream of
    48,384, without a word, as rnnkit took VBRI for a length libsndfile had."""
    first, rest, samples = STREAMS["MPEG-1 layer III, padded"]
    vbri = b"VBRI" + struct.pack(">HHHIIHHHH", 1, 576, 75, len(first) + 40 * len(rest), 41, 0, 1, 1, 1)
    header = _frame(0xFB, 9, 0, 417)  # 128 kbit/s at 44.1 kHz: the frame holding the VBRI header, no sound
    path = tmp_path / "fraunhofer.mp3"
    path.write_bytes(header[:36] + vbri + header[36 + len(vbri):] + first + rest * 40)
    said = _refusal(path)
    assert said.startswith(f"{path}: an MP3 file whose first frame gives no length (no Xing or Info header)")
    assert _counted(said) == 42 * samples  # the VBRI frame decodes as a frame of silence, and is counted as one
