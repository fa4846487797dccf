"""A gap a mutation audit (round 39) found in the resume's batch warning beside a count of processes
(``_refused_count``, ``distributed.same_batches``): a run saved before its settings recorded ``--accumulate`` was
accumulating 1 batch an update, as the Trainer reads it; a resume of its 2 processes by 1 with ``--accumulate 2`` takes
the same batches, goes on, and is warned of its other ``--batch-size``."""

from __future__ import annotations

import pytest

from rnnkit.errors import RnnkitWarning
from rnnkit.train.options import _refused_count, _warn_other_batches


def test_a_run_that_recorded_no_accumulate_accumulated_one_batch() -> None:
    assert not _refused_count({"batch_size": 8}, {"batch_size": 4, "accumulate": 2}, 2, 1)
    assert _refused_count({"batch_size": 8}, {"batch_size": 4, "accumulate": 1}, 2, 1)
    with pytest.warns(RnnkitWarning, match=r"^resumed with --batch-size 4 \(the run had --batch-size 8\)"):
        _warn_other_batches({"batch_size": 8}, {"batch_size": 4, "accumulate": 2}, 2)
