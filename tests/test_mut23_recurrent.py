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
