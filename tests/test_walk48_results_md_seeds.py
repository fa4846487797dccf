"""walk48: results.md said how many seeds a cell ran, not which: ``--first-seed 2 --seeds 1`` (how docs/RESULTS.md
runs seeds in parallel processes) wrote "seeds: 1", which read as seed 1. Now "seeds: 1 (2)"."""

from __future__ import annotations

from rnnkit.tasks import experiments as ex
from rnnkit.tasks._experiment_results import seed_numbers


def test_results_md_names_the_seeds_that_ran() -> None:
    doc = ex.run_experiment(ex.Settings(experiment="adding", cells=["rnn_tanh"], steps=0, length=4, hidden=2,
                                        eval_size=2, threads=1, seeds=2, first_seed=2))
    ran = [run["seed"] for run in doc["results"]["rnn_tanh"]["runs"]]
    assert ran == [2, 3]
    assert "; seeds: 2 (2, 3); torch threads: 1." in ex.markdown(doc)


def test_many_seeds_are_a_range() -> None:
    assert seed_numbers({"first_seed": 3, "seeds": 7}) == "7 (3 to 9)"
    assert seed_numbers({"first_seed": 0, "seeds": 3}) == "3 (0, 1, 2)"
