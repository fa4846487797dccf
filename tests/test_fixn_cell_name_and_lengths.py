"""Two inputs of the wrong type that were met with a bare or no word: ``make_cell(["lstm"], ...)`` (and
``Recurrent(["lstm"], ...)``) said only "unhashable type: 'list'"; ``Recurrent(x, lengths=torch.tensor([2.7, 1.2]))``
ran 2 and 1 steps, the float lengths cut to integers unsaid. The first now names the cell name it wanted, the
second refuses any lengths that are not integers, naming the dtype."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit import GRU, Recurrent
from rnnkit.cells import CELLS, make_cell

EXPECTED = f"expected one of: {', '.join(CELLS)}"


@pytest.mark.parametrize(("name", "said"), [
    (["lstm"], "; a cell's name is one string ('lstm'), not a list"),
    (("gru", "lstm"), "; a cell's name is one string, not a tuple"),
])
def test_a_cell_name_that_is_no_string_is_named(name: object, said: str) -> None:
    for build in (lambda: make_cell(name, 4), lambda: Recurrent(name, 3, 4)):  # type: ignore[arg-type]
        with pytest.raises(ValueError) as caught:
            build()
        assert str(caught.value) == f"unknown cell {name!r}; {EXPECTED}{said}"


def test_a_number_for_the_cell_keeps_its_hint() -> None:
    with pytest.raises(ValueError, match=r"Recurrent takes the cell's name first"):
        Recurrent(8, 3, 4)  # type: ignore[arg-type]


@pytest.mark.parametrize("lengths", [torch.tensor([2.7, 1.2]), torch.tensor([3.0, 2.0], dtype=torch.float64),
                                     torch.tensor([True, True]), np.array([3.0, 1.0])])
def test_lengths_that_are_not_integers_are_refused(lengths: object) -> None:
    x = torch.randn(3, 2, 1)
    for rnn in (Recurrent("gru", 1, 4), Recurrent("clockwork", 1, 4, periods=[1, 2]), GRU(1, 4)):
        with pytest.raises(TypeError, match=r"^lengths must be integers \(a 1-D integer tensor, .*got a torch\."):
            rnn(x, lengths=lengths)


@pytest.mark.parametrize("lengths", [torch.tensor([3, 1]), torch.tensor([3, 1], dtype=torch.int32), [3, 1],
                                     np.array([3, 1])])
def test_integer_lengths_still_run(lengths: object) -> None:
    torch.manual_seed(0)
    rnn = Recurrent("gru", 1, 4)
    x = torch.randn(3, 2, 1)
    out, _ = rnn(x, lengths=lengths)
    assert torch.equal(out[1:, 1], torch.zeros(2, 4)) and out[2, 0].abs().sum() > 0
