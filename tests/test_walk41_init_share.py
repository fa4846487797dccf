"""``rnnkit train charlm --init-from DIR`` on a text with a few characters DIR lacks: the warning said "(0.00% of
the text)" for 21 of 483,893 characters, which reads as none while they were there; a share below what two
decimals show is now said as such."""

from __future__ import annotations

import pytest
import torch

from rnnkit.data.tokenize import CharVocab
from rnnkit.tasks._charlm_init import in_vocabulary


def _said(text: str, known: str) -> str:
    own, saved = CharVocab.from_text(text), CharVocab.from_text(known)
    with pytest.warns(Warning) as caught:
        ids = in_vocabulary(own.encode_tensor(text, warn=False), own, saved, "new.txt")
    assert int((ids == saved.unk_index).sum()) == sum(c not in known for c in text)
    assert isinstance(ids, torch.Tensor)
    return str(caught[0].message)


def test_a_tiny_share_of_unknown_characters_is_not_said_as_none() -> None:
    said = _said("ab" * 30_000 + "Z", "ab")   # 1 of 60,001
    assert "(under 0.01% of the text)" in said and "0.00%" not in said


def test_a_share_two_decimals_show_is_said_as_before() -> None:
    assert "(25.00% of the text)" in _said("abcZ", "abc")
