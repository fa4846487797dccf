"""``rnnkit info`` and ``rnnkit report`` name what a run's trainer counted: a classifier's texts, a language
model's characters, kept in ``trainer_state.json`` as ``unit``; they said "tokens" and "items" for every task (a
classifier's "48 tokens" were 48 texts). A run saved before the unit was kept still reads "items"."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.cli import main
from rnnkit.report.run import overview_section
from rnnkit.wording import counted_unit


def test_a_classifiers_info_counts_texts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "t.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(12)),
                    encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "2", "--batch-size", "4",
                 "--embedding", "4", "--hidden", "4", "--no-progress", "--threads", "1"]) == 0
    state = json.loads((out / "last" / "trainer_state.json").read_text())
    assert state["unit"] == "txt" and state["tokens"] > 0
    capsys.readouterr()
    assert main(["info", str(out / "last")]) == 0
    said = capsys.readouterr().out
    assert "2 steps in " in said and f", {state['tokens']} texts" in said and "tokens" not in said


@pytest.mark.parametrize(("unit", "said"), [("char", "characters"), ("sym", "symbols"), ("tok", "tokens"),
                                            (None, "items")])
def test_the_reports_speed_names_what_was_counted(unit: str | None, said: str) -> None:
    state = {"elapsed": 150.0, "step": 12, "tokens": 6000, "train_seconds": 3.0, **({"unit": unit} if unit else {})}
    ckpt = SimpleNamespace(trainer_state=state, config={"task": "charlm"}, model_shapes={"a": (3,)})
    assert f"<tr><td>{said} per second (training steps)</td><td>2,000</td></tr>" in overview_section(ckpt, None)
    assert counted_unit(state) == said
