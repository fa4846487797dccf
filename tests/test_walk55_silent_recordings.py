"""A recording without sound (a muted microphone; a stereo call whose two channels are each other's inverse, which
the average of the channels cancels) was trained on and transcribed without a word: the model learnt to write its
transcript from nothing, and transcribe wrote a guess. One warning per command now counts and names them (walk55)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._speech_data import recordings_features

RATE = 16000


def _tone(seconds: float = 0.3) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * RATE)) / RATE)).astype(np.float32)


def _recordings(folder: Path) -> dict[str, Path]:
    tone = _tone()
    files = {
        "tone.wav": tone,
        "muted.wav": np.zeros_like(tone),
        "inverted.wav": np.stack([tone, -tone], axis=1),  # what soundfile's own mix (the mean) cancels
        "one_side.wav": np.stack([tone, np.zeros_like(tone)], axis=1),
        "quiet.wav": tone * 0.001,  # -60 dB: quiet, not silent
    }
    paths = {}
    for name, wave in files.items():
        paths[name] = folder / name
        sf.write(paths[name], wave, RATE, subtype="PCM_16")
    return paths


def _warned(paths: list[Path], what: str | None) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recordings_features(paths, 20, RATE, what=what)
    return [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning) and "silent" in str(w.message)]


def test_the_silent_recordings_are_those_whose_mixed_samples_are_all_quiet(tmp_path: Path) -> None:
    paths = _recordings(tmp_path)
    judge = [p for p in paths.values()
             if np.abs(sf.read(p, always_2d=True)[0].mean(axis=1)).max() < 2.0**-15]  # soundfile's own reading
    assert [p.name for p in judge] == ["muted.wav", "inverted.wav"]
    [said] = _warned(list(paths.values()), "training")
    assert said.startswith(f"{len(judge)} of {len(paths)} training recordings are silent (first {judge[0]}: every "
                           "sample below one 16-bit step) and teach the model to write their transcripts from nothing")
    assert "channels cancel when averaged" in said


def test_transcribing_a_silent_recording_says_so_and_a_sounding_one_does_not(tmp_path: Path) -> None:
    paths = _recordings(tmp_path)
    [said] = _warned([paths["inverted.wav"]], None)
    assert said.startswith(f"the one recording is silent ({paths['inverted.wav']}: ")  # was "1 of 1 recordings"
    assert "is transcribed from nothing; check it:" in said
    assert _warned([paths[n] for n in ("tone.wav", "one_side.wav", "quiet.wav")], "validation") == []


@pytest.mark.parametrize("subtype", ["PCM_24", "FLOAT"])
def test_silence_is_found_in_any_sample_format(tmp_path: Path, subtype: str) -> None:
    sf.write(tmp_path / "a.wav", np.zeros(4000, np.float32), RATE, subtype=subtype)
    assert len(_warned([tmp_path / "a.wav"], "training")) == 1
