"""The symbol table of a speech corpus judged its transcripts Korean (``--jamo`` unset) by a pass of its own over
every transcript (NFC-normalised and searched), then read them all again for their symbols: on a manifest of a
million utterances, a second pass, and ``rnnkit train speech`` builds the table twice. Now the one pass that
collects the symbols decides it (a Hangul syllable among them), the same table as before."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from rnnkit.data.speech import Utterance, is_korean, symbols_of
from rnnkit.tasks._speech_data import SymbolTable


class _Counted(list[Utterance]):
    """A list of utterances that counts how often it is read through."""

    passes = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        self.passes += 1
        return super().__iter__()


def _utts(*texts: str) -> list[Utterance]:
    return [Utterance(Path(f"u{i}.wav"), text) for i, text in enumerate(texts)]


def test_the_table_reads_the_transcripts_once() -> None:
    utts = _Counted(_utts("hello there", "good morning"))
    SymbolTable.build(utts, "chars", None)
    assert utts.passes == 1


def test_the_table_is_the_one_two_passes_gave() -> None:
    decomposed = unicodedata.normalize("NFD", "한국어")  # jamo typed as such: Korean too, as is_korean reads them
    for texts in (("hello there", "cafe\u0301"), ("hello", "검찰청입니다  여보세요"), ("e\u0301", decomposed)):
        utts = _utts(*texts)
        jamo = any(is_korean(u.text) for u in utts)
        expected = sorted({s for u in utts for s in symbols_of(u.text, None, "chars", jamo)})
        table = SymbolTable.build(utts, "chars", None)
        assert (table.jamo, table.symbols) == (jamo, expected)
    assert SymbolTable.build(_utts("검"), "chars", False).symbols == ["검"]  # --jamo given: as given
