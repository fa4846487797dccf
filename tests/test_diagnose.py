"""Issue 6: gradient norm through time, spectral radius, radius 0.9 vs 1.1, clipping, `rnnkit diagnose`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from rnnkit import Recurrent
from rnnkit.cli import main
from rnnkit.diagnostics import (
    clipping_comparison,
    geometric_factor,
    gradient_norms_through_time,
    radius_sweep,
    spectral_radius,
)


@pytest.fixture(autouse=True)
def _flush_denormals():
    """One thread, subnormals flushed (IRNN runs make many; the CLI flushes them too)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: a second thread only waits, and the machine is shared
    torch.set_flush_denormal(True)
    yield
    torch.set_flush_denormal(False)
    torch.set_num_threads(threads)


@pytest.mark.parametrize("cell", ["rnn_tanh", "irnn", "lstm", "gru", "clockwork"])
def test_gradient_norms_are_the_total_gradient(cell: str) -> None:
    """‖∂L/∂h_t‖ from the step loop equals the gradient of L with respect to a state fed to the layer at t."""
    torch.manual_seed(0)
    rnn = Recurrent(cell, 3, 8, batch_first=True)
    x = torch.randn(2, 12, 3)
    target = torch.randn(2, 8)

    def loss_fn(h: torch.Tensor) -> torch.Tensor:
        return (h - target).pow(2).sum()

    norms = gradient_norms_through_time(rnn, x, loss_fn)
    assert norms.shape == (12,)
    for t in (3, 7, 10):
        # run the first t+1 steps, then restart the layer from that state (clock offset for clockwork)
        with torch.no_grad():
            _, state = rnn(x[:, : t + 1])
        if isinstance(state, tuple):
            h0 = state[0].clone().requires_grad_(True)
            start = (h0, state[1])
        else:
            h0 = state.clone().requires_grad_(True)
            start = h0
        out, _ = rnn(x[:, t + 1 :], start, time_offset=t + 1)
        (grad,) = torch.autograd.grad(loss_fn(out[:, -1]), h0)
        expected = float(grad[0].double().norm(dim=-1).mean())
        assert norms[t].item() == pytest.approx(expected, rel=1e-4, abs=1e-9)


def test_spectral_radius() -> None:
    assert spectral_radius(torch.eye(5))["radius"] == pytest.approx(1.0)
    q, _ = torch.linalg.qr(torch.randn(6, 6))
    assert spectral_radius(0.7 * q)["radius"] == pytest.approx(0.7, rel=1e-5)
    blocks = spectral_radius(torch.cat([0.5 * torch.eye(4), 2 * torch.eye(4), torch.eye(4), torch.eye(4)]), "lstm")
    assert blocks["blocks"]["f"] == pytest.approx(2.0) and blocks["radius"] == pytest.approx(2.0)


def test_radius_point_nine_falls_and_one_point_one_rises_geometrically() -> None:
    sweep = radius_sweep((0.9, 1.1), length=60, hidden=16, seed=0)
    low, high = torch.tensor(sweep[0.9]["norms"]), torch.tensor(sweep[1.1]["norms"])
    assert torch.all(low[1:] > low[:-1])  # growing towards the loss: falls with distance back in time
    assert torch.all(high[1:] < high[:-1])  # rises with distance
    assert sweep[0.9]["factor"] == pytest.approx(0.9, abs=0.005)
    assert sweep[1.1]["factor"] == pytest.approx(1.1, abs=0.005)
    assert sweep[0.9]["first_over_last"] == pytest.approx(0.9**59, rel=0.05)
    assert sweep[1.1]["spectral_radius"] == pytest.approx(1.1, rel=1e-5)
    assert geometric_factor(torch.tensor([1.0, 2.0, 4.0, 8.0])) == pytest.approx(0.5)  # halves per step back


def test_unclipped_diverges_clipped_trains() -> None:
    runs = clipping_comparison(clip=1.0, cell="irnn", length=100, hidden=32, steps=25, lr=0.01, seed=0)
    assert runs["unclipped"]["diverged"] and runs["unclipped"]["diverged_at"] is not None
    assert not runs["clipped"]["diverged"]
    assert len(runs["clipped"]["losses"]) == 25
    assert runs["clipped"]["final_loss"] < runs["clipped"]["first_loss"]
    assert max(runs["clipped"]["grad_norms"]) > 1.0  # clipping had something to do


def test_diagnose_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "diag"
    status = main(["diagnose", "--cells", "rnn_tanh,lstm", "--length", "30", "--hidden", "8",
                   "--train-steps", "3", "--clip-steps", "10", "--out", str(out), "--json"])
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["cells"]) == {"rnn_tanh", "lstm"}
    for r in summary["cells"].values():
        assert r["radius_start"] > 0 and r["radius_end"] > 0
    assert summary["radius_sweep"]["0.9"]["factor"] < 1 < summary["radius_sweep"]["1.1"]["factor"]
    assert summary["clipping"]["unclipped"]["diverged"] and not summary["clipping"]["clipped"]["diverged"]
    for f in ("gradient_norms.png", "radius.png", "clipping.png", "diagnose.json", "diagnose.md"):
        assert (out / f).is_file() and (out / f).stat().st_size > 0
    report = json.loads((out / "diagnose.json").read_text())
    assert len(report["cells"]["lstm"]["grad_norms_start"]) == 30


def test_diagnose_refuses_bad_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "--cells", "lstm,foo", "--out", str(tmp_path)]) == 2
    assert "unknown cell foo" in capsys.readouterr().err
