"""Mutation audit round 24 of spelled_as_known's use in a recogniser's targets (SymbolTable.of): only a table of
characters is spelled so; a phoneme recogniser's symbols ('aɪ', 'tʃ') are its phonemes whole, not their letters."""

from __future__ import annotations

from pathlib import Path

from rnnkit.data.speech import Utterance
from rnnkit.tasks.speech import SymbolTable


def test_a_phoneme_recognisers_targets_keep_each_phoneme_whole() -> None:
    table = SymbolTable("phonemes", ["aɪ", "h", "tʃ"])
    utt = Utterance(Path("a.wav"), "hi", "h aɪ tʃ")
    assert table.encode(utt) == [table.index[s] for s in ["h", "aɪ", "tʃ"]]
    assert table.reference(utt) == "h aɪ tʃ"
