"""``--tensorboard``: the records of metrics.jsonl as TensorBoard scalars, read back with TensorBoard's own
event reader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train.checkpoint import load_checkpoint
from tests.test_train import make_trainer

pytest.importorskip("tensorboard")


def scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar TensorBoard shows for the run in ``folder``: tag -> [(step, value)], as its reader purges
    and orders them."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def logged(out: Path) -> dict[str, list[tuple[int, float]]]:
    """The same from metrics.jsonl."""
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    tags: dict[str, list[tuple[int, float]]] = {}
    for row in rows:
        for key, value in row.items():
            if key != "step" and isinstance(value, (int, float)):
                tags.setdefault(key, []).append((row["step"], value))
    return tags


def assert_same(out: Path) -> None:
    shown, written = scalars(out / "tensorboard"), logged(out)
    assert set(shown) == set(written) and {"train_loss", "val_loss", "lr", "grad_norm"} <= set(shown)
    for tag, points in written.items():
        assert [s for s, _ in shown[tag]] == [s for s, _ in points], tag
        assert [v for _, v in shown[tag]] == pytest.approx([v for _, v in points], rel=1e-6), tag


def test_every_logged_record_is_a_scalar_at_its_step(tmp_path: Path) -> None:
    make_trainer(tmp_path, steps=8, tensorboard=True).fit()
    assert_same(tmp_path)
    assert [s for s, _ in scalars(tmp_path / "tensorboard")["val_loss"]] == [4, 8]


def test_no_event_files_without_the_setting(tmp_path: Path) -> None:
    make_trainer(tmp_path, steps=4).fit()
    assert not (tmp_path / "tensorboard").exists()


def test_a_resumed_run_drops_what_was_logged_after_its_checkpoint(tmp_path: Path) -> None:
    """A run killed after step 6 whose last save was at step 4 (simulated: the step-4 checkpoint put back), then
    resumed: TensorBoard shows steps 5 and 6 once, from the resumed run, as metrics.jsonl keeps them."""
    make_trainer(tmp_path, steps=12, halt_at=4, tensorboard=True).fit()
    shutil.copytree(tmp_path / "last", tmp_path.parent / "last4")
    make_trainer(tmp_path, steps=12, halt_at=6, tensorboard=True,
                 resume=load_checkpoint(tmp_path, prefer="last")).fit()
    shutil.rmtree(tmp_path / "last")
    shutil.copytree(tmp_path.parent / "last4", tmp_path / "last")
    make_trainer(tmp_path, steps=12, tensorboard=True, resume=load_checkpoint(tmp_path, prefer="last")).fit()
    assert_same(tmp_path)
    assert [s for s, _ in scalars(tmp_path / "tensorboard")["train_loss"]] == [2, 4, 6, 8, 10, 12]


def test_overwrite_starts_the_curves_afresh_and_a_stray_folder_is_refused(tmp_path: Path) -> None:
    make_trainer(tmp_path, steps=8, tensorboard=True).fit()
    make_trainer(tmp_path, steps=4, tensorboard=True, overwrite=True).fit()
    assert_same(tmp_path)
    assert [s for s, _ in scalars(tmp_path / "tensorboard")["train_loss"]] == [2, 4]
    other = tmp_path.parent / "other"
    (other / "tensorboard").mkdir(parents=True)
    with pytest.raises(UserError, match="holds a tensorboard/ but no saved run"):
        make_trainer(other, steps=4, tensorboard=True)


def test_a_run_that_fails_before_its_first_save_leaves_no_event_files(tmp_path: Path) -> None:
    def failing(model, batch, state):
        raise RuntimeError("out of memory")

    out = tmp_path / "run"
    out.mkdir()
    with pytest.raises(RuntimeError, match="out of memory"):
        make_trainer(out, steps=4, tensorboard=True, loss_fn=failing).fit()
    assert not (out / "tensorboard").exists()


def test_the_flag_trains_a_task_with_event_files_and_is_refused_without_the_package(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat. " * 200, encoding="utf-8")
    out = tmp_path / "lm"
    argv = ["train", "charlm", "--data", str(text), "--out", str(out), "--steps", "4", "--hidden", "8",
            "--seq-len", "16", "--batch-size", "2", "--eval-every", "2", "--log-every", "2", "--no-progress"]
    assert main([*argv, "--tensorboard"]) == 0
    assert_same(out)
    saved = json.loads((out / "last" / "config.json").read_text())
    assert saved["settings"]["tensorboard"] is True

    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a))
    capsys.readouterr()
    assert main([*argv, "--out", str(tmp_path / "lm2"), "--tensorboard"]) == 2
    said = ("rnnkit: error: --tensorboard needs the 'tensorboard' package: pip install 'rnnkit[tensorboard]', or "
            "train without it: --no-tensorboard (a resumed run keeps the setting it had)")
    assert capsys.readouterr().err.strip() == said
    assert not (tmp_path / "lm2").exists()
    # a run resumed without the flag on a machine without the package: told how to go on without it, and it can
    assert main(["train", "charlm", "--resume", str(out), "--steps", "6", "--no-progress"]) == 2
    assert capsys.readouterr().err.strip() == said
    assert main(["train", "charlm", "--resume", str(out), "--steps", "6", "--no-progress", "--no-tensorboard"]) == 0
