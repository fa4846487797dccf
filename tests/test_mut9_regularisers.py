"""Gaps a mutation audit of :mod:`rnnkit.regularisers` found (round 9): each test fails on one changed line."""

from __future__ import annotations

import json

import pytest
import torch

from rnnkit import Recurrent
from rnnkit.cells import make_cell
from rnnkit.regularisers import Regularisers, sample_masks


@pytest.mark.parametrize(("cell", "options", "message"), [
    ("lstm", {"zoneout": True}, "zoneout: expected a probability from 0 to below 1, got True"),
    ("lstm", {"weight_drop": False}, "weight_drop: expected a probability"),
    ("lstm", {"recurrent_dropout": "0.2"}, "recurrent_dropout: expected a probability"),
    ("lstm", {"zoneout": [0.1, 0.2, 0.3]}, "zoneout: a pair"),
    ("lstm", {"zoneout": [0.1, 1.0]}, "zoneout: expected a probability"),
    ("lstm", {"layer_norm": 1}, "layer_norm: expected true or false, got 1"),
    ("mingru", {"weight_drop": 0.2}, "weight_drop: cell 'mingru' has no recurrent weights"),
    ("clockwork", {"recurrent_dropout": 0.2}, "recurrent_dropout: cell 'clockwork'"),
    ("lstm", {"recurrent_dropout": 0.2, "proj_size": 2}, "do not combine with proj_size"),
    ("lstm", {"zoneout": 0.2, "proj_size": 2}, "do not combine with proj_size"),
    ("lstm", {"recurrent_dropout": 0.2, "impl": "fused"}, "no fused kernel"),
    ("lstm", {"layer_norm": True, "impl": "fused"}, "no fused kernel"),
])
def test_options_out_of_range_or_unsupported_are_refused(cell: str, options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Recurrent(cell, 3, 4, **options)


@pytest.mark.parametrize("cell", ["lstm", "rnn_tanh", "rnn_relu", "irnn"])
def test_recurrent_dropout_takes_every_cell_it_names(cell: str) -> None:
    rnn = Recurrent(cell, 3, 4, recurrent_dropout=0.2)
    assert rnn.config()["recurrent_dropout"] == 0.2


def test_weight_drop_and_a_zero_rate_are_accepted_where_they_apply() -> None:
    assert Recurrent("gru", 3, 4, weight_drop=0.3, proj_size=0).config()["weight_drop"] == 0.3
    assert "weight_drop" not in Recurrent("mingru", 3, 4, weight_drop=0.0).config()
    assert Recurrent("lstm", 3, 4, weight_drop=0.3, impl="fused").uses_fused()  # the one option the kernel takes


def test_a_zoneout_pair_with_one_rate_on_is_kept_as_a_list() -> None:
    rnn = Recurrent("lstm", 3, 4, zoneout=(0.0, 0.25))
    assert rnn.config()["zoneout"] == [0.0, 0.25]
    assert json.loads(json.dumps(rnn.config())) == rnn.config()
    assert Recurrent(**rnn.config()).reg == rnn.reg


def test_zoneout_rates_follow_the_states_order() -> None:
    lstm, gru = make_cell("lstm", 4), make_cell("gru", 4)
    assert Regularisers(zoneout=(0.1, 0.3)).zoneout_rates(lstm) == (0.3, 0.1)  # (h, c) from (cell, hidden)
    assert Regularisers(zoneout=0.2).zoneout_rates(lstm) == (0.2, 0.2)
    assert Regularisers(zoneout=0.2).zoneout_rates(gru) == (0.2,)


def test_what_changes_the_recurrence_and_what_leaves_the_kernel() -> None:
    assert not Regularisers(weight_drop=0.5).changes_recurrence()
    for reg in (Regularisers(recurrent_dropout=0.1), Regularisers(zoneout=0.1), Regularisers(layer_norm=True)):
        assert reg.changes_recurrence()
        assert reg.in_loop(training=True)
    assert not Regularisers(recurrent_dropout=0.1).in_loop(training=False)  # no mask at evaluation
    assert Regularisers(zoneout=0.1).in_loop(training=False)  # the expectation is still a blend
    assert Regularisers(layer_norm=True).in_loop(training=False)


def test_options_are_those_that_are_on() -> None:
    assert Regularisers().options() == {}
    assert Regularisers(0.1, 0.0, (0.2, 0.3), True).options() == {"weight_drop": 0.1, "zoneout": [0.2, 0.3],
                                                                   "layer_norm": True}


def test_evaluation_masks_are_the_rates_and_padding_holds() -> None:
    cell = make_cell("lstm", 2)
    like = torch.zeros(1)
    drop, keep = sample_masks(Regularisers(recurrent_dropout=0.5, zoneout=(0.1, 0.3)), cell, 2, 1, like, False)
    assert drop is None and keep is not None
    assert [k.flatten().tolist() for k in keep] == [pytest.approx([0.3, 0.3]), pytest.approx([0.1, 0.1])]
    mask = torch.tensor([[[True]], [[False]]])  # (T, B, 1): the second step is padding
    _, keep = sample_masks(Regularisers(), cell, 2, 1, like, False, mask)
    assert keep is not None and [k.flatten().tolist() for k in keep] == [[0.0, 1.0], [0.0, 1.0]]
    _, keep = sample_masks(Regularisers(zoneout=0.2), cell, 2, 1, like, False, mask)
    assert keep is not None and keep[0].flatten().tolist() == pytest.approx([0.2, 1.0])


def test_training_masks_keep_at_the_rates_and_scale_the_dropout() -> None:
    torch.manual_seed(0)
    cell = make_cell("rnn_tanh", 400)
    drop, keep = sample_masks(Regularisers(recurrent_dropout=0.25, zoneout=0.1), cell, 50, 20, torch.zeros(1), True)
    assert drop is not None and keep is not None
    assert drop.unique().tolist() == [0.0, pytest.approx(1 / 0.75)]
    assert float((drop == 0).float().mean()) == pytest.approx(0.25, abs=0.01)
    assert float(keep[0].mean()) == pytest.approx(0.1, abs=0.005)  # 1: the unit keeps its previous value


def test_a_training_step_draws_zoneout_masks_and_an_evaluation_step_blends() -> None:
    """Recurrent.step draws fresh masks in training: each unit keeps its previous value or takes the new one
    (Krueger et al. 2017), never the evaluation's blend of the two."""
    torch.manual_seed(0)
    rnn = Recurrent("rnn_tanh", 3, 200, zoneout=0.5)
    x, h0 = torch.randn(4, 3), torch.randn(1, 4, 200)
    _, held = rnn.train().step(x, h0)
    kept = torch.isclose(held, h0)
    assert 0.3 < float(kept.float().mean()) < 0.7
    rnn.eval()
    _, blend = rnn.step(x, h0)
    assert not bool(torch.isclose(blend, h0).any())
    assert not torch.allclose(held, blend)


def test_the_forward_direction_reads_the_gains_without_reverse_in_their_name() -> None:
    torch.manual_seed(0)
    rnn = Recurrent("lstm", 3, 4, layer_norm=True, bidirectional=True, batch_first=True).eval()
    x = torch.randn(2, 5, 3)
    before, _ = rnn(x)
    with torch.no_grad():
        rnn.ln_weight_c_l0_reverse.zero_()  # the backward direction's cell gain: its outputs go to zero
    after, _ = rnn(x)
    assert torch.allclose(after[..., :4], before[..., :4])
    assert torch.equal(after[..., 4:], torch.zeros(2, 5, 4))


def test_which_layers_run_as_one_autograd_function() -> None:
    """runs_bptt decides what torch.jit.trace records (one call that takes any length, or the step loop)."""
    from rnnkit.regularisers import runs_bptt

    assert runs_bptt(Recurrent("gru", 3, 4, zoneout=0.1))
    assert not runs_bptt(Recurrent("gru", 3, 4, zoneout=0.1, impl="reference"))  # the loop, always
    assert runs_bptt(Recurrent("clockwork", 3, 4, periods=[1, 2, 4], zoneout=0.1))
    assert not runs_bptt(Recurrent("clockwork", 3, 4, periods=[1, 2, 3], zoneout=0.1))  # 3 no multiple of 2: the loop
