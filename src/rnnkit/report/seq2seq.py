"""The translator's part of the report: attention heat maps of a few validation pairs.

What a user gets: for the first pairs of the run's validation data (its ``--val-data`` file or the same
seeded split of its ``--data``; ``rnnkit report RUN --data PAIRS`` for another file), the source, the
reference and the greedy translation, and the attention of each written token over the source tokens as
an interactive heat map (hover for the weight), what ``rnnkit translate --attention-png`` draws for one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnkit.report.page import Page, escape, figure_html, table
from rnnkit.report.run import recorded_validation

__all__ = ["EXAMPLES", "add_sections", "attention_figure"]

EXAMPLES = 4


def _pairs(tr: Any, data: str | None) -> tuple[list[tuple[str, str]], str]:
    from rnnkit.data.pairs import read_pairs
    from rnnkit.tasks.translate import Seq2SeqConfig, translation_data

    if data:
        return list(read_pairs(data)), data
    return recorded_validation(tr.checkpoint, Seq2SeqConfig, translation_data, "pairs", "PAIRS")


def attention_figure(result: dict[str, Any]) -> Any:
    """One translation's attention: a row per written token, a column per source token."""
    import plotly.graph_objects as go

    rows = result["attention"] or []
    src = [escape(repr(t)[1:-1]) for t in result["source_tokens"]]  # plotly reads tick text as HTML: </s>
    tgt = [escape(repr(t)[1:-1]) for t in result["target_tokens"][: len(rows)]]
    fig = go.Figure(go.Heatmap(z=rows, x=list(range(len(src))), y=list(range(len(tgt))), colorscale="Viridis",
                               zmin=0, zmax=1, customdata=[[(s, t) for s in src] for t in tgt],
                               hovertemplate="%{customdata[1]} ← %{customdata[0]}: %{z:.3f}<extra></extra>"))
    fig.update_xaxes(tickvals=list(range(len(src))), ticktext=src, title_text="source")
    fig.update_yaxes(tickvals=list(range(len(tgt))), ticktext=tgt, title_text="written", autorange="reversed")
    fig.update_layout(height=min(900, 160 + 22 * len(tgt)), margin={"t": 20, "b": 80, "l": 80, "r": 20})
    return fig


def add_sections(page: Page, run: Path, tr: Any, data: str | None = None) -> None:
    """Add the attention heat maps of a few pairs to ``page`` (a note when the model has no attention)."""
    pairs, source = _pairs(tr, data)
    if tr.model.attention is None:
        page.add("Attention", '<p class="note">This model was trained with --attention none.</p>')
        return
    chosen = pairs[:EXAMPLES]
    results = tr.translate([s for s, _ in chosen], return_attention=True) if chosen else []
    parts = [f'<p class="note">the first {len(chosen)} of {escape(source)}; greedy decoding</p>']
    for i, ((src, ref), r) in enumerate(zip(chosen, results, strict=True)):
        parts.append(table(["source", "reference", "translation"], [(src, ref, r["translation"])]))
        parts.append(figure_html(attention_figure(r), div_id=f"attention-{i}"))
    page.add("Attention", *parts)
