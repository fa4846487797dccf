"""rnnkit.plots (mutation audit round 13): what each picture draws, read from the figure it saved (its lines, texts,
images and axes), and what a metrics.jsonl line must be to be drawn."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib
import pytest

from rnnkit import plots

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after the backend
from matplotlib.figure import Figure  # noqa: E402


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every figure a drawing function saves, in order: its artists stay readable."""
    figures: list[Any] = []
    save = Figure.savefig

    def keep(fig: Figure, *args: Any, **kwargs: Any) -> None:
        figures.append(fig)
        save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return figures


def _xy(line: Any) -> tuple[list[float], list[float]]:
    return [float(x) for x in line.get_xdata()], [float(y) for y in line.get_ydata()]


def test_the_loss_plot_draws_the_finite_losses_of_the_records_with_a_step(tmp_path: Path, drawn: list[Any]) -> None:
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_bytes(b"\n".join([
        b'{"step": 1, "train_loss": 2.0}',
        b'{"step": 2, "train_loss": 1.5, "val_loss": 1.8}',
        b'{"step": 3, "train_loss": NaN, "val_loss": Infinity}',     # not finite: left out
        b'{"step": 4, "train_loss": 9.0, "diverged": "training loss"}',  # the step that diverged
        b'{"step": "5", "train_loss": 1.0}',                           # a step that is no number
        b'[6, 1.0]',                                                   # no record
        b'{"step": 7, "train_loss": 1.0}\xff',                         # damaged: not UTF-8
        b'{"step": 8, "train',                                         # cut short by a kill
    ]))
    assert plots.plot_losses(metrics, tmp_path / "loss.png") == tmp_path / "loss.png"
    train, val = drawn[0].axes[0].get_lines()
    assert _xy(train) == ([1.0, 2.0], [2.0, 1.5]) and _xy(val) == ([2.0], [1.8])
    assert [r["step"] for r in plots.read_metrics(metrics)] == [1, 2, 3, 4]


@pytest.mark.parametrize("row", ['{"step": 1, "train_loss": 2.0}', '{"step": 1, "val_loss": 2.0}'])
def test_a_run_with_training_or_validation_losses_alone_has_a_plot(tmp_path: Path, row: str) -> None:
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text(row + "\n", encoding="utf-8")
    assert plots.plot_losses(metrics, tmp_path / "loss.png") == tmp_path / "loss.png"
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"


def test_a_missing_metrics_file_has_no_records(tmp_path: Path) -> None:
    assert plots.read_metrics(tmp_path / "metrics.jsonl") == []


def test_gradient_norms_are_drawn_from_step_1_where_a_log_axis_shows_them(tmp_path: Path, drawn: list[Any]) -> None:
    plots.gradient_norms_png(tmp_path / "g.png", [("lstm", [1.0, 0.0, -1.0, math.nan, 2.0, math.inf], {})], "t",
                             "step", "norm")
    (line,) = drawn[0].axes[0].get_lines()
    assert _xy(line) == ([1.0, 5.0], [1.0, 2.0])


def test_the_confusion_matrix_writes_each_count_dark_on_light_and_light_on_dark(tmp_path: Path,
                                                                               drawn: list[Any]) -> None:
    report = {"labels": ["a", "b", "c"], "confusion": [[5, 1, 0], [0, 4, 2], [3, 0, 6]]}
    plots.confusion_png(report, tmp_path / "c.png", "title")
    texts = {t.get_text(): t.get_color() for t in drawn[0].axes[0].texts}
    assert texts == {"5": "white", "1": "black", "0": "black", "4": "white", "2": "black", "3": "black",
                     "6": "white"}


def _doc(metric: str = "accuracy", baseline: float | None = 0.0) -> dict[str, Any]:
    def run(*points: float) -> dict[str, Any]:
        return {"curve": [{"seconds": float(i + 1), "metric": p} for i, p in enumerate(points)]}

    return {"experiment": "adding", "metric": metric, "baseline": baseline, "baseline_label": "chance",
            "results": {"lstm": {"runs": [run(0.5, 0.6), run(0.4, math.nan, 0.7)]},
                        "gru": {"runs": [run(0.3, 0.8), run(math.nan)]}}}


def test_experiment_curves_name_each_cell_once_in_a_colour_of_its_own(tmp_path: Path, drawn: list[Any]) -> None:
    plots.experiment_curves(_doc(), tmp_path / "curves.png", solved=0.9)
    ax = drawn[0].axes[0]
    assert ax.get_legend_handles_labels()[1] == ["lstm", "gru", "chance", "solved"]  # a baseline of 0 is drawn
    lines = ax.get_lines()[:3]  # the seeds' lines, then the horizontal ones
    colours = [line.get_color() for line in lines]
    assert colours[0] == colours[1] != colours[2]  # both lstm seeds, then gru's
    assert _xy(lines[1]) == ([1.0, 3.0], [0.4, 0.7])
    assert ax.get_yscale() == "linear"


