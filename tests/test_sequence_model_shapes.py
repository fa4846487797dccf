"""``SequenceModel.count_parameters`` counts stacked and bias-free models as they are built, and the
model refuses the options its one-direction read-out cannot serve."""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.models.sequence import SequenceModel

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "clockwork", "mingru"])
@pytest.mark.parametrize("options", [{"num_layers": 2}, {"num_layers": 3, "bias": False}, {"bias": False}])
def test_counted_without_building_equals_the_built_model(cell: str, options: dict) -> None:
    model = SequenceModel(cell, 3, 8, 2, False, **options)
    assert SequenceModel.count_parameters(cell, 3, 8, 2, **options) == sum(p.numel() for p in model.parameters())


def test_a_stack_reads_out_its_top_layer() -> None:
    torch.manual_seed(0)
    model = SequenceModel("lstm", 2, 4, 1, True, num_layers=2)
    assert model(torch.randn(3, 5, 2)).shape == (3, 5, 1)


@pytest.mark.parametrize("option", [{"bidirectional": True}, {"proj_size": 2}])
def test_a_second_direction_or_a_projection_is_refused_by_name(option: dict) -> None:
    (name,) = option
    with pytest.raises(UserError, match=f"{name}=.*not supported"):
        SequenceModel("lstm", 2, 4, 1, False, **option)
