"""`rnnkit transcribe DIR -h` names its recordings AUDIO: any format libsndfile reads is taken (FLAC, Ogg, MP3 ...),
where the help and docs/SPEECH.md said FILE.wav."""

from __future__ import annotations

import argparse
from pathlib import Path

from rnnkit.tasks import _speech_verbs as verbs

ROOT = Path(__file__).resolve().parents[1]


def test_transcribes_help_names_audio_not_a_wav_file() -> None:
    parser = argparse.ArgumentParser(prog="rnnkit transcribe DIR")
    verbs._transcribe_arguments(parser)
    text = parser.format_help()
    assert "AUDIO [AUDIO ...]" in text
    assert "FILE.wav" not in text
    assert "FILE.wav" not in (ROOT / "docs" / "SPEECH.md").read_text(encoding="utf-8")
