"""Mutation audit round 33 of walk36's experiment pages and results.md (steps per run, bf16 note, cells over the
--params budget) and of report's refusal of a folder without a run: each test kills a mutant the earlier tests
let live."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.report import run_dir
from rnnkit.report.experiments import _experiment_sections
from rnnkit.report.page import Page
from rnnkit.tasks._experiment_results import markdown
from tests.test_walk36_results_md import _doc


def _page(doc: dict) -> str:
    """The Results section of the experiment page of ``doc``."""
    page = Page("experiment")
    _experiment_sections(page, doc)
    return page.sections[0][1]


def test_a_cell_exactly_at_the_parameter_budget_is_not_over_it() -> None:
    doc = _doc({"rnn_tanh": ["fp32"]})
    doc["settings"]["params"] = 9  # the cell's parameters
    assert "Over the budget" not in markdown(doc)


def test_the_pages_steps_per_run_group_thousands_and_show_a_dash_where_unknown() -> None:
    """A results.json written by hand may give no steps (null): the page shows "—" where it had a traceback."""
    doc = _doc({"lstm": ["fp32"], "gru": ["fp32"]})
    doc["results"]["lstm"]["runs"][0]["steps"] = 12345
    doc["results"]["gru"]["runs"][0]["steps"] = None
    html = _page(doc)
    assert "<td>12,345</td>" in html
    assert "<td>—</td>" in html


def test_the_bf16_note_escapes_a_cell_name_as_the_table_does() -> None:
    html = _page(_doc({"lstm<b>": ["bf16"]}))
    assert "Under bf16 autocast: lstm&lt;b&gt;." in html
    assert "lstm<b>" not in html


@pytest.mark.parametrize("made", ["model.safetensors", "last"])
def test_a_folder_with_a_model_or_a_last_checkpoint_is_a_run(tmp_path: Path, made: str) -> None:
    """report takes a folder holding only a model's weights (load_checkpoint names what else is missing) or only
    last/ (a run stopped before its first best/) as a run: no 'no run in it'."""
    (tmp_path / made).mkdir() if made == "last" else (tmp_path / made).write_bytes(b"")
    assert run_dir(tmp_path) == tmp_path
