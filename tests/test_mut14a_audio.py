"""Gaps a mutation audit of :mod:`rnnkit.data.audio` found (round 14): a window already a power of two in
samples takes an FFT of its own length; a signal of exactly half the FFT is padded with zeros (too short to
reflect); SpecAugment's masks reach the top band and the last frame; a file one byte short of its header's
samples is truncated."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.data import audio
from rnnkit.data.audio import check_n_mels, log_mel, max_mels, mel_filterbank, spec_augment
from rnnkit.errors import SettingError, UserError


def test_a_window_of_a_power_of_two_samples_takes_an_fft_of_its_length(monkeypatch: pytest.MonkeyPatch) -> None:
    """32 ms at 16 kHz is 512 samples: a 512-point FFT (not 1024), as 25 ms (400 samples) rounds up to 512."""
    monkeypatch.setattr(audio, "_FILTERS", {})
    wave = np.random.default_rng(0).normal(0, 0.1, 3200).astype(np.float32)
    x = torch.from_numpy(wave)
    spec = torch.stft(x, 512, hop_length=160, win_length=512, window=torch.hann_window(512), center=True,
                      pad_mode="reflect", return_complex=True)
    want = torch.log(mel_filterbank(8, 512, 16000) @ spec.abs().pow(2) + 1e-6).T
    torch.testing.assert_close(log_mel(wave, 16000, n_mels=8, window_ms=32, normalize=False), want)


def test_the_fft_of_a_rate_whose_window_is_a_power_of_two_is_named_when_bands_are_refused() -> None:
    """At 10,240 Hz a 25 ms window is 256 samples, a 256-point FFT: fewer bands than a 512-point one allows."""
    most = max_mels(10240)
    assert most == max_mels(10240, 256) < max_mels(10240, 512)
    want = f"expected at most {most} for 10240 Hz audio and a 256-point FFT"
    with pytest.raises(SettingError, match=re.escape(want)):
        check_n_mels(most + 1, 10240)


@pytest.mark.parametrize("samples", [255, 256, 257])
def test_a_signal_of_half_the_fft_has_its_frames(samples: int) -> None:
    """Reflecting needs more samples than the padding (256 at 16 kHz); 16 ms of audio is padded with zeros."""
    wave = np.random.default_rng(1).normal(0, 0.1, samples).astype(np.float32)
    feats = log_mel(wave, n_mels=8)
    assert feats.shape == (samples // 160 + 1, 8) and bool(torch.isfinite(feats).all())


def _masked(feats: torch.Tensor, seeds: int, **masks: float) -> torch.Tensor:
    """Per element, whether any of ``seeds`` generators' masks covered it."""
    return torch.stack([spec_augment(feats, torch.Generator().manual_seed(seed), **masks) == 0
                        for seed in range(seeds)]).any(0)


def test_a_frequency_mask_can_cover_every_band_the_top_one_too() -> None:
    covered = _masked(torch.ones(1, 4), 60, freq_masks=1, freq_width=1, time_masks=0)
    assert covered.tolist() == [[True] * 4]


def test_a_time_mask_can_cover_every_frame_the_last_one_too() -> None:
    covered = _masked(torch.ones(5, 1), 100, freq_masks=0, time_masks=1, time_width=1, max_time_fraction=1.0)
    assert covered.tolist() == [[True]] * 5


def test_a_file_one_byte_short_of_its_declared_samples_is_truncated(tmp_path: Path) -> None:
    """The last byte of the last sample lost (a copy cut short): refused, not read as one sample fewer."""
    soundfile = pytest.importorskip("soundfile")
    path = tmp_path / "cut.wav"
    soundfile.write(str(path), np.zeros(100, dtype=np.float32), 16000, subtype="PCM_16")
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(UserError, match=r"cut.wav: truncated WAV file: the header declares 200 bytes of samples, "
                                        r"the file holds 199$"):
        audio.read_wav(path)
