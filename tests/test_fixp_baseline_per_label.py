"""`rnnkit evaluate DIR --baseline` prints the TF-IDF baseline's per-label rows (precision, recall, F1, support) as
it prints the model's, from the same function (rnnkit.metrics.per_class_table): the side table had the baseline's
averages alone, and its per-label scores were in --json only. The model's scores are stood in for by a stub (the
command prints what the TextClassifier's evaluate returns), so no model or baseline is trained here."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from rnnkit.metrics import classification_report, per_class_table
from rnnkit.multilabel import multilabel_report
from rnnkit.tasks._classify_verbs import evaluate_command

LABELS = ["mid", "neg", "pos"]
INFO = {"model": "TF-IDF logistic regression", "C": 3.0, "train": "t.csv", "train_rows": 60, "val_rows": 15}


def _printed(tmp_path: Path, capsys: pytest.CaptureFixture[str], scores: dict[str, Any], multi: bool) -> list[str]:
    model = SimpleNamespace(multi_label=multi, checkpoints=[object()], threshold=lambda _: None,
                            evaluate=lambda *_, **__: scores)
    args = argparse.Namespace(ensemble=None, threshold=None, png=str(tmp_path / "c.png"), dir=str(tmp_path),
                              data="test.csv", split="all", text_column=None, label_column=None, baseline=True,
                              train=None, json=False)
    assert evaluate_command(model, args) == 0  # type: ignore[arg-type]
    return capsys.readouterr().out.splitlines()


def _baseline_rows(lines: list[str], table: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith("baseline: TF-IDF"))
    assert lines[start + 1 + len(table)].split() == ["rnnkit", "baseline"]  # then the side table, as before
    return lines[start + 1:start + 1 + len(table)]


def test_a_single_label_baseline_has_a_row_per_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = [0, 1, 2, 2, 1, 0]
    base = {**classification_report(truth, [0, 1, 1, 2, 1, 2], LABELS), **INFO,
            "mcnemar": {"model_only": 2, "baseline_only": 0, "p_value": 0.5}}
    scores = {**classification_report(truth, truth, LABELS), "baseline": base, "models": ["run"]}
    table = per_class_table(base)
    assert len(table) == 1 + len(LABELS) and table != per_class_table(scores)  # the baseline's own numbers
    assert _baseline_rows(_printed(tmp_path, capsys, scores, multi=False), table) == table


def test_a_multi_label_baseline_has_a_row_per_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    targets = [[1, 0, 1], [0, 1, 0]]
    base = {**multilabel_report(targets, torch.tensor([[0.9, 0.2, 0.1], [0.1, 0.8, 0.7]]), LABELS), **INFO}
    scores = {**multilabel_report(targets, torch.tensor([[0.9, 0.1, 0.9], [0.1, 0.9, 0.1]]), LABELS),
              "baseline": base, "models": ["run"]}
    table = per_class_table(base)
    assert table != per_class_table(scores)
    assert _baseline_rows(_printed(tmp_path, capsys, scores, multi=True), table) == table
