"""``--find-lr``: the learning-rate range test (Smith 2017; fastai's ``lr_find``, Lightning's ``Tuner.lr_find``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train.lr_find import (
    END,
    START,
    UPDATES,
    LearningRateCurve,
    LearningRateFound,
    geometric_rates,
    run_range_test,
    smoothed,
    steepest,
)
from rnnkit.train.trainer import TrainConfig, Trainer, TrainingDiverged
from tests.test_classify_cli import make_csv
from tests.test_train import _ListBatches, _squared_error

FLAGS = ["--hidden", "8", "--embedding", "8", "--no-progress"]


def test_the_rates_rise_geometrically_from_start_to_end() -> None:
    rates = geometric_rates()
    assert len(rates) == UPDATES and rates[0] == START and math.isclose(rates[-1], END)
    ratios = [b / a for a, b in zip(rates, rates[1:], strict=False)]
    assert all(math.isclose(r, (END / START) ** (1 / (UPDATES - 1))) for r in ratios)


def test_smoothing_is_the_bias_corrected_moving_average() -> None:
    """By hand, beta 0.98: 1 → 1; then (0.98·0.02 + 0.02·2) / (1 − 0.98²) = 0.0596 / 0.0396."""
    out = smoothed([1.0, 2.0, 4.0])
    assert out[0] == pytest.approx(1.0) and out[1] == pytest.approx(0.0596 / 0.0396)
    assert out[2] == pytest.approx((0.98 * 0.0596 + 0.02 * 4.0) / (1 - 0.98 ** 3))


def test_the_suggestion_is_where_numpys_gradient_is_least_as_lightning_takes_it() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(13, 60))
        losses = list(rng.normal(size=n).cumsum())
        rates = geometric_rates(updates=n)
        # PyTorch Lightning's _LRFinder.suggestion(skip_begin=10, skip_end=1)
        expected = rates[10 + int(np.gradient(np.array(losses[10:-1])).argmin())]
        assert steepest(rates, losses) == expected
    assert steepest(geometric_rates(updates=12), [1.0] * 12) is None  # one point left: no slope


def test_the_test_stops_once_the_smoothed_loss_passes_four_times_its_lowest() -> None:
    losses = iter([1.0] * 30 + [0.5] * 10 + [50.0] * 50)
    seen: list[float] = []
    curve = run_range_test(lambda lr: (next(losses), 1), seen.append)
    assert curve.stopped == "diverged" and seen == curve.rates[: len(seen)]
    assert curve.smoothed[-1] > 4 * min(curve.smoothed) >= curve.smoothed[-2] and len(curve.rates) < 50
    nan = iter([1.0, 1.0, math.nan, 1.0])
    assert run_range_test(lambda lr: (next(nan), 1), lambda lr: None).rates == geometric_rates()[:2]

    def diverges(lr: float) -> tuple[float, int]:
        if lr > 1e-6:
            raise TrainingDiverged("diverged", 3)
        return 2.0, 2

    curve = run_range_test(diverges, lambda lr: None)
    assert curve.stopped == "diverged" and curve.losses == [1.0] * len(curve.rates)
    assert all(r <= 1e-6 for r in curve.rates)


def test_each_update_takes_its_rate_as_plain_sgd_by_hand() -> None:
    """The trainer's range test on least squares with SGD: each update's loss is that of
    w ← w − lr_i ∇L(w) computed by hand with the rates of :func:`geometric_rates`; no model is kept."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(6, 3, generator=g), torch.randn(6, 1, generator=g)
    torch.manual_seed(1)  # seeded: drawn from the state earlier tests left, 1 start in 4 (seeds 0-39) began too
    model = torch.nn.Linear(3, 1, bias=False)  # near the fit to halve the loss on the way, and the test failed
    w = model.weight.detach().clone()
    cfg = TrainConfig(optimizer="sgd", momentum=0.0, clip=None, find_lr=True, progress=False, verbose=False)
    with pytest.raises(LearningRateFound) as found:
        Trainer(model, cfg, batches=_ListBatches([(x, y)]), loss_fn=_squared_error).fit()
    curve = found.value.curve
    assert curve.rates == geometric_rates()[: len(curve.rates)] and len(curve.rates) > 50
    for lr, loss in zip(curve.rates, curve.losses, strict=False):
        if lr > 0.1:  # past it the steps overshoot and float32's rounding grows with each
            break
        residual = x @ w.T - y
        assert loss == pytest.approx(float((residual ** 2).mean()), rel=1e-5)
        w = w - lr * (2 * residual.T @ x / y.numel())
    assert curve.losses[0] > 2 * min(curve.losses)  # it learned on the way


def test_the_command_prints_a_suggestion_and_leaves_no_run(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv", 40, 0)
    out = tmp_path / "runs" / "x"
    capsys.readouterr()
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--find-lr", "--find-lr-plot",
                 str(tmp_path / "lr.png"), *FLAGS]) == 0
    printed = capsys.readouterr().out
    assert "learning-rate range test: " in printed and "suggested --lr " in printed
    assert not (tmp_path / "runs").exists()  # the folders the run made are removed, as a failed run's
    assert (tmp_path / "lr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--find-lr", "--json", *FLAGS]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["lr"] == geometric_rates()[: len(result["lr"])] and len(result["loss"]) == len(result["lr"])
    assert result["suggested_lr"] == steepest(result["lr"], result["smoothed_loss"])
    assert not (tmp_path / "runs").exists()


def test_from_python_it_returns_the_curve(tmp_path: Path) -> None:
    data = make_csv(tmp_path / "d.csv", 40, 0)
    curve = rnnkit.fit("classify", str(data), tmp_path / "x", find_lr=True, hidden=8, embedding=8, progress=False,
                       verbose=False)
    assert isinstance(curve, LearningRateCurve) and curve.suggestion is not None
    assert curve.plot(tmp_path / "c.png").stat().st_size > 0
    assert not (tmp_path / "x").exists()


def test_what_it_cannot_do_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv", 40, 0)
    run = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(run), "--steps", "1", "--save-minutes", "0",
                 *FLAGS]) == 0
    before = sorted(p.name for p in run.rglob("*"))
    for flags, said in ((["--out", str(run), "--overwrite"], "--find-lr tests learning rates on a fresh model and "
                                                              "saves nothing; drop --overwrite"),
                        (["--resume", str(run)], "drop --resume"),
                        (["--out", str(tmp_path / "a"), "--autotune"], "--autotune: --find-lr tests the learning "
                                                                        "rates of one model"),
                        (["--out", str(tmp_path / "a"), "--pretrain-data", str(data)], "--pretrain-data"),
                        (["--out", str(tmp_path / "a"), "--find-lr-plot", "p.png"], "add --find-lr")):
        capsys.readouterr()
        find = [] if "--find-lr-plot" in flags else ["--find-lr"]
        assert main(["train", "classify", "--data", str(data), *find, *flags, *FLAGS]) == 2, flags
        assert said in capsys.readouterr().err, flags
    assert sorted(p.name for p in run.rglob("*")) == before and not (tmp_path / "a").exists()
    with pytest.raises(UserError, match="drop resume=True"):
        rnnkit.fit("classify", str(data), run, resume=True, find_lr=True, verbose=False)


def test_an_out_holding_the_users_files_is_left_as_it_was(tmp_path: Path) -> None:
    # the range test ends as a failed fresh run: its .lock stayed beside the user's file (removed only when alone)
    data = make_csv(tmp_path / "d.csv", 40, 0)
    out = tmp_path / "runs"
    out.mkdir()
    (out / "mine.txt").write_text("the user's\n", encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--find-lr", "--json", *FLAGS]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
