"""A cell option given both in ``cell_options`` and as a keyword (``Recurrent("lstm", 4, 8, cell_options={"forget_bias":
2.0}, forget_bias=3.0)``) was built with the keyword's, the other dropped unsaid; Python refuses a keyword given twice
(``f(**a, **b)``) with a TypeError, and so does the layer, naming the option."""

from __future__ import annotations

import pytest

import rnnkit


def test_an_option_given_twice_is_refused_naming_it() -> None:
    with pytest.raises(TypeError, match=r"^Recurrent\(\) got multiple values for cell option 'forget_bias' \(in "
                                        r"cell_options and as a keyword\)$"):
        rnnkit.Recurrent("lstm", 4, 8, cell_options={"forget_bias": 2.0, "bias_init": 0.5}, forget_bias=3.0)


def test_options_given_once_either_way_are_kept() -> None:
    both = rnnkit.Recurrent("lstm", 4, 8, cell_options={"forget_bias": 2.0}, bias_init=0.5).cell_def.options()
    assert both["forget_bias"] == 2.0 and both["bias_init"] == 0.5
    assert rnnkit.LSTM(4, 8, cell_options={"forget_bias": 2.0}).cell_def.options()["forget_bias"] == 2.0
    layer = rnnkit.Recurrent("clockwork", 4, 8, periods=[1, 2])
    assert rnnkit.Recurrent(**layer.config()).cell_def.options() == layer.cell_def.options()
