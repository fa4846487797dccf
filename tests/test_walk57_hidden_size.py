"""A wrong ``hidden_size`` fails as in torch.nn, for every cell: the same exception and message, in torch's order.

The Clockwork RNN splits the hidden units into its modules before torch.nn's checks ran, so a size of 0 said
"clockwork: periods must be positive integers, got []" and one of "4" "'<' not supported between instances of
'str' and 'int'".
"""

from __future__ import annotations

from typing import Any

import pytest
from torch import nn

from rnnkit import Recurrent
from rnnkit.cells import CELLS


def _error(make: Any) -> tuple[type, str]:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any exception: it must be torch.nn's
        make()
    return type(caught.value), str(caught.value)


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize(("hidden_size", "others"), [(0, {}), (-3, {}), (2.5, {}), ("4", {}), (0, {"dropout": 2.0}),
                                                     (0, {"bias": "yes"}), (0, {"input_size": 0})])
def test_a_wrong_hidden_size_fails_as_in_torch_nn(cell: str, hidden_size: Any, others: dict) -> None:
    args = {"input_size": 3, "hidden_size": hidden_size, **others}
    assert _error(lambda: Recurrent(cell, **args)) == _error(lambda: nn.LSTM(**args))
