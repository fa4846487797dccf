"""Mutation audit round 24 of rnnkit.data.tokenize: spelled_as_known decomposes only a character the model does not
know, and only canonically (NFD, not NFKD); a char LM's warning lists the unknown characters most frequent first."""

from __future__ import annotations

import pytest

from rnnkit.data.tokenize import CharVocab, UnknownCharacterWarning, spelled_as_known

ACCENT = "\u0301"  # COMBINING ACUTE ACCENT: 'é' in NFD is 'e' + ACCENT


def test_a_known_composed_character_stays_composed_beside_an_unknown_one() -> None:
    """'!' is unknown, so every character is looked at: 'é', which the model knows, stays as it is although its
    parts are known too ('parts = NFD(c)' for every character decomposed it)."""
    known = {"c", "a", "f", "é", "e", ACCENT}
    assert spelled_as_known("café!", known) == "café!"
    assert spelled_as_known("ó é", {"o", ACCENT, "é"}) == f"o{ACCENT} é"  # ' ' unknown; 'ó' known only apart


@pytest.mark.parametrize("text", ["x²", "ﬁx", "Ⅸ"])
def test_a_compatibility_decomposition_is_no_spelling_of_the_character(text: str) -> None:
    """'²' is not '2', nor 'ﬁ' 'fi': only the canonical decomposition (NFD) is the same character written apart;
    NFKD would read a superscript as its digit."""
    assert spelled_as_known(text, {"x", "2", "f", "i", "I", "X"}) == text


def test_a_char_lms_warning_lists_the_unknown_characters_most_frequent_first() -> None:
    """'y' comes first in the text but 'z' is seen twice: the list is by count, as the detail's count is."""
    with pytest.warns(UnknownCharacterWarning, match=r"^2 characters unknown to the model \(seen 3 times\), read "
                                                     r"as its unknown symbol: 'z', 'y'$"):
        CharVocab.from_text("ab").encode_tensor("aybzz")
