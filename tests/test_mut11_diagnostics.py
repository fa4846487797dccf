"""Gaps a mutation audit of :mod:`rnnkit.diagnostics` found (round 11): each test fails on one changed line."""

from __future__ import annotations

import math
import sys

import pytest
import torch

from rnnkit import Recurrent
from rnnkit.data.synthetic import adding_problem
from rnnkit.diagnostics import (
    AddingBatches,
    batch_bytes,
    clipping_comparison,
    divergence_reason,
    gradient_norms_through_time,
    probe_bytes,
    radius_sweep,
    spectral_radius,
    sweep_length_limit,
    train_on_adding,
)
from rnnkit.errors import UserError
from rnnkit.models.sequence import SequenceModel
from rnnkit.train.trainer import TrainingDiverged

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tiny models, a shared machine


def _little_memory(monkeypatch: pytest.MonkeyPatch, free: int = 1_000_000) -> None:
    from rnnkit.train import memory

    monkeypatch.setattr(memory, "free_memory", lambda device: free)


def test_a_loss_that_does_not_read_the_hidden_states_has_zero_gradient_at_every_step() -> None:
    """∂L/∂h_t of a loss of the weights alone is 0 at every step (no gradient reaches h_t: 0, not NaN)."""
    torch.manual_seed(0)
    rnn = Recurrent("rnn_tanh", 2, 3, batch_first=True)
    norms = gradient_norms_through_time(rnn, torch.randn(1, 4, 2),
                                        lambda h: rnn.weight_hh_l0.sum() + 0 * h.detach().sum())
    assert norms.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_a_w_hh_of_two_blocks_has_a_radius_a_block() -> None:
    """A W_hh of two H x H blocks (a cell spectral_radius has no gate names for) is two blocks named 0 and 1, not
    one non-square matrix."""
    w = torch.cat([0.5 * torch.eye(3), 2.0 * torch.eye(3)])
    result = spectral_radius(w, "two_gates")
    assert result["blocks"] == pytest.approx({"0": 0.5, "1": 2.0}) and result["radius"] == pytest.approx(2.0)


def test_the_bytes_counted_worked_by_hand() -> None:
    """A probe step holds the inputs, the hidden state and its gradient (4 bytes each) and PROBE_STEP_BYTES; a
    training batch its 2 inputs a step and the hidden state of each step."""
    assert probe_bytes(10, 100, 3) == 10 * (4 * (3 + 200) + 4096)
    assert batch_bytes(8, 10, 100) == 4 * 8 * 10 * 102


def test_a_radius_of_exactly_1_sweeps_any_length() -> None:
    """r = 1 does not grow the gradient: no length limit (log 1 = 0 is no divisor), and the factor is 1."""
    assert sweep_length_limit([0.5, 1.0]) == sys.maxsize
    assert radius_sweep((1.0,), length=6, hidden=4)[1.0]["factor"] == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: clipping_comparison(cell=["gru"], length=5, hidden=4, steps=1), "cell ['gru']: unknown cell"),
    (lambda: radius_sweep((0.9,), length=5, hidden=0), "hidden 0: expected an integer >= 1"),
    (lambda: radius_sweep((1e20,), length=5, hidden=4),
     "radii (1e+20,): radius 1e+20 grows the gradient past what float32 holds in 2 steps"),
])
def test_settings_out_of_range_are_refused_in_their_words(call, message: str) -> None:
    """A cell that is no string (a list: "unhashable" from inside), a hidden size of 0, and a radius whose r^T
    passes float32 within 2 steps (1e20: 1 step allowed) are each refused naming the setting."""
    with pytest.raises(UserError) as caught:
        call()
    assert str(caught.value).startswith(message), caught.value


def test_the_sweep_refuses_a_model_this_machine_cannot_train(monkeypatch: pytest.MonkeyPatch) -> None:
    """1 MB free: a tanh RNN of hidden 1000 (about 16 MB to train) is refused naming hidden, before it is built."""
    _little_memory(monkeypatch)
    with pytest.raises(UserError, match=r"^hidden 1000: the model \(a 1-layer rnn_tanh of hidden 1000\)"):
        radius_sweep((0.9,), length=2, hidden=1000)


def test_the_sweep_counts_the_probe_of_its_hidden_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """5 MB free: a model of hidden 500 fits (about 4 MB), its probe of 1000 steps (8 KB a step) does not."""
    _little_memory(monkeypatch, 5_000_000)
    with pytest.raises(UserError, match=r"^(length 1000|hidden 500): the probed sequence"):
        radius_sweep((0.9,), length=1000, hidden=500)


