"""results.md says which cells trained under bf16 autocast: docs/RESULTS.md labels its pixel-MNIST LSTM "(bf16)", but
a run's results.md said nothing of it (the precision was recorded per run in results.json only, and `precision =
"auto"` gives the LSTM bf16 on some CPUs only), so a researcher could not tell a bf16 run from an fp32 one; and a
budget of one step read 'or 1 steps' (walk36)."""

from __future__ import annotations

from rnnkit.report.experiments import _experiment_sections
from rnnkit.report.page import Page
from rnnkit.tasks._experiment_results import markdown


def _doc(precisions: dict[str, list[str]], steps: int | None = None) -> dict:
    runs = {c: [{"steps": 4, "stopped": "budget", "precision": p, "curve": []} for p in ps]
            for c, ps in precisions.items()}
    return {"experiment": "pixel-mnist", "metric": "accuracy", "description": "pixel MNIST", "torch_threads": 1,
            "settings": {"minutes": 15, "steps": steps, "seeds": 1},
            "results": {c: {"hidden": 8, "parameters": 9, "mean": 0.5, "std": 0.0, "seconds": 1.0, "runs": r}
                        for c, r in runs.items()},
            "published": {}, "baseline": None}


def test_results_md_names_the_cells_trained_under_bf16() -> None:
    md = markdown(_doc({"lstm": ["bf16"], "irnn": ["fp32"], "gru": ["fp32", "bf16"]}))
    assert "\nUnder bf16 autocast (the other cells in fp32): lstm, gru.\n" in md
    assert "\nUnder bf16 autocast: lstm.\n" in markdown(_doc({"lstm": ["bf16"]}))


def test_an_all_fp32_experiment_says_nothing_of_precision_and_one_step_is_one_step() -> None:
    md = markdown(_doc({"lstm": ["fp32"]}, steps=1))
    assert "bf16" not in md
    assert "Budget per run: 15 min or 1 step;" in md


def test_the_report_page_says_it_too() -> None:
    page = Page("experiment")
    _experiment_sections(page, _doc({"lstm": ["bf16"], "irnn": ["fp32"]}))
    assert "<p>Under bf16 autocast (the other cells in fp32): lstm.</p>" in page.sections[0][1]


def test_a_cell_over_the_parameter_budget_at_its_smallest_is_named() -> None:
    """--params 20 on clockwork-waveform: results.md said 'models matched to about 20 parameters' while the CW-RNN,
    one unit for each of its 8 modules at the least, had 69; the comparison was not at equal size, without a word."""
    doc = _doc({"rnn_tanh": ["fp32"], "clockwork": ["fp32"]})
    doc["settings"]["params"] = 20
    doc["results"]["rnn_tanh"]["parameters"] = 13
    doc["results"]["clockwork"]["parameters"] = 69
    assert ("\nOver the budget of 20 parameters even at their smallest size: clockwork (69).\n"
            in markdown(doc))
    doc["settings"]["params"] = 100
    assert "Over the budget" not in markdown(doc)
