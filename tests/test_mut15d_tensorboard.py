"""Gaps a mutation audit of :mod:`rnnkit.train.tensorboard` found (round 15): a record's flags (booleans) and
texts are not scalars."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("tensorboard")

from rnnkit.train.tensorboard import TensorBoardLog  # noqa: E402


def scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_flags_and_texts_are_left_out(tmp_path: Path) -> None:
    log = TensorBoardLog(tmp_path)
    try:
        log.write({"step": 3, "loss": 2.5, "clipped": True, "note": "x"})
        log.write({"step": 4, "val_loss": 1.5, "best": False})
    finally:
        log.close()
    assert scalars(tmp_path) == {"loss": [(3, 2.5)], "val_loss": [(4, 1.5)]}
