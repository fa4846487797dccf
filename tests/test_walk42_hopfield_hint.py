"""walk42: `rnnkit diagnose --cells hopfield` (and bench's, experiment's) and Recurrent("hopfield", ...) were refused
with only the recurrent cells' names, which left a reader of README's "and the Hopfield memory" no way on; and
diagnose's `--cells LSTM` had no "did you mean" that Recurrent("LSTM", ...) had. Both now say where to go."""

from __future__ import annotations

import pytest

from rnnkit import Recurrent
from rnnkit.errors import UserError
from rnnkit.tasks.diagnose import parse_cells


def test_cells_flag_hopfield_points_at_the_memory() -> None:
    with pytest.raises(UserError, match=r"unknown cell hopfield; .*rnnkit\.Hopfield\(N\)\.store\(patterns\)"):
        parse_cells("lstm,hopfield")


def test_cells_flag_in_capitals_says_did_you_mean() -> None:
    with pytest.raises(UserError, match=r"unknown cell LSTM; .*\(did you mean 'lstm'\?\)"):
        parse_cells("LSTM")


def test_recurrent_hopfield_points_at_the_memory() -> None:
    with pytest.raises(ValueError, match=r"the Hopfield memory is no recurrent cell: rnnkit\.Hopfield"):
        Recurrent("hopfield", 2, 4)
