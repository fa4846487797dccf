"""A model trained before today's readers NFC-normalised its files (its saved labels, tags or words as typed, in
NFD where macOS wrote them) reads the files those readers now give it: its own labels are not 'not in the training
data', its words are not unknown."""

from __future__ import annotations

import unicodedata

import pytest

from rnnkit.data.tokenize import UNK_ID, TokenVocab

pytestmark = pytest.mark.usefixtures("one_torch_thread")

def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_a_word_saved_in_nfd_is_found_by_its_nfc_spelling() -> None:
    vocab = TokenVocab([nfd("café"), "서울", nfd("서울")])
    assert vocab.ids(["café", nfd("café")]) == [2, 2]
    assert vocab.ids(["서울", nfd("서울")]) == [3, 4]  # both spellings saved: each keeps its own id
    assert vocab.ids(["cafe"]) == [UNK_ID]
