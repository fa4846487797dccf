"""Issue 6: gradient norm through time, spectral radius, radius 0.9 vs 1.1, clipping, `rnnkit diagnose`."""

from __future__ import annotations

import ast
import fcntl
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit import Recurrent
from rnnkit.cli import main
from rnnkit.diagnostics import (
    clipping_comparison,
    divergence_reason,
    geometric_factor,
    gradient_norms_through_time,
    radius_sweep,
    spectral_radius,
    train_on_adding,
)
from rnnkit.errors import UserError
from rnnkit.models.sequence import SequenceModel
from rnnkit.tasks import diagnose
from rnnkit.train.trainer import TrainingDiverged

REASON = re.compile(r"loss is (nan|inf) at step \d+|loss \S+ at step \d+ is over 1000x the first|"
                    r"gradient norm is (nan|inf) at step \d+")


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


def test_gradient_norms_refuse_two_directions() -> None:
    """The loss reads the probed layer's last state: for a reverse direction that would not be the output's
    gradient, so it is refused (a layer of a stack is probed: tests/test_fixexp_diagnostics.py)."""
    rnn = Recurrent("rnn_tanh", 3, 4, bidirectional=True)
    with pytest.raises(ValueError, match="one-direction"):
        gradient_norms_through_time(rnn, torch.randn(5, 2, 3), lambda h: h.sum())


def test_spectral_radius() -> None:
    assert spectral_radius(torch.eye(5))["radius"] == pytest.approx(1.0)
    q, _ = torch.linalg.qr(torch.randn(6, 6))
    assert spectral_radius(0.7 * q)["radius"] == pytest.approx(0.7, rel=1e-5)
    blocks = spectral_radius(torch.cat([0.5 * torch.eye(4), 2 * torch.eye(4), torch.eye(4), torch.eye(4)]), "lstm")
    assert blocks["blocks"]["f"] == pytest.approx(2.0) and blocks["radius"] == pytest.approx(2.0)


def test_the_gru_blocks_are_named_in_torchs_order() -> None:
    """torch.nn.GRU's weight_hh_l0 is (W_hr | W_hz | W_hn): the radius of each block is named so."""
    gru = torch.nn.GRU(4, 4)
    with torch.no_grad():
        gru.weight_hh_l0.copy_(torch.cat([0.5 * torch.eye(4), 2 * torch.eye(4), 3 * torch.eye(4)]))
    blocks = spectral_radius(gru.weight_hh_l0, "gru")["blocks"]
    assert blocks == pytest.approx({"r": 0.5, "z": 2.0, "n": 3.0})


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
    # norms that underflowed to zero far from the loss are left out of the fit, not taken as log 0
    assert geometric_factor(torch.tensor([0.0, 0.0, 1.0, 2.0, 4.0, 8.0])) == pytest.approx(0.5)


def test_unclipped_diverges_clipped_trains(fitted_trainers: list) -> None:
    trainers = fitted_trainers
    runs = clipping_comparison(clip=1.0, cell="irnn", length=100, hidden=32, steps=25, lr=0.01, seed=0)
    assert [t.cfg.clip for t in trainers] == [None, 1.0]
    assert all(t.cfg.optimizer == "sgd" and t.cfg.momentum == 0.0 and t.out_dir is None for t in trainers)
    unclipped = runs["unclipped"]
    assert unclipped["diverged"] and unclipped["diverged_at"] is not None
    assert REASON.fullmatch(unclipped["reason"]), unclipped["reason"]
    assert f"at step {unclipped['diverged_at']}" in unclipped["reason"]
    assert len(unclipped["losses"]) == unclipped["diverged_at"]  # the loss that blew up is the last one
    assert math.isnan(unclipped["final_loss"])
    assert not runs["clipped"]["diverged"] and runs["clipped"]["diverged_at"] is None
    assert len(runs["clipped"]["losses"]) == 25 == len(runs["clipped"]["grad_norms"])
    assert runs["clipped"]["final_loss"] < runs["clipped"]["first_loss"]
    assert max(runs["clipped"]["grad_norms"]) > 1.0  # clipping had something to do
    assert runs["clipped"]["first_loss"] == unclipped["first_loss"]  # same seed, same data, same start


