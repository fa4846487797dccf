"""Mutation round 37: the speech symbol table read in one pass (review37) is the table that encoding the
transcripts needs: ``--jamo`` given decomposes the syllables, a compatibility character beside Hangul (``ﬁ``,
``①``) stays as ``symbols_of`` writes it (NFD, not NFKD), and phonemes of one's own are never made jamo."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from rnnkit.data.speech import Utterance, symbols_of
from rnnkit.tasks._speech_data import SymbolTable


def _utts(*texts: str, phonemes: str | None = None) -> list[Utterance]:
    return [Utterance(Path(f"u{i}.wav"), text, phonemes) for i, text in enumerate(texts)]


@pytest.mark.parametrize("jamo", [True, None])
def test_the_table_holds_every_symbol_of_the_encoded_transcripts(jamo: bool | None) -> None:
    utts = _utts("검찰 ﬁ①", "hello")
    table = SymbolTable.build(utts, "chars", jamo)
    assert table.jamo is True
    assert table.symbols == sorted({s for u in utts for s in symbols_of(u.text, None, "chars", True)})
    assert "ﬁ" in table.symbols and unicodedata.normalize("NFD", "검")[0] in table.symbols


def test_phonemes_of_ones_own_are_not_made_jamo() -> None:
    table = SymbolTable.build(_utts("검찰", phonemes="검 찰"), "phonemes", None)
    assert (table.jamo, table.symbols) == (False, ["검", "찰"])
