"""Audio in: WAV files checked and read, resampled, and turned into normalised log-mel frames.

What a user gets:

- :func:`read_wav`: mono float32 samples and the sample rate of a WAV file (16-bit, 24-bit, 32-bit or 8-bit
  PCM, or float; stereo is averaged). An empty, truncated or non-WAV file is refused with its name and what
  was wrong (:class:`rnnkit.errors.UserError`).
- :func:`resample`: polyphase resampling (``scipy.signal.resample_poly``) to another rate.
- :func:`mel_filterbank` and :func:`log_mel`: the HTK-scale triangular filters and log-mel filterbank
  features (25 ms Hann windows every 10 ms through ``torch.stft``), normalised per utterance (each band to
  mean 0 and standard deviation 1). :func:`check_n_mels` refuses more bands than the FFT has bins for
  (:func:`max_mels`: 114 at 16 kHz with a 512-point FFT), which would leave filters empty and their
  features constant; :func:`log_mel` warns of empty filters.
- :func:`spec_augment`: SpecAugment's frequency and time masks (Park et al. 2019), from a given generator.
"""

from __future__ import annotations

import math
import os
import shlex
import struct
import sys
import unicodedata
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from rnnkit.errors import SettingError, UserError, check_count, refuse_empty_name, warn

__all__ = ["SAMPLE_RATE", "check_n_mels", "log_mel", "max_mels", "mel_filterbank", "read_wav", "resample",
           "spec_augment", "warp_bands"]

SAMPLE_RATE = 16000        # features are computed at this rate; other rates are resampled first
#: the sample rates read_wav accepts: telephone audio and below to studio rates (a header outside is damaged)
MIN_RATE, MAX_RATE = 1000, 768000
_STREAMING_SIZES = {0, 0xFFFFFFFF, 0x7FFFFFFF}  # data sizes a streaming writer leaves in the header


#: the first bytes of the audio formats a recording is exported in besides WAV, and their names
_OTHER_FORMATS = ((b"fLaC", "FLAC"), (b"OggS", "Ogg"), (b"ID3", "MP3"), (b"\xff\xfb", "MP3"), (b"\xff\xf3", "MP3"),
                  (b"\xff\xf2", "MP3"), (b"FORM", "AIFF"), (b"#!AMR", "AMR"), (b"\x30\x26\xb2\x75", "WMA"))


def _format_of(path: Path, head: bytes) -> str:
    """What a file that is not WAV is, by its first bytes, and how to convert it (``PATH: not a WAV file`` said
    only the bytes found, ``b'fLaC...'``, of a call centre's FLAC or MP3 export); empty for a format not known."""
    found = next((name for magic, name in _OTHER_FORMATS if head.startswith(magic)), None)
    if found is None and head[4:8] == b"ftyp":
        found = "MP4/M4A"
    if found is None:
        return ""
    wav = shlex.quote(str(path.with_suffix(".wav")))
    return f"but {found} audio; convert it first, e.g. `ffmpeg -i {shlex.quote(str(path))} {wav}` ("


