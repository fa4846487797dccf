"""``print(model)`` shows what a ``Recurrent`` layer is: torch.nn's line, then every option not at its default.

It printed torch.nn's arguments only, so a layer with zoneout, layer normalisation, DropConnect, on the step loop
(``impl="reference"``) or with other periods printed as the plain one. The line now rebuilds the layer.
"""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit import Recurrent

LAYERS = [
    ("lstm", {}),
    ("lstm", {"zoneout": (0.1, 0.05), "layer_norm": True, "num_layers": 2}),
    ("lstm", {"impl": "reference", "proj_size": 2, "bidirectional": True}),
    ("lstm", {"chrono": 10, "dropout": 0.5, "num_layers": 2}),
    ("lstm", {"init": "torch", "batch_first": True}),
    ("gru", {"weight_drop": 0.2, "init_hh": "gaussian(std=0.001)"}),
    ("rnn_tanh", {"recurrent_dropout": 0.25}),
    ("clockwork", {"periods": [1, 3]}),
    ("mingru", {"scan": "sequential"}),
    ("irnn", {"identity_scale": 0.5}),
]


@pytest.mark.parametrize(("cell", "options"), LAYERS)
def test_the_printed_line_rebuilds_the_layer(cell: str, options: dict) -> None:
    layer = Recurrent(cell, 3, 8, **options)
    rebuilt = eval(repr(layer), {"Recurrent": Recurrent})  # noqa: S307 - our own repr, in a test
    assert rebuilt.config() == layer.config()
    for key in options:
        if key not in ("num_layers", "dropout", "bidirectional", "proj_size", "batch_first"):
            assert f"{key}=" in repr(layer)


def test_a_plain_layer_prints_torch_nns_line() -> None:
    layer = Recurrent("lstm", 3, 8, num_layers=2, batch_first=True)
    assert repr(layer) == f"Recurrent('lstm', {torch.nn.LSTM(3, 8, num_layers=2, batch_first=True).extra_repr()})"
    assert repr(rnnkit.LSTM(3, 8, impl="reference")) == repr(torch.nn.LSTM(3, 8))  # the drop-ins print as torch's
