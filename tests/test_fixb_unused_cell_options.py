"""A cell option that the layer's other arguments leave unused is refused, naming both: ``init="torch"`` with
``forget_bias`` (or ``chrono``, an initialiser, the IRNN's scale) started from torch.nn's draw and dropped the
option unsaid; so did ``bias=False`` with a bias's option, ``chrono`` with a ``forget_bias`` of its own, and minGRU and
minLSTM (no weight_hh) with ``init_hh``."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit import Recurrent

UNUSED_WITH_TORCH_INIT = [("lstm", {"forget_bias": 0.0}), ("lstm", {"forget_bias": 2.0}), ("lstm", {"chrono": 5}),
                          ("gru", {"init_hh": "identity"}), ("rnn_tanh", {"bias_init": 0.5}),
                          ("irnn", {"identity_scale": 0.5}), ("clockwork", {"init_ih": "xavier_normal"})]


@pytest.mark.parametrize(("cell", "option"), UNUSED_WITH_TORCH_INIT)
def test_init_torch_refuses_an_option_of_the_cells_own_initialisation(cell: str, option: dict) -> None:
    (name, value), = option.items()
    with pytest.raises(ValueError, match=rf"^{name}={value!r} has no effect with init='torch', which starts every "):
        Recurrent(cell, 3, 4, init="torch", **option)
    with pytest.raises(ValueError, match=rf"^{name}={value!r} has no effect with init='torch'"):
        Recurrent(cell, 3, 4, init="torch", cell_options=option)


def test_the_drop_in_lstm_refuses_init_torch_with_a_forget_bias() -> None:
    with pytest.raises(ValueError, match=r"forget_bias=2\.0 has no effect with init='torch'"):
        rnnkit.LSTM(3, 4, init="torch", cell_options={"forget_bias": 2.0})


def test_init_torch_still_starts_as_torch_nn_and_takes_the_cells_structure() -> None:
    """The options that shape the cell (Clockwork's periods) still go with init='torch'; an LSTM of it draws what
    torch.nn.LSTM draws under the same seed, the forget gate's biases included."""
    torch.manual_seed(3)
    ours = Recurrent("lstm", 3, 4, init="torch")
    torch.manual_seed(3)
    theirs = torch.nn.LSTM(3, 4)
    for name, value in theirs.state_dict().items():
        torch.testing.assert_close(ours.state_dict()[name], value, rtol=0, atol=0)
    assert Recurrent("clockwork", 3, 4, init="torch", periods=[1, 2]).cell_def.periods == [1, 2]


@pytest.mark.parametrize("option", [{"forget_bias": 2.0}, {"chrono": 5}, {"bias_init": 0.1}])
def test_bias_false_refuses_an_option_of_the_biases(option: dict) -> None:
    (name, value), = option.items()
    with pytest.raises(ValueError, match=rf"^{name}={value!r} has no effect with bias=False, which builds the layer "
                                         "without biases"):
        Recurrent("lstm", 3, 4, bias=False, **option)


def test_bias_false_takes_the_weights_initialisers() -> None:
    rnn = Recurrent("lstm", 3, 4, bias=False, init_hh="identity")
    torch.testing.assert_close(rnn.weight_hh_l0[:4], torch.eye(4))


@pytest.mark.parametrize("forget_bias", [2.0, 0.0, -1.0])
def test_chrono_refuses_a_forget_bias_of_its_own(forget_bias: float) -> None:
    with pytest.raises(ValueError, match=rf"forget_bias={forget_bias!r} has no effect with chrono=5"):
        Recurrent("lstm", 3, 4, chrono=5, forget_bias=forget_bias)


@pytest.mark.parametrize("forget_bias", [1.0, None])
def test_chrono_takes_the_default_forget_bias(forget_bias: float | None) -> None:
    """1.0 (the default, which the Le et al. preset gives every LSTM of `rnnkit experiment`, chrono runs too) and
    None are taken: the forget gate's biases are chrono's, log u with u in [1, T - 1]."""
    rnn = Recurrent("lstm", 3, 4, chrono=5, forget_bias=forget_bias)
    forget = (rnn.bias_ih_l0 + rnn.bias_hh_l0)[4:8]
    assert bool((forget >= 0).all()) and bool((forget <= torch.log(torch.tensor(4.0)) + 1e-6).all())


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_a_cell_without_recurrent_weights_refuses_init_hh(cell: str) -> None:
    with pytest.raises(ValueError, match=rf"^init_hh='identity' has no effect with cell '{cell}', which has no "
                                         r"recurrent weights \(weight_hh\)"):
        Recurrent(cell, 3, 4, init_hh="identity")
    assert not hasattr(Recurrent(cell, 3, 4, init_ih="identity"), "weight_hh_l0")


REBUILT = [("lstm", {"init": "torch"}, {"forget_bias", "init_hh", "bias_init"}),
           ("lstm", {"bias": False}, {"forget_bias", "bias_init"}), ("irnn", {"init": "torch"}, {"identity_scale"}),
           ("gru", {"init": "torch", "bias": False}, {"init_ih", "bias_init"}), ("mingru", {}, {"init_hh"}),
           ("minlstm", {"init": "torch"}, {"init_ih", "init_hh"})]


@pytest.mark.parametrize(("cell", "arguments", "left_out"), REBUILT)
def test_config_of_such_a_layer_rebuilds_it(cell: str, arguments: dict, left_out: set[str]) -> None:
    """``config()`` leaves out the options the layer does not use, so ``Recurrent(**layer.config())`` rebuilds it
    (else the refusal above would refuse a layer's own config)."""
    layer = Recurrent(cell, 3, 4, **arguments)
    again = Recurrent(**layer.config())
    assert again.config() == layer.config() and list(again.state_dict()) == list(layer.state_dict())
    assert not left_out & set(layer.config())
