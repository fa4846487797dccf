"""Every warning about input a model does not know says it in one form, ``[WHERE: ]N NOUNs unknown to MODEL[
(DETAIL)], TREATED: 'a', 'b' ...`` (rnnkit.data.tokenize.warn_unknown): a char LM's text said "N character(s) not in
the model's vocabulary (...) were mapped to the unknown symbol", --init-from "N characters (x% of the text) are not
among those of the --init-from model and are read as unknown: ...", transcribe --lm "the language model has no 'c';
they are scored as its unknown character", translate "unknown source tokens (read as <unk>): ..."."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import torch

from rnnkit.data.tokenize import CharVocab, warn_unknown
from rnnkit.tasks._charlm_init import in_vocabulary
from rnnkit.tasks._speech_decoding import fusion_of

FORM = re.compile(r"^(\S+: )?(\d+) (character|source token|target token)s? unknown to (the model|the --init-from "
                  r"model|the language model)( \([^)]*\))?, (read|scored) as [^:]+: '.*'( \.\.\.)?$")


def _said(call: Callable[[], object]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught]


def test_a_char_lms_text_is_warned_in_the_one_form() -> None:
    said = _said(lambda: CharVocab.from_text("ab").encode_tensor("abzzy"))
    assert said == ["2 characters unknown to the model (seen 3 times), read as its unknown symbol: 'z', 'y'"]


def test_init_from_is_warned_in_the_one_form() -> None:
    own, saved = CharVocab.from_text("abxz"), CharVocab.from_text("abc")
    said = _said(lambda: in_vocabulary(torch.tensor(own.encode("aabxz")), own, saved, "new.txt"))
    assert said == ["new.txt: 2 characters unknown to the --init-from model (40.00% of the text), read as its unknown "
                    "symbol: 'x', 'z'"]


def test_a_language_model_lacking_a_letter_is_warned_in_the_one_form() -> None:
    lm = SimpleNamespace(vocab=CharVocab.from_text("ab \n"), model=None)
    said = _said(lambda: fusion_of(["a", "b", "c", "|"], lm, 0.5, 0.0, "--lm lm"))
    assert said == ["--lm lm: 1 character unknown to the language model, scored as its unknown symbol: 'c'"]


@pytest.mark.parametrize("n", [1, 3, 12])
def test_the_helper_counts_and_lists_at_most_ten(n: int) -> None:
    symbols = [chr(ord("a") + i) for i in range(n)]
    said = _said(lambda: warn_unknown("source token", symbols, "the model", "read as <unk>"))
    assert len(said) == 1 and FORM.match(said[0]), said
    assert said[0].startswith(f"{n} source token{'s' if n > 1 else ''} unknown to the model, read as <unk>: 'a'")
    assert said[0].endswith("'j' ...") == (n > 10)
