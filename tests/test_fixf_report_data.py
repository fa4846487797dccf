"""A char LM's report section that cannot read the run's data says the reader's line once, then what to give: it
read "the run's data cannot be read (PATH: no such file; --data takes 'shakespeare', ...)", naming training's
--data, and for an unreadable file "cannot be read (PATH: cannot read (Permission denied))"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rnnkit
import rnnkit.data.utf8
from rnnkit.errors import UserError
from rnnkit.report.charlm import report_text


@pytest.fixture(scope="module")
def lm(tmp_path_factory: pytest.TempPathFactory) -> rnnkit.tasks.charlm.CharLM:
    folder = tmp_path_factory.mktemp("lm")
    (folder / "t.txt").write_text("the cat sat on the mat\nthe dog ran\n" * 30)
    rnnkit.fit("charlm", data=str(folder / "t.txt"), out=str(folder / "run"), steps=1, hidden=8, batch_size=2,
               seq_len=8, verbose=False)
    return rnnkit.load(folder / "run")


def _data(lm: rnnkit.tasks.charlm.CharLM) -> str:
    return json.loads((lm.checkpoint.folder / "config.json").read_text())["data"]["paths"]["train"]


def test_a_missing_text_is_said_once_without_trainings_flag(lm, tmp_path: Path) -> None:
    data = Path(_data(lm))
    data.rename(tmp_path / "moved.txt")
    try:
        with pytest.raises(UserError) as refused:
            report_text(lm, None, 100)
    finally:
        (tmp_path / "moved.txt").rename(data)
    assert str(refused.value) == f"the run's data, {data}: no such file; give --text FILE"


def test_an_unreadable_text_says_cannot_read_once(lm, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(path, mode="r"):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(rnnkit.data.utf8, "open", denied, raising=False)
    with pytest.raises(UserError) as refused:
        report_text(lm, None, 100)
    assert str(refused.value) == f"the run's data, {_data(lm)}: cannot read (Permission denied); give --text FILE"
