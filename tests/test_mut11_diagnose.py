"""Gaps a mutation audit of :mod:`rnnkit.tasks.diagnose` found (round 11): each test fails on one changed line."""

from __future__ import annotations

import argparse
import inspect
import math
from pathlib import Path

import pytest
import torch

from rnnkit.errors import SettingError, UserError
from rnnkit.tasks import diagnose

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tiny models, a shared machine


def test_a_cell_this_version_does_not_know_shows_its_radius() -> None:
    """A report from another version may name a cell not in CELLS: its radius is shown, not taken for none."""
    assert diagnose.has_w_hh("a_cell_of_another_version") and diagnose.has_w_hh("gru")
    assert not diagnose.has_w_hh("mingru")


def test_a_report_written_before_the_sweep_had_its_own_length_sweeps_the_cells_length() -> None:
    assert diagnose.radius_length({"length": 50}) == 50
    assert diagnose.radius_length({"length": 900, "radius_length": 821}) == 821


def test_no_cells_or_a_cell_that_is_no_name_is_refused_as_no_list_of_names() -> None:
    """No cells would leave nothing to check (run_diagnose's checks read the last cell's settings), and a number
    among the names is no name, not an unknown cell."""
    for cells in ([], ["gru", 3]):
        with pytest.raises(SettingError, match=r"expected a list of cell names"):
            diagnose.check_cells(cells)


def test_the_cells_refused_are_named_as_they_come() -> None:
    """The first unknown cell, and the first cell named a second time, are the ones named."""
    with pytest.raises(SettingError, match="unknown cell foo;"):
        diagnose.check_cells(["gru", "foo", "bar"])
    with pytest.raises(SettingError, match="gru is named twice"):
        diagnose.check_cells(["lstm", "gru", "gru", "lstm"])


def test_cells_flag_leaves_out_empty_names_and_refuses_none() -> None:
    assert diagnose.parse_cells("gru,") == ["gru"] and diagnose.parse_cells("gru,,lstm") == ["gru", "lstm"]
    with pytest.raises(UserError, match=r"^--cells ,: unknown cell \(none\); expected some of rnn_tanh"):
        diagnose.parse_cells(",")
    with pytest.raises(UserError, match=r"^--cells lstm,foo: unknown cell foo;"):
        diagnose.parse_cells("lstm,foo")


def test_a_cell_s_seed_leaves_room_for_the_training_batches_seed() -> None:
    """The training batches draw with seed + 1: the largest 64-bit seed is refused before anything is built."""
    with pytest.raises(UserError, match=r"^seed 18446744073709551615: expected an integer from"):
        diagnose.diagnose_cell("gru", 5, 4, 0, 2**64 - 1)


def test_a_cell_this_machine_cannot_train_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """1 MB free: a GRU of hidden 1000 (about 50 MB to train by Adam) is refused naming hidden."""
    from rnnkit.train import memory

    monkeypatch.setattr(memory, "free_memory", lambda device: 1_000_000)
    with pytest.raises(UserError, match=r"^hidden 1000: the model \(a 1-layer GRU of hidden 1000\)"):
        diagnose.diagnose_cell("gru", 5, 1000, 0, 0)


def test_a_cell_s_training_batch_past_free_memory_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """8 MB free: the probe of 1000 steps of hidden 100 fits (5 MB), a training batch of 32 such sequences with
    their hidden states (13 MB) does not, and is the one named."""
    from rnnkit.train import memory

    monkeypatch.setattr(memory, "free_memory", lambda device: 8_000_000)
    with pytest.raises(UserError, match=r"^length 1000: a training batch of 32 sequences and its hidden states"):
        diagnose.diagnose_cell("gru", 1000, 100, 1, 0)


def test_the_probe_s_loss_is_the_squared_error_of_the_head_on_the_last_state() -> None:
    """L = (w·h_T + b - y)²: ‖∂L/∂h_T‖ = 2 |out - y| ‖w‖, by hand from the model's own output."""
    from rnnkit.cells import le2015
    from rnnkit.models.sequence import SequenceModel

    r = diagnose.diagnose_cell("gru", 6, 4, 0, 3)
    torch.manual_seed(3)
    model = SequenceModel("gru", 2, 4, 1, every_step=False, **le2015("gru"))
    x, y = diagnose._probe_sequence(6)
    with torch.no_grad():
        out = float(model(x).squeeze())
    want = 2 * abs(out - float(y)) * float(model.head.weight.detach().norm())
    assert r["grad_norms_start"][-1] == pytest.approx(want, rel=1e-5)


