"""Whether a corpus's transcripts are Korean was judged by its first 200 utterances: a call corpus whose first 200
recordings (by name: ``a_english_001.wav`` ...) were English and the rest Korean was trained on Hangul syllables,
not the jamo ``--symbols chars`` is documented to use for Korean, and a run writing phonemes of it was not warned
that it would write IPA. Every transcript counts now."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.speech import Utterance
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._speech_config import SpeechConfig
from rnnkit.tasks._speech_data import SymbolTable, warn_korean_phonemes

ENGLISH = [Utterance(Path(f"a{i:03d}.wav"), "hello there") for i in range(200)]
UTTS = [*ENGLISH, Utterance(Path("b.wav"), "검찰청입니다")]


def test_korean_after_the_first_200_gives_jamo() -> None:
    table = SymbolTable.build(UTTS, "chars", None)
    assert table.jamo and "검" not in table.symbols and "ᄀ" in table.symbols


def test_korean_after_the_first_200_is_warned_of_when_writing_phonemes() -> None:
    with pytest.warns(RnnkitWarning, match="the transcripts are Korean"):
        warn_korean_phonemes(UTTS, SpeechConfig())
