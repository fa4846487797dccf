"""Recordings in: :func:`read_audio` (also :func:`read_wav`, its name before) gives the mono float32 samples and
the sample rate of a recording in any format libsndfile reads (WAV of any PCM, float or telephone codec, FLAC, Ogg
Vorbis or Opus, MP3, AIFF, CAF, W64 ...; stereo is averaged).

An empty, truncated or damaged file, or one in no such format, is refused with its name and what was wrong
(:class:`rnnkit.errors.UserError`); M4A, WMA, AMR and AAC with the ffmpeg command that converts them, as an MP3 whose
first frame gives no length and that holds more samples than libsndfile reads of it (its frames are counted in
:mod:`rnnkit.data.audio_mpeg`). The features computed from the samples are :mod:`rnnkit.data.audio`'s.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np

from rnnkit.data.audio_mpeg import after_tag, mpeg_frame, mpeg_samples
from rnnkit.data.split import spellings
from rnnkit.data.utf8 import unreadable
from rnnkit.errors import UserError, quiet_stderr, refuse_empty_name
from rnnkit.files import suffixes_in

__all__ = ["AUDIO_FILE", "MAX_RATE", "MIN_RATE", "declared_length", "read_audio", "read_wav"]

#: the sample rates read_audio accepts: telephone audio and below to studio rates (a header outside is damaged)
MIN_RATE, MAX_RATE = 1000, 768000
_STREAMING_SIZES = {0, 0xFFFFFFFF, 0x7FFFFFFF}  # data sizes a streaming writer leaves in the header

#: what a recording may be: any format libsndfile reads (``soundfile.available_formats()``), as refusals name them
AUDIO_FILE = "an audio file (WAV, FLAC, Ogg, MP3, AIFF, CAF, W64 ...: any format libsndfile reads)"
#: the first bytes of audio formats besides WAV, and their names (MPEG audio, MP4 are found by their own tests)
_MAGIC = ((b"fLaC", "FLAC"), (b"OggS", "Ogg"), (b"ID3", "MP3"), (b"FORM", "AIFF"), (b"caff", "CAF"),
          (b"riff", "W64"), (b"#!AMR", "AMR"), (b"\x30\x26\xb2\x75", "WMA"))
#: ... of those, the formats libsndfile does not read, which ffmpeg converts
_UNREADABLE = {"AMR", "WMA", "AAC", "MP4/M4A"}
#: samples a decoder may give fewer than its header declares (an MP3 frame: encoder delay and padding)
_SLACK = 1152
_UNKNOWN_LENGTH = 2**63 - 1  # libsndfile's frame count where the header leaves it open (SF_COUNT_MAX)
#: libsndfile's log of the bytes an AIFF's sample chunk (SSND) or a CAF's (data) declares and those the file holds
#: for it, where they differ (it reads what is there, as it does a WAV's or a W64's, which :func:`_check_riff`
#: checks)
_CUT = re.compile(r"^\s*(SSND|data) : (\d+) \(should be (\d+)\)", re.MULTILINE)


def _format_of(head: bytes) -> str | None:
    """The format of a file that starts with ``head``, by its first bytes (MPEG audio by its frame sync, its layer
    bits telling MP3 from AAC's ADTS; MP4/M4A by its ``ftyp`` box), or None."""
    found = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if found is None and len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        found = "MP3" if head[1] & 0x06 else "AAC"
    if found is None and head[4:8] == b"ftyp":
        found = "MP4/M4A"
    return found


def _sniffed(path: Path, head: bytes) -> str | None:
    """The format of the file ``path``, whose first bytes are ``head``: :func:`_format_of`, looked at further where
    MPEG audio's first bytes leave it open. An ID3 tag is followed by MP3's frames or by AAC's (ADTS); FF FE starts
    a UTF-16 text (its byte order mark) as it does an MPEG-1 Layer I frame, which is one only where its header is
    and a second frame follows it (or the file ends with it)."""
    found = _format_of(head)
    if found != "MP3" or not head.startswith((b"ID3", b"\xff\xfe")):
        return found
    with path.open("rb") as f:
        f.seek(after_tag(f))
        first = f.read(4)
        if head.startswith(b"ID3"):
            return "AAC" if _format_of(first) == "AAC" else "MP3"
        frame = mpeg_frame(first)
        if frame is None:
            return None
        f.seek(frame[0])
        second = f.read(4)
        ends = not second and os.fstat(f.fileno()).st_size == frame[0]
    return "MP3" if ends or mpeg_frame(second) is not None else None


def _refuse_unreadable(path: Path, found: str | None) -> None:
    """Refuse a format libsndfile does not read (M4A, WMA, AMR, AAC: ``found``) naming it and the ffmpeg command
    that converts it."""
    if found in _UNREADABLE:
        raise UserError(f"{path}: {found} audio, which libsndfile does not read; {_convert(path)}")


def _convert(path: Path) -> str:
    """How to make a WAV file of ``path``: the ffmpeg command (:func:`_ffmpeg`)."""
    return f"convert it first, e.g. `{_ffmpeg(path)}`"


def _ffmpeg(path: Path, options: str = "") -> str:
    """The ffmpeg command that writes ``path`` as a WAV file beside it, reading it with ``options``; names quoted
    for a shell."""
    return f"ffmpeg {options}-i {shlex.quote(str(path))} {shlex.quote(str(path.with_suffix('.wav')))}"


#: how RIFF/WAVE and Sony Wave64 files lay out their chunks: where the first starts, the bytes of a chunk's name (W64:
#: a GUID, its first 4 bytes the name) and its length's format, the bytes of its own header that length counts, and
#: the alignment of the next chunk
_CHUNKS = {"WAV": (12, 4, "<I", 0, 2), "W64": (40, 16, "<Q", 24, 8)}
_W64 = b"riff.\x91\xcf\x11\xa5\xd6(\xdb"  # the first 12 bytes of a W64 file (of its 'riff' GUID)


def _check_riff(path: Path, size: int, kind: str = "WAV") -> None:
    """Refuse a RIFF/WAVE or W64 (``kind``) file without a ``data`` chunk, or shorter than its header says (libsndfile
    reads what is there); an RF64's ``data`` chunk gives its length in the ``ds64`` chunk before it."""
    first, named, form, own, align = _CHUNKS[kind]
    with path.open("rb") as f:
        f.seek(first)
        ds64 = None
        while True:
            chunk = f.read(named + struct.calcsize(form))
            if len(chunk) < named + struct.calcsize(form):
                raise UserError(f"{path}: truncated {kind} file: no 'data' chunk with samples")
            name, length = chunk[:4], struct.unpack(form, chunk[named:])[0] - own
            if length < 0:  # a W64 chunk shorter than its own header: the walk would go back
                raise UserError(f"{path}: damaged {kind} file: a chunk of {length + own} bytes; expected {own} or more")
            if name == b"ds64":  # the RIFF's size, then the data chunk's
                at = f.tell()
                ds64 = struct.unpack("<8xQ", f.read(16).ljust(16, b"\0"))[0]
                f.seek(at)
            if name == b"data":
                length = ds64 if ds64 is not None and length == 0xFFFFFFFF else length
                left = size - f.tell()
                if length not in _STREAMING_SIZES and length > left:
                    raise UserError(f"{path}: truncated {kind} file: the header declares {length} bytes of samples, "
                                    f"the file holds {left}")
                if left == 0:
                    raise UserError(f"{path}: {kind} file without samples")
                return
            f.seek(min(length + -length % align, size), 1)  # not past 2^63 (an OverflowError), nor far past the end


def _check_sds(path: Path) -> None:
    """Refuse a MIDI sample dump (SDS) whose data packets, as many as its header's length needs (127 bytes each after
    its 21; 120 bytes of samples, 2 to 4 bytes a sample by its bit width), do not each start F0 7E: libsndfile
    reads such a file as noise, printing 'Error A : 00' lines of its own on stdout, where a transcript goes."""
    with path.open("rb") as f:
        header = f.read(21)
        if len(header) < 13 or header[6] < 2:  # libsndfile refuses it itself
            return
        samples = header[10] & 0x7F | (header[11] & 0x7F) << 7 | (header[12] & 0x7F) << 14  # 7 bits a byte, low first
        for packet in range(samples // (120 // min(4, max(2, (header[6] + 6) // 7)))):
            f.seek(21 + 127 * packet)
            if (start := f.read(2)) != b"\xf0\x7e":
                raise UserError(f"{path}: truncated or damaged SDS file (a MIDI sample dump): its header declares "
                                f"{samples} samples, its packet {packet} (byte {21 + 127 * packet}) starts "
                                f"{start.hex(' ') or 'past its end'}; expected f0 7e")


def _check_file(path: Path) -> tuple[bytes, str | None]:
    """The first 12 bytes of the recording ``path`` and its format where they say it (:func:`_sniffed`), or a
    :class:`UserError` for a directory, a device, a missing or empty file, a WAV, RF64 or W64 file cut short, a
    damaged MIDI sample dump, or a format libsndfile does not read (also a .raw file: soundfile takes it for samples
    without a header, asking their rate)."""
    if path.is_dir():  # 'rnnkit transcribe DIR calls/': a folder of recordings is not read whole
        raise UserError(f"{path}: is a directory; expected an audio file (give the recordings in it, e.g. "
                        f"{' '.join(str(path / f'*{s}') for s in _audio_suffixes(path))})")
    if path.exists() and not path.is_file():  # /dev/zero was 'no such file'; the header is read with seeks
        raise UserError(f"{path}: not a regular file (a device or a pipe); expected an audio file")
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise UserError(f"{path}: empty file; expected {AUDIO_FILE}")
    if path.suffix.lower() == ".raw":  # soundfile's TypeError 'samplerate must be specified' was a traceback
        raise UserError(f"{path}: a .raw file, samples without a header that says their rate and encoding; give them "
                        f"one first, e.g. `{_ffmpeg(path, '-f s16le -ar 8000 -ac 1 ')}` (the encoding, rate and "
                        "channels they were recorded with)")
    with path.open("rb") as f:
        head = f.read(12)
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        _check_riff(path, size)
    if head.startswith(_W64):
        _check_riff(path, size, "W64")
    if head[:2] == b"\xf0\x7e" and head[3:4] == b"\x01" and head[2] < 0x80:  # as libsndfile tells an SDS file
        _check_sds(path)
    found = "WAV" if head[8:12] == b"WAVE" else _sniffed(path, head)
    _refuse_unreadable(path, found)
    return head, found


#: file name endings of recordings besides libsndfile's format names (``soundfile.available_formats()``: WAV, FLAC
#: ...), which name its formats' files
_OTHER_SUFFIXES = {"AIF", "OPUS", "OGA", "WAVE"}
def _audio_suffixes(folder: Path) -> list[str]:
    """The endings of the recordings' names in ``folder`` (:func:`rnnkit.files.suffixes_in`; ``.wav`` where it holds
    none). Without soundfile (the ``speech`` extra), the formats known by their first bytes (:data:`_MAGIC`) stand
    in for its list: the refusal stays one line."""
    try:
        import soundfile

        formats = set(soundfile.available_formats())
    except ImportError:
        formats = {"WAV", *(name for _, name in _MAGIC)}
    return suffixes_in(folder, {name.upper() for name in formats} | _OTHER_SUFFIXES, ".wav")


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples in [-1, 1] and the sample rate of the recording ``path``: WAV, FLAC, Ogg (Vorbis,
    Opus), MP3, AIFF ... (any format libsndfile reads; stereo averaged)."""
    refuse_empty_name(path, "the path of an audio file")  # Path(""): ".: is a directory" named nothing given
    try:
        path = _spelled_as_on_disk(Path(path))
        head, known = _check_file(path)
        data, rate, fmt = _decode(path, head, known)
    except OSError as exc:  # a name longer than the system takes ('File name too long'), a folder not searchable
        raise unreadable(path, exc) from None
    if data.shape[0] == 0:
        raise UserError(f"{path}: {fmt} file without samples")
    if not MIN_RATE <= rate <= MAX_RATE:  # a damaged header: read as it says, 1 Hz is 16,000 times longer at 16 kHz
        raise UserError(f"{path}: its header gives a sample rate of {rate} Hz; expected {MIN_RATE:,} to "
                        f"{MAX_RATE:,} Hz")
    if not np.isfinite(data).all():  # float files can hold them; features and CTC would turn them into NaN
        first = int(np.argwhere(~np.isfinite(data))[0][0])
        raise UserError(f"{path}: sample {first} is not a finite number ({data[first].tolist()}); "
                        "expected samples from -1 to 1")
    return data.mean(axis=1).astype(np.float32), int(rate)


read_wav = read_audio  # its name before it read every format libsndfile reads


def declared_length(path: str | Path) -> tuple[int, int] | None:
    """The frames and sample rate of the recording ``path`` as its header declares them, where that is the length
    :func:`read_audio` reads: a WAV, RF64 or W64 file of integer PCM samples, whose ``data`` chunk the header checks
    hold to the file's size (a long one is left out under ``--max-seconds`` unread: an hour is hundreds of MB
    decoded); None for any other (an MP3's, a streaming FLAC's length is known only once read; a float file's
    samples may not be finite), which :func:`read_audio` reads and refuses in its own words. A file the header
    checks refuse is refused as :func:`read_audio` refuses it, in the same order."""
    refuse_empty_name(path, "the path of an audio file")
    try:
        import soundfile
    except ImportError:
        return None
    try:
        path = _spelled_as_on_disk(Path(path))
        if _check_file(path)[1] not in ("WAV", "W64"):
            return None
        info = soundfile.info(_sndfile_name(path))
    except OSError as exc:
        raise unreadable(path, exc) from None
    except (RuntimeError, soundfile.LibsndfileError):
        return None
    trusted = info.subtype.startswith("PCM_") and 0 < info.frames < _UNKNOWN_LENGTH
    return (int(info.frames), int(info.samplerate)) if trusted and MIN_RATE <= info.samplerate <= MAX_RATE else None


def _decode(path: Path, head: bytes, known: str | None) -> tuple[np.ndarray, int, str]:
    """The samples (frames, channels), rate and format libsndfile reads from ``path``; a file it cannot open, or whose
    samples stop short of what its header declares, is refused naming its format where its first bytes say it
    (``known``). libmpg123's own lines on fd 2 of a damaged MP3 are silenced, as of any file libsndfile hands it (one
    named .mp3 whose first bytes name no format: an HTML page saved as song.mp3): the refusal says what was wrong.
    fd 2 is the process's: other files are read with it as it was (speech_corpus's threads, its progress lines)."""
    try:
        import soundfile
    except ImportError:
        raise UserError("reading audio files needs the soundfile package: pip install 'rnnkit[speech]'") from None
    declared = 0
    mpeg = _format_of(head) == "MP3" or path.suffix.lower() == ".mp3"  # libsndfile's fallback: by the name's end
    try:
        with quiet_stderr() if mpeg else contextlib.nullcontext(), soundfile.SoundFile(_sndfile_name(path)) as f:
            declared, log = f.frames, f.extra_info
            data = _read_blocks(f)
            rate, fmt = f.samplerate, f.format
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise _refusal(path, head, known, declared, exc) from None
    _check_length(path, fmt, log, declared, data.shape[0], mpeg_samples(path) if known == "MP3" else None)
    return data, rate, fmt


def _check_length(path: Path, fmt: str, log: str, declared: int, read: int, counted: int | None) -> None:
    """Refuse a recording of which fewer samples were ``read`` than its header declares (``declared``; an AIFF's
    or a CAF's bytes, in libsndfile's ``log``), or, for an MP3 whose first frame gives no length, than its
    frames hold (``counted``: libsndfile's ``declared`` is then mpg123's guess from the file's size, and it stops
    there)."""
    cut = _CUT.search(log)
    if cut is not None and int(cut[2]) > int(cut[3]) and int(cut[2]) not in _STREAMING_SIZES:
        raise UserError(f"{path}: truncated {fmt} file: the header declares {cut[2]} bytes of samples, the file "
                        f"holds {cut[3]}")
    if counted is not None:
        if counted - read > _SLACK:
            raise UserError(f"{path}: an MP3 file whose first frame gives no length (no Xing or Info header): "
                            f"libsndfile reads the {read} samples it guesses from the file's size, of the {counted} "
                            f"its frames hold; {_convert(path)}")
    elif declared != _UNKNOWN_LENGTH and declared - read > _SLACK:
        raise UserError(f"{path}: truncated or damaged {fmt} file: the header declares {declared} samples, "
                        f"{read} could be read")


def _refusal(path: Path, head: bytes, known: str | None, declared: int, exc: Exception) -> UserError:
    """The one line for a file libsndfile cannot open or read to its end: named by its format where its first
    bytes (``known``) say it, with libsndfile's reason (not its 'File does not exist' of an MP3 without a frame)."""
    why = str(getattr(exc, "error_string", "") or exc).strip().removeprefix("Error : ").rstrip(".")
    why = "" if "does not exist" in why else f" (libsndfile: {why})"
    if declared == _UNKNOWN_LENGTH:  # a FLAC written to a pipe: libsndfile cannot seek in it as it reads
        return UserError(f"{path}: its header leaves its length open, as a writer to a pipe leaves it, and "
                         f"libsndfile cannot read it{why}; {_convert(path)}")
    if known is None:
        return UserError(f"{path}: not {AUDIO_FILE}; found {head!r}{why}")
    return UserError(f"{path}: {'cannot read as WAV' if known == 'WAV' else f'truncated or damaged {known} file'}"
                     f"{why}")


