"""Gaps a mutation audit of :mod:`rnnkit.report.units` found (round 7): each test fails on one changed line."""

from __future__ import annotations

import pytest
import torch

from rnnkit.models.language_model import LanguageModel
from rnnkit.recurrent import Recurrent
from rnnkit.report import units
from rnnkit.report.units import _gate_names

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_saturation_is_strictly_below_a_tenth_and_strictly_above_nine_tenths() -> None:
    """The paper's thresholds, both strict: 0.1 and 0.9 themselves are not saturated, 0.15 and 0.85 neither."""
    gate = torch.tensor([0.09, 0.1, 0.15, 0.5, 0.85, 0.9, 0.91, 0.99]).reshape(8, 1, 1)
    s = units.saturation({"forget": gate})["forget"]
    assert s["left"].tolist() == [[1 / 8]] and s["right"].tolist() == [[2 / 8]]


def test_gates_without_names_are_numbered_from_one() -> None:
    """A count of sigmoids that is not the named cell's (or a cell without names) gets "gate 1", "gate 2", ..."""
    assert _gate_names("lstm", 3) == ("forget", "input", "output")
    assert _gate_names("lstm", 2) == ("gate 1", "gate 2")
    assert _gate_names("elman", 1) == ("gate 1",)


@pytest.mark.parametrize("options", [{"bidirectional": True}, {"proj_size": 3}])
def test_a_bidirectional_or_projected_model_is_refused(options: dict) -> None:
    """One direction's reference step, from a zero state, is not what either of these models computes."""
    torch.manual_seed(0)
    lm = LanguageModel(12, cell="lstm", hidden_size=6, num_layers=1, embed_dim=4)
    lm.rnn = Recurrent("lstm", 4, 6, **options)
    with pytest.raises(ValueError, match="one-directional model without projection"):
        units.trace(lm, torch.randint(12, (5,)))


def test_a_clockwork_trace_masks_stored_weights_below_the_block_diagonal_as_the_model_does() -> None:
    """The stored W_hh may hold entries the Clockwork RNN never reads (a checkpoint edited, an optimiser's
    weight decay): the trace uses the cell's prepared weight, as the model's own forward does."""
    torch.manual_seed(0)
    lm = LanguageModel(12, cell="clockwork", hidden_size=6, num_layers=1, embed_dim=4).eval()
    ids = torch.randint(12, (9,))
    with torch.no_grad():
        for name, p in lm.rnn.named_parameters():
            if "weight_hh" in name:
                p.copy_(torch.randn_like(p))
        out, _ = lm.rnn(lm.embedding(ids).unsqueeze(1))
    torch.testing.assert_close(units.trace(lm, ids).states["h"][:, 0], out[:, 0], atol=1e-5, rtol=1e-5)


def test_the_lstm_cell_state_is_tanh_of_torch_nns_cell_state() -> None:
    """``states["c"]`` is tanh(c) of every layer at every character, c as torch.nn.LSTM carries it."""
    torch.manual_seed(0)
    lm = LanguageModel(12, cell="lstm", hidden_size=6, num_layers=2, embed_dim=4).eval()
    ids = torch.randint(12, (7,))
    ref = torch.nn.LSTM(4, 6, num_layers=2)
    ref.load_state_dict(lm.rnn.state_dict())
    tr = units.trace(lm, ids)
    state = None
    with torch.no_grad():
        x = lm.embedding(ids)
        for t in range(len(ids)):
            _, state = ref(x[t : t + 1].unsqueeze(1), state)
            torch.testing.assert_close(tr.states["c"][t], state[1][:, 0].tanh(), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_the_minimal_cells_gates_are_their_papers_and_the_candidates_sigmoid_is_no_gate(cell: str) -> None:
    """minGRU's update gate z = σ(W_z x + b_z), minLSTM's forget and input gates normalised to f / (f + i) and
    i / (f + i) (Feng et al. 2024); σ(h̃), which their step computes inside g for every unit, is not a gate: the
    page drew it as "gate 2" (minGRU) or "gate 3" (minLSTM), beside the real ones numbered, not named."""
    torch.manual_seed(0)
    lm = LanguageModel(12, cell=cell, hidden_size=6, num_layers=1, embed_dim=4).eval()
    ids = torch.randint(12, (9,))
    with torch.no_grad():
        w_ih, _, b_ih, _ = lm.rnn.layer_weights(0)
        blocks = torch.nn.functional.linear(lm.embedding(ids), w_ih, b_ih).chunk(2 if cell == "mingru" else 3, -1)
    if cell == "mingru":
        expected = {"update": blocks[0].sigmoid()}
    else:
        f, i = blocks[0].sigmoid(), blocks[1].sigmoid()
        expected = {"forget": f / (f + i), "input": i / (f + i)}
    gates = units.trace(lm, ids).gates
    assert set(gates) == set(expected)
    for name, value in expected.items():
        torch.testing.assert_close(gates[name][:, 0], value, atol=1e-5, rtol=1e-5)


def test_every_kind_of_bracket_opens_and_closes_and_a_stray_closing_one_is_not_counted() -> None:
    """{} count as () and [] do; a ")" with none open leaves the count at zero, so a "(" after it opens one."""
    assert units.features("{a}b)c(d")["inside brackets"].tolist() == [1, 1, 1, 0, 0, 0, 1, 1]


def test_top_units_keeps_the_k_best_per_feature_five_by_default() -> None:
    """Six units each correlated with every feature: k of them are listed, five when k is not given."""
    text = 'ab"C(d)\ne' * 4
    feats = torch.stack(list(units.features(text).values()), 1).float()
    noise = torch.randn(len(text), 6, generator=torch.Generator().manual_seed(0))
    states = (feats.sum(1, keepdim=True) + 0.1 * noise).unsqueeze(1)  # (T, 1, 6)
    assert {len(v) for v in units.top_units(states, text, k=2).values()} == {2}
    assert {len(v) for v in units.top_units(states, text).values()} == {5}


def test_a_feature_constant_over_the_text_lists_no_units() -> None:
    """A text without quotes: every unit's r with "inside quotes" is 0, and no unit is listed as tracking it."""
    text = "ab(c)\nDe" * 3
    states = torch.randn(len(text), 1, 4, generator=torch.Generator().manual_seed(0))
    ranked = units.top_units(states, text, k=3)
    assert ranked["inside quotes"] == [] and len(ranked["upper case"]) == 3
