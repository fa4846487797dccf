"""walk48: results.md named each cell's hidden size and parameters but not the learning rate it trained with, which
differs by cell in the comparisons (adding: IRNN 3e-4, LSTM 1e-2, the others 1e-3; pixel MNIST: LSTM 5e-4, IRNN
1e-4), so a researcher could not tell from the table that the paper's small IRNN rate was used. Now an lr column, as
benchmarks/experiments_report.py's merged table has (one helper for both)."""

from __future__ import annotations

from rnnkit.tasks import experiments as ex


def test_results_md_gives_each_cells_own_learning_rate() -> None:
    s = ex.Settings(experiment="adding", cells=["irnn", "lstm", "gru"], steps=0, length=4, hidden=2, eval_size=2,
                    threads=1, seeds=1, cell_overrides={"irnn": {"lr": 3e-4}, "lstm": {"lr": 1e-2}})
    md = ex.markdown(ex.run_experiment(s)).splitlines()
    head = next(line for line in md if line.startswith("| cell |"))
    assert head.startswith("| cell | lr | hidden |")
    rows = {line.split(" | ")[0][2:]: line.split(" | ")[1] for line in md if line.startswith("| ") and line != head
            and not line.startswith("| ---")}
    assert rows == {"irnn": "0.0003", "lstm": "0.01", "gru": "0.001"}
