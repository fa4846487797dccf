"""read_audio fuzzed (hypothesis): real recordings written by soundfile (WAV in PCM, float, μ-law and GSM, FLAC, Ogg,
MP3 with and without its Xing header, AIFF, CAF, W64, RF64, a MIDI sample dump), damaged as a user's files are:
bytes changed, cut short at any offset, header fields set to extremes, an ID3 tag of any size before them, runs of
MPEG frame headers of every version, layer, bit rate and rate, an FF FE start. Whatever the bytes, read_audio gives
mono float32 samples and a rate of 1,000 to 768,000 Hz, or a UserError of one line naming the file; fd 2 is the same
file afterwards.
``RNNKIT_FUZZ_EXAMPLES`` sets the inputs per test, as for test_fuzz_readers.py."""

from __future__ import annotations

import functools
import io
import os
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnkit.data.audio_mpeg import mpeg_frame
from rnnkit.data.audio_read import MAX_RATE, MIN_RATE, read_audio
from tests import test_fuzz_readers as fuzz

soundfile = pytest.importorskip("soundfile")

EXAMPLES = fuzz.EXAMPLES
#: what a recording is written as: (soundfile format, subtype, sample rate, channels)
KINDS = {"wav": ("WAV", "PCM_16", 8000, 1), "wav-float": ("WAV", "FLOAT", 8000, 2), "ulaw": ("WAV", "ULAW", 8000, 1),
         "gsm": ("WAV", "GSM610", 8000, 1), "flac": ("FLAC", "PCM_16", 8000, 1), "ogg": ("OGG", "VORBIS", 8000, 1),
         "mp3": ("MP3", "MPEG_LAYER_III", 44100, 1), "mp3-22k": ("MP3", "MPEG_LAYER_III", 22050, 2),
         "aiff": ("AIFF", "PCM_16", 8000, 1), "caf": ("CAF", "PCM_16", 8000, 1), "w64": ("W64", "PCM_16", 8000, 1),
         "rf64": ("RF64", "PCM_16", 8000, 1), "sds": ("SDS", "PCM_16", 8000, 1)}
#: values a damaged header field takes
EXTREMES = (0, 1, 2, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 2**40, 2**63 - 1, 2**64 - 1)


@functools.cache
def recording(kind: str) -> bytes:
    """A short tone in the format ``kind`` (a name of :data:`KINDS`, or 'mp3-no-xing': the MP3 without its first
    frame, the Xing header that gives its length)."""
    if kind == "mp3-no-xing":
        mp3 = recording("mp3")
        return mp3[mpeg_frame(mp3[:4])[0]:]
    fmt, subtype, rate, channels = KINDS[kind]
    tone = 0.3 * np.sin(2 * np.pi * 300 * np.arange(2400) / rate)
    out = io.BytesIO()
    soundfile.write(out, np.stack([tone] * channels, 1).astype(np.float32), rate, format=fmt, subtype=subtype)
    return out.getvalue()


def id3(size: int, footer: bool) -> bytes:
    """An ID3v2.4 tag's header declaring ``size`` bytes (synchsafe, up to 2^28 - 1), with a footer or not."""
    return b"ID3\x04\x00" + bytes([0x10 if footer else 0]) + bytes((size >> 21 - 7 * i) & 0x7F for i in range(4))


def _field(at: int, fmt: str, value: int) -> Callable[[bytes], bytes]:
    packed = struct.pack(fmt, value % 2 ** (8 * struct.calcsize(fmt)))
    return lambda b: b[:at] + packed + b[at + len(packed):]


def _mpeg_headers(headers: list[tuple[int, int, int, int]]) -> bytes:
    """MPEG frame headers (FF, then the given version/layer, bit rate/rate and mode bytes), each followed by ``gap``
    zeros: frames of every length, and none (zero-length and free-format frames)."""
    return b"".join(bytes([0xFF, 0xE0 | second, third, fourth]) + bytes(gap) for second, third, fourth, gap in headers)


def damages() -> st.SearchStrategy[Callable[[bytes], bytes]]:
    """test_fuzz_readers' mutations, and those of audio headers."""
    offset = st.one_of(st.integers(0, 64), st.integers(0, 5000))
    headers = st.lists(st.tuples(st.integers(0, 31), st.integers(0, 255), st.integers(0, 255),
                                 st.sampled_from((0, 0, 20, 100, 417))), min_size=1, max_size=12)
    return st.one_of(
        fuzz.mutations(),
        st.tuples(offset, st.integers(0, 255)).map(lambda a: (lambda b: b[:a[0]] + bytes([a[1]]) + b[a[0] + 1:])),
        offset.map(lambda at: (lambda b: b[:at])),
        st.builds(_field, st.integers(0, 80), st.sampled_from(("<H", ">H", "<I", ">I", "<Q", ">Q")),
                  st.sampled_from(EXTREMES)),
        st.builds(id3, st.one_of(st.integers(0, 600), st.just(2**28 - 1)), st.booleans()).map(
            lambda tag: (lambda b: tag + b)),
        st.tuples(headers, st.booleans()).map(lambda a: (lambda b: _mpeg_headers(a[0]) + (b if a[1] else b""))),
        st.just(lambda b: b"\xff\xfe" + b[2:]),
    )


def read_checked(path: Path) -> None:
    """read_audio of ``path``: mono float32 samples and a rate in range, fd 2 the same file afterwards (a refusal
    is test_fuzz_readers' to check)."""
    before = os.fstat(2)
    try:
        samples, rate = read_audio(path)
        assert samples.dtype == np.float32 and samples.ndim == 1 and samples.size and MIN_RATE <= rate <= MAX_RATE
    finally:
        after = os.fstat(2)
        assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)


@settings(max_examples=EXAMPLES, deadline=None)
@given(kind=st.sampled_from([*KINDS, "mp3-no-xing"]), damage=st.lists(damages(), min_size=1, max_size=3),
       suffix=st.sampled_from((".wav", ".mp3", ".flac", ".bin", ".raw", ".au", ".vox", ".gsm")))
def test_a_damaged_recording_is_read_or_refused_by_name(kind: str, damage: list[Callable[[bytes], bytes]],
                                                       suffix: str) -> None:
    data = recording(kind)
    for change in damage:
        data = change(data)
    fuzz.read_or_refused_by_name(f"call{suffix}", data, read_checked)


@pytest.mark.parametrize("kind", [*KINDS, "mp3-no-xing"])
def test_the_seeds_are_read_or_refused_as_mp3s_without_a_length(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "call.bin"
    path.write_bytes(recording(kind))
    if kind == "mp3-no-xing":  # libsndfile reads what it guesses from the size: refused, with the ffmpeg command
        fuzz.read_or_refused_by_name("call.mp3", recording(kind), read_checked)
    else:
        read_checked(path)
