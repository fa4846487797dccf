"""walk54: diagnose's note on gated cells stands only where a gated cell is in the table, and names them.

"Gated cells: radius = the largest over the gate blocks of W_hh." stood below the radius table of diagnose.md and of
the report page (there in other words, a second copy) also for ``--cells rnn_tanh,irnn``, where no cell has gate
blocks; and beside several cells it did not say which ones it meant.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.report.experiments import experiment_page
from rnnkit.tasks.diagnose import run_diagnose


def _diagnosed(out: Path, cells: list[str]) -> tuple[str, str]:
    run_diagnose(cells, 4, out, hidden=2, train_steps=0, clip_steps=1, clip_length=3)
    return (out / "diagnose.md").read_text(), experiment_page(out).html()


@pytest.mark.parametrize("cells", [["rnn_tanh", "irnn"], ["clockwork", "mingru"]])
def test_no_note_on_gate_blocks_without_a_gated_cell(tmp_path: Path, cells: list[str]) -> None:
    md, page = _diagnosed(tmp_path, cells)
    assert "gate blocks" not in md and "gate blocks" not in page


def test_the_note_names_the_gated_cells_alike_in_the_file_and_on_the_page(tmp_path: Path) -> None:
    md, page = _diagnosed(tmp_path, ["rnn_tanh", "lstm", "gru"])
    note = "Gated cells (lstm, gru): radius = the largest over the gate blocks of W_hh."
    assert note in md and note in page
