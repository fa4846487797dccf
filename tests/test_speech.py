"""Speech recognition: WAV reading and its refusals, log-mel features, CTC decoding, the manifest reader,
the espeak-ng corpus builder and the CLI end to end on a corpus of tones."""

from __future__ import annotations

import io
import itertools
import json
import math
import os
import re
import shutil
import struct
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.data.audio import SAMPLE_RATE, log_mel, max_mels, mel_filterbank, read_wav, spec_augment, warp_bands
from rnnkit.data.batching import pad_features
from rnnkit.data.speech import parse_phonemes, read_manifest, symbols_of, text_of
from rnnkit.errors import SettingError, UserError
from rnnkit.models.ctc import greedy_decode, prefix_beam_search
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.tasks.speech import SPEC_AUGMENT, SpeechConfig, _augment_settings, error_rates

soundfile = pytest.importorskip("soundfile", reason="the speech extra is not installed: pip install 'rnnkit[speech]'")
pytestmark = pytest.mark.usefixtures("one_torch_thread")
ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")


# ------------------------------------------------------------------------------------------- WAV files
def _tone(freq: float, seconds: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * math.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_U8", "FLOAT", "PCM_24"])
def test_reads_pcm_float_and_8_bit_wav(tmp_path: Path, subtype: str) -> None:
    wave = _tone(440, 0.1, 8000)
    path = tmp_path / "a.wav"
    soundfile.write(str(path), wave, 8000, subtype=subtype)
    got, rate = read_wav(path)
    assert rate == 8000 and got.dtype == np.float32
    np.testing.assert_allclose(got, wave, atol=1 / 64 if subtype == "PCM_U8" else 1e-4)


def test_stereo_is_averaged(tmp_path: Path) -> None:
    left, right = _tone(440, 0.05), _tone(880, 0.05)
    soundfile.write(str(tmp_path / "s.wav"), np.stack([left, right], 1), SAMPLE_RATE, subtype="FLOAT")
    got, _ = read_wav(tmp_path / "s.wav")
    np.testing.assert_allclose(got, (left + right) / 2, atol=1e-6)


def test_other_rates_are_resampled_to_the_same_features(tmp_path: Path) -> None:
    soundfile.write(str(tmp_path / "a.wav"), _tone(1000, 0.5, 44100), 44100, subtype="FLOAT")
    soundfile.write(str(tmp_path / "b.wav"), _tone(1000, 0.5, SAMPLE_RATE), SAMPLE_RATE, subtype="FLOAT")
    from rnnkit.tasks.speech import features_of

    a, b = features_of(tmp_path / "a.wav", 40), features_of(tmp_path / "b.wav", 40)
    assert a.shape == b.shape
    assert int(a[10:-10].mean(0).argmax()) == int(b[10:-10].mean(0).argmax())


def _valid_wav(path: Path) -> bytes:
    soundfile.write(str(path), _tone(440, 0.1), SAMPLE_RATE, subtype="PCM_16")
    return path.read_bytes()


@pytest.mark.parametrize("damage, message", [
    (lambda b: b"", "empty file"),
    (lambda b: b"hello, this is text and not audio\n" * 3, "not an audio file"),
    (lambda b: b[: len(b) // 2], "truncated WAV file: the header declares 3200 bytes of samples"),
    (lambda b: b[:36], "truncated WAV file: no 'data' chunk"),
    (lambda b: b[:40] + bytes(4), "WAV file without samples"),
    (lambda b: b"RIFF" + b[4:8] + b"AVI " + b[12:], "not an audio file"),
    (lambda b: b[:24] + (200_000_000).to_bytes(4, "little") + b[28:], "a sample rate of 200000000 Hz; expected"),
    (lambda b: b[:24] + (1).to_bytes(4, "little") + b[28:], "a sample rate of 1 Hz; expected 1,000 to 768,000"),
])
def test_damaged_wav_files_are_refused_by_name(tmp_path: Path, damage, message: str) -> None:
    good = _valid_wav(tmp_path / "good.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(damage(good))
    with pytest.raises(UserError, match=message) as err:
        read_wav(bad)
    assert str(bad) in str(err.value)


def _riff(chunks: list[tuple[bytes, bytes, int | None]], riff_size: int | None = None) -> bytes:
    """A WAV file by hand: each chunk as ``(name, data, declared size or None)``, an odd one padded to even."""
    body = b"WAVE" + b"".join(name + struct.pack("<I", len(data) if size is None else size) + data
                              + b"\0" * (len(data) % 2) for name, data, size in chunks)
    return b"RIFF" + struct.pack("<I", len(body) if riff_size is None else riff_size) + body


_FMT = struct.pack("<HHIIHH", 1, 1, SAMPLE_RATE, 2 * SAMPLE_RATE, 2, 16)   # PCM, mono, 16 kHz, 16 bits
_PCM = (np.arange(100, dtype=np.int16) * 100 - 5000).astype("<i2")


def test_a_chunk_of_odd_length_before_the_samples_is_stepped_over_with_its_pad_byte(tmp_path: Path) -> None:
    """RIFF pads a chunk of odd length to even (a LIST/INFO tag of an odd length, as editors write one): the
    header check read the pad byte as the next chunk's name and refused a good file as having no samples."""
    path = tmp_path / "tagged.wav"
    path.write_bytes(_riff([(b"fmt ", _FMT, None), (b"LIST", b"INFOabc", None), (b"data", _PCM.tobytes(), None)]))
    got, rate = read_wav(path)
    assert rate == SAMPLE_RATE
    np.testing.assert_array_equal(got, _PCM / 32768.0)


def test_a_wav_written_to_a_stream_with_no_sizes_in_its_header_is_read(tmp_path: Path) -> None:
    """A writer to a pipe (``ffmpeg ... -f wav -``, sox) cannot go back to fill in the sizes and leaves
    0xFFFFFFFF: that is no claim of 4 GiB of samples, and the file is read to its end."""
    path = tmp_path / "streamed.wav"
    path.write_bytes(_riff([(b"fmt ", _FMT, None), (b"data", _PCM.tobytes(), 0xFFFFFFFF)], riff_size=0xFFFFFFFF))
    got, _ = read_wav(path)
    np.testing.assert_array_equal(got, _PCM / 32768.0)


def test_missing_wav_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        read_wav(tmp_path / "nope.wav")
    with pytest.raises(UserError, match="is a directory; expected an audio file"):  # was "no such file"
        read_wav(tmp_path)
    if Path("/dev/zero").is_char_device():  # a device (or a pipe) was "no such file" too
        with pytest.raises(UserError, match="^/dev/zero: not a regular file \\(a device or a pipe\\); expected an"):
            read_wav("/dev/zero")


def test_a_wav_whose_name_is_not_utf8_is_read(tmp_path: Path) -> None:
    """A file name in another encoding (Latin-1, CP949 from an old archive) comes to Python with surrogate
    escapes, and soundfile's ``str.encode`` of it was a UnicodeEncodeError's traceback."""
    path = tmp_path / os.fsdecode(b"caf\xe9.wav")
    try:
        wave = _tone(440, 0.05)
        soundfile.write(os.fsencode(path), wave, SAMPLE_RATE, subtype="FLOAT")
    except (OSError, RuntimeError):
        pytest.skip("this file system takes only UTF-8 names")
    got, rate = read_wav(path)
    assert rate == SAMPLE_RATE and np.allclose(got, wave)


# ------------------------------------------------------------------------------------------- features
def test_mel_filterbank_by_hand() -> None:
    # one filter over 0..4000 Hz: the mel midpoint is 1113.8 Hz; bins every 1000 Hz
    fb = mel_filterbank(1, 8, 8000)
    centre = 700 * (10 ** ((2595 * math.log10(1 + 4000 / 700)) / 2 / 2595) - 1)
    assert centre == pytest.approx(1113.8, abs=0.1)
    expected = [0.0, 1000 / centre, 2000 / (4000 - centre), 1000 / (4000 - centre), 0.0]
    torch.testing.assert_close(fb[0], torch.tensor(expected), atol=1e-6, rtol=0)


def test_log_mel_matches_a_direct_dft_of_one_frame() -> None:
    rng = np.random.default_rng(0)
    wave = rng.normal(0, 0.1, 4000).astype(np.float32)
    feats = log_mel(wave, SAMPLE_RATE, n_mels=20, normalize=False)
    assert feats.shape == (1 + 4000 // 160, 20)
    padded = np.pad(wave, 256, mode="reflect")         # centre=True: n_fft // 2 on each side
    k = 7
    frame = padded[k * 160: k * 160 + 512].astype(np.float64)
    window = np.zeros(512)
    window[56:456] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)   # periodic Hann, centred
    power = np.abs(np.fft.rfft(frame * window)) ** 2
    expected = np.log(mel_filterbank(20, 512, SAMPLE_RATE).double().numpy() @ power + 1e-6)
    np.testing.assert_allclose(feats[k].double().numpy(), expected, rtol=1e-4, atol=1e-4)


def test_the_first_and_last_frames_see_the_signal_reflected_at_its_ends() -> None:
    """``center=True`` with the signal reflected (``numpy.pad(mode="reflect")``), not zeros, at both ends."""
    wave = np.random.default_rng(2).normal(0, 0.1, 1600).astype(np.float32)
    feats = log_mel(wave, SAMPLE_RATE, n_mels=20, normalize=False)
    padded = np.pad(wave, 256, mode="reflect").astype(np.float64)
    window = np.zeros(512)
    window[56:456] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
    bank = mel_filterbank(20, 512, SAMPLE_RATE).double().numpy()
    for k in (0, len(feats) - 1):
        power = np.abs(np.fft.rfft(padded[k * 160: k * 160 + 512] * window)) ** 2
        np.testing.assert_allclose(feats[k].double().numpy(), np.log(bank @ power + 1e-6), rtol=1e-4, atol=1e-4)


def test_a_tone_lights_the_band_around_its_frequency() -> None:
    feats = log_mel(_tone(1000, 0.3), n_mels=40, normalize=False)
    fb = mel_filterbank(40, 512, SAMPLE_RATE)
    centres = (fb * torch.linspace(0, 8000, 257)).sum(1) / fb.sum(1)
    assert abs(float(centres[int(feats[5:-5].mean(0).argmax())]) - 1000) < 120


def test_normalised_features_have_zero_mean_unit_std_per_band() -> None:
    feats = log_mel(np.random.default_rng(1).normal(0, 0.1, 8000).astype(np.float32), n_mels=16)
    torch.testing.assert_close(feats.mean(0), torch.zeros(16), atol=1e-4, rtol=0)
    torch.testing.assert_close(feats.std(0, unbiased=False), torch.ones(16), atol=1e-3, rtol=0)


@pytest.mark.parametrize("rate, n_fft", [(SAMPLE_RATE, 512), (8000, 256), (44100, 2048)])
def test_max_mels_is_the_most_bands_without_an_empty_filter(rate: int, n_fft: int) -> None:
    most = max_mels(rate, n_fft)
    assert bool((mel_filterbank(most, n_fft, rate).amax(1) > 0).all())
    assert bool((mel_filterbank(most + 1, n_fft, rate).amax(1) == 0).any())


def test_the_most_mels_the_fft_can_fill_are_taken_and_one_more_refused() -> None:
    from rnnkit.data.audio import check_n_mels

    check_n_mels(114)                     # the largest count of the docstring: 16 kHz, a 512-point FFT
    check_n_mels(57, 8000, 256)
    with pytest.raises(SettingError, match="expected at most 114"):
        check_n_mels(115)


def test_more_mels_than_the_fft_can_fill_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.warns(UserWarning, match="n_mels 115: 1 mel filters are empty .* at most 114 bands have none"):
        log_mel(_tone(1000, 0.1), n_mels=115)
    with pytest.raises(SettingError, match="expected at most 114 for 16000 Hz audio and a 512-point FFT"):
        SpeechConfig(n_mels=115).validate()
    corpus, out = _tone_corpus(tmp_path / "corpus", 2, 0), tmp_path / "model"
    capsys.readouterr()
    assert main(["train", "speech", "--data", str(corpus), "--out", str(out), "--n-mels", "128", "--steps", "1"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "rnnkit: error: --n-mels 128: expected at most 114 for 16000 Hz audio and a 512-point FFT "
        "(more bands leave mel filters empty, their features constant)"]
    assert not out.exists()


EMPTY_FILTER = ("rnnkit: warning: n_mels 120: 1 mel filters are empty for 16000 Hz audio and a 512-point FFT, "
                "their features constant; at most 114 bands have none")


@pytest.fixture
def run_before_the_mel_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A run trained with --n-mels 120, as rnnkit allowed before --n-mels was capped at 114 (the cap lifted
    while it trains), and its corpus; each test starts with log_mel's filters uncached, so it warns."""
    corpus, out = _tone_corpus(tmp_path / "corpus", 6, 0), tmp_path / "old"
    with monkeypatch.context() as before:
        before.setattr("rnnkit.tasks._speech_config.check_n_mels", lambda *args: None)
        assert main(["train", "speech", "--data", str(corpus), "--out", str(out), "--steps", "1", "--hidden", "8",
                     "--layers", "1", "--n-mels", "120", "--batch-size", "4", "--no-progress", "--json"]) == 0
    monkeypatch.setattr("rnnkit.data.audio._FILTERS", {})
    return out, corpus


def test_a_run_saved_before_the_mel_cap_resumes_with_its_bands(run_before_the_mel_cap: tuple[Path, Path],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """--resume of such a run was refused with '--n-mels 120: expected at most 114', a flag the user never gave:
    the cap is for new runs, a resumed run keeps its settings (and log_mel says its lowest filter is empty)."""
    out, _ = run_before_the_mel_cap
    capsys.readouterr()
    assert main(["train", "speech", "--resume", str(out), "--steps", "2", "--no-progress", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out.splitlines()[-1])["steps"] == 2
    assert captured.err.splitlines() == [EMPTY_FILTER]
    config = json.loads((out / "last" / "config.json").read_text())
    assert config["settings"]["n_mels"] == config["model"]["n_features"] == 120


def test_a_run_saved_before_the_mel_cap_transcribes_with_its_bands(run_before_the_mel_cap: tuple[Path, Path],
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """transcribe and evaluate compute the 120 bands the model was trained on; the CLI says so in one
    'rnnkit: warning:' line (Python's warning with a source line before), the Python API warns."""
    out, corpus = run_before_the_mel_cap
    wav = corpus / "wav" / "0.wav"
    capsys.readouterr()
    assert main(["transcribe", str(out), str(wav), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [EMPTY_FILTER] and json.loads(captured.out)["file"] == str(wav)
    monkeypatch.setattr("rnnkit.data.audio._FILTERS", {})   # as in a new process
    assert main(["evaluate", str(out), "--data", str(corpus), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [EMPTY_FILTER] and json.loads(captured.out)["utterances"] == 6
    monkeypatch.setattr("rnnkit.data.audio._FILTERS", {})
    rec = rnnkit.load(out)
    with pytest.warns(UserWarning, match="n_mels 120: 1 mel filters are empty"):
        assert isinstance(rec.transcribe(wav), str)
    assert rec.n_mels == 120


def test_a_resumed_runs_bands_are_held_to_its_weights_before_any_features(
        run_before_the_mel_cap: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Uncapped on resume, a settings.n_mels that is not the weights' (a config edited by hand) is refused before
    a filterbank of that many bands is computed for every utterance."""
    out, _ = run_before_the_mel_cap
    config = json.loads((out / "last" / "config.json").read_text())
    config["settings"]["n_mels"] = 10**6
    (out / "last" / "config.json").write_text(json.dumps(config))
    computed: list[int] = []
    monkeypatch.setattr("rnnkit.tasks._speech_data._wave_features",  # training's features (not features_of)
                        lambda wave, rate, n_mels, *rest: computed.append(n_mels))
    capsys.readouterr()
    assert main(["train", "speech", "--resume", str(out), "--steps", "2", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "model.safetensors: does not match config.json: rnn.weight_ih_l0 is [24, 240] in the weights" in err
    assert err.count("\n") == 1 and not computed


def test_spec_augment_masks_bands_and_frames_only() -> None:
    feats = torch.randn(100, 40) + 5.0
    out = spec_augment(feats, torch.Generator().manual_seed(0), freq_masks=1, freq_width=8, time_masks=1,
                       time_width=10)
    zero = out == 0
    masked_bands, masked_frames = zero.all(0), zero.all(1)
    assert int(masked_bands.sum()) <= 8 and int(masked_frames.sum()) <= 10
    assert bool((zero == (masked_bands[None, :] | masked_frames[:, None])).all())
    assert torch.equal(out[~zero], feats[~zero])


def test_spec_augment_masks_each_kind_on_its_own_axis() -> None:
    """Frequency masks zero whole bands and time masks whole frames, each only on its own axis."""
    feats = torch.randn(60, 30) + 5.0
    bands = frames = 0
    for seed in range(20):
        out = spec_augment(feats, torch.Generator().manual_seed(seed), freq_masks=1, freq_width=6, time_masks=0)
        assert not bool((out == 0).all(1).any())
        bands += int((out == 0).all(0).sum())
        out = spec_augment(feats, torch.Generator().manual_seed(seed), freq_masks=0, time_masks=1, time_width=6)
        assert not bool((out == 0).all(0).any())
        frames += int((out == 0).all(1).sum())
    assert bands > 0 and frames > 0


def test_a_time_mask_covers_at_most_its_fraction_of_a_short_utterance() -> None:
    """20 frames at most 0.2 of them: a mask of 0 to 4 frames, however wide ``time_width`` allows."""
    widths = set()
    for seed in range(60):
        out = spec_augment(torch.ones(20, 8), torch.Generator().manual_seed(seed), freq_masks=0, time_masks=1,
                           time_width=20, max_time_fraction=0.2)
        widths.add(int((out == 0).all(1).sum()))
    assert widths == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("alpha", [0.9, 1.0, 1.13])
def test_warp_bands_is_a_piecewise_linear_stretch_that_keeps_both_ends(alpha: float) -> None:
    feats = torch.randn(7, 40, dtype=torch.float64)
    out = warp_bands(feats, alpha)
    knee = 0.8 * 39 * min(alpha, 1.0)
    src = [b / alpha if b <= knee else knee / alpha + (b - knee) * (39 - knee / alpha) / (39 - knee)
           for b in range(40)]
    expected = np.stack([np.interp(src, np.arange(40), row) for row in feats.numpy()])
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    torch.testing.assert_close(out[:, [0, 39]], feats[:, [0, 39]])


def test_warp_bands_moves_a_formant_up_when_alpha_is_above_one() -> None:
    feats = torch.zeros(1, 80)
    feats[0, 30] = 1.0
    assert int(warp_bands(feats, 1.1).argmax()) == 33 and int(warp_bands(feats, 0.9).argmax()) == 27


# ------------------------------------------------------------------------------------------- CTC decoding
def _log_probs(path: list[int], classes: int = 4) -> torch.Tensor:
    lp = torch.full((len(path), classes), math.log(0.01))
    for t, c in enumerate(path):
        lp[t, c] = math.log(1 - 0.01 * (classes - 1))
    return lp


def test_greedy_collapses_repeats_and_drops_blanks() -> None:
    d = greedy_decode(_log_probs([1, 1, 0, 1, 2, 2, 0, 3]))
    assert d.symbols == [0, 0, 1, 2] and d.frames == [0, 3, 4, 7]


def test_greedy_respects_the_length() -> None:
    assert greedy_decode(_log_probs([1, 0, 2, 3]), length=2).symbols == [0]


def test_prefix_beam_of_one_is_greedy() -> None:
    g = torch.Generator().manual_seed(0)
    for _ in range(200):
        lp = torch.log_softmax(3 * torch.randn(int(torch.randint(1, 12, (1,), generator=g)), 5, generator=g), -1)
        greedy, beam = greedy_decode(lp), prefix_beam_search(lp, beam=1)
        assert (beam.symbols, beam.frames) == (greedy.symbols, greedy.frames)
        assert beam.log_prob == pytest.approx(greedy.log_prob, abs=1e-4)


def _collapse(path: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(c - 1 for c, _ in itertools.groupby(path) if c != 0)


def test_wide_prefix_beam_finds_the_most_likely_labelling_by_brute_force() -> None:
    g = torch.Generator().manual_seed(1)
    for _ in range(20):
        lp = torch.log_softmax(torch.randn(5, 3, generator=g), -1)
        totals: dict[tuple[int, ...], float] = {}
        for path in itertools.product(range(3), repeat=5):
            p = math.exp(sum(float(lp[t, c]) for t, c in enumerate(path)))
            totals[_collapse(path)] = totals.get(_collapse(path), 0.0) + p
        best = max(totals, key=totals.__getitem__)
        found = prefix_beam_search(lp, beam=300)
        assert tuple(found.symbols) == best
        assert found.log_prob == pytest.approx(math.log(totals[best]), abs=1e-6)
        # and torch's CTC loss agrees on that labelling's probability
        if best:
            nll = torch.nn.functional.ctc_loss(lp[:, None], torch.tensor([[c + 1 for c in best]]), [5], [len(best)],
                                               reduction="sum")
            assert -float(nll) == pytest.approx(found.log_prob, abs=1e-5)


def test_utterances_are_decoded_in_batches_of_similar_lengths_and_answered_in_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches were cut in the order given: one long recording padded the 31 utterances beside it to its
    length (2.0 GB for three minutes among short words, 0.5 GB now); a batch holds at most so many padded
    frames, a longer recording goes alone."""
    from rnnkit.tasks import speech

    torch.manual_seed(0)
    model = SpeechRecognizer(8, 3, hidden=8, layers=1, subsample=1).eval()
    feats = [torch.randn(n, 8) for n in (100, 5, 6, 90, 7)]
    with torch.no_grad():
        alone = [speech._decode_all(model, [f])[0] for f in feats]
    padded: list[int] = []

    def pad(batch: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        x, lengths = pad_features(batch)
        padded.append(x.shape[0] * x.shape[1])
        return x, lengths

    monkeypatch.setattr("rnnkit.tasks._speech_decoding.pad_features", pad)
    with torch.no_grad():
        together = speech._decode_all(model, feats, batch_size=4, frames=200)
    assert [d.symbols for d in together] == [d.symbols for d in alone]
    assert padded == [3 * 7, 2 * 100]  # (5, 6, 7), (90, 100); in the order given: (100, 5, 6, 90), (7)


def test_model_subsampling_lengths_and_shapes() -> None:
    for kind in ("stack", "conv"):
        model = SpeechRecognizer(12, 7, hidden=8, layers=2, subsample=3, subsample_kind=kind).eval()
        feats, lengths = torch.randn(2, 10, 12), torch.tensor([10, 4])
        lp, out_len = model(feats, lengths)
        assert out_len.tolist() == [4, 2] and lp.shape == (2, 4, 8)
        torch.testing.assert_close(lp.exp().sum(-1), torch.ones(2, 4))
        # padding never changes the outputs of the shorter utterance (for stacking, whole groups of frames)
        if kind == "stack":
            alone, _ = model(feats[1:, :6], torch.tensor([4]))
            torch.testing.assert_close(lp[1, :2], alone[0, :2], atol=1e-5, rtol=0)


# ------------------------------------------------------------------------------------------- symbols and scores
def test_parse_phonemes_drops_stress_and_marks_words() -> None:
    assert parse_phonemes("ɡ ˈʊ d  m ˈɔːɹ n ɪ ŋ\n") == "ɡ ʊ d | m ɔːɹ n ɪ ŋ"
    assert parse_phonemes("h ə l ˈoʊ\nw ˈɜː l d\n") == "h ə l oʊ | w ɜː l d"


def test_korean_characters_round_trip_through_jamo() -> None:
    syms = symbols_of("안녕 하세요", None, "chars", jamo=True)
    assert len(syms) > len("안녕 하세요") and "|" in syms
    assert text_of(syms, "chars") == "안녕 하세요"


def test_error_rates_against_jiwer_definitions() -> None:
    rates = error_rates(["a b | c", "d e"], ["a b | c d", "d e"], "phonemes")
    assert rates["per"] == pytest.approx(1 / 6)     # one deletion over six reference phonemes
    assert rates["wer"] == pytest.approx(1 / 3)     # "cd" became "c": one substitution over three words
    chars = error_rates(["안녕 하세요"], ["안녕 하세오"], "chars")
    assert chars["cer"] == pytest.approx(1 / 6) and chars["wer"] == pytest.approx(1 / 2)


def test_error_rates_divide_by_the_reference_not_the_hypothesis() -> None:
    rates = error_rates(["hello wor"], ["hello world again"], "chars")  # (hypotheses, references)
    assert rates["wer"] == pytest.approx(2 / 3)   # "wor" for "world", "again" left out: 2 of 3 reference words
    assert rates["cer"] == pytest.approx(8 / 17)  # "ld again" left out: 8 of 17 reference characters


# ------------------------------------------------------------------------------------------- manifests
def _manifest(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _valid_wav(folder / "a.wav")
    (folder / "manifest.tsv").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("text, message", [
    ("file\ttext\na.wav\thi\n", r"manifest.tsv:1: expected the header"),
    ("audio\ttext\na.wav\n", r"manifest.tsv:2: expected 2 tab-separated fields"),
    ("audio\ttext\ta.wav\thi\n", r"manifest.tsv:1: expected the header"),
    ("audio\ttext\tphonemes\na.wav\thi\t\n", r"manifest.tsv:2: empty phonemes"),
    ("audio\ttext\n\na.wav\thi\nb.wav\tthere\n", r"manifest.tsv:4: no such audio file 'b.wav'"),
    ("audio\ttext\n", r"manifest.tsv: no utterances"),
])
def test_manifest_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    folder = _manifest(tmp_path / "c", text)
    with pytest.raises(UserError, match=message):
        read_manifest(folder)


def test_manifest_that_is_not_utf8(tmp_path: Path) -> None:
    folder = _manifest(tmp_path / "c", "")
    (folder / "manifest.tsv").write_bytes(b"audio\ttext\na.wav\t\xff\xfe\n")
    with pytest.raises(UserError, match="not UTF-8"):
        read_manifest(folder)


def test_folder_without_manifest(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a speech corpus"):
        read_manifest(tmp_path)


def test_a_folder_of_corpora_is_refused_naming_them(tmp_path: Path) -> None:
    """``evaluate --data runs/en-speech`` (the folder ``rnnkit data speech`` writes, its corpora in train/, val/
    and test/) said 'not a speech corpus (expected runs/en-speech/manifest.tsv ...)' of a corpus folder rnnkit
    made; evaluate needs one of them (and --val-data too), and the line names them."""
    for part in ("val", "train", "test"):
        (tmp_path / "en" / part).mkdir(parents=True)
        (tmp_path / "en" / part / "manifest.tsv").write_text("audio\ttext\n", encoding="utf-8")
    en = tmp_path / "en"
    with pytest.raises(UserError, match=re.escape(
            f"en: not a speech corpus itself but a folder of them, as `rnnkit data` writes them; give the one to "
            f"read: {en / 'test'}, {en / 'train'}, {en / 'val'}")):
        read_manifest(en)


def test_a_manifest_given_itself_is_read_as_its_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--data corpus/manifest.tsv said 'expected corpus/manifest.tsv/manifest.tsv'; the folder is its parent."""
    folder = _manifest(tmp_path / "c", "audio\ttext\na.wav\thi\n")
    assert read_manifest(folder / "manifest.tsv") == read_manifest(folder)
    with pytest.raises(UserError, match=r"a.wav: not a speech corpus \(a file; expected the folder that holds "
                                        r"manifest.tsv, with the header 'audio<TAB>text'\)$"):
        read_manifest(folder / "a.wav")
    with pytest.raises(UserError, match=r"none/manifest.tsv: no such file \(expected a speech corpus: a folder"):
        read_manifest(tmp_path / "none" / "manifest.tsv")  # was "expected none/manifest.tsv/manifest.tsv" too
    _tone_corpus(tmp_path / "t" / "train", 4, 0)
    _tone_corpus(tmp_path / "t" / "val", 2, 1)
    assert main(["train", "speech", "--data", str(tmp_path / "t" / "train" / "manifest.tsv"), "--val-data",
                 str(tmp_path / "t" / "val" / "manifest.tsv"), "--out", str(tmp_path / "run"), "--steps", "1",
                 "--hidden", "8", "--layers", "1", "--n-mels", "20", "--no-progress"]) == 0
    assert "speech: 4 training and 2 validation utterances" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "run"), "--data", str(tmp_path / "t" / "val" / "manifest.tsv"),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["utterances"] == 2


# ------------------------------------------------------------------------------------------- end to end
TONES = {"a": 500.0, "b": 1200.0, "c": 2500.0}


def _tone_corpus(folder: Path, n: int, seed: int) -> Path:
    """Utterances of 1-3 tones with silences; the 'phonemes' are the tones' names."""
    rng = np.random.default_rng(seed)
    (folder / "wav").mkdir(parents=True)
    lines = ["audio\ttext\tphonemes"]
    for i in range(n):
        names = list(rng.choice(list(TONES), size=int(rng.integers(1, 4))))
        parts = [np.zeros(800, np.float32)]
        for name in names:
            parts += [_tone(TONES[name], rng.uniform(0.12, 0.2)), np.zeros(int(rng.integers(800, 2400)), np.float32)]
        wave = np.concatenate(parts) + rng.normal(0, 0.01, sum(map(len, parts))).astype(np.float32)
        soundfile.write(str(folder / "wav" / f"{i}.wav"), wave, SAMPLE_RATE, subtype="PCM_16")
        lines.append(f"wav/{i}.wav\t{' '.join(names)}\t{' '.join(names)}")
    (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("val_fraction, held", [(0.25, 2), (0.0, 0)])
def test_a_train_folder_without_val_is_split_by_val_fraction(tmp_path: Path, val_fraction: float, held: int) -> None:
    """`--data DIR` with DIR/train/ and DIR/test/ but no DIR/val/ trained without any validation, whatever
    --val-fraction said; the help says validation is DIR/val, or --val-fraction of DATA."""
    from rnnkit.tasks.speech import speech_corpora

    _tone_corpus(tmp_path / "c" / "train", 8, 0)
    _tone_corpus(tmp_path / "c" / "test", 2, 1)
    train, val = speech_corpora(str(tmp_path / "c"), None, SpeechConfig(val_fraction=val_fraction))
    assert (len(train), len(val)) == (8 - held, held)
    assert {u.audio for u in train}.isdisjoint(u.audio for u in val)
    _tone_corpus(tmp_path / "c" / "val", 3, 2)   # a val/ folder, or --val-data, is used whole
    assert [len(x) for x in speech_corpora(str(tmp_path / "c"), None, SpeechConfig(val_fraction=0.25))] == [8, 3]
    other = _tone_corpus(tmp_path / "other", 4, 3)
    assert [len(x) for x in speech_corpora(str(tmp_path / "c"), str(other), SpeechConfig())] == [8, 4]


@pytest.fixture(scope="module")
def tone_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("tones")
    _tone_corpus(root / "corpus" / "train", 120, 0)
    _tone_corpus(root / "corpus" / "val", 20, 1)
    test = _tone_corpus(root / "test", 20, 2)
    out = root / "model"
    assert main(["train", "speech", "--data", str(root / "corpus"), "--out", str(out), "--steps", "150",
                 "--hidden", "24", "--layers", "1", "--n-mels", "20", "--subsample", "4", "--batch-size", "8",
                 "--lr", "0.01", "--eval-every", "75", "--spec-augment", "--freq-width", "3", "--time-width", "5",
                 "--no-progress"]) == 0
    return out, test


def test_cli_end_to_end_learns_the_tones(tone_model: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out, test = tone_model
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(test), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert result["utterances"] == 20 and result["per"] < 0.25, result
    assert main(["evaluate", str(out), "--data", str(test), "--beam", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["per"] < 0.25
    wav = test / "wav" / "0.wav"
    assert main(["transcribe", str(out), str(wav), "--json", "--timings", "--beam", "3"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["file"] == str(wav) and [s["symbol"] for s in r["symbols"]] == r["text"].split()
    assert all(0 <= s["start"] < 2 for s in r["symbols"])


def test_info_counts_the_symbols_and_the_blank(tone_model: tuple[Path, Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tone_model[0]
    symbols = len(json.loads((out / "best" / "vocab.json").read_text())["symbols"])
    capsys.readouterr()
    assert main(["info", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["vocab_size"] == symbols + 1
    assert main(["info", str(out)]) == 0
    row = f"vocabulary       {symbols + 1}: {symbols} phonemes and the CTC blank"  # what the ids are (walk34)
    assert row in capsys.readouterr().out.splitlines()


def test_python_api_and_refusals(tone_model: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path) -> None:
    out, test = tone_model
    rec = rnnkit.load(out)
    manifest = read_manifest(test)
    assert isinstance(rec.transcribe(manifest[0].audio), str)
    assert len(rec.transcribe([u.audio for u in manifest[:3]], beam=2)) == 3
    with pytest.raises(TypeError, match="^transcribe: timings takes True or False, not 'no'$"):  # it timed them
        rec.transcribe(manifest[0].audio, timings="no")
    # transcribe(5) was "'int' object is not iterable", [5] and evaluate(5) pathlib's TypeError from inside
    for bad in (5, [manifest[0].audio, 5]):
        with pytest.raises(TypeError, match="^transcribe takes an audio file or a list of them .*, not int$"):
            rec.transcribe(bad)
    # bytes were read byte by byte ("not int"), a dict's keys and an open file's lines as paths ("a.wav: no such file")
    with (test / "manifest.tsv").open(encoding="utf-8") as fh:
        for bad, kind in ((b"RIFF", "bytes"), (bytearray(b"RI"), "bytearray"), (io.BytesIO(b"RIFF"), "BytesIO"),
                          ({str(manifest[0].audio): 1}, "dict"), (fh, "TextIOWrapper")):
            with pytest.raises(TypeError, match=f"^transcribe takes an audio file or a list of them .*, not {kind}$"):
                rec.transcribe(bad)
    # a set was transcribed in its own order, which changes from run to run: no result could be told to be whose
    with pytest.raises(TypeError, match="^transcribe takes an audio file or a list of them, not a set: the results "
                                        "come in the order given, and a set has none; give a list"):
        rec.transcribe({u.audio for u in manifest[:3]})
    with pytest.raises(TypeError, match=r"^evaluate takes a corpus folder \(a str or a path\), not int$"):
        rec.evaluate(5)
    (tmp_path / "x.wav").write_bytes(b"not audio at all")
    assert main(["transcribe", str(out), str(tmp_path / "x.wav")]) != 0
    assert "x.wav: not an audio file" in capsys.readouterr().err
    assert main(["translate", str(out), "hello"]) != 0       # a verb of another task
    assert main(["train", "speech", "--data", str(test), "--out", str(tmp_path / "m"), "--subsample", "0",
                 "--steps", "1"]) != 0
    assert "--subsample 0" in capsys.readouterr().err


def test_timings_without_json_are_refused(tone_model: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """`transcribe --timings` without --json printed the plain text: the timings were dropped silently."""
    out, test = tone_model
    capsys.readouterr()
    assert main(["transcribe", str(out), str(test / "wav" / "0.wav"), "--timings"]) == 2
    captured = capsys.readouterr()
    assert "--timings: applies only with --json" in captured.err and not captured.out, captured


@pytest.mark.parametrize("flags", [["--time-masks", "3"], ["--freq-width", "4", "--no-spec-augment"],
                                   ["--freq-masks", "0"], ["--config", "{toml}"]])
def test_spec_augment_masks_without_spec_augment_are_refused(flags: list[str], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The mask flags without --spec-augment were ignored silently: the user believed the masks were on."""
    (tmp_path / "c.toml").write_text("time_width = 30\n")
    corpus, out = _tone_corpus(tmp_path / "corpus", 2, 0), tmp_path / "model"
    flags = [f.format(toml=tmp_path / "c.toml") for f in flags]
    assert main(["train", "speech", "--data", str(corpus), "--out", str(out), "--steps", "1", "--no-progress",
                 *flags]) == 2
    captured = capsys.readouterr()
    given = f"{tmp_path / 'c.toml'}: time_width = 30" if "--config" in flags else " ".join(flags[:2])  # where set
    assert f"{given}: applies only with --spec-augment" in captured.err, captured
    assert captured.err.count("\n") == 1 and not captured.out and not out.exists()


def test_spec_augment_takes_its_masks_and_their_defaults() -> None:
    assert _augment_settings(SpeechConfig()) is None
    assert _augment_settings(SpeechConfig(spec_augment=True)) == SPEC_AUGMENT == {
        "freq_masks": 2, "freq_width": 10, "time_masks": 2, "time_width": 20}
    assert _augment_settings(SpeechConfig(spec_augment=True, time_masks=1, freq_width=0)) == {
        **SPEC_AUGMENT, "time_masks": 1, "freq_width": 0}
    with pytest.raises(SettingError, match="time_masks 1: applies only with --spec-augment"):
        SpeechConfig(time_masks=1).validate()
    SpeechConfig(freq_masks=2).validate(saved={"freq_masks": 2})   # a resumed run's own value


@pytest.mark.parametrize("verb", [["transcribe", "{out}", "{wav}"], ["evaluate", "{out}", "--data", "{test}"]])
def test_verbs_that_do_not_train_refuse_the_masks(verb: list[str], tone_model: tuple[Path, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """argparse's usage and 'unrecognized arguments: --time-masks 2' said nothing of where the flag belongs."""
    out, test = tone_model
    capsys.readouterr()
    assert main([*(v.format(out=out, wav=test / "wav" / "0.wav", test=test) for v in verb), "--time-masks", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"rnnkit: error: --time-masks: a training setting; it applies to `rnnkit train speech`, "
                            f"not to `rnnkit {verb[0]}`\n") and not captured.out


def test_a_resumed_run_takes_masks_only_with_spec_augment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Resumed: a mask flag is refused where SpecAugment stays off; the masks the run saved are its own (a run
    saved before the masks defaulted to None recorded 2, 10, 2, 20 with SpecAugment off; a run with masks
    may turn SpecAugment off)."""
    corpus = _tone_corpus(tmp_path / "corpus", 6, 0)
    tiny = ["--hidden", "8", "--layers", "1", "--n-mels", "8", "--batch-size", "4", "--no-progress", "--json"]
    plain, masked = tmp_path / "plain", tmp_path / "masked"
    assert main(["train", "speech", "--data", str(corpus), "--out", str(plain), "--steps", "1", *tiny]) == 0
    assert main(["train", "speech", "--data", str(corpus), "--out", str(masked), "--steps", "1", "--spec-augment",
                 "--time-masks", "1", *tiny]) == 0
    capsys.readouterr()
    assert main(["train", "speech", "--resume", str(plain), "--steps", "2", "--time-masks", "1", *tiny]) == 2
    assert "--time-masks 1: applies only with --spec-augment" in capsys.readouterr().err
    assert main(["train", "speech", "--resume", str(masked), "--steps", "2", "--no-spec-augment", *tiny]) == 0
    for folder in ("best", "last"):
        config = json.loads((plain / folder / "config.json").read_text())
        assert config["settings"]["time_masks"] is None
        config["settings"].update(SPEC_AUGMENT)
        (plain / folder / "config.json").write_text(json.dumps(config))
    assert main(["train", "speech", "--resume", str(plain), "--steps", "2", *tiny]) == 0
    assert main(["train", "speech", "--resume", str(plain), "--steps", "3", "--spec-augment", "--time-masks", "1",
                 *tiny]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["steps"] == 3


def test_resume_continues_a_speech_run(tone_model: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = tone_model
    capsys.readouterr()
    assert main(["train", "speech", "--resume", str(out), "--steps", "155", "--no-progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["steps"] == 155


def test_a_run_resumed_on_symbols_it_does_not_write_says_so(tone_model: tuple[Path, Path], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A resumed run keeps its symbols; a corpus with others had them dropped from its targets without a word
    (the model taught to write nothing for them), and one with no symbol it knows trained on empty targets,
    reporting hundreds of nats per symbol at 0 symbols a second."""
    from rnnkit.data.speech import Utterance
    from rnnkit.tasks.speech import SymbolTable, _check_symbols

    out = tmp_path / "model"
    shutil.copytree(tone_model[0], out)
    new = _manifest(tmp_path / "new", "audio\ttext\tphonemes\na.wav\tx\tx y\n")
    capsys.readouterr()
    assert main(["train", "speech", "--resume", str(out), "--data", str(new), "--val-data", str(tone_model[1]),
                 "--steps", "200", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: no training utterance holds a symbol the model writes ('x', 'y' are new; "
                          "the model writes only the 3 phonemes of its first run's corpus; first ")
    assert f"{new / 'a.wav'}: 'x'" in err and err.count("\n") == 1
    table = SymbolTable("phonemes", ["a", "b"])
    utts = [Utterance(Path("a.wav"), "a", "a b"), Utterance(Path("b.wav"), "ab", "a c b d c")]
    targets = [table.encode(u) for u in utts]
    with pytest.warns(UserWarning, match=r"^1 of 2 training utterances hold symbols the model does not write "
                                         r"\('c', 'd'\), left out of their targets .* first b.wav: 'ab'\)"):
        _check_symbols(utts, targets, table)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check_symbols(utts[:1], targets[:1], table)


def test_a_resumed_speech_run_finds_its_corpus_from_another_directory(
        resumed_from_another_directory: Callable[..., None]) -> None:
    def corpus() -> None:
        _tone_corpus(Path("corpus", "train"), 8, 0)
        _tone_corpus(Path("corpus", "val"), 2, 1)

    resumed_from_another_directory("speech", corpus, ["--data", "corpus", "--hidden", "8", "--layers", "1",
                                                      "--n-mels", "8", "--batch-size", "4"])


# ------------------------------------------------------------------------------------------- espeak-ng
@needs_espeak
def test_corpus_builder_on_three_words(tmp_path: Path) -> None:
    from rnnkit.data.speech_corpus import build_corpus

    counts = build_corpus(tmp_path / "c", "en", words=3, phrases=0, takes=2, seed=0, progress=False)
    assert counts == {"train": 2, "val": 1, "test": 1}
    meta = json.loads((tmp_path / "c" / "corpus.json").read_text())
    assert not set(meta["voices"]["test"]) & set(meta["voices"]["train"])
    words = {}
    for split in ("train", "val", "test"):
        utts = read_manifest(tmp_path / "c" / split)
        words[split] = {u.text for u in utts}
        for u in utts:
            wave, rate = read_wav(u.audio)
            assert rate == SAMPLE_RATE and len(wave) > 1000 and u.phonemes
            assert "ˈ" not in u.phonemes
    assert not words["test"] & words["train"] and not words["val"] & words["train"]


@needs_espeak
def test_data_speech_writes_a_new_folder_whole_or_not_at_all(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """It wrote straight into --out, so Ctrl-C (or an espeak-ng failure) part-way left WAV files without
    manifests."""
    (tmp_path / "file").write_text("mine\n")
    assert main(["data", "speech", "--out", str(tmp_path / "file"), "--words", "3", "--phrases", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "file: exists and is a file" in err
    from rnnkit.data import speech_corpus

    speak = speech_corpus._speak

    def interrupted(job: speech_corpus._Job, out: Path, espeak: str) -> tuple[str, str, str]:
        if job.split != "train":  # Ctrl-C once the training recordings are written
            raise KeyboardInterrupt
        return speak(job, out, espeak)

    monkeypatch.setattr(speech_corpus, "_speak", interrupted)
    args = ["data", "speech", "--out", str(tmp_path / "cut"), "--words", "3", "--phrases", "0", "--takes", "1"]
    assert main(args) == 130
    assert [p.name for p in tmp_path.iterdir()] == ["file"]  # neither cut/ nor its temporary sibling


@needs_espeak
def test_transcripts_without_phonemes_are_phonemized(tmp_path: Path) -> None:
    from rnnkit.data.speech import phonemize

    assert phonemize("good morning") == "ɡ ʊ d | m ɔːɹ n ɪ ŋ"
    # a text starting with a dash is spoken: it was read as espeak's options ("" or its version banner)
    assert phonemize("-5 degrees").endswith("| " + phonemize("degrees"))
    assert phonemize("--version") == phonemize("version")
    for voice in (5, None, "-q"):
        with pytest.raises(UserError, match="expected an espeak-ng voice name"):
            phonemize("hello", voice)  # type: ignore[arg-type]


def test_samples_that_are_not_finite_are_refused_by_name(tmp_path: Path) -> None:
    """A float WAV can hold NaN or infinity: features and the CTC loss would turn them into a NaN loss
    that blames the learning rate."""
    wave = _tone(440, 0.05)
    wave[7] = np.nan
    soundfile.write(str(tmp_path / "n.wav"), wave, SAMPLE_RATE, subtype="FLOAT")
    with pytest.raises(UserError, match=r"n.wav: sample 7 is not a finite number"):
        read_wav(tmp_path / "n.wav")


def test_manifest_with_a_bom(tmp_path: Path) -> None:
    folder = _manifest(tmp_path / "c", "")
    (folder / "manifest.tsv").write_bytes("\ufeffaudio\ttext\na.wav\thi\n".encode())
    assert [u.text for u in read_manifest(folder)] == ["hi"]


def test_a_corpus_too_short_for_every_transcript_is_refused_before_a_run_exists(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every utterance's loss was infinite and zeroed, so training went on and reported a loss of 0."""
    text = "audio\ttext\na.wav\ta sentence far too long for a tenth of a second\n"
    _manifest(tmp_path / "corpus" / "train", text)
    _manifest(tmp_path / "corpus" / "val", text)
    argv = ["train", "speech", "--data", str(tmp_path / "corpus"), "--out", str(tmp_path / "run"), "--symbols",
            "chars", "--steps", "2", "--hidden", "8", "--layers", "1", "--n-mels", "20", "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: the one training utterance is too short for its transcript (CTC needs")
    assert "a.wav: 'a sentence far too long" in err and err.count("\n") == 1
    assert not (tmp_path / "run").exists()


def test_utterances_too_short_for_their_transcripts_are_named() -> None:
    """CTC needs an output frame per symbol and one more between two equal symbols; shorter utterances have
    an infinite loss that zero_infinity silently zeroes."""
    from rnnkit.data.speech import Utterance
    from rnnkit.tasks.speech import _warn_too_short

    model = SpeechRecognizer(8, 4, hidden=8, layers=1, subsample=2)
    utts = [Utterance(Path("a.wav"), "ab", None), Utterance(Path("b.wav"), "aab", None)]
    with pytest.warns(UserWarning, match=r"1 of 2 training utterances .* leaves 2 for the 4 of b.wav: 'aab'"):
        _warn_too_short(utts, [10, 3], [[1, 2], [1, 1, 2]], model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_too_short(utts, [10, 7], [[1, 2], [1, 1, 2]], model)  # 4 output frames: enough
    # --speed-perturb: only the 0.9 copy (the longest) was checked, so a faster copy too short went unnamed
    with pytest.warns(UserWarning, match=r"1 of 2 training utterances .* at --speed-perturb's fastest speed and "
                                         r"teach nothing at it .* leaves 2 for the 4 of b.wav"):
        _warn_too_short(utts, [10, 3], [[1, 2], [1, 1, 2]], model, longest=[12, 7])
    with pytest.raises(UserError, match="^all 2 training utterances are too short"):  # no copy long enough
        _warn_too_short(utts, [1, 3], [[1, 2], [1, 1, 2]], model, longest=[2, 4])


def test_validation_utterances_too_short_are_left_out_of_the_validation_loss(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Their loss was zeroed (zero_infinity) but their symbols counted in the divisor: one utterance too short
    beside one long enough read 0.82 against the 3.40 of the long one alone, without a word."""
    from rnnkit.data.speech import Utterance
    from rnnkit.tasks.speech import SymbolTable, _eval_fn, _warn_too_short

    torch.manual_seed(0)
    model = SpeechRecognizer(20, 2, hidden=8, layers=1, subsample=4).eval()
    utts = [Utterance(Path("long.wav"), "abab"), Utterance(Path("short.wav"), "ab" * 8)]
    table = SymbolTable.build(utts, "chars", False)
    feats = [torch.randn(101, 20), torch.randn(6, 20)]
    with pytest.warns(UserWarning, match=r"^1 of 2 validation utterances are too short for their transcripts, left "
                                         r"out of the validation loss \(its error rates count them\) .* short.wav"):
        left_out = _warn_too_short(utts, [len(f) for f in feats], [table.encode(u) for u in utts], model,
                                   what="validation")
    config = SpeechConfig(symbols="chars", eval_utterances=0)
    with torch.no_grad():
        both = _eval_fn(feats, utts, table, config, left_out)(model)["loss"]
        alone = _eval_fn(feats[:1], utts[:1], table, config, [])(model)["loss"]
    assert both == pytest.approx(alone) and alone > 1.0
    with pytest.raises(UserError, match="^the one validation utterance is too short for its transcript"):
        _warn_too_short(utts[1:], [6], [table.encode(utts[1])], model, what="validation")
    # through `rnnkit train`: said once, before training, as the training set's short utterances are
    _tone_corpus(tmp_path / "c" / "train", 6, 0)
    _tone_corpus(tmp_path / "c" / "val", 2, 1)
    with (tmp_path / "c" / "val" / "manifest.tsv").open("a", encoding="utf-8") as fh:
        fh.write("wav/0.wav\t" + " ".join(["a b"] * 40) + "\t" + " ".join(["a b"] * 40) + "\n")
    assert main(["train", "speech", "--data", str(tmp_path / "c"), "--out", str(tmp_path / "run"), "--steps", "2",
                 "--hidden", "8", "--layers", "1", "--n-mels", "20", "--subsample", "4", "--batch-size", "4",
                 "--eval-every", "1", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert err.count("1 of 3 validation utterances are too short") == 1, err


def test_transcribe_refuses_a_beam_that_is_not_a_count(tone_model: tuple[Path, Path]) -> None:
    with pytest.raises(UserError, match="^beam 2.5: expected an integer from 1 to 10000$"):
        rnnkit.load(tone_model[0]).transcribe([], beam=2.5)


def test_a_beam_past_the_widest_is_refused_before_decoding(tone_model: tuple[Path, Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """--beam 1000000 kept a million prefixes per frame, growing until the system killed the process."""
    model, corpus = tone_model
    wav = next(iter(sorted(corpus.rglob("*.wav"))))
    assert main(["transcribe", str(model), str(wav), "--beam", "10001"]) == 2
    assert capsys.readouterr().err == "rnnkit: error: --beam 10001: expected an integer from 1 to 10000\n"


def test_a_reference_without_phonemes_scores_no_error_when_matched() -> None:
    jiwer = pytest.importorskip("jiwer")
    refs = ["h ə l oʊ", "", "j ɛ s"]
    assert error_rates(refs, refs, "phonemes") == {"per": 0.0, "wer": 0.0}
    rates = error_rates(["h ə l oʊ", "a", "j ɛ s"], refs, "phonemes")  # (hypotheses, references)
    assert 0 < rates["per"] == pytest.approx(jiwer.wer(refs, ["h ə l oʊ", "a", "j ɛ s"]))  # the insertion counts


def test_espeak_language_switches_and_linking_hyphens_are_not_phonemes() -> None:
    # espeak-ng -v fr --ipa "le week-end"; -v ko "hello"
    assert parse_phonemes("l ə-  (en) w ˈiː k ˈɛ n d (fr)\n") == "l ə | w iː k ɛ n d"
    assert parse_phonemes("(en) h ə l ˈəʊ (ko)\n") == "h ə l əʊ"


def test_a_line_separator_inside_a_transcript_is_not_a_line_break(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    soundfile.write(folder / "a.wav", np.zeros(1600, dtype=np.float32), 16000)
    (folder / "manifest.tsv").write_text("audio\ttext\na.wav\tone\u2028two\n", encoding="utf-8")
    [utterance] = read_manifest(folder)
    assert "one" in utterance.text and "two" in utterance.text


def test_the_repr_of_a_loaded_model_names_its_directory_and_size(tone_model: tuple[Path, Path]) -> None:
    """It was ``<rnnkit.tasks...Transcriber object at 0x7f...>``, which said nothing of which model it was."""
    m = rnnkit.load(tone_model[0])
    want = rf"Transcriber\('{re.escape(str(m.checkpoint.path))}', parameters=\d+, symbols='phonemes'\)"
    assert re.fullmatch(want, repr(m)), repr(m)


def test_a_run_saved_before_its_validation_loss_left_out_short_utterances_starts_a_new_best(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before utterances too short for CTC were left out of the validation loss, they counted as zero, so a
    run's best figure read low (0.42 against an honest 5.97 in one case): resumed, such a run compared its
    honest losses with that best and could never replace OUT/best. Its data record names no measure, and the
    resumed run starts a new best."""
    corpus = _tone_corpus(tmp_path / "corpus", 8, 0)
    out = tmp_path / "run"
    tiny = ["--hidden", "8", "--layers", "1", "--n-mels", "8", "--batch-size", "4", "--eval-every", "1",
            "--no-progress", "--save-minutes", "0"]
    assert main(["train", "speech", "--data", str(corpus), "--out", str(out), "--steps", "1", *tiny]) == 0
    config = json.loads((out / "last" / "config.json").read_text())
    assert "measure" in config["data"]
    del config["data"]["measure"]  # as a run saved before the measure was recorded
    (out / "last" / "config.json").write_text(json.dumps(config))
    state = json.loads((out / "last" / "trainer_state.json").read_text())
    state["best_metric"] = 1e-6  # the old, too low figure
    (out / "last" / "trainer_state.json").write_text(json.dumps(state))
    capsys.readouterr()
    assert main(["train", "speech", "--resume", str(out), "--steps", "2", *tiny]) == 0
    assert "scoring it another way: its best score does not compare" in capsys.readouterr().err
    assert json.loads((out / "best" / "trainer_state.json").read_text())["step"] == 2


def test_speed_perturbation_plays_faster_above_one(tmp_path: Path) -> None:
    """--speed-perturb's copy at speed 1.25 is a fifth shorter, and its tone a quarter higher (the brightest mel
    band moves up); at 0.8 a quarter longer."""
    from rnnkit.tasks._speech_data import features_of

    path = tmp_path / "t.wav"
    soundfile.write(str(path), _tone(1000, 0.5), SAMPLE_RATE, subtype="FLOAT")
    frames = {s: features_of(path, 40, s) for s in (0.8, 1.0, 1.25)}
    assert len(frames[1.25]) / len(frames[1.0]) == pytest.approx(0.8, abs=0.03)
    assert len(frames[0.8]) / len(frames[1.0]) == pytest.approx(1.25, abs=0.03)
    brightest = {s: int(f[len(f) // 2].argmax()) for s, f in frames.items()}
    assert brightest[0.8] < brightest[1.0] < brightest[1.25]


def test_a_copy_long_enough_under_speed_perturb_is_a_warning_not_a_refusal() -> None:
    from rnnkit.data.speech import Utterance
    from rnnkit.tasks.speech import _warn_too_short

    model = SpeechRecognizer(8, 4, hidden=8, layers=1, subsample=2)
    utts = [Utterance(Path("a.wav"), "ab", None), Utterance(Path("b.wav"), "aab", None)]
    with pytest.warns(UserWarning, match=r"2 of 2 training utterances .* at --speed-perturb's fastest speed"):
        assert _warn_too_short(utts, [1, 3], [[1, 2], [1, 1, 2]], model, longest=[12, 7]) == [0, 1]


def test_an_utterance_left_with_no_symbol_beside_others_is_a_warning_not_a_refusal() -> None:
    from rnnkit.data.speech import Utterance
    from rnnkit.tasks.speech import SymbolTable, _check_symbols

    table = SymbolTable("phonemes", ["a", "b"])
    utts = [Utterance(Path("a.wav"), "a", "a b"), Utterance(Path("c.wav"), "c", "c d")]
    with pytest.warns(UserWarning, match=r"^1 of 2 training utterances hold symbols the model does not write"):
        _check_symbols(utts, [table.encode(u) for u in utts], table)


def test_the_symbol_table_is_sorted_and_its_json_is_checked() -> None:
    """The ids a model writes are the sorted symbols (a set's order changes with each process's string hashing,
    so a table in it would not be the same from run to run); jamo is for characters only."""
    from rnnkit.data.speech import Utterance
    from rnnkit.tasks.speech import SymbolTable

    text = "the quick brown fox jumps"
    table = SymbolTable.build([Utterance(Path("a.wav"), text, None)], "chars", None)
    assert table.symbols == sorted({"|" if c == " " else c for c in text}) and table.jamo is False
    korean = [Utterance(Path("k.wav"), "한국어", "h a n")]
    assert SymbolTable.build(korean, "chars", None).jamo is True
    assert SymbolTable.build(korean, "phonemes", None).jamo is False
    assert SymbolTable.from_json(table.to_json(), "s.json").symbols == table.symbols
    for bad in ({"kind": "chars", "symbols": ["a"]}, {"kind": "chars", "symbols": ["a"], "jamo": "yes"}):
        with pytest.raises(UserError, match="^s.json: expected an object"):
            SymbolTable.from_json(bad, "s.json")


def test_a_beam_of_two_is_a_prefix_beam_search_not_greedy() -> None:
    from rnnkit.tasks import speech

    torch.manual_seed(1)
    model = SpeechRecognizer(8, 3, hidden=8, layers=1, subsample=1).eval()
    feats = [torch.randn(n, 8) for n in (12, 7)]
    with torch.no_grad():
        got = speech._decode_all(model, feats, beam=2)
        want = []
        for f in feats:
            lp, n = model(f.unsqueeze(0), torch.tensor([len(f)]))
            want.append(prefix_beam_search(lp[0], 2, int(n[0])))
            assert want[-1].log_prob != greedy_decode(lp[0], int(n[0])).log_prob
    assert [d.symbols for d in got] == [d.symbols for d in want]
    assert [d.log_prob for d in got] == pytest.approx([d.log_prob for d in want], rel=1e-5)


def test_validation_loss_batches_utterances_of_like_length() -> None:
    """The validation loss reads the utterances in batches of like length (less padding, the same sum over
    utterances): 32 short and 32 long recordings in turn make two batches 8 and 40 frames long, not two 40 long,
    and the loss is each utterance's alone, summed."""
    from rnnkit.data.speech import Utterance
    from rnnkit.tasks.speech import SymbolTable, _eval_fn

    torch.manual_seed(0)
    model = SpeechRecognizer(20, 2, hidden=8, layers=1, subsample=2).eval()
    utts = [Utterance(Path(f"{i}.wav"), "ab") for i in range(64)]
    table = SymbolTable.build(utts, "chars", False)
    feats = [torch.randn(8 if i % 2 else 40, 20) for i in range(64)]
    frames: list[int] = []
    model.register_forward_pre_hook(lambda _m, args: frames.append(args[0].shape[1]))
    config = SpeechConfig(symbols="chars", eval_utterances=0)
    with torch.no_grad():
        loss = _eval_fn(feats, utts, table, config, [])(model)["loss"]
        alone = [_eval_fn([f], [u], table, config, [])(model)["loss"] for f, u in zip(feats, utts, strict=True)]
    assert sorted(frames[:2]) == [8, 40]
    assert loss == pytest.approx(sum(alone) / len(alone), rel=1e-5)


@pytest.mark.parametrize(("flags", "message"), [
    (["--symbols", "chars", "--voice", "ko"], "--voice ko: does nothing with --symbols chars: it phonemizes"),
    (["--jamo"], "--jamo: does nothing with --symbols phonemes: it decomposes Hangul"),
    (["--no-jamo"], "--no-jamo: does nothing with --symbols phonemes: it decomposes Hangul")])
def test_symbol_settings_of_the_other_symbols_are_refused(flags: list[str], message: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """``--symbols chars --voice ko`` trained on the transcripts' characters, the voice unused, unsaid; so did
    ``--jamo`` on phonemes."""
    corpus, out = _tone_corpus(tmp_path / "corpus", 2, 0), tmp_path / "model"
    assert main(["train", "speech", "--data", str(corpus), "--out", str(out), "--steps", "1", "--no-progress",
                 *flags]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"rnnkit: error: {message}") and not out.exists(), captured
    SpeechConfig(symbols="chars", voice="ko").validate(saved={"voice": "ko"})  # a resumed run's own value
    SpeechConfig(symbols="chars", voice="en-us", jamo=True).validate()
