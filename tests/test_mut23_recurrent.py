"""Mutation audit round 23 of the refusal of cell options a layer leaves unused (recurrent._unused_options): each of
the IRNN's two initial values is refused beside init='torch', and left out of such a layer's config()."""

from __future__ import annotations

import pytest

from rnnkit import Recurrent


@pytest.mark.parametrize("option", [{"identity_scale": 0.5}, {"input_std": 0.1}])
def test_init_torch_refuses_each_of_the_irnns_initial_values(option: dict) -> None:
    (name, value), = option.items()
    with pytest.raises(ValueError, match=rf"^{name}={value!r} has no effect with init='torch'"):
        Recurrent("irnn", 3, 4, init="torch", **option)
    assert name not in Recurrent("irnn", 3, 4, init="torch").config()


def test_an_unused_option_after_a_used_one_is_refused() -> None:
    """Every given option is looked at, not the first alone: Clockwork's periods shape the cell under init='torch',
    the initialiser after them is refused (from cell_options, and from both places together)."""
    with pytest.raises(ValueError, match=r"^init_ih='xavier_normal' has no effect with init='torch'"):
        Recurrent("clockwork", 3, 4, init="torch", periods=[1, 2], init_ih="xavier_normal")
    with pytest.raises(ValueError, match=r"^init_ih='xavier_normal' has no effect with init='torch'"):
        Recurrent("clockwork", 3, 4, init="torch", cell_options={"periods": [1, 2]}, init_ih="xavier_normal")
