"""Mutation round 32 of errors.quiet_stderr (fixj: export's silencing of fd 2, now read_audio's too): what no test
held. Each block leaves no descriptor open (a transcription of 2,000 MP3s would have run out of them), fd 2 comes
back where the saved copy is descriptor 0 (a process started with stdin closed), and export's torch.onnx lines stay
off the terminal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from rnnkit.errors import quiet_stderr


def test_a_block_leaves_no_descriptor_open() -> None:
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("no /proc/self/fd to count descriptors in")
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        with quiet_stderr():
            pass
    assert len(os.listdir("/proc/self/fd")) == before


def test_fd_2_comes_back_when_its_copy_is_descriptor_0(capfd: pytest.CaptureFixture[str]) -> None:
    """With stdin closed the copy of fd 2 is descriptor 0, the lowest free one: still restored."""
    stdin = os.dup(0)
    os.close(0)
    try:
        with quiet_stderr():
            os.write(2, b"silenced\n")
    finally:
        os.dup2(stdin, 0)
        os.close(stdin)
    os.write(2, b"back\n")
    assert capfd.readouterr().err == "back\n"


def test_export_writes_nothing_of_torch_onnx_on_fd_2(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """torch.onnx's C++ shape inference warns of prim::PackPadded on fd 2 for a model that packs its batch."""
    pytest.importorskip("onnx")
    from rnnkit.export import export_onnx
    from rnnkit.models.classifier import Classifier

    torch.manual_seed(0)
    model = Classifier(4, 2, embedding_dim=3, hidden_size=4, cell="gru").eval()
    export_onnx(model, tmp_path / "m.onnx", vocab_size=4, labels=["x", "y"], metadata={}, check=False)
    assert (tmp_path / "m.onnx").is_file()
    assert capfd.readouterr().err == ""
