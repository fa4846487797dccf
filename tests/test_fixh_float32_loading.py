"""Every way of loading a model builds it in float32 (fixh): after a notebook's
``torch.set_default_dtype(torch.float64)``, ``rnnkit.load`` gave a float32 model (5c6dd8e) but the folders of
``TextClassifier.ensemble("dir")`` (and ``TextClassifier("dir")`` itself) were read through the class, into float64
models: twice as slow, and an ONNX export that onnxruntime cannot run. The model is built in float32 where every
load builds it (``rnnkit.train.building.build_model``), and the caller's default dtype is back after."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.tasks._classify_trained import TextClassifier

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("runs")
    data = tmp / "d.csv"
    data.write_text("text,label\n" + "".join(f"w{i % 5} x{i % 3},{'ab'[i % 2]}\n" for i in range(24)),
                    encoding="utf-8")
    common = ["train", "classify", "--embedding", "4", "--batch-size", "4", "--steps", "1", "--no-progress",
              "--data", str(data)]
    assert main([*common, "--layers", "0", "--pooling", "mean", "--out", str(tmp / "bag")]) == 0
    assert main([*common, "--layers", "1", "--hidden", "4", "--out", str(tmp / "rnn")]) == 0
    return tmp / "bag", tmp / "rnn"


def test_an_ensemble_s_folders_and_the_class_itself_build_float32(runs: tuple[Path, Path]) -> None:
    bag, rnn = runs
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        joined = rnnkit.load(bag).ensemble(rnn)
        assert {p.dtype for p in joined.model.parameters()} == {torch.float32}
        assert {p.dtype for p in TextClassifier(rnn).model.parameters()} == {torch.float32}
        assert torch.get_default_dtype() == torch.float64
        assert joined.predict(["w1 x2"])[0]["label"] in ("a", "b")
    finally:
        torch.set_default_dtype(before)