def test_divergence_reasons_keep_their_words() -> None:
    assert divergence_reason(TrainingDiverged("", 7, "training loss", float("nan")), 1e3) == "loss is nan at step 7"
    big = TrainingDiverged("", 3, "training loss", 41_500.0, "over 1000x the first (0.17)")
    assert divergence_reason(big, 1e3) == "loss 4.15e+04 at step 3 is over 1000x the first"
    grad = TrainingDiverged("", 5, "gradient norm", float("inf"))
    assert divergence_reason(grad, 1e3) == "gradient norm is inf at step 5"


def test_train_on_adding_keeps_every_step_and_stops_on_divergence() -> None:
    torch.manual_seed(0)
    run = train_on_adding(SequenceModel("lstm", 2, 8, 1, every_step=False), 12, 6, lr=1e-2, clip=1.0,
                          batch_size=4, seed=1)
    assert run["steps"] == 6 and len(run["losses"]) == 6 == len(run["grad_norms"]) and run["diverged"] is None
    assert all(math.isfinite(v) for v in run["losses"] + run["grad_norms"])
    torch.manual_seed(0)
    blown = train_on_adding(SequenceModel("irnn", 2, 8, 1, every_step=False), 12, 30, lr=1e5, optimizer="sgd",
                            clip=None, batch_size=4, seed=1, blowup=1e3)
    d = blown["diverged"]
    assert isinstance(d, TrainingDiverged) and d.step == blown["steps"] + 1 == len(blown["losses"])
    assert train_on_adding(SequenceModel("gru", 2, 4, 1, every_step=False), 12, 0, lr=1e-3)["losses"] == []


def test_diagnose_cell_trains_through_the_trainer(fitted_trainers: list) -> None:
    trainers = fitted_trainers
    r = diagnose.diagnose_cell("irnn", 20, 8, 4, seed=0)
    assert len(trainers) == 1 and trainers[0].cfg.clip == 1.0 and trainers[0].cfg.optimizer == "adam"
    assert r["lr"] == 1e-4 and diagnose.diagnose_cell("gru", 20, 8, 0, seed=0)["lr"] == 1e-3
    assert r["train_steps"] == 4 and math.isfinite(r["train_loss_first"]) and math.isfinite(r["train_loss_last"])
    assert r["radius_start"]["radius"] == pytest.approx(1.0)  # the IRNN preset: W_hh = I
    assert len(r["grad_norms_start"]) == len(r["grad_norms_end"]) == 20