def test_the_clipping_runs_refuse_a_model_or_a_batch_this_machine_cannot_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """1 MB free: an IRNN of hidden 1000 (8 MB to train by SGD), or a batch of 10000 sequences of 100 steps
    (24 MB with their hidden states), is refused before anything trains."""
    _little_memory(monkeypatch)
    with pytest.raises(UserError, match=r"^hidden 1000: the model \(a 1-layer irnn of hidden 1000\)"):
        clipping_comparison(length=5, hidden=1000, steps=1)
    with pytest.raises(UserError, match=r"^batch_size 10000: a clipping run's batch of 10000 sequences"):
        clipping_comparison(length=100, hidden=4, steps=1, batch_size=10000)


def test_a_bad_blowup_is_refused_before_a_model_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SequenceModel, "__init__", lambda *a, **k: pytest.fail("model built"))
    with pytest.raises(UserError, match=r"^blowup -1: expected a number >= 1"):
        clipping_comparison(length=5, hidden=4, steps=1, blowup=-1)


def test_the_sweep_seeds_itself() -> None:
    """The same settings sweep the same numbers whatever torch's global generator did before."""
    torch.manual_seed(1)
    first = radius_sweep((0.9,), length=5, hidden=4, seed=3)
    torch.manual_seed(2)
    assert radius_sweep((0.9,), length=5, hidden=4, seed=3) == first


def test_the_adding_batches_count_what_they_drew() -> None:
    """The batches are adding_problem's from one generator seeded once; the count of them drawn is the state."""
    batches = AddingBatches(3, 5, seed=4)
    generator = torch.Generator().manual_seed(4)
    for _ in range(2):
        x, y = batches.next_batch()
        want_x, want_y = adding_problem(3, 5, seed=generator)
        assert torch.equal(x, want_x) and torch.equal(y, want_y)
    assert batches.state_dict() == {"drawn": 2}
    other = AddingBatches(3, 5, seed=4)
    other.load_state_dict({"drawn": 2})
    assert other.drawn == 2


def test_the_first_loss_is_the_mean_squared_error_of_the_first_batch() -> None:
    """train_on_adding's first loss is torch.nn.MSELoss of the untrained model on the first batch drawn."""
    torch.manual_seed(0)
    model = SequenceModel("gru", 2, 4, 1, every_step=False)
    x, y = adding_problem(8, 6, seed=torch.Generator().manual_seed(5))
    with torch.no_grad():
        want = float(torch.nn.MSELoss()(model(x).squeeze(-1), y))
    run = train_on_adding(model, 6, 1, lr=1e-3, batch_size=8, seed=5)
    assert run["losses"] == [pytest.approx(want, rel=1e-6)]


def test_a_finite_loss_that_stopped_a_run_without_a_blowup_limit_is_named_as_it_is() -> None:
    stopped = TrainingDiverged("", 3, "training loss", 5.0)
    assert divergence_reason(stopped, None) == "loss is 5.0 at step 3"


@pytest.mark.parametrize(("lr", "message"), [
    (False, "lr False: expected a number > 0"),
    (1e-310, "lr 1e-310: expected a number > 0: a learning rate of 0 trains nothing"),
])
def test_a_learning_rate_is_refused_in_words_that_fit_it(lr: object, message: str) -> None:
    """False is no number (not "a learning rate of 0"); a subnormal lr is 0 once the CLI flushes subnormals."""
    from rnnkit.diagnostics import check_lr

    with pytest.raises(UserError) as caught:
        check_lr(lr)
    assert str(caught.value) == message


def test_a_final_loss_is_the_mean_of_the_last_10() -> None:
    """Of 12 clipped steps the final loss is the mean of the last 10 losses."""
    runs = clipping_comparison(length=5, hidden=4, steps=12, lr=0.01, seed=0)
    losses = runs["clipped"]["losses"]
    assert len(losses) == 12 and runs["clipped"]["final_loss"] == pytest.approx(sum(losses[2:]) / 10)
    assert math.isfinite(runs["clipped"]["first_loss"])


def test_a_run_stopped_by_its_loss_keeps_a_gradient_norm_per_update_only() -> None:
    """A loss that turned NaN stops the run before any gradient of that step: the losses hold it, the gradient
    norms only the updates' (the NaN loss is no gradient norm)."""
    torch.manual_seed(0)
    run = train_on_adding(SequenceModel("irnn", 2, 8, 1, every_step=False), 12, 30, lr=1e5, optimizer="sgd",
                          clip=None, batch_size=4, seed=1)
    assert run["diverged"].what == "training loss"
    assert len(run["losses"]) == run["steps"] + 1 and len(run["grad_norms"]) == run["steps"]
    assert all(math.isfinite(v) for v in run["grad_norms"])
