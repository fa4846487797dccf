"""A layer's config as rnnkit wrote it before unused cell options were refused still rebuilds the layer:
``config()`` then wrote every option of the cell, at its default where none was given, so the config of every
``rnnkit.LSTM``/``GRU``/``RNN`` (``init="torch"``), of every layer with ``bias=False`` and of every minGRU/minLSTM
held an option the layer leaves unused, and ``Recurrent(**config)`` was refused. A default is what the layer does
anyway, so it is taken; an unused option of another value is still refused, naming it."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent

BASE = {"input_size": 3, "hidden_size": 4, "num_layers": 1, "batch_first": False, "dropout": 0.0,
        "bidirectional": False, "proj_size": 0, "impl": "auto"}
INITIALISERS = {"init_ih": "xavier_uniform", "init_hh": "orthogonal", "bias_init": 0.0}
# Recurrent(...).config() as rnnkit wrote it at bd8a455 (rnnkit.LSTM(3, 4), rnnkit.GRU(3, 4), ...)
EARLIER_CONFIGS = {
    "drop-in LSTM": {"cell": "lstm", "bias": True, "init": "torch", **INITIALISERS, "forget_bias": 1.0},
    "drop-in GRU": {"cell": "gru", "bias": True, "init": "torch", **INITIALISERS},
    "LSTM bias=False": {"cell": "lstm", "bias": False, "init": "rnnkit", **INITIALISERS, "forget_bias": 1.0},
    "Elman bias=False": {"cell": "rnn_tanh", "bias": False, "init": "rnnkit", **INITIALISERS},
    "minGRU": {"cell": "mingru", "bias": True, "init": "rnnkit", **INITIALISERS, "scan": "auto"},
    "minLSTM": {"cell": "minlstm", "bias": True, "init": "torch", **INITIALISERS, "scan": "auto"},
    "IRNN init=torch": {"cell": "irnn", "bias": True, "init": "torch", "identity_scale": 1.0, "input_std": 0.001},
}


@pytest.mark.parametrize("name", list(EARLIER_CONFIGS))
def test_a_config_written_before_the_refusal_rebuilds_its_layer(name: str) -> None:
    config = {**BASE, **EARLIER_CONFIGS[name]}
    layer = Recurrent(**config)
    assert layer.cell == config["cell"] and layer.init == config["init"] and layer.bias == config["bias"]
    assert Recurrent(**layer.config()).config() == layer.config()


def test_a_rebuilt_drop_in_lstm_draws_what_torch_nn_draws() -> None:
    """The default forget bias beside init='torch' changes nothing: the draw is torch.nn.LSTM's, as it was."""
    torch.manual_seed(5)
    ours = Recurrent(**{**BASE, **EARLIER_CONFIGS["drop-in LSTM"]})
    torch.manual_seed(5)
    theirs = torch.nn.LSTM(3, 4)
    for key, value in theirs.state_dict().items():
        torch.testing.assert_close(ours.state_dict()[key], value, rtol=0, atol=0)


@pytest.mark.parametrize(("arguments", "refused"), [({"init": "torch", "forget_bias": 0.5}, "forget_bias=0.5"),
                                                    ({"bias": False, "bias_init": 0.25}, "bias_init=0.25"),
                                                    ({"init": "torch", "init_hh": "identity"}, "init_hh='identity'")])
def test_an_unused_option_of_another_value_is_still_refused(arguments: dict, refused: str) -> None:
    with pytest.raises(ValueError, match=rf"^{refused} has no effect with "):
        Recurrent("lstm", 3, 4, **arguments)


def test_init_hh_of_another_value_is_still_refused_by_a_cell_without_weight_hh() -> None:
    with pytest.raises(ValueError, match=r"^init_hh='identity' has no effect with cell 'mingru'"):
        Recurrent("mingru", 3, 4, init_hh="identity")
