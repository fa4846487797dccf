"""Mutation round 38 on fixo's warning of another --batch-size/--accumulate at a resume: a run that recorded no
process count (saved before it was kept) is still warned of another --accumulate; both values changed are named
as one command line would give them."""

from __future__ import annotations

import pytest

from rnnkit.errors import RnnkitWarning
from rnnkit.train.options import _warn_other_batches


def test_a_run_of_no_recorded_process_count_is_warned_of_accumulate() -> None:
    with pytest.warns(RnnkitWarning, match=r"resumed with --accumulate 2 \(the run had --accumulate 1\)"):
        _warn_other_batches({"batch_size": 8, "accumulate": 1}, {"batch_size": 8, "accumulate": 2}, None)


def test_both_values_are_named_as_flags_of_one_command_line() -> None:
    with pytest.warns(RnnkitWarning, match=r"^resumed with --batch-size 4 --accumulate 2 \(the run had --batch-size 8 "
                                           r"--accumulate 1\):.*\(resume with --batch-size 8 --accumulate 1 to go on"):
        _warn_other_batches({"batch_size": 8, "accumulate": 1}, {"batch_size": 4, "accumulate": 2}, 1)
