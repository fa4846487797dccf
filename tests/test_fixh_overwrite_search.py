"""`--overwrite` under torchrun (fixh): a run that torchrun's data check (``check_alike``) refuses lost what the
old run left beside its model, though fixg's fix kept the model: an earlier settings search's ``autotune.jsonl``
and ``autotune/`` (classify removed them before training began), and the ``metrics.jsonl`` and ``tensorboard/``
of an old run that never saved (undone as if the refused run had written them). The check's refusal is stood in
for in one process, as in tests/test_fixg_overwrite_refused.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train import distributed
from rnnkit.train.checkpoint import AUTOTUNE_LOG, AUTOTUNE_TRIALS

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CLASSIFY = ["train", "classify", "--layers", "0", "--pooling", "mean", "--embedding", "4", "--batch-size", "4",
            "--steps", "2", "--eval-every", "2", "--no-progress"]
CHARLM = ["train", "charlm", "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2",
          "--steps", "1", "--no-progress"]


def _files(out: Path) -> dict[str, bytes]:
    """Every file of ``out`` but the run lock (which names the process that took it last)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def _refused(*args: object) -> None:
    raise UserError("--data: rank 1 read other content than rank 0")


def test_a_refused_overwrite_run_keeps_an_earlier_search_s_record_and_trials(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "d.csv", tmp_path / "run"
    data.write_text("text,label\n" + "".join(f"w{i % 5} x{i % 3},{'ab'[i % 2]}\n" for i in range(24)),
                    encoding="utf-8")
    assert main([*CLASSIFY, "--data", str(data), "--out", str(out)]) == 0
    (out / AUTOTUNE_LOG).write_text('{"trial": 1}\n', encoding="utf-8")  # as an earlier search left them
    (out / AUTOTUNE_TRIALS / "trial-1").mkdir(parents=True)
    (out / AUTOTUNE_TRIALS / "trial-1" / "metrics.jsonl").write_text("{}\n", encoding="utf-8")
    before = _files(out)
    monkeypatch.setattr(distributed, "parallel", _refused)
    capsys.readouterr()
    assert main([*CLASSIFY, "--data", str(data), "--out", str(out), "--overwrite"]) == 2
    assert "rank 1 read other content" in capsys.readouterr().err
    assert _files(out) == before
    monkeypatch.undo()  # the check passes: --overwrite removes the search's record and trials with the old model
    assert main([*CLASSIFY, "--data", str(data), "--out", str(out), "--overwrite"]) == 0
    assert not (out / AUTOTUNE_LOG).exists() and not (out / AUTOTUNE_TRIALS).exists()
    assert (out / "best" / "model.safetensors").is_file()


def test_a_refused_overwrite_run_keeps_an_unsaved_run_s_metrics(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = tmp_path / "t.txt", tmp_path / "run"
    data.write_text("abcdefgh \n" * 300, encoding="utf-8")
    (out / "tensorboard").mkdir(parents=True)
    (out / "tensorboard" / "events").write_bytes(b"old")
    (out / "metrics.jsonl").write_text('{"step": 20, "loss": 2.5}\n', encoding="utf-8")
    before = _files(out)
    monkeypatch.setattr(distributed, "parallel", _refused)
    assert main([*CHARLM, "--data", str(data), "--out", str(out), "--overwrite"]) == 2
    assert _files(out) == before