def test_experiment_curves_of_a_mean_squared_error_are_on_a_log_axis(tmp_path: Path, drawn: list[Any]) -> None:
    plots.experiment_curves(_doc("mse", None), tmp_path / "curves.png")
    ax = drawn[0].axes[0]
    assert ax.get_yscale() == "log" and ax.get_legend_handles_labels()[1] == ["lstm", "gru"]


def test_the_attention_map_has_a_row_per_weight_row_and_a_column_per_weight(tmp_path: Path, drawn: list[Any]) -> None:
    plots.attention_png([[0.5, 0.5], [1.0]], ["a", "b", "c"], ["x", "y"], tmp_path / "a.png")
    ax = drawn[0].axes[0]
    assert ax.get_images()[0].get_array().shape == (2, 2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    plots.attention_png([], ["a", "b", "c"], [], tmp_path / "b.png")  # nothing written: one empty row
    assert drawn[1].axes[0].get_images()[0].get_array().shape == (1, 3)


def test_regions_that_do_not_form_a_grid_of_the_image_s_proportions_are_refused() -> None:
    assert plots.region_grid(4, 8, 8) == (2, 2)
    for count, height, width in ((5, 8, 8), (1, 1, 100)):
        with pytest.raises(ValueError, match=f"^{count} regions do not form a grid of the proportions"):
            plots.region_grid(count, height, width)


def test_a_caption_of_more_words_than_a_row_holds_gets_more_rows(tmp_path: Path, drawn: list[Any]) -> None:
    """Six steps of a grey image: two rows of five panels; a step past the words has no title."""
    import numpy as np

    image = np.linspace(0, 1, 64, dtype=np.float32).reshape(1, 8, 8)
    plots.caption_attention_png(image, [[0.25] * 4] * 6, ["a", "b", "c", "d", "e"], tmp_path / "c.png")
    panels = drawn[0].axes[1:]
    assert len(panels) == 6 and panels[5].get_subplotspec().get_geometry()[:2] == (2, 5)
    assert [p.get_title() for p in panels] == ["a", "b", "c", "d", "e", ""]
    picture, heat = panels[0].get_images()
    assert picture.get_array().shape == (8, 8) and picture.get_cmap().name == "gray"  # one channel: grey
    assert heat.get_array().shape == (8, 8)


def test_a_sweep_colours_by_family_and_dashes_loops_and_dots_parallel_scans(tmp_path: Path, drawn: list[Any]) -> None:
    series = {"scan loop": [1.0, 2.0], "scan parallel": [1.0, 1.5], "scan": [2.0, 2.0], "cuDNN": [0.5, 0.6]}
    plots.sweep_png({"length": {"values": [8, 16], "series": series}, "batch": {"values": [1, 2], "series": series,
                                                                               "note": "at length 16"}},
                    tmp_path / "s.png", "seconds", "title")
    first, second = drawn[0].axes
    lines = first.get_lines()
    assert [line.get_linestyle() for line in lines] == ["--", ":", "-", "-"]
    colours = [line.get_color() for line in lines]
    assert colours[0] == colours[1] == colours[2] != colours[3]
    assert (first.get_xlabel(), second.get_xlabel()) == ("length", "batch (at length 16)")


def test_a_picture_is_written_into_a_new_folder_and_leaves_no_figure_open(tmp_path: Path) -> None:
    open_before = plt.get_fignums()
    plots.lr_find_png([1e-4, 1e-3, 1e-2], [2.0, 1.5, 3.0], 1e-3, tmp_path / "new" / "lr.png")
    assert (tmp_path / "new" / "lr.png").read_bytes()[:4] == b"\x89PNG"
    assert plt.get_fignums() == open_before


def test_a_record_whose_step_or_loss_is_true_is_not_read_as_1(tmp_path: Path) -> None:
    """JSON's ``true`` reads as a Python bool, an int: a damaged record with ``"step": true`` was plotted at step 1,
    and a ``"train_loss": true`` as a loss of 1."""
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": true, "train_loss": 2.0}\n{"step": 2, "train_loss": true}\n'
                    '{"step": 3, "train_loss": 1.5}\n')
    assert [r["step"] for r in plots.read_metrics(path)] == [2, 3]
    assert not plots.finite_number(True) and plots.finite_number(1.5) and not plots.finite_number(math.inf)
