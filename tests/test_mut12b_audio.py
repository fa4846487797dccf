"""Gaps a mutation audit of :mod:`rnnkit.data.audio` found (round 12): RF64 files, a header cut inside a chunk's
name and size, the edge sample rates, a data chunk shorter than a sample, the mel filters cached per rate and the
count of empty ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.data import audio
from rnnkit.data.audio import log_mel, mel_filterbank, read_wav, spec_augment
from rnnkit.errors import UserError
from tests.test_speech import _FMT, _PCM, _riff

soundfile = pytest.importorskip("soundfile")


def test_an_rf64_wav_is_read(tmp_path: Path) -> None:
    """RF64 (EBU Tech 3306, WAV past 4 GiB) starts "RF64" where WAV has "RIFF" and is read as a WAV file."""
    path = tmp_path / "big.wav"
    soundfile.write(str(path), _PCM, 16000, format="RF64", subtype="PCM_16")
    assert path.read_bytes()[:4] == b"RF64"
    got, rate = read_wav(path)
    assert rate == 16000
    np.testing.assert_array_equal(got, _PCM / 32768.0)


@pytest.mark.parametrize("cut", [1, 4, 7])
def test_a_header_cut_inside_a_chunk_header_is_named_as_truncated(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "cut.wav"
    path.write_bytes(_riff([(b"fmt ", _FMT, None), (b"data", _PCM.tobytes(), None)])[:12 + 8 + len(_FMT) + cut])
    with pytest.raises(UserError, match="truncated WAV file: no 'data' chunk"):
        read_wav(path)


@pytest.mark.parametrize("rate", [1000, 768000])
def test_the_lowest_and_highest_sample_rates_are_read(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "edge.wav"
    soundfile.write(str(path), _PCM, rate, subtype="PCM_16")
    got, read_rate = read_wav(path)
    assert read_rate == rate and len(got) == len(_PCM)


def test_a_data_chunk_shorter_than_one_sample_is_a_wav_without_samples(tmp_path: Path) -> None:
    path = tmp_path / "byte.wav"
    path.write_bytes(_riff([(b"fmt ", _FMT, None), (b"data", b"\x01", None)]))
    with pytest.raises(UserError, match="WAV file without samples"):
        read_wav(path)


def test_the_filters_are_kept_per_sample_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    """16 and 20 kHz both take a 512-point FFT; each rate's features come from its own filters."""
    monkeypatch.setattr(audio, "_FILTERS", {})
    wave = np.random.default_rng(0).normal(0, 0.1, 4000).astype(np.float32)
    log_mel(wave, 16000, n_mels=8, normalize=False)
    got = log_mel(wave, 20000, n_mels=8, normalize=False)
    monkeypatch.setattr(audio, "_FILTERS", {})
    torch.testing.assert_close(got, log_mel(wave, 20000, n_mels=8, normalize=False))


def test_empty_filters_are_counted_in_the_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audio, "_FILTERS", {})
    empty = int((mel_filterbank(160, 512, 16000).amax(1) == 0).sum())
    assert empty > 1
    with pytest.warns(Warning, match=f"n_mels 160: {empty} mel filters are empty"):
        log_mel(np.zeros(800, dtype=np.float32), n_mels=160)


def test_a_frequency_mask_wider_than_the_bands_draws_its_width_among_the_bands() -> None:
    """``freq_width`` 100 over 4 bands: the width is drawn from 0..4 (all bands masked about one draw in five), not
    from 0..100 cut to the bands (nearly every draw masking all)."""
    masked_all = sum(bool((spec_augment(torch.ones(10, 4), torch.Generator().manual_seed(seed), freq_masks=1,
                                        freq_width=100, time_masks=0) == 0).all()) for seed in range(40))
    assert 2 <= masked_all <= 16
