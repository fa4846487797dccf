"""Audio features: recordings resampled and turned into normalised log-mel frames (reading them is
:mod:`rnnkit.data.audio_read`'s, whose :func:`read_audio` and :func:`read_wav` this module gives too).

What a user gets:

- :func:`resample`: polyphase resampling (``scipy.signal.resample_poly``) to another rate.
- :func:`mel_filterbank` and :func:`log_mel`: the HTK-scale triangular filters and log-mel filterbank
  features (25 ms Hann windows every 10 ms through ``torch.stft``), normalised per utterance (each band to
  mean 0 and standard deviation 1). :func:`check_n_mels` refuses more bands than the FFT has bins for
  (:func:`max_mels`: 114 at 16 kHz with a 512-point FFT), which would leave filters empty and their
  features constant; :func:`log_mel` warns of empty filters.
- :func:`spec_augment`: SpecAugment's frequency and time masks (Park et al. 2019), from a given generator.
- :func:`warp_bands`: vocal tract length perturbation of filterbank features.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from rnnkit.data.audio_read import AUDIO_FILE, MAX_RATE, MIN_RATE, read_audio, read_wav
from rnnkit.errors import SettingError, check_count, warn

__all__ = ["AUDIO_FILE", "MAX_RATE", "MIN_RATE", "SAMPLE_RATE", "check_n_mels", "log_mel", "max_mels",
           "mel_filterbank", "read_audio", "read_wav", "resample", "spec_augment", "warp_bands"]

SAMPLE_RATE = 16000        # the default rate features are computed at (train speech --sample-rate); others resampled


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