def test_the_end_measurements_are_of_the_trained_model() -> None:
    """After training the probe and the radius are taken again (they move); without training they are the start."""
    trained = diagnose.diagnose_cell("rnn_tanh", 6, 4, 3, 0, lr=0.05)
    assert trained["grad_norms_end"] != trained["grad_norms_start"]
    assert trained["radius_end"]["radius"] != trained["radius_start"]["radius"]
    untrained = diagnose.diagnose_cell("rnn_tanh", 6, 4, 0, 0)
    assert untrained["grad_norms_end"] == untrained["grad_norms_start"]


def test_the_first_loss_is_torch_s_mse_of_the_untrained_cell_on_the_first_batch() -> None:
    """train_loss_first is the loss before any update: torch.nn.MSELoss of the model as built (seed) on the first
    training batch (32 adding sequences drawn with seed + 1)."""
    from rnnkit.cells import le2015
    from rnnkit.data.synthetic import adding_problem
    from rnnkit.models.sequence import SequenceModel

    r = diagnose.diagnose_cell("gru", 6, 4, 3, 2)
    torch.manual_seed(2)
    model = SequenceModel("gru", 2, 4, 1, every_step=False, **le2015("gru"))
    x, y = adding_problem(32, 6, seed=torch.Generator().manual_seed(3))
    with torch.no_grad():
        want = float(torch.nn.MSELoss()(model(x).squeeze(-1), y))
    assert r["train_steps"] == 3 and r["train_loss_first"] == pytest.approx(want, rel=1e-5)


def test_one_step_s_last_loss_is_its_first() -> None:
    """train_loss_last is the mean of the last 10 losses, of all of them in a run of fewer: of 1 step, its loss."""
    r = diagnose.diagnose_cell("gru", 6, 4, 1, 0)
    assert r["train_steps"] == 1 and r["train_loss_last"] == r["train_loss_first"]


def test_a_diverged_cell_s_last_loss_is_of_the_updates_made() -> None:
    """The loss of the step that diverged (NaN or inf) is no update's: the last loss is a finite mean."""
    r = diagnose.diagnose_cell("rnn_relu", 30, 8, 20, 0, lr=10.0)
    assert r["diverged"] and r["train_steps"] >= 1 and math.isfinite(r["train_loss_last"])


def test_a_ratio_over_a_last_norm_of_zero_is_nan() -> None:
    assert math.isnan(diagnose._ratio(torch.tensor([1.0, 0.0])))
    assert diagnose._ratio(torch.tensor([1.0, 4.0])) == 0.25


def test_a_run_that_made_no_steps_does_not_change_what_the_others_average() -> None:
    assert diagnose.mean_of_last([0, 200]) == "mean of the last 10"
    assert diagnose.mean_of_last([0]) == "mean of the last 10"


def _report() -> dict:
    """A diagnose report, by hand: one cell, a sweep of one radius, an unclipped run that diverged at step 2."""
    cell = {"hidden": 4, "lr": 1e-3, "train_steps": 20, "diverged": None, "train_seconds": 0.1,
            "train_loss_first": 0.5, "train_loss_last": 0.25, "radius_start": {"radius": 1.0, "blocks": {}},
            "radius_end": {"radius": 1.5, "blocks": {}}, "grad_norms_start": [1.0, 2.0],
            "grad_norms_end": [3.0, 4.0], "first_over_last_start": 0.5, "first_over_last_end": 0.75}
    runs = {"unclipped": {"clip": None, "losses": [0.5, 600.0], "grad_norms": [1.0, 2.0], "diverged": True,
                          "diverged_at": 2, "reason": "loss 600 at step 2 is over 1000x the first",
                          "first_loss": 0.5, "final_loss": float("nan")},
            "clipped": {"clip": 1.0, "losses": [0.5] * 20, "grad_norms": [1.0] * 20, "diverged": False,
                        "diverged_at": None, "reason": "trained: loss stayed finite and below the blow-up limit",
                        "first_loss": 0.5, "final_loss": 0.5}}
    return {"length": 2, "hidden": 4, "seed": 0, "cells": {"rnn_tanh": cell}, "radius_length": 2,
            "radius_sweep": {"0.9": {"norms": [0.9, 1.0], "factor": 0.9, "first_over_last": 0.9,
                                     "spectral_radius": 0.9}},
            "clipping_lr": 0.01, "clipping_length": 2, "clipping": runs, "files": []}


