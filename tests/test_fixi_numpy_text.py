"""One NumPy string (``np.str_("text")``, a subclass of str) given where a method takes a text or a list of texts
(fixi): it is one text, as a str is, at every entry (its characters are not read as texts; the translator's and
the tagger's were checked by hand); the character LM's ``score`` echoed it back as ``{'text': np.str_('abc'),
...}``, which :func:`rnnkit.errors.check_text` now makes a plain str, as :func:`~rnnkit.errors.check_texts` makes
a list's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rnnkit

pytestmark = pytest.mark.usefixtures("one_torch_thread")
QUIET = {"steps": 1, "verbose": False, "progress": False}


def test_one_numpy_string_is_one_text_at_every_entry(tmp_path: Path) -> None:
    text, table = tmp_path / "t.txt", tmp_path / "d.csv"
    text.write_text("abcdefgh \n" * 100, encoding="utf-8")
    table.write_text("text,label\n" + "".join(f"w{i % 5} x{i % 3},{'ab'[i % 2]}\n" for i in range(24)),
                     encoding="utf-8")
    rnnkit.fit("charlm", data=text, out=tmp_path / "lm", hidden=8, embed_dim=4, seq_len=8, batch_size=2, **QUIET)
    rnnkit.fit("classify", data=table, out=tmp_path / "c", layers=0, pooling="mean", embedding=4, batch_size=4,
               **QUIET)
    lm, classifier = rnnkit.load(tmp_path / "lm"), rnnkit.load(tmp_path / "c")

    scored = lm.score(np.str_("abc"))
    assert type(scored["text"]) is str and scored == lm.score("abc")
    assert type(lm.sample(np.str_("ab"), length=2, seed=1)) is str
    predicted = classifier.predict(np.str_("w1 x2"))
    assert isinstance(predicted, dict) and type(predicted["text"]) is str and predicted == classifier.predict("w1 x2")
    assert isinstance(classifier.explain(np.str_("w1 x2")), dict)
