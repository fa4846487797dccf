"""Mutation round 35 of the speech --max-seconds work: a long recording left out unread where its header says its
length (declared_length: W64 too, a name on disk in the other Unicode spelling or in another encoding, a damaged
rate still refused), the report's validation examples (the first three kept, a long FLAC passed over too, the
phrase only where one was passed over), the one-recording wording, and the saved limit's check."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile

import rnnkit.tasks._speech_data as sd
from rnnkit.data.audio_read import declared_length, read_audio
from rnnkit.errors import UserError
from rnnkit.tasks._speech_trained import Transcriber

RATE = 8000


def _write(path: Path, seconds: float, rate: int = RATE, **kw: str) -> Path:
    soundfile.write(path, np.full(int(seconds * rate), 0.1, np.float32), rate, **kw)
    return path


def test_a_w64_gives_its_length_from_its_header(tmp_path: Path) -> None:
    assert declared_length(_write(tmp_path / "a.w64", 2.0, format="W64", subtype="PCM_16")) == (16000, RATE)


def test_a_name_in_the_other_unicode_spelling_gives_its_length(tmp_path: Path) -> None:
    _write(tmp_path / unicodedata.normalize("NFD", "한국.wav"), 2.0)
    assert declared_length(tmp_path / unicodedata.normalize("NFC", "한국.wav")) == (16000, RATE)


def test_a_name_in_another_encoding_gives_its_length(tmp_path: Path) -> None:
    path = tmp_path / os.fsdecode(b"long\xff.wav")
    _write(tmp_path / "plain.wav", 2.0).rename(path)
    assert declared_length(path) == (16000, RATE)


def test_an_empty_name_is_refused_as_read_audio_refuses_it() -> None:
    with pytest.raises(UserError) as read:
        read_audio("")
    with pytest.raises(UserError) as declared:
        declared_length("")
    assert str(declared.value) == str(read.value)


def test_a_long_recording_of_a_damaged_rate_is_refused_for_its_rate(tmp_path: Path) -> None:
    wav = _write(tmp_path / "slow.wav", 4.0, rate=500)  # 2,000 samples at 500 Hz: no rate a recording is made at
    with pytest.raises(UserError, match=r"slow\.wav: its header gives a sample rate of 500 Hz"):
        sd.recordings_features([wav], 8, RATE, what="training", max_seconds=1.0)


def test_several_long_recordings_are_cut_as_them(tmp_path: Path) -> None:
    wavs = [_write(tmp_path / f"u{i}.wav", 1.0) for i in range(2)]
    with pytest.raises(UserError, match=r"or cut them into utterances$"):
        sd.recordings_features(wavs, 8, RATE, what="training", max_seconds=0.5)


def _examples(monkeypatch: pytest.MonkeyPatch, paths: list[Path], limit: float) -> tuple[list[str], str]:
    pytest.importorskip("plotly")
    from rnnkit.report import speech as rsp

    utts = [SimpleNamespace(audio=str(p)) for p in paths]
    monkeypatch.setattr(rsp, "recorded_validation", lambda *args: (utts, "val"))
    kept, source = rsp._utterances(SimpleNamespace(checkpoint=None, max_seconds=limit), None)
    return [Path(u.audio).name for u in kept], source


def test_the_report_keeps_three_passing_over_a_long_flac(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [_write(tmp_path / "long.flac", 2.0), *(_write(tmp_path / f"s{i}.wav", 0.2) for i in range(3)),
             _write(tmp_path / "after.wav", 2.0), _write(tmp_path / "s3.wav", 0.2)]
    kept, source = _examples(monkeypatch, paths, 1.0)
    assert kept == ["s0.wav", "s1.wav", "s2.wav"]
    assert source == ("val, less 1 recording longer than the run's --max-seconds 1, which it left out of its "
                      "validation")


def test_the_report_says_nothing_of_the_limit_where_none_was_passed_over(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [*(_write(tmp_path / f"s{i}.wav", 0.2) for i in range(3)), _write(tmp_path / "long.wav", 2.0)]
    assert _examples(monkeypatch, paths, 1.0) == (["s0.wav", "s1.wav", "s2.wav"], "val")


def _limit(value: object) -> float:
    ckpt = SimpleNamespace(config={"settings": {"max_seconds": value}}, path="run/best")
    return Transcriber.max_seconds.fget(SimpleNamespace(checkpoint=ckpt))  # type: ignore[attr-defined]


def test_a_negative_saved_limit_is_refused_saying_what_is_expected() -> None:
    assert _limit(0) == 0.0
    with pytest.raises(UserError, match=r"^run/best/config.json: settings.max_seconds -1: expected a number of "
                                        r"seconds >= 0 \(0: no limit\)$"):
        _limit(-1)
