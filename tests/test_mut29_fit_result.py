"""Mutation round 29 of fixh's absolute ``out_dir`` in rnnkit.fit's result: a classifier's result (a
ClassifyResult, a subclass of TrainResult) is absolute too, and it is ``out`` as given made absolute, a linked
folder in it kept as named (not resolved to where the link points)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import rnnkit

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_classifier_s_result_names_out_absolute_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "d.csv").write_text("text,label\n" + "".join(f"w{i % 5} x{i % 3},{'ab'[i % 2]}\n" for i in range(24)),
                                    encoding="utf-8")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    result = rnnkit.fit("classify", data="d.csv", out=os.path.join("link", "run"), layers=0, pooling="mean",
                        embedding=4, batch_size=4, steps=1, verbose=False, progress=False)
    os.chdir(tmp_path / "real")  # a notebook's %cd
    assert result.out_dir == tmp_path / "link" / "run"
    assert result.model_dir() == tmp_path / "link" / "run" / "best"


def test_fit_s_messages_name_out_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.errors import UserError

    (tmp_path / "t.txt").write_text("abcdefgh \n" * 100, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = {"hidden": 8, "embed_dim": 4, "seq_len": 8, "batch_size": 2, "steps": 1, "verbose": False}
    rnnkit.fit("charlm", data="t.txt", out="run", **settings)
    with pytest.raises(UserError, match=r"^run: already holds a trained model"):  # only the result is absolute
        rnnkit.fit("charlm", data="t.txt", out="run", **settings)
