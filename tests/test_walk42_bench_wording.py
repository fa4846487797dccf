"""walk42: `rnnkit bench --rounds 1 --cells lstm,irnn` said "timing 3 layers, 1 interleaved rounds" (the cells asked
for were 2: torch.nn.LSTM, the baseline, was counted as one) and headed its table "median of 1 interleaved rounds".
Now "timing 2 cells and torch.nn.LSTM, 1 interleaved round" and "median of 1 interleaved round"."""

from __future__ import annotations

import pytest

from rnnkit.tasks import bench

ROW = {"fwd_tok_s": 10.0, "fwdbwd_tok_s": 5.0, "peak_mem_mb": 1.0, "ratio_vs_torch_lstm": 1.0}


def test_table_heading_counts_one_round_in_the_singular() -> None:
    doc = {"results": {"lstm": ROW}, "baseline": {bench.BASELINE: ROW},
           "settings": {"batch": 1, "length": 2, "input": 1, "hidden": 2, "device": "cpu", "threads": 1, "rounds": 1,
                        "torch": "x"}}
    assert bench.table(doc).splitlines()[0].endswith("; median of 1 interleaved round")


class _Said(Exception):
    """Raised by the log at its first line: the test needs what bench says before it times anything."""


def _first_line(line: str) -> None:
    raise _Said(line)


def test_log_counts_the_cells_asked_for_and_the_baseline_apart() -> None:
    with pytest.raises(_Said) as said:
        bench.bench(["lstm", "irnn"], batch=1, length=2, hidden=2, input_size=1, rounds=1, log=_first_line)
    assert str(said.value) == "timing 2 cells and torch.nn.LSTM, 1 interleaved round"
