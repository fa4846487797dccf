"""``forward(x, lengths=...)`` given something that is no list of integers: one line naming ``lengths``.

A string, a nested or ragged list or a dict failed inside ``torch.as_tensor`` with torch's words for it
("new(): invalid data type 'str'", "expected sequence of length ..."), which name neither the argument nor what it
takes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch

from rnnkit import Recurrent


@pytest.mark.parametrize("impl", ["auto", "reference"])
@pytest.mark.parametrize("lengths", ["5,2", [5, [2]], [5, None], {"a": 1}, [[5, 2], [3]]])
def test_lengths_that_are_no_integers_are_refused_naming_them(impl: str, lengths: Any) -> None:
    layer = Recurrent("lstm", 3, 4, impl=impl)
    with pytest.raises(TypeError, match=r"^lengths must be integers \(a 1-D integer tensor, .*\), got "
                                        + re.escape(repr(lengths)) + "$"):
        layer(torch.randn(5, 2, 3), lengths=lengths)


def test_a_list_of_integers_still_runs_as_the_tensor_does() -> None:
    layer = Recurrent("gru", 3, 4)
    x = torch.randn(5, 2, 3)
    torch.testing.assert_close(layer(x, lengths=[5, 2])[0], layer(x, lengths=torch.tensor([5, 2]))[0])
