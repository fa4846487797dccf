"""``rnnkit info RUN`` printed ``best loss 1.2345 at step 10`` and ``rnnkit report RUN``'s overview ``best validation
loss 1.2345``, no unit, where the run's closing line said ``nats/char`` (``nats/token`` ...) and ``score`` now says
``nats``. Both say the unit the task registers (``Task.loss_unit``), a score (accuracy, WER) none."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.cli import main
from rnnkit.report.run import overview_section
from rnnkit.tasks import loss_unit

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(("config", "said"), [
    ({"task": "charlm"}, " nats/char"), ({"task": "classify"}, " nats/text"),
    ({"task": "classify", "multi_label": True}, " nats/label"), ({"task": "tag"}, " nats/token"),
    ({"task": "seq2seq"}, " nats/token"), ({"task": "caption"}, " nats/word"), ({"task": "speech"}, " nats/symbol"),
    ({"task": "nonesuch"}, ""), ({}, ""), ({"task": ["charlm"]}, ""),
])
def test_each_task_names_the_unit_of_its_loss(config: dict, said: str) -> None:
    assert loss_unit(config, "loss") == said


@pytest.mark.parametrize("metric", ["accuracy", "macro_f1", "wer", None])
def test_a_score_has_no_unit(metric: object) -> None:
    assert loss_unit({"task": "charlm"}, metric) == ""


def test_the_report_says_the_unit_of_the_best_loss() -> None:
    state = {"step": 9, "elapsed": 6.0, "best_metric": 0.25, "best_step": 7, "metric": "loss"}
    html = overview_section(SimpleNamespace(trainer_state=state, config={"task": "tag"}, model_shapes={}), None)
    assert "<td>best validation loss</td><td>0.2500 nats/token at step 7</td>" in html
    state["metric"] = "span_f1"
    html = overview_section(SimpleNamespace(trainer_state=state, config={"task": "tag"}, model_shapes={}), None)
    assert "<td>best validation span_f1</td><td>0.2500 at step 7</td>" in html


def test_info_says_the_unit_of_the_best_loss(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "c.txt"
    data.write_text("the cat sat on the mat\n" * 20, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(data), "--out", str(tmp_path / "lm"), "--steps", "2", "--hidden",
                 "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--eval-every", "1",
                 "--no-progress", "--json"]) == 0
    capsys.readouterr()
    assert main(["info", str(tmp_path / "lm")]) == 0
    best = [line for line in capsys.readouterr().out.splitlines() if line.startswith("best loss")]
    assert len(best) == 1 and " nats/char at step " in best[0], best
