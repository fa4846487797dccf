"""One text taken out of a NumPy array (``texts[0]``, an ``np.str_``): fixh made a whole array's texts come back
as str, but ``lm.score(texts[0])`` and ``translator.translate(texts[0])`` still echoed the one text as
``np.str_('...')`` in their record (found in mutation round 29 of check_texts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rnnkit
from tests import test_translate_sampling as sampling

pytestmark = pytest.mark.usefixtures("one_torch_thread")

translator_dir = sampling.translator_dir


def test_score_echoes_one_numpy_text_as_str(tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("abcdefgh \n" * 100, encoding="utf-8")
    rnnkit.fit("charlm", data=text, out=tmp_path / "lm", hidden=8, embed_dim=4, seq_len=8, batch_size=2, steps=1,
               verbose=False, progress=False)
    scored = rnnkit.load(tmp_path / "lm").score(np.array(["abc", "de"])[0])
    assert (type(scored["text"]), scored["text"]) == (str, "abc")


def test_translate_echoes_one_numpy_text_as_str(translator_dir: Path) -> None:
    out = rnnkit.load(translator_dir).translate(np.array(["abc"])[0], return_attention=True)
    assert (type(out["source"]), out["source"]) == (str, "abc")


def test_a_text_whose_class_prints_otherwise_keeps_its_characters() -> None:
    from rnnkit.errors import check_texts

    class Tagged(str):  # a str subclass whose printing is not its text (str() would give "<tagged>")
        def __str__(self) -> str:
            return "<tagged>"

    got = check_texts("predict", [Tagged("w1 x2")])
    assert got == ["w1 x2"] and type(got[0]) is str


def test_texts_from_a_generator_are_all_kept() -> None:
    from rnnkit.errors import check_texts

    assert check_texts("score", (t for t in ["ab", "c d"])) == ["ab", "c d"]  # read once: not an empty list