def test_the_markdown_says_which_run_diverged_and_what_the_others_average() -> None:
    """The clipping table's header averages the runs that did not diverge (the clipped one's 20 steps: the last
    10), and its diverged column says yes for the unclipped run only."""
    text = diagnose.markdown(_report())
    assert "| first loss | mean of the last 10 losses |" in text
    assert "| unclipped | yes | loss 600 at step 2" in text and "| clipped at global norm 1 | no | trained" in text


def test_the_summary_keeps_start_and_end_apart() -> None:
    cells = diagnose.summary(_report())["cells"]["rnn_tanh"]
    assert (cells["radius_start"], cells["radius_end"]) == (1.0, 1.5)
    assert (cells["first_over_last_start"], cells["first_over_last_end"]) == (0.5, 0.75)


def test_the_gradient_figure_draws_the_start_solid_and_the_end_dashed(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import rnnkit.plots

    drawn: dict[str, list] = {}
    monkeypatch.setattr(rnnkit.plots, "gradient_norms_png",
                        lambda path, lines, *a, **k: drawn.update({path.name: lines}))
    diagnose._plot(_report(), tmp_path)
    (init, init_norms, init_style), (after, after_norms, after_style) = drawn["gradient_norms.png"]
    assert (init, init_norms, "ls" in init_style) == ("rnn_tanh (init)", [1.0, 2.0], False)
    assert (after, after_norms, after_style["ls"]) == ("rnn_tanh (after 20 steps)", [3.0, 4.0], "--")


def test_run_diagnose_reports_its_own_settings(tmp_path: Path, fitted_trainers: list) -> None:
    """The sweep is keyed by the radius as text (as diagnose.json has it), the clipping runs by their own length,
    SGD lr 0.01 and batches of 16 (Le et al. 2015), the cell's training Adam on batches of 32."""
    report = diagnose.run_diagnose(["gru"], 6, tmp_path / "d", hidden=4, train_steps=1, clip_steps=1, clip_length=5)
    assert list(report["radius_sweep"]) == ["0.9", "1.1"]
    assert (report["clipping_length"], report["clipping_lr"]) == (5, 0.01)
    assert [(t.cfg.optimizer, t.cfg.lr, t.batches.batch_size, t.batches.length) for t in fitted_trainers] == [
        ("adam", 1e-3, 32, 6), ("sgd", 0.01, 16, 5), ("sgd", 0.01, 16, 5)]


def test_the_command_runs_with_subnormals_flushed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny IRNN weights make subnormals, slow on a CPU: the command runs with them flushed, and leaves the
    setting as it found it."""
    from rnnkit.cli import main
    from rnnkit.device import denormals_are_flushed

    seen = []

    def fake(*args, **kwargs):
        seen.append(float(torch.tensor([1e-39]) * torch.tensor([1.0])))  # a float32 subnormal
        raise KeyboardInterrupt

    monkeypatch.setattr(diagnose, "run_diagnose", fake)
    before = denormals_are_flushed()
    assert main(["diagnose", "--cells", "gru", "--length", "6", "--hidden", "4", "--out", str(tmp_path / "d")]) == 130
    assert seen == [0.0] and denormals_are_flushed() == before


def test_the_flags_default_to_run_diagnose_s_defaults() -> None:
    """--hidden, --train-steps, --clip-steps, --clip-length and --seed default to what run_diagnose takes when
    not given; --length to the documented run's 200."""
    parser = argparse.ArgumentParser()
    diagnose._arguments(parser)
    args = parser.parse_args(["--out", "x"])
    defaults = {name: p.default for name, p in inspect.signature(diagnose.run_diagnose).parameters.items()}
    for name in ("hidden", "train_steps", "clip_steps", "clip_length", "seed"):
        assert getattr(args, name) == defaults[name], name
    assert args.length == 200 and args.cells.split(",") == list(diagnose.DEFAULT_CELLS)
