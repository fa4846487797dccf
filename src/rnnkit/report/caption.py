"""The captioner's part of the report: where the model looked for each word it wrote.

What a user gets: for the first images of the run's validation folder (or of a captioned-image folder
given with ``rnnkit report RUN --data FOLDER``), the references and the greedy caption, and one panel per
written word: the image with that step's attention over the grid of regions laid over it (hover for the
weight), what ``rnnkit caption --attention-png`` draws for one image.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rnnkit.plots import region_grid
from rnnkit.report.page import Page, escape, figure_html, table
from rnnkit.report.run import recorded_validation

__all__ = ["EXAMPLES", "add_sections", "attention_figure"]

EXAMPLES = 3
COLUMNS = 5
PANELS = 15  # words drawn per image (an untrained model writes up to max_len)


def _items(cap: Any, data: str | None) -> tuple[list[Any], str]:
    from rnnkit.data.captions import read_captions
    from rnnkit.tasks.caption import CaptionConfig, caption_folders

    if data:
        return read_captions(data), data
    return recorded_validation(cap.checkpoint, CaptionConfig, caption_folders, "images", "FOLDER")


def attention_figure(image: Any, weights: list[list[float]], words: list[str]) -> Any:
    """One panel per word: the image (C, H, W) in grey with the word's attention over the grid of regions
    laid over it."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    grey = image.mean(0).tolist()
    height, width = len(grey), len(grey[0])
    weights = weights[:PANELS]
    steps = max(len(weights), 1)
    rows = math.ceil(steps / COLUMNS)
    fig = make_subplots(rows=rows, cols=min(steps, COLUMNS), horizontal_spacing=0.02, vertical_spacing=0.12 / rows,
                        subplot_titles=[escape(w) for w in words[: len(weights)]])
    for i, w in enumerate(weights):
        rows_, cols = region_grid(len(w), height, width)
        grid = [w[r * cols : (r + 1) * cols] for r in range(rows_)]
        dy, dx = height / rows_, width / cols
        row, col = i // COLUMNS + 1, i % COLUMNS + 1
        fig.add_trace(go.Heatmap(z=grey, colorscale="gray", showscale=False, hoverinfo="skip"), row=row, col=col)
        fig.add_trace(go.Heatmap(z=grid, x0=(dx - 1) / 2, dx=dx, y0=(dy - 1) / 2,
                                 dy=dy, colorscale="Inferno", opacity=0.55, zmin=0, showscale=False,
                                 hovertemplate="weight %{z:.3f}<extra></extra>"), row=row, col=col)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig.update_layout(height=40 + 210 * rows, margin={"t": 30, "b": 10, "l": 10, "r": 10})
    return fig


def add_sections(page: Page, run: Path, cap: Any, data: str | None = None) -> None:
    """Add the attention panels of a few images to ``page`` (a note when the model has no attention)."""
    items, source = _items(cap, data)
    if cap.model.attention is None:
        page.add("Attention", '<p class="note">This model was trained without --attention.</p>')
        return
    chosen = items[:EXAMPLES]
    results = cap.caption([str(it.image) for it in chosen], return_attention=True) if chosen else []
    images = cap.load_images([str(it.image) for it in chosen]) if chosen else []
    parts = [f'<p class="note">the first {len(chosen)} of {escape(source)}; greedy decoding</p>']
    for i, (item, r) in enumerate(zip(chosen, results, strict=True)):
        parts.append(table(["image", "references", "caption"],
                           [(Path(item.image).name, " / ".join(item.captions), r["caption"])]))
        parts.append(figure_html(attention_figure(images[i], r["attention"] or [], r["words"]),
                                 div_id=f"caption-attention-{i}"))
    page.add("Attention", *parts)
