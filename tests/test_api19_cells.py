"""``rnnkit.Recurrent``'s cell options are checked by the type the family's signature names, as ``rnnkit experiment``
checks a ``[cell.NAME]`` table's: a ValueError naming the option, not a TypeError from inside the initialisation
(``forget_bias="1"``), NaN weights (``forget_bias=nan``, ``bias_init=nan``) or periods cut to integers
(``periods=[1.5, 3]`` ran the clock of ``[1, 3]``), each unsaid."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.cells import make_cell_module

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(("cell", "options", "message"), [
    ("lstm", {"forget_bias": "1"}, "forget_bias '1': expected a number"),
    ("lstm", {"forget_bias": math.nan}, "forget_bias nan: expected a number"),
    ("gru", {"bias_init": math.inf}, "bias_init inf: expected a number"),
    ("gru", {"bias_init": "0"}, "bias_init '0': expected a number"),
    ("irnn", {"input_std": math.nan}, "input_std nan: expected a number"),
    ("clockwork", {"periods": [1.5, 3]}, r"periods \[1.5, 3\]: expected a list of integers"),
    ("clockwork", {"num_modules": 2.0}, "num_modules 2.0: expected an integer"),
    ("mingru", {"init_ih": 3}, "init_ih 3: expected a string"),
])
def test_a_cell_option_of_the_wrong_kind_is_refused_naming_it(cell: str, options: dict, message: str) -> None:
    for build in (lambda: rnnkit.Recurrent(cell, 3, 4, **options),
                  lambda: rnnkit.Recurrent(cell, 3, 4, cell_options=options),
                  lambda: make_cell_module(cell, 3, 4, **options)):
        with pytest.raises(ValueError, match=rf"^cell '{cell}': {message}$"):
            build()


def test_numpy_and_tuple_options_are_taken_as_python_values() -> None:
    """What a user computes (a tuple, NumPy's numbers) is taken as before, and the cell keeps Python's values, which
    a model's config.json stores."""
    clock = rnnkit.Recurrent("clockwork", 3, 4, periods=(np.int64(1), 2, np.int64(4)))
    assert clock.cell_def.periods == [1, 2, 4]
    lstm = rnnkit.Recurrent("lstm", 3, 4, forget_bias=np.float32(2.0))
    assert json.dumps(lstm.cell_def.options())  # no np.float32 left in it
    assert torch.allclose(lstm.bias_hh_l0[4:8], torch.full((4,), 1.0))  # 2.0 split over the two biases
    assert rnnkit.Recurrent("clockwork", 3, 4, periods=np.array([1, 3])).cell_def.periods == [1, 3]