def _read_blocks(f: Any) -> np.ndarray:
    """Every frame of the open ``soundfile.SoundFile`` ``f`` (frames, channels), read a block at a time to its end:
    ``soundfile.read`` allocates the length the header declares, which a damaged or streaming FLAC gives as up to
    2^63 - 1 frames (a ValueError's or a MemoryError's traceback); a GSM 6.10 WAV, which libsndfile cannot seek,
    reads only to what a read asks for."""
    blocks = []
    while True:
        block = f.read(65536, dtype="float32", always_2d=True)
        if not len(block):
            return np.concatenate(blocks) if blocks else block
        blocks.append(block)


def _spelled_as_on_disk(path: Path) -> Path:
    """``path``, else its name in the other Unicode spelling where only that is a file: a recording named on a Mac
    (NFD, Hangul as jamo) and copied here prints alike the name typed (NFC), which was 'no such file'."""
    if path.exists():
        return path
    return next((Path(other) for other in spellings(str(path))[1:] if Path(other).is_file()), path)


def _sndfile_name(path: Path) -> str | bytes:
    """``path`` as soundfile opens it: as text, or as the bytes it stands for where the name is not valid text
    (a name in another encoding, which Python reads with surrogate escapes, was a UnicodeEncodeError's
    traceback from soundfile's ``str.encode``)."""
    name = str(path)
    try:
        name.encode(sys.getfilesystemencoding())
    except UnicodeEncodeError:
        return os.fsencode(name)
    return name
