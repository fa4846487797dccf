"""Mutation audit round 15: :class:`rnnkit.models.sequence.SequenceModel`, ``effective_parameters`` and
``hidden_for_params`` on tiny models."""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.models.sequence import (
    SequenceModel,
    effective_parameters,
    hidden_for_params,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("option", [{"num_modules": 0}, {"modules": 4}])
def test_a_bad_cell_option_is_one_user_error_naming_the_cell_once(option: dict) -> None:
    with pytest.raises(UserError) as refused:
        SequenceModel("clockwork", 2, 8, 1, False, **option)
    message = str(refused.value)
    assert message.startswith("cell 'clockwork': ") and message.count("cell 'clockwork'") == 1


def test_layer_norm_is_counted_without_building() -> None:
    model = SequenceModel("lstm", 2, 6, 3, False, layer_norm=True)
    counted = SequenceModel.count_parameters("lstm", 2, 6, 3, layer_norm=True)
    assert counted == sum(p.numel() for p in model.parameters())


def test_many_to_one_reads_out_the_last_step() -> None:
    torch.manual_seed(0)
    model = SequenceModel("gru", 2, 4, 1, False)
    x = torch.randn(3, 5, 2)
    out, _ = model.rnn(x)
    torch.testing.assert_close(model(x), model.head(out[:, -1]))


def test_frozen_parameters_are_not_counted() -> None:
    model = SequenceModel("gru", 2, 4, 1, False)
    total = effective_parameters(model)
    model.head.weight.requires_grad_(False)
    assert effective_parameters(model) == total - 4


@pytest.mark.parametrize("options", [{"num_layers": 2}, {"bidirectional": True}])
def test_the_masked_entries_of_every_layer_and_direction_are_left_out(options: dict) -> None:
    from rnnkit.recurrent import Recurrent

    rnn = Recurrent("clockwork", 2, 8, **options)
    mask = rnn.cell_def.connectivity()
    unread = int((mask == 0).sum())
    assert unread > 0
    assert effective_parameters(rnn) == sum(p.numel() for p in rnn.parameters()) - 2 * unread


def test_a_budget_below_the_smallest_model_gives_its_smallest_size() -> None:
    assert hidden_for_params("lstm", 1, 2, 1, {}, every_step=False) == 1
    assert hidden_for_params("clockwork", 1, 2, 1, {"num_modules": 4}, every_step=False) == 4  # a unit a module


def test_a_large_budget_is_searched_to_its_size() -> None:
    hidden = hidden_for_params("rnn_tanh", 1_000_000, 1, 1, {}, every_step=False)
    sizes = [effective_parameters(SequenceModel("rnn_tanh", 1, h, 1, False)) for h in (hidden, hidden + 1)]
    assert sizes[0] <= 1_000_000 < sizes[1]


def test_clockwork_modules_given_are_searched_above_their_count() -> None:
    hidden = hidden_for_params("clockwork", 3000, 2, 1, {"num_modules": 4}, every_step=False)
    sizes = [effective_parameters(SequenceModel("clockwork", 2, h, 1, False, num_modules=4))
             for h in (hidden, hidden + 4)]
    assert hidden > 4 and sizes[0] <= 3000 < sizes[1]


def test_periods_and_a_module_count_that_disagree_are_refused_by_the_search() -> None:
    with pytest.raises(UserError, match="num_modules=8 but 2 periods were given"):
        hidden_for_params("clockwork", 3000, 2, 1, {"periods": [1, 2], "num_modules": 8}, every_step=False)