def _check_riff(path: Path) -> None:
    """Refuse a file that is empty, not RIFF/WAVE, has no ``data`` chunk, or is shorter than its header says."""
    size = path.stat().st_size
    if size == 0:
        raise UserError(f"{path}: empty file; expected a WAV file")
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            raise UserError(f"{path}: not a WAV file {_format_of(path, head) or '(expected a RIFF/WAVE header, '}"
                            f"found {head[:12]!r})")
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise UserError(f"{path}: truncated WAV file: no 'data' chunk with samples")
            name, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"data":
                left = size - f.tell()
                if length not in _STREAMING_SIZES and length > left:
                    raise UserError(f"{path}: truncated WAV file: the header declares {length} bytes of samples, "
                                    f"the file holds {left}")
                if left == 0:
                    raise UserError(f"{path}: WAV file without samples")
                return
            f.seek(length + (length & 1), 1)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples in [-1, 1] and the sample rate of the WAV file ``path``."""
    refuse_empty_name(path, "the path of a WAV file")  # Path(""): ".: is a directory" named nothing given
    path = _spelled_as_on_disk(Path(path))
    if path.is_dir():  # 'rnnkit transcribe DIR calls/': a folder of recordings is not read whole
        raise UserError(f"{path}: is a directory; expected a WAV file (give the recordings in it, e.g. "
                        f"{path / '*.wav'})")
    if path.exists() and not path.is_file():  # /dev/zero was 'no such file'; the header is read with seeks
        raise UserError(f"{path}: not a regular file (a device or a pipe); expected a WAV file")
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    _check_riff(path)
    try:
        import soundfile
    except ImportError:
        raise UserError("reading WAV files needs the soundfile package: pip install 'rnnkit[speech]'") from None
    try:
        data, rate = soundfile.read(_sndfile_name(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise UserError(f"{path}: cannot read as WAV ({exc})") from None
    if data.shape[0] == 0:
        raise UserError(f"{path}: WAV file without samples")
    if not MIN_RATE <= rate <= MAX_RATE:  # a damaged header: read as it says, 1 Hz is 16,000 times longer at 16 kHz
        raise UserError(f"{path}: its header gives a sample rate of {rate} Hz; expected {MIN_RATE:,} to "
                        f"{MAX_RATE:,} Hz")
    if not np.isfinite(data).all():  # float WAVs can hold them; features and CTC would turn them into NaN
        first = int(np.argwhere(~np.isfinite(data))[0][0])
        raise UserError(f"{path}: sample {first} is not a finite number ({data[first].tolist()}); "
                        "expected samples from -1 to 1")
    return data.mean(axis=1).astype(np.float32), int(rate)


def _spelled_as_on_disk(path: Path) -> Path:
    """``path``, else its name in the other Unicode spelling where only that is a file: a recording named on a Mac
    (NFD, Hangul as jamo) and copied here prints alike the name typed (NFC), which was 'no such file'."""
    if path.exists():
        return path
    for form in ("NFC", "NFD"):
        other = Path(unicodedata.normalize(form, str(path)))
        if other.is_file():
            return other
    return path


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


def resample(wave: np.ndarray, rate: int, target: int) -> np.ndarray:
    """``wave`` at ``rate`` Hz resampled to ``target`` Hz (polyphase filter; unchanged when equal)."""
    if rate == target:
        return wave
    from scipy.signal import resample_poly

    g = math.gcd(rate, target)
    return resample_poly(wave, target // g, rate // g).astype(np.float32)


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int, f_min: float = 0.0,
                   f_max: float | None = None) -> Tensor:
    """(n_mels, n_fft // 2 + 1) triangular filters equally spaced on the HTK mel scale
    (``2595 log10(1 + f / 700)``), each peaking at 1 at its centre frequency."""
    f_max = sample_rate / 2 if f_max is None else f_max

    def mel(f: Tensor) -> Tensor:
        return 2595.0 * torch.log10(1.0 + f / 700.0)

    edges_mel = torch.linspace(float(mel(torch.tensor(f_min))), float(mel(torch.tensor(f_max))), n_mels + 2,
                               dtype=torch.float64)
    edges = 700.0 * (10.0 ** (edges_mel / 2595.0) - 1.0)
    freqs = torch.linspace(0.0, sample_rate / 2, n_fft // 2 + 1, dtype=torch.float64)
    rising = (freqs[None, :] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    falling = (edges[2:, None] - freqs[None, :]) / (edges[2:, None] - edges[1:-1, None])
    return torch.clamp(torch.minimum(rising, falling), min=0.0).float()


def _fft_size(sample_rate: int = SAMPLE_RATE, window_ms: float = 25.0) -> int:
    """The FFT size :func:`log_mel` uses: the window in samples rounded up to a power of two (512 at 16 kHz)."""
    win = int(round(sample_rate * window_ms / 1000))
    return 1 << (win - 1).bit_length()


def max_mels(sample_rate: int = SAMPLE_RATE, n_fft: int | None = None) -> int:
    """The most mel bands whose filters each cover at least one FFT bin (114 at 16 kHz, 512-point FFT); with
    more, the lowest filters fall between two bins and their features are constant (librosa warns of
    "empty filters")."""
    n_fft = _fft_size(sample_rate) if n_fft is None else n_fft
    top, step = (2595.0 * math.log10(1.0 + f / 700.0) for f in (sample_rate / 2, sample_rate / n_fft))
    n = int(2 * top / step)   # the first filter, the narrowest in Hz, spans two mel steps from 0 Hz
    while n > 1 and bool((mel_filterbank(n, n_fft, sample_rate).amax(1) == 0).any()):
        n -= 1
    return n


def check_n_mels(n_mels: object, sample_rate: int = SAMPLE_RATE, n_fft: int | None = None) -> None:
    """Raise :class:`SettingError` unless ``n_mels`` is a positive integer of at most :func:`max_mels`."""
    bands = check_count("n_mels", n_mels)
    n_fft = _fft_size(sample_rate) if n_fft is None else n_fft
    most = max_mels(sample_rate, n_fft)
    if bands > most:
        raise SettingError("n_mels", n_mels, f"expected at most {most} for {sample_rate} Hz audio and a {n_fft}-point "
                           "FFT (more bands leave mel filters empty, their features constant)")


_FILTERS: dict[tuple[int, int, int], Tensor] = {}


def _filters(n_mels: int, n_fft: int, sample_rate: int) -> Tensor:
    """:func:`mel_filterbank`, with a warning when some filters are empty (as librosa warns): a model trained
    with them still runs, its features from those bands are constant."""
    bank = mel_filterbank(n_mels, n_fft, sample_rate)
    empty = int((bank.amax(1) == 0).sum())
    if empty:
        warn(f"n_mels {n_mels}: {empty} mel filters are empty for {sample_rate} Hz audio and a {n_fft}-point "
             f"FFT, their features constant; at most {max_mels(sample_rate, n_fft)} bands have none")
    return bank


def log_mel(wave: np.ndarray | Tensor, sample_rate: int = SAMPLE_RATE, n_mels: int = 80, window_ms: float = 25.0,
            hop_ms: float = 10.0, normalize: bool = True) -> Tensor:
    """(frames, n_mels) log-mel filterbank features of a mono signal: Hann windows of ``window_ms`` every
    ``hop_ms`` (the signal is reflected at both ends, so there is a frame every hop from the first sample),
    power spectrum, mel filters, ``log(energy + 1e-6)``; with ``normalize`` each band is shifted and scaled
    to mean 0 and standard deviation 1 over the utterance."""
    x = torch.as_tensor(np.asarray(wave, dtype=np.float32))
    win = int(round(sample_rate * window_ms / 1000))
    hop = int(round(sample_rate * hop_ms / 1000))
    n_fft = _fft_size(sample_rate, window_ms)
    if x.numel() < 2:
        x = torch.nn.functional.pad(x, (0, 2 - x.numel()))
    pad_mode = "reflect" if x.numel() > n_fft // 2 else "constant"
    spec = torch.stft(x, n_fft, hop_length=hop, win_length=win, window=torch.hann_window(win), center=True,
                      pad_mode=pad_mode, return_complex=True)
    key = (n_mels, n_fft, sample_rate)
    if key not in _FILTERS:
        _FILTERS[key] = _filters(n_mels, n_fft, sample_rate)
    feats = torch.log(_FILTERS[key] @ spec.abs().pow(2) + 1e-6).T.contiguous()
    if normalize:
        feats = (feats - feats.mean(0)) / (feats.std(0, unbiased=False) + 1e-5)
    return feats


def spec_augment(feats: Tensor, generator: torch.Generator, freq_masks: int = 2, freq_width: int = 10,
                 time_masks: int = 2, time_width: int = 20, max_time_fraction: float = 0.2) -> Tensor:
    """A copy of ``feats`` (frames, bands) with ``freq_masks`` bands of up to ``freq_width`` and
    ``time_masks`` stretches of up to ``time_width`` frames (at most ``max_time_fraction`` of the utterance
    each) set to 0, the mean of normalised features."""
    out = feats.clone()
    frames, bands = out.shape

    def draw(high: int) -> int:
        return int(torch.randint(0, max(high, 0) + 1, (1,), generator=generator))

    for _ in range(freq_masks):
        width = draw(min(freq_width, bands))
        start = draw(bands - width)
        out[:, start:start + width] = 0.0
    for _ in range(time_masks):
        width = draw(min(time_width, int(frames * max_time_fraction)))
        start = draw(frames - width)
        out[start:start + width, :] = 0.0
    return out


def warp_bands(feats: Tensor, alpha: float, boundary: float = 0.8) -> Tensor:
    """``feats`` (frames, bands) with the band axis stretched by ``alpha``: vocal tract length perturbation
    (VTLP, Jaitly & Hinton 2013) on filterbank features. Output band ``b`` reads the input at ``b / alpha``
    up to ``boundary`` of the axis (scaled by ``min(alpha, 1)``), then a straight line to the top band, so
    the lowest and the highest band stay where they are; positions between bands are interpolated."""
    bands = feats.shape[1]
    top = bands - 1
    if bands < 2 or alpha == 1.0:
        return feats.clone()
    b = torch.arange(bands, dtype=torch.float64)
    knee = boundary * top * min(alpha, 1.0)
    src = torch.where(b <= knee, b / alpha, knee / alpha + (b - knee) * (top - knee / alpha) / (top - knee))
    src = src.clamp(0, top)
    lo = src.floor().long().clamp(max=top - 1)
    frac = (src - lo).to(feats.dtype)
    return feats[:, lo] * (1 - frac) + feats[:, lo + 1] * frac
