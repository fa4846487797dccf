"""The moving average of the weights (``TrainConfig.ema``, ``--ema``): against torch's ``AveragedModel``,
what is evaluated and kept, resume, and refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from test_train import V, tokens
from torch.optim.swa_utils import AveragedModel

from rnnkit.errors import UserError
from rnnkit.models.language_model import LanguageModel
from rnnkit.train import (
    StreamBatches,
    TrainConfig,
    Trainer,
    evaluate_streams,
    load_checkpoint,
    seed_everything,
    tbptt_lm_loss,
)
from rnnkit.train.ema import WeightAverage

DECAY = 0.8


pytestmark = pytest.mark.usefixtures("one_torch_thread")

VAL = tokens(200, seed=9)


def val_loss(m: torch.nn.Module) -> dict[str, float]:
    return evaluate_streams(m, VAL, batch_size=4, window=16)


def tf_ema(average: torch.Tensor, current: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """TensorFlow's ExponentialMovingAverage(DECAY, num_updates=n), for torch's AveragedModel."""
    d = min(DECAY, (1 + int(n)) / (10 + int(n)))
    return d * average + (1 - d) * current


class TorchAveraged(Trainer):
    """A trainer without ``ema`` that feeds torch's own ``AveragedModel`` after every update."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.torch_average = AveragedModel(self.model, avg_fn=tf_ema)

    def _update(self, lr, progress):
        out = super()._update(lr, progress)
        self.torch_average.update_parameters(self.model)
        return out


def make(out: Path | None, *, cls: type[Trainer] = Trainer, steps: int = 12, resume=None, **cfg) -> Trainer:
    seed_everything(3)
    torch.manual_seed(0)
    model = LanguageModel(V, cell="lstm", hidden_size=12, num_layers=1, embed_dim=6, dropout=0.2)
    config = TrainConfig(steps=steps, eval_every=4, log_every=2, progress=False, verbose=False, lr=0.05, **cfg)
    return cls(model, config, batches=StreamBatches(tokens(4 * 60), 4, window=9), loss_fn=tbptt_lm_loss,
               eval_fn=val_loss, out_dir=out, model_config={"task": "test", "model": model.config()},
               vocab={"type": "test"}, resume=resume)


def params(m: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in m.named_parameters()}


def test_the_average_is_torchs_averaged_model_and_training_is_unchanged(tmp_path: Path) -> None:
    plain = make(tmp_path / "plain", cls=TorchAveraged)
    plain.fit()
    averaged = make(tmp_path / "ema", ema=DECAY)
    averaged.fit()
    want = dict(plain.torch_average.module.named_parameters())
    for name, got in averaged.model.named_parameters():  # a finished fit() leaves the average in the model
        torch.testing.assert_close(got, want[name], rtol=1e-6, atol=1e-7)
    trained = load_checkpoint(tmp_path / "ema", prefer="last").model_state  # last/ keeps the trained weights
    for name, value in params(plain.model).items():
        assert torch.equal(trained[name], value), name  # the average never feeds back into training
    assert not torch.equal(trained["head.weight"], averaged.model.head.weight.detach())


def test_evaluations_score_the_average_and_best_keeps_it(tmp_path: Path) -> None:
    trainer = make(tmp_path, ema=DECAY)
    result = trainer.fit()
    rows = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    final = [r["val_loss"] for r in rows if "val_loss" in r][-1]
    model = make(None).model
    model.load_state_dict(load_checkpoint(tmp_path, prefer="last").model_state)
    model.eval()
    trainer.model.eval()
    with torch.no_grad():
        assert val_loss(trainer.model)["loss"] == pytest.approx(final, rel=1e-9)  # the logged figure: the average's
        assert val_loss(model)["loss"] != pytest.approx(final, rel=1e-9)  # ... not the trained weights'
        best = load_checkpoint(tmp_path)
        model.load_state_dict(best.model_state)
        assert val_loss(model)["loss"] == pytest.approx(result.best_metric, rel=1e-9)
    assert best.trainer_state["ema_updates"] == result.best_step


def test_resume_with_the_average_is_bit_exact(tmp_path: Path) -> None:
    straight = make(tmp_path / "a", ema=DECAY)
    straight.fit()
    assert make(tmp_path / "b", ema=DECAY, halt_at=7).fit().steps == 7
    torch.manual_seed(12345)
    resumed = make(tmp_path / "b", ema=DECAY, resume=load_checkpoint(tmp_path / "b", prefer="last"))
    assert resumed.average is not None and resumed.average.updates == 7
    resumed.fit()
    for name, value in params(straight.model).items():
        assert torch.equal(value, dict(resumed.model.named_parameters())[name].detach()), name


def test_a_run_saved_without_the_average_starts_one_when_resumed(tmp_path: Path) -> None:
    make(tmp_path, halt_at=6).fit()
    resumed = make(tmp_path, ema=DECAY, resume=load_checkpoint(tmp_path, prefer="last"))
    assert resumed.average is not None and resumed.average.average is None
    resumed.fit()
    assert resumed.average.updates == 6


def test_the_decay_warms_up_to_its_ceiling() -> None:
    average = WeightAverage(torch.nn.Linear(2, 2), 0.999)
    seen = []
    for _ in range(10_000):
        seen.append(average.current_decay())
        average.update()
    assert seen[1] == pytest.approx(2 / 11) and seen[100] == pytest.approx(101 / 110)
    assert max(seen) == 0.999 and seen.index(0.999) == 8990  # (1 + n) / (10 + n) reaches 0.999 at n = 8990


def test_a_decay_outside_zero_to_one_is_refused() -> None:
    model = torch.nn.Linear(2, 2)
    for bad in (1.0, -0.1, 2, True):
        with pytest.raises(UserError, match="ema"):
            WeightAverage(model, bad)


def test_the_cli_refuses_a_bad_decay_before_writing(tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("abc " * 200)
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "rnnkit", "train", "charlm", "--data", str(text), "--out", str(out),
                           "--steps", "2", "--ema", "1"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "--ema" in done.stderr and "expected a decay from 0 to below 1" in done.stderr
    assert not out.exists()


def test_saved_averages_of_another_shape_are_refused_in_one_line_naming_the_checkpoint() -> None:
    model = torch.nn.Linear(3, 2)
    average = WeightAverage(model, DECAY)
    good = {"ema.weight": torch.ones(2, 3), "ema.bias": torch.ones(2)}
    average.load(good, 5, "run/last")
    assert average.updates == 5 and torch.equal(average.average[0], torch.ones(2, 3))
    with pytest.raises(UserError, match=r"^run/last: the averaged weights of weight do not fit this model$"):
        average.load({**good, "ema.weight": torch.ones(3, 2)}, 5, "run/last")


def test_before_the_first_update_swapping_in_changes_nothing_and_the_first_update_still_copies() -> None:
    model = torch.nn.Linear(3, 2)
    average = WeightAverage(model, DECAY)
    before = params(model)
    with average.swapped_in():
        assert all(torch.equal(v, before[k]) for k, v in params(model).items())
    with torch.no_grad():
        model.weight.add_(1.0)
    average.update()  # as AveragedModel's first update_parameters: a copy of the weights
    assert torch.equal(average.average[0], model.weight.detach()) and average.updates == 1
