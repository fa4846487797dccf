"""MPEG audio's frames counted by their headers: the samples an MP3 holds where its first frame gives no length
(no Xing or Info header), which libsndfile then guesses from the file's size (:func:`rnnkit.data.audio_read.read_audio`
refuses such a file where it reads fewer than its frames hold)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["after_tag", "mpeg_frame", "mpeg_samples"]

#: MPEG audio's bit rates (kbit/s) by a frame header's index: (MPEG-1, layer), MPEG-2 and 2.5's layer I, II and III
_KBPS = {(True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
         (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
         (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
         (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
         (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
#: what a first MPEG frame holds in place of sound where it gives the stream's length as libmpg123 reads it (LAME's,
#: ffmpeg's); not Fraunhofer's VBRI, which it does not read: such a file is counted by its frames
_LENGTH_TAGS = (b"Xing", b"Info")


def mpeg_frame(header: bytes) -> tuple[int, int] | None:
    """The length in bytes and the samples of the MPEG audio frame whose first 4 bytes are ``header``; None for
    bytes that start no frame (also a free-format one, whose header gives no length)."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, 4 - ((header[1] >> 1) & 3)  # version 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    rate_index, kbps_index, padding = (header[2] >> 2) & 3, header[2] >> 4, (header[2] >> 1) & 1
    if version == 1 or layer == 4 or rate_index == 3 or kbps_index in (0, 15):
        return None
    mpeg1 = version == 3
    kbps = _KBPS[(mpeg1, layer if mpeg1 else min(layer, 2))][kbps_index]
    rate = (44100, 48000, 32000)[rate_index] >> {3: 0, 2: 1, 0: 2}[version]
    if layer == 1:
        return (12000 * kbps // rate + padding) * 4, 384
    samples = 1152 if mpeg1 or layer == 2 else 576
    return samples // 8 * 1000 * kbps // rate + padding, samples


def mpeg_samples(path: Path) -> int | None:
    """The samples of the MPEG audio frames of ``path``, counted by their headers (after an ID3v2 tag, to the first
    bytes that are no whole frame) where its first frame gives no length (:data:`_LENGTH_TAGS`); None where it does,
    or where no frame follows the tag. Only such a file is walked through."""
    size = path.stat().st_size
    with path.open("rb") as f:
        start = after_tag(f)
        f.seek(start)
        first = f.read(40)
        if mpeg_frame(first) is None or any(name in first for name in _LENGTH_TAGS):
            return None
        samples, header = 0, first[:4]
        while (frame := mpeg_frame(header)) is not None and start + frame[0] <= size:
            samples, start = samples + frame[1], start + frame[0]
            f.seek(start)
            header = f.read(4)
    return samples


def after_tag(f: Any) -> int:
    """Where the audio of the open file ``f`` starts: after its ID3v2 tag (and the tag's footer), or at 0."""
    f.seek(0)
    tag = f.read(10)
    if tag[:3] != b"ID3" or len(tag) < 10:
        return 0
    return 10 + (10 if tag[5] & 0x10 else 0) + sum((b & 0x7F) << (21 - 7 * i) for i, b in enumerate(tag[6:]))