def test_diagnose_does_not_import_the_experiments() -> None:
    tree = ast.parse(Path(diagnose.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m and "experiments" in m for m in imported), imported


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
    report = _strict_loads((out / "diagnose.json").read_text())
    assert len(report["cells"]["lstm"]["grad_norms_start"]) == 30
    assert report["clipping"]["unclipped"]["final_loss"] is None  # diverged: null, not NaN


def _strict_loads(text: str) -> dict:
    """json.loads refusing NaN and Infinity, as jq and JavaScript's JSON.parse do."""
    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def test_diagnose_without_training_writes_strict_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "diag"
    assert main(["diagnose", "--cells", "rnn_tanh", "--length", "10", "--hidden", "4", "--train-steps", "0",
                 "--clip-steps", "3", "--clip-length", "10", "--out", str(out), "--json"]) == 0
    _strict_loads(capsys.readouterr().out)
    report = _strict_loads((out / "diagnose.json").read_text())
    assert report["cells"]["rnn_tanh"]["train_steps"] == 0
    assert report["cells"]["rnn_tanh"]["train_loss_first"] is None


def test_diagnose_keeps_an_earlier_output_unless_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second diagnose into the same --out replaced the first's files silently (rnnkit experiment refuses)."""
    out = tmp_path / "diag"

    def run(cells: str, *more: str) -> int:
        return main(["diagnose", "--cells", cells, "--length", "10", "--hidden", "4", "--train-steps", "0",
                     "--clip-steps", "2", "--clip-length", "10", "--out", str(out), "--json", *more])

    assert run("rnn_tanh") == 0
    capsys.readouterr()
    assert run("gru") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: --out {out}: already holds an earlier diagnose's ") and err.count("\n") == 1
    assert set(json.loads((out / "diagnose.json").read_text())["cells"]) == {"rnn_tanh"}
    assert run("gru", "--overwrite") == 0
    assert set(json.loads((out / "diagnose.json").read_text())["cells"]) == {"gru"}


def test_a_second_diagnose_into_a_busy_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two diagnose runs into one --out at once (the second with --overwrite) removed and rewrote each other's
    files; the second is refused in one line while the first holds out/.lock, and runs once it is free."""
    out = tmp_path / "diag"
    out.mkdir()
    (out / "diagnose.json").write_text("{}")
    run = ["diagnose", "--cells", "gru", "--length", "6", "--hidden", "4", "--train-steps", "0", "--clip-steps", "1",
           "--clip-length", "6", "--out", str(out), "--json", "--overwrite"]
    with open(out / ".lock", "a+", encoding="utf-8") as fh:  # held as another process's run holds it
        fh.write("pid 4242")
        fh.flush()
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(run) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"rnnkit: error: {out}: another run is writing into it (pid 4242)")
        assert err.count("\n") == 1
        assert sorted(p.name for p in out.iterdir()) == [".lock", "diagnose.json"]
        assert (out / "diagnose.json").read_text() == "{}"
    assert main(run) == 0
    assert set(json.loads((out / "diagnose.json").read_text())["cells"]) == {"gru"}
    assert main(run) == 0  # the lock a finished run leaves refuses no one


def test_diagnose_refuses_bad_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "--cells", "lstm,foo", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown cell foo" in err and "clockwork" in err  # the choices come from rnnkit.cells.CELLS
    assert diagnose.parse_cells(" gru , lstm") == ["gru", "lstm"]


@pytest.mark.parametrize(("flag", "value"), [("--clip-length", "0"), ("--threads", "-2"), ("--threads", "0")])
def test_cli_checks_every_size_before_it_trains(tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str,
                                                value: str) -> None:
    """--clip-length 0 once trained every cell, then blamed --length; --threads -2 was a traceback; --threads 0
    was taken silently as torch's default (rnnkit experiment refuses it)."""
    out = tmp_path / "diag"
    assert main(["diagnose", "--cells", "gru", "--length", "12", "--hidden", "4", "--train-steps", "2",
                 "--clip-steps", "2", flag, value, "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip().startswith(f"rnnkit: error: {flag} {value}: expected an integer ")
    assert not out.exists()


@pytest.mark.parametrize(("change", "message"), [
    ({"clip_steps": 0}, "clip_steps 0: expected an integer >= 1"),
    ({"train_steps": -1}, "train_steps -1: expected an integer >= 0"),
    ({"clip_length": 1}, "clip_length 1: expected an integer >= 2"),
    ({"length": 2.5}, "length 2.5: expected an integer >= 2"),
    ({"seed": 2**64 - 1}, "seed 18446744073709551615: expected an integer from"),
    ({"cells": ["gru", "grux"]}, "cells ['gru', 'grux']: unknown cell grux; expected some of rnn_tanh,"),
    ({"cells": "gru"}, "cells 'gru': expected a list of cell names"),
    ({"cells": ["gru", "gru"]}, "cells ['gru', 'gru']: gru is named twice"),
])
def test_run_diagnose_checks_its_settings_from_python(tmp_path: Path, change: dict, message: str) -> None:
    """The CLI checked its flags and run_diagnose, the function behind it, did not: clip_steps=0 and
    train_steps=-1 ran and wrote nonsense, clip_length=1 blamed 'length', cells="gru" was 'unknown cell g' from
    inside, a seed past 64 bits torch's 'Overflow when unpacking long long' once the first cell had trained."""
    kwargs = {"cells": ["gru"], "length": 6, "hidden": 4, "train_steps": 0, "clip_steps": 1, "clip_length": 6,
              **change}
    with pytest.raises(UserError) as caught:
        diagnose.run_diagnose(out=tmp_path / "diag", **kwargs)
    assert str(caught.value).startswith(message), caught.value
    assert not (tmp_path / "diag").exists()


def test_ctrl_c_ends_diagnose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C during a cell's training only cut that training short: diagnose went on to the next cell, wrote
    every file as if the run were complete (the cut cell's "after N steps" a smaller N) and exited 0."""
    import signal

    from rnnkit import diagnostics

    calls = {"n": 0}
    inner = diagnostics._adding_loss

    def interrupting(model, batch, state):
        calls["n"] += 1
        if calls["n"] == 3:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C: the Trainer ends this step and returns "interrupted"
        return inner(model, batch, state)

    monkeypatch.setattr(diagnostics, "_adding_loss", interrupting)
    out = tmp_path / "diag"
    assert main(["diagnose", "--cells", "rnn_tanh,gru", "--length", "10", "--hidden", "4", "--train-steps", "20",
                 "--clip-steps", "2", "--clip-length", "10", "--out", str(out)]) == 130
    captured = capsys.readouterr()
    assert captured.err.strip().endswith("rnnkit: interrupted") and "gru" not in captured.err
    assert calls["n"] == 3 and not out.exists()  # nothing was written: no results of a half-done run
    calls["n"] = 0
    with pytest.raises(KeyboardInterrupt):  # the function a script calls stops too, also at its last step
        diagnostics.train_on_adding(SequenceModel("rnn_tanh", 2, 4, 1, every_step=False), 10, 3, lr=1e-3)


def test_diagnose_md_says_its_last_losses_are_means() -> None:
    """diagnose.md's "final loss" and "train loss first → last" are the mean of the last 10 losses (of all, in a
    run of fewer steps), not the last loss: after 3 clipped steps the table said 1.03 where clipping.png's last
    point was 0.7."""
    runs = clipping_comparison(clip=1.0, cell="irnn", length=10, hidden=4, steps=3, lr=0.01, seed=0)
    report = {"length": 10, "cells": {"gru": diagnose.diagnose_cell("gru", 10, 4, 3, seed=0)},
              "radius_sweep": {}, "clipping_lr": 0.01, "clipping_length": 10, "clipping": runs}
    text = diagnose.markdown(report)
    # after 3 steps the mean is of those 3: the headers said "the last 10"
    assert "| train loss first → mean of the last 3 |" in text
    assert "| first loss | mean of the last 3 losses |" in text
    assert diagnose.mean_of_last([200, 200]) == "mean of the last 10"
    assert diagnose.mean_of_last([200, 4]) == "mean of the last 10, or of all where fewer"  # one diverged early


def test_ctrl_c_while_diagnose_writes_leaves_no_half_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while the pictures were drawn, after all the training, left gradient_norms.png alone in --out: no
    diagnose.json, and the next run into that --out was refused for an 'earlier diagnose's' picture."""
    import rnnkit.plots

    drawn = {"n": 0}
    inner = rnnkit.plots.gradient_norms_png

    def interrupted_at_the_second(*args, **kwargs):
        drawn["n"] += 1
        if drawn["n"] == 2:
            raise KeyboardInterrupt
        return inner(*args, **kwargs)

    monkeypatch.setattr(rnnkit.plots, "gradient_norms_png", interrupted_at_the_second)
    out = tmp_path / "diag"
    flags = ["diagnose", "--cells", "gru", "--length", "6", "--hidden", "4", "--train-steps", "0", "--clip-steps", "1",
             "--clip-length", "6", "--out", str(out), "--json"]
    assert main(flags) == 130
    assert drawn["n"] == 2 and not out.exists()
    monkeypatch.setattr(rnnkit.plots, "gradient_norms_png", inner)
    capsys.readouterr()
    assert main(flags) == 0  # the same command again: nothing in the way


def test_the_probe_takes_its_steps_with_unbind() -> None:
    """Each step read its input as xw[t], whose backward fills a zero tensor of all of xw: T steps cost O(T²)
    (an LSTM of hidden 64 took 30 s to probe 15000 steps, 2 s with one unbind, as Recurrent's loop takes them)."""
    nodes: dict[int, str] = {}

    def loss_fn(h: torch.Tensor) -> torch.Tensor:
        todo = [h.grad_fn]
        while todo:
            node = todo.pop()
            if node is not None and id(node) not in nodes:
                nodes[id(node)] = type(node).__name__
                todo.extend(n for n, _ in node.next_functions)
        return h.sum()

    torch.manual_seed(0)
    gradient_norms_through_time(Recurrent("lstm", 2, 3), torch.randn(6, 1, 2), loss_fn)
    seen = set(nodes.values())
    assert "UnbindBackward0" in seen and not any(name.startswith("SelectBackward") for name in seen), seen


@pytest.mark.parametrize(("call", "message"), [
    (lambda: radius_sweep(1.1, length=5, hidden=4), "radii 1.1: expected a list of radii"),
    (lambda: radius_sweep((), length=5, hidden=4), "radii (): expected a list of radii"),
    (lambda: radius_sweep((0.0,), length=5, hidden=4), "radii 0.0: expected a list of radii, each a number > 0"),
    (lambda: radius_sweep((-1.0,), length=5, hidden=4), "radii -1.0: expected a list of radii, each a number > 0"),
    (lambda: radius_sweep((float("nan"),), length=5, hidden=4), "radii nan: expected"),
    (lambda: radius_sweep((0.9, 0.9), length=5, hidden=4), "radii (0.9, 0.9): 0.9 is named twice"),
    (lambda: radius_sweep((1e300,), length=5, hidden=4), "radii (1e+300,): radius 1e+300 grows the gradient"),
    (lambda: radius_sweep((1.1,), length=900, hidden=4), "length 900: expected at most 821 for radius 1.1"),
    (lambda: radius_sweep((1.1,), length=822, hidden=4), "length 822: expected at most 821 for radius 1.1"),
    (lambda: radius_sweep((0.9,), length=0, hidden=4), "length 0: expected an integer >= 2"),
    (lambda: radius_sweep((0.9,), length=1, hidden=4), "length 1: expected an integer >= 2"),
    (lambda: radius_sweep((0.9,), length=5, hidden=2.0), "hidden 2.0: expected an integer >= 1"),
    (lambda: radius_sweep((0.9,), length=5, hidden=4, seed=2**64), "seed 18446744073709551616: expected"),
    (lambda: clipping_comparison(clip=0.0, length=5, hidden=4, steps=1), "clip 0.0: expected a number > 0"),
    (lambda: clipping_comparison(clip=None, length=5, hidden=4, steps=1), "clip None: expected a number > 0"),
    (lambda: clipping_comparison(cell="foo", length=5, hidden=4, steps=1), "cell 'foo': unknown cell; expected"),
    (lambda: clipping_comparison(length=2.5, hidden=4, steps=1), "length 2.5: expected an integer >= 2"),
    (lambda: clipping_comparison(length=5, hidden=2.5, steps=1), "hidden 2.5: expected an integer >= 1"),
    (lambda: clipping_comparison(length=5, hidden=4, steps=0), "steps 0: expected an integer >= 1"),
    (lambda: clipping_comparison(length=5, hidden=4, steps=1, batch_size=0), "batch_size 0: expected an integer"),
    (lambda: clipping_comparison(length=5, hidden=4, steps=1, blowup=-1), "blowup -1: expected a number >= 1"),
    (lambda: clipping_comparison(length=5, hidden=4, steps=1, seed=2**64 - 1), "seed 18446744073709551615: "),
    (lambda: train_on_adding(SequenceModel("gru", 2, 4, 1, every_step=False), 5, 1, lr=1e-3, blowup=0),
     "blowup 0: expected a number >= 1"),  # the Trainer's check: 0 turned the blow-up check off
    (lambda: diagnose.diagnose_cell("foo", 5, 4, 1, 0), "cell 'foo': unknown cell; expected one of rnn_tanh,"),
    (lambda: diagnose.diagnose_cell("gru", 2.5, 4, 1, 0), "length 2.5: expected an integer >= 2"),
    (lambda: diagnose.diagnose_cell("gru", 5, 2.5, 1, 0), "hidden 2.5: expected an integer >= 1"),
    (lambda: diagnose.diagnose_cell("gru", 5, 4, -1, 0), "train_steps -1: expected an integer >= 0"),
    (lambda: diagnose.diagnose_cell("gru", 5, 4, True, 0), "train_steps True: expected an integer >= 0"),
    (lambda: diagnose.diagnose_cell("gru", 5, 4, 1, 1.5), "seed 1.5: expected an integer"),
])
def test_the_diagnostics_check_their_settings_from_python(call, message: str) -> None:
    """radius_sweep, clipping_comparison and diagnose_cell had no checks of their own: radii=1.1 was "'float' object
    is not iterable", a radius of 0 an all-zero initialisation refused, -1 swept radius 1 under the name -1,
    length=0 an IndexError, clip=0 two unclipped runs with one called clipped, steps=0 two runs that "trained",
    blowup=-1 a divergence at step 1 (and train_on_adding's blowup=0 no blow-up check at all), cell="foo" a KeyError,
    2.5 for a size and a seed past 64 bits tracebacks."""
    with pytest.raises(UserError) as caught:
        call()
    assert str(caught.value).startswith(message), caught.value


@pytest.mark.parametrize(("lr", "why"), [
    (0, ": a learning rate of 0 trains nothing"), (0.0, ": a learning rate of 0 trains nothing"),
    (-0.1, ": a negative learning rate climbs the loss instead of descending it"),
    (float("-inf"), ": a negative learning rate climbs the loss instead of descending it"),
    (float("nan"), ": a learning rate of NaN makes every weight NaN"),
    (float("inf"), ": an infinite learning rate makes every weight it moves infinite"), ("0.1", ""), (True, "")])
@pytest.mark.parametrize("run", ["clipping_comparison", "diagnose_cell"])
def test_a_learning_rate_that_cannot_train_is_refused_before_anything_is_built(
        run: str, lr: object, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """lr=0 trained without moving a weight: clipping_comparison called both runs "trained" (the same losses, the
    clipping shown to do nothing) and diagnose_cell reported its radius and gradients "after 2 steps"; a negative or
    NaN lr was refused by the Trainer only after the model was built and probed. Each is refused first, in one line
    that fits its value (a negative, NaN or infinite one, and a string, were told "a learning rate of 0 trains
    nothing" too)."""
    built = []
    monkeypatch.setattr(SequenceModel, "__init__", lambda *a, **k: built.append(a) or pytest.fail("model built"))
    call = (lambda: clipping_comparison(length=5, hidden=4, steps=2, lr=lr)) if run == "clipping_comparison" \
        else (lambda: diagnose.diagnose_cell("gru", 5, 4, 2, 0, lr=lr))
    with pytest.raises(UserError) as caught:
        call()
    assert str(caught.value) == f"lr {lr!r}: expected a number > 0{why}"
    assert not built


@pytest.mark.parametrize("number", [np.int64, torch.tensor], ids=["numpy", "tensor"])
def test_numpy_and_tensor_numbers_that_pass_the_checks_run(tmp_path: Path, number) -> None:
    """The checks take a numpy or 0-d tensor integer (errors.check_count) and the functions then used the value as
    given: hidden=np.int64(4) was torch's "hidden_size should be of type int, got: int64", seed=np.int64(0) "an
    integer is required", steps=np.int64(1) the Trainer's "steps 1: expected an integer" after diagnose's check had
    taken it, a radius of np.float32(0.9) an initialiser that could not be read. They run now as the ints they are."""
    report = diagnose.run_diagnose(["gru"], number(6), tmp_path / "d", hidden=number(4), train_steps=number(1),
                                   seed=number(0), clip_steps=number(1), clip_length=number(5))
    assert report == diagnose.run_diagnose(["gru"], 6, tmp_path / "e", hidden=4, train_steps=1, seed=0, clip_steps=1,
                                           clip_length=5) | {"cells": report["cells"]}
    assert report["cells"]["gru"]["hidden"] == 4 and type(report["length"]) is int
    assert _strict_loads((tmp_path / "d" / "diagnose.json").read_text())["hidden"] == 4
    sweep = radius_sweep((np.float32(0.5),), length=number(4), hidden=number(3), seed=number(1))
    assert list(sweep) == [0.5] and len(sweep[0.5]["norms"]) == 4
    runs = clipping_comparison(clip=np.float32(1.0), length=number(5), hidden=number(3), steps=number(1),
                               lr=np.float32(0.01), batch_size=number(2), seed=number(0))
    assert runs["clipped"]["clip"] == 1.0 and len(runs["clipped"]["losses"]) == 1


def test_a_cell_whose_training_diverges_says_so() -> None:
    """A cell's training that diverged stopped early and said only "after 1 steps" (20 asked), in the log line,
    the result and diagnose.md, as if 1 step had been asked; now each says it diverged, and why."""
    lines: list[str] = []
    r = diagnose.diagnose_cell("rnn_relu", 30, 8, 20, 0, lr=10.0, log=lines.append)
    assert r["train_steps"] < 20 and REASON.fullmatch(r["diverged"]), r["diverged"]
    assert lines[0].endswith(f"; DIVERGED, {r['diverged']}: stopped"), lines
    assert diagnose.diagnose_cell("gru", 6, 4, 2, 0)["diverged"] is None
    table = diagnose.markdown({"length": 30, "cells": {"rnn_relu": r}, "radius_sweep": {}, "clipping": {},
                               "clipping_lr": 0.01, "clipping_length": 5})
    assert f"| {r['train_steps']} (diverged: {r['diverged']}) |" in table


def test_diagnose_sweeps_the_radii_as_long_as_float32_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--length 900 trained every cell, then the radius sweep died in a traceback (its input's spread 0.01·1.1^-900
    flushed to zero: "an all-zero weight initialisation is refused"), and wrote nothing; the sweep now runs its
    longest (821 steps for radius 1.1) and says so, also over the report page's figure, which showed no length (the
    900 of the figure above it read as the sweep's)."""
    from rnnkit.report import write_report

    out = tmp_path / "diag"
    assert main(["diagnose", "--cells", "gru", "--length", "900", "--hidden", "4", "--train-steps", "0",
                 "--clip-steps", "1", "--clip-length", "6", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["radius_sweep"]["1.1"]["factor"] == pytest.approx(1.1, abs=0.005)
    report = _strict_loads((out / "diagnose.json").read_text())
    assert report["radius_length"] == 821 and len(report["radius_sweep"]["1.1"]["norms"]) == 821
    assert "near-linear regime, T = 821)" in (out / "diagnose.md").read_text()
    title = json.dumps("tanh RNN, W_hh = radius × orthogonal, T = 821")[1:-1]  # as Plotly writes it in the page
    assert title in write_report(out).read_text(encoding="utf-8")


def test_the_size_check_counts_the_probes_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe keeps the graph of every step (5 to 25 KB a step, measured) and the check counted 4 bytes a
    number: --length 10^8 --hidden 4 --train-steps 0 was counted 4 GB and accepted where 500 GB would be needed."""
    from rnnkit.train import memory

    monkeypatch.setattr(memory, "free_memory", lambda device: 100_000_000)
    with pytest.raises(UserError, match=r"^length 50000: the probed sequence, its hidden states, their gradients "
                                        r"and each step's graph take at least 0\.21 GB; this machine has 0\.1 GB"):
        diagnose.check_settings(["gru"], 50_000, hidden=4, train_steps=0, clip_steps=1, clip_length=6)
    diagnose.check_settings(["gru"], 20_000, hidden=4, train_steps=0, clip_steps=1, clip_length=6)  # 83 MB


def test_a_cell_without_w_hh_shows_no_radius(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """minGRU has no W_hh (spectral_radius gives 0 for it): the log line, diagnose.md and the report's table
    said "radius 0.000 -> 0.000", read as a radius of 0; they now say it has none (diagnose.json keeps 0)."""
    from rnnkit.report import write_report

    out = tmp_path / "diag"
    assert main(["diagnose", "--cells", "mingru", "--length", "8", "--hidden", "4", "--train-steps", "1",
                 "--clip-steps", "1", "--clip-length", "6", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "mingru: no W_hh, no radius;" in err and "0.000" not in err
    assert "| mingru | — (no W_hh) | — |" in (out / "diagnose.md").read_text(encoding="utf-8")
    assert "<tr><td>mingru</td><td>— (no W_hh)</td><td>—</td>" in write_report(out).read_text(encoding="utf-8")
    assert json.loads((out / "diagnose.json").read_text())["cells"]["mingru"]["radius_end"]["radius"] == 0
