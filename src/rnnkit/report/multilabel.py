"""A multi-label classifier's part of the report: ``rnnkit evaluate``'s scores as a page section.

What a user gets, on the run's validation data (its ``--val-data`` file or the same seeded split of its
``--data``), or on a labelled file given with ``rnnkit report RUN --data FILE``: the scores that ``rnnkit
evaluate`` prints at its threshold (0.5, or ``rnnkit report RUN --threshold P``; scored by
:meth:`TextClassifier.scored`, as ``evaluate`` scores): micro and macro precision, recall and F1, the
exact-match ratio, fastText's P@1 and R@1; a per-label table of precision, recall, F1 and support, labels
unseen in training named as ``evaluate`` names them; the per-label precision, recall and F1 as grouped bars;
and the most confident mistakes (:func:`rnnkit.multilabel.confident_mistakes`): each text with the labels
given wrongly and those missed, with their probabilities (with attention pooling, each token coloured by
its weight, as :mod:`rnnkit.report.classify` shows a single-label model's mistakes). No confusion matrix: a
text of several labels has no one cell to be counted in.
"""

from __future__ import annotations

from typing import Any

from rnnkit.errors import UserError
from rnnkit.multilabel import NO_CONFUSION, Scored, confident_mistakes, unseen_line
from rnnkit.report.classify import MISTAKES, mistake_items, scored_file
from rnnkit.report.page import Page, escape, figure_html, table

__all__ = ["add_sections", "per_label_figure"]


def _summary_html(report: dict[str, Any]) -> str:
    """The averages, the exact-match ratio, P@1/R@1 and what they were counted over."""
    head = (f"<p>micro-F1 {report['micro_f1']:.4f}, macro-F1 {report['macro_f1']:.4f}, exact match "
            f"{report['exact_match']:.4f}, P@1 {report['precision_at_1']:.4f}, R@1 {report['recall_at_1']:.4f} "
            f"at threshold {report['threshold']:g} over {report['count']:,} texts ({report['label_count']:,} "
            f"labels, {report['predicted_count']:,} predicted)</p>")
    rows = [(name, *(f"{report[f'{key}_{score}']:.4f}" for score in ("precision", "recall", "f1")))
            for name, key in (("micro", "micro"), ("macro", "macro"))]
    return head + table(["average", "precision", "recall", "F1"], rows)


def _per_label_html(report: dict[str, Any]) -> str:
    """Precision, recall, F1 and support of each label; the sentence naming labels unseen in training."""
    rows = [(lab, f"{c['precision']:.4f}", f"{c['recall']:.4f}", f"{c['f1']:.4f}", c["support"])
            for lab, c in report["per_class"].items()]
    unseen = unseen_line(report)
    return table(["label", "precision", "recall", "F1", "support"], rows) + (f"<p>{escape(unseen)}</p>"
                                                                              if unseen else "")


def per_label_figure(report: dict[str, Any]) -> Any:
    """Each label's precision, recall and F1 as grouped Plotly bars (hover for the support)."""
    import plotly.graph_objects as go

    labels = [escape(lab) for lab in report["labels"]]  # plotly reads tick text as HTML
    support = [report["per_class"][lab]["support"] for lab in report["labels"]]
    fig = go.Figure([go.Bar(name=name, x=labels, y=[report["per_class"][lab][key] for lab in report["labels"]],
                            customdata=support, hovertemplate=f"%{{x}}<br>{name} %{{y:.4f}}<br>support "
                                                              "%{customdata}<extra></extra>")
                     for key, name in (("precision", "precision"), ("recall", "recall"), ("f1", "F1"))])
    # type "category": plotly guesses an axis of numbers (or dates) from labels that read as such ('1' ... '5',
    # fastText's star ratings) and drops the bars of the other labels ('other') from it
    fig.update_layout(barmode="group", height=380, width=min(1000, 300 + 60 * len(labels)), yaxis_range=[0, 1],
                      xaxis_title="label", xaxis_type="category", margin={"t": 30, "b": 60, "l": 60, "r": 20})
    return fig


def _labels_html(pairs: list[tuple[str, float]]) -> str:
    return ", ".join(f"{escape(label)} ({p:.3f})" for label, p in pairs) or "–"


def _mistakes_html(m: Any, s: Scored) -> str:
    """The texts whose worst mistake was the most confident (:func:`rnnkit.multilabel.confident_mistakes`)."""
    found = confident_mistakes(s, MISTAKES)
    if not found:
        return "<p>No mistakes on this data.</p>"
    attention, shown = mistake_items(m, [s.texts[x.index] for x in found])
    rows = [(item, escape(", ".join(lab for lab, t in zip(s.columns, s.targets[x.index], strict=True) if t)),
             _labels_html(x.given), _labels_html(x.missed), f"{x.confidence:.3f}")
            for item, x in zip(shown, found, strict=True)]
    note = (f"<p>At threshold {s.report['threshold']:g}: a label given wrongly counts its probability p, a true "
            "label missed 1 − p, and a text ranks by its worst; a label unseen in training is shown as missed "
            "but not counted (the model cannot give it).</p>")
    return note + attention + table(["text", "true labels", "given wrongly (p)", "missed (p)", "worst"], rows, raw=True)


def add_sections(page: Page, m: Any, data: str | None = None, threshold: float | None = None) -> None:
    """Add a multi-label classifier's scores and most confident mistakes on ``data`` (default: the run's
    validation data), at ``threshold`` (default: ``evaluate``'s), to ``page``."""
    path, split = scored_file(m, data)
    scored = m.scored(path, split, threshold)
    report = scored.report
    if not report["count"]:
        raise UserError(f"{path}: no labelled items to score")
    where = path + (" (the run's validation split)" if split == "val" else "")
    page.add("Scores", f'<p class="note">on {escape(where)}</p>', _summary_html(report), _per_label_html(report))
    note = escape(f"{NO_CONFUSION}; each label's scores instead")
    page.add("Per-label scores", f'<p class="note">{note}</p>',
             figure_html(per_label_figure(report), div_id="per-label"))
    page.add("Most confident mistakes", _mistakes_html(m, scored))
