"""Mutation round 29 of fixh's refuse_earlier_search: a run resumed in an --out where a settings search trained its
final run (its ``autotune.jsonl`` beside the model) goes on; refusing it as if an earlier search stood beside a new
run survived the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.train.checkpoint import AUTOTUNE_LOG

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CLASSIFY = ["train", "classify", "--layers", "0", "--pooling", "mean", "--embedding", "4", "--batch-size", "4",
            "--eval-every", "2", "--no-progress"]


def test_a_run_a_search_chose_resumes_beside_the_search_s_record(tmp_path: Path) -> None:
    data, out = tmp_path / "d.csv", tmp_path / "run"
    data.write_text("text,label\n" + "".join(f"w{i % 5} x{i % 3},{'ab'[i % 2]}\n" for i in range(24)),
                    encoding="utf-8")
    assert main([*CLASSIFY, "--steps", "2", "--data", str(data), "--out", str(out)]) == 0
    (out / AUTOTUNE_LOG).write_text('{"trial": 1}\n', encoding="utf-8")  # as the search left it beside its final run
    assert main([*CLASSIFY, "--steps", "4", "--resume", str(out)]) == 0
    assert (out / AUTOTUNE_LOG).read_text(encoding="utf-8") == '{"trial": 1}\n'
