"""Transcripts as users type them: a letter with a combining accent (NFD, as macOS writes text) is the one
character of its composed spelling (NFC) for a character recogniser, and Hangul typed as jamo is Korean."""

from __future__ import annotations

import unicodedata

from rnnkit.data.speech import is_korean, symbols_of, text_of


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_a_transcript_in_nfd_gives_the_symbols_of_its_nfc_spelling() -> None:
    """'café' typed with a combining accent was five symbols, 'e' and U+0301, beside the four of 'café': one
    sound, two spellings for the model to learn."""
    assert symbols_of(nfd("café crème"), None, "chars") == ["c", "a", "f", "é", "|", "c", "r", "è", "m", "e"]
    assert symbols_of(nfd("café"), None, "chars") == symbols_of("café", None, "chars")
    assert text_of(symbols_of(nfd("café"), None, "chars"), "chars") == "café"


def test_hangul_typed_as_jamo_is_korean_and_read_as_jamo() -> None:
    assert is_korean(nfd("안녕하세요"))
    assert symbols_of("안녕", None, "chars", jamo=True) == symbols_of(nfd("안녕"), None, "chars", jamo=True)
    assert len(symbols_of(nfd("안녕"), None, "chars", jamo=True)) == 6
