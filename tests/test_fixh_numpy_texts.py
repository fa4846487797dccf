"""Texts given as a NumPy array of strings (fixh): ``predict`` and ``score`` echoed each back as ``np.str_``
(``{'text': np.str_('w1 x2'), ...}``); :func:`rnnkit.errors.check_texts`, where they enter, makes them plain str."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rnnkit
from rnnkit.errors import check_texts

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_check_texts_gives_plain_strs() -> None:
    got = check_texts("predict", np.array(["ab", "c d"]))
    assert got == ["ab", "c d"] and {type(t) for t in got} == {str}


def test_predict_and_score_echo_numpy_texts_as_str(tmp_path: Path) -> None:
    data, text = tmp_path / "d.csv", tmp_path / "t.txt"
    data.write_text("text,label\n" + "".join(f"w{i % 5} x{i % 3},{'ab'[i % 2]}\n" for i in range(24)),
                    encoding="utf-8")
    text.write_text("abcdefgh \n" * 100, encoding="utf-8")
    rnnkit.fit("classify", data=data, out=tmp_path / "c", layers=0, pooling="mean", embedding=4, batch_size=4,
               steps=1, verbose=False, progress=False)
    rnnkit.fit("charlm", data=text, out=tmp_path / "lm", hidden=8, embed_dim=4, seq_len=8, batch_size=2, steps=1,
               verbose=False, progress=False)
    records = rnnkit.load(tmp_path / "c").predict(np.array(["w1 x2", "w3"]))
    assert [type(r["text"]) for r in records] == [str, str]
    scores = rnnkit.load(tmp_path / "lm").score(np.array(["abc", "de"]))
    assert [(type(s["text"]), s["text"]) for s in scores] == [(str, "abc"), (str, "de")]
