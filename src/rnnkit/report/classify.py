"""The classifier's and tagger's part of the report: scores, confusion matrix, confident mistakes (a
multi-label classifier's part is :mod:`rnnkit.report.multilabel`'s).

What a user gets, on the run's validation data (its ``--val-data`` file or the same seeded split of its
``--data``), or on a labelled file given with ``rnnkit report RUN --data FILE``:

- per-class precision, recall, F1 and support (:func:`rnnkit.metrics.classification_report`); a tagger of span
  tags (BIO, IOBES, BILUO) also its span precision, recall and F1 as conlleval counts them, as evaluate says them;
- the confusion matrix as an interactive heat map (rows true, columns predicted);
- the most confident mistakes of a classifier (with the probability given to the wrong label), the
  first mistaken tokens of a tagger in their sentences (its decoding, a CRF's among them, gives no
  probability to rank by); for a classifier with attention pooling, each token of those texts coloured
  by its attention weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.conll import read_conll
from rnnkit.data.tokenize import id_symbols, pad_batch
from rnnkit.device import model_device, to_device
from rnnkit.errors import SettingError, UserError
from rnnkit.metrics import classification_report
from rnnkit.models.encoder import length_mask
from rnnkit.report.page import Page, colour, escape, figure_html, table
from rnnkit.spans import is_span_tagset, span_scores
from rnnkit.train.provenance import recorded_file

__all__ = ["Predictions", "add_sections", "confusion_figure", "mistake_items", "predictions", "scored_file"]

MISTAKES = 12


@dataclass
class Predictions:
    """What a model said about labelled data: ``items`` (a text, or ``(tokens, i)`` for the i-th token
    of a sentence), the true and predicted label indices and the probability of the predicted one (NaN
    where the model's decoding gives none); for a tagger of span tags (BIO, IOBES, BILUO) the span scores
    ``rnnkit evaluate`` gives (:func:`rnnkit.spans.span_scores`)."""

    source: str
    items: list[Any]
    y_true: list[int]
    y_pred: list[int]
    confidence: list[float]
    spans: dict[str, float | int] | None = None


def scored_file(m: Any, data: str | None) -> tuple[str, str]:
    """The file a classifier's or tagger's page scores and the split of it (``"all"`` or ``"val"``): ``data``,
    else the run's ``--val-data`` file, else the validation side of its ``--data`` (each only if unchanged)."""
    if data:
        return data, "all"
    record = m.config.get("data") or {}
    if record.get("val"):
        return recorded_file(m.checkpoint.path, record, "val", "--data FILE"), "all"
    if record.get("train"):
        return recorded_file(m.checkpoint.path, record, "train", "--data FILE"), "val"
    raise UserError(f"{m.checkpoint.path}: the run names no data; give --data FILE")


def _classifier_rows(m: Any, path: str, split: str) -> tuple[list[str], list[str]]:
    from rnnkit.tasks.classify import load_source, warn_headerless

    label_column = m.config.get("label_column", "label")
    table_ = load_source(path, m.config.get("text_column", "text"), label_column)
    warn_headerless(table_)  # as evaluate says it (report_warnings shows it)
    side = m.split_side(table_.labels, split)
    if side is not None:
        table_ = table_.subset(side)
    return list(table_.texts), [str(lab) for lab in table_.labels]


def predictions(m: Any, data: str | None) -> Predictions:
    """Score a :class:`TextClassifier` or :class:`SequenceTagger` on ``data`` (default: its validation
    data); labels the model does not know are refused in one line."""
    path, split = scored_file(m, data)
    index = {lab: i for i, lab in enumerate(m.labels)}
    where = f"{path}" + (" (the run's validation split)" if split == "val" else "")
    if not m.per_step:
        texts, labels = _classifier_rows(m, path, split)
        unknown = sorted({lab for lab in labels if lab not in index})
        if unknown:
            raise UserError(f"{path}: label {unknown[0]!r} is not one the model knows ({', '.join(m.labels)})")
        probs = m.probabilities(texts)
        conf, pred = probs.max(-1)
        return Predictions(where, texts, [index[lab] for lab in labels], pred.tolist(), conf.tolist())
    from rnnkit.tasks._tag_data import check_model_knows

    sentences = _read_tagged(path)
    side = m.split_side([None] * len(sentences), split)
    if side is not None:
        sentences = sentences.subset(side)
    # as evaluate refuses it: the file, line and column of the first tag the model does not know
    check_model_knows(sentences, m.labels)
    out = Predictions(where, [], [], [], [])
    # the tagger's own decoding (a CRF's best path or each token's most likely tag): no probability to rank by
    tagged = m.tag(sentences.tokens)
    if is_span_tagset(m.labels):
        out.spans = span_scores([tags or [] for tags in sentences.tags], tagged)
    for tokens, tags, pred in zip(sentences.tokens, sentences.tags, tagged, strict=True):
        for i, (tag, guess) in enumerate(zip(tags or [], pred, strict=False)):
            out.items.append((tokens, i))
            out.y_true.append(index[tag])
            out.y_pred.append(index[guess])
            out.confidence.append(math.nan)
    return out


def _read_tagged(path: str) -> Any:
    """A tagged file as the tagger reads it: CoNLL, or ``word/TAG`` lines where that reader exists."""
    try:
        from rnnkit.data.slashtags import read_tagged  # the tagger's reader of both formats, where present
    except ImportError:
        return read_conll(path)
    return read_tagged(path)


def confusion_figure(report: dict[str, Any]) -> Any:
    """The confusion matrix as a Plotly heat map, counts written in the cells (rows true, columns predicted)."""
    import plotly.graph_objects as go

    labels = [escape(lab) for lab in report["labels"]]  # plotly reads tick text as HTML
    fig = go.Figure(go.Heatmap(z=report["confusion"], x=labels, y=labels, colorscale="Blues",
                               text=report["confusion"], texttemplate="%{text}" if len(labels) <= 30 else None,
                               hovertemplate="true %{y}<br>predicted %{x}<br>%{z}<extra></extra>"))
    size = min(900, 250 + 40 * len(labels))
    # type "category": labels that read as numbers or dates ('1' ... '5') would otherwise make a numeric axis,
    # on which the cells of the other labels ('other') are dropped
    fig.update_layout(height=size, width=size + 100, xaxis_title="predicted", yaxis_title="true",
                      xaxis_type="category", yaxis_type="category", yaxis_autorange="reversed",
                      margin={"t": 30, "b": 60, "l": 80, "r": 20})
    return fig


def _scores_table(report: dict[str, Any], spans: dict[str, Any] | None = None) -> str:
    """The scores and the table of each class's; a tagger's span scores (``spans``) as evaluate's line says them."""
    rows = [(lab, f"{c['precision']:.4f}", f"{c['recall']:.4f}", f"{c['f1']:.4f}", c["support"])
            for lab, c in report["per_class"].items()]
    head = f"<p>accuracy {report['accuracy']:.4f}, macro-F1 {report['macro_f1']:.4f} over {report['count']:,} items</p>"
    if spans is not None:
        head += (f"<p>spans (conlleval): precision {spans['span_precision']:.4f}, recall {spans['span_recall']:.4f}, "
                 f"F1 {spans['span_f1']:.4f} ({spans['correct_spans']:,} correct of {spans['true_spans']:,} true, "
                 f"{spans['pred_spans']:,} predicted)</p>")
    return head + table(["label", "precision", "recall", "F1", "support"], rows)


def _attention_html(m: Any, text: str) -> str:
    """The tokens of ``text`` coloured by the attention pooling's weight on each (the largest full red)."""
    ids = m.encode([text])
    batch, lengths = to_device(pad_batch(ids), model_device(m.model))
    with torch.no_grad():
        outputs, _ = m.model.encode_steps(batch, lengths)
        weights = m.model.attention(outputs, length_mask(lengths, outputs.shape[1]))[1][0].tolist()
    lo, span = min(weights), (max(weights) - min(weights)) or 1.0
    return _joiner(m).join(
        f'<span style="background:{colour((w - lo) / span)}" title="{w:.3f}">{escape(s)}</span>'
        for s, w in zip(id_symbols(m.tokenizer, ids[0]), weights, strict=False))


def _joiner(m: Any) -> str:
    """What goes between tokens when they are shown: nothing for characters, a space for words."""
    chars = getattr(m.tokenizer, "kind", "") == "char" or m.config.get("split") == "chars"
    return "" if chars else " "


def mistake_items(m: Any, items: list[Any]) -> tuple[str, list[str]]:
    """How a list of mistakes shows its ``items`` (texts, or a tagger's ``(tokens, i)``): a note to put above
    the list and each item's HTML; a classifier with attention pooling colours each token by its weight."""
    if getattr(m.model, "pooling", None) != "attention":
        joiner = _joiner(m)
        return "", [_item_html(item, joiner) for item in items]
    note = ("<p>Tokens are coloured by the attention pooling's weight (white = least, red = most attended in "
            "that text; hover for the weight).</p>")
    return note, [_attention_html(m, item) for item in items]


def _item_html(item: Any, joiner: str) -> str:
    if isinstance(item, tuple):
        tokens, i = item
        lo = max(0, i - 8)
        words = [f"<b><u>{escape(t)}</u></b>" if j == i else escape(t) for j, t in enumerate(tokens[lo : i + 9], lo)]
        return ("… " if lo else "") + joiner.join(words) + (" …" if i + 9 < len(tokens) else "")
    return escape(item if len(item) <= 400 else item[:400] + "…")


def _mistakes_html(m: Any, p: Predictions) -> str:
    wrong = [i for i, (t, q) in enumerate(zip(p.y_true, p.y_pred, strict=True)) if t != q]
    if not any(math.isnan(p.confidence[i]) for i in wrong):
        wrong.sort(key=lambda i: -p.confidence[i])
    wrong = wrong[:MISTAKES]
    if not wrong:
        return "<p>No mistakes on this data.</p>"
    note, shown = mistake_items(m, [p.items[i] for i in wrong])
    rows = [(item, escape(m.labels[p.y_true[i]]), escape(m.labels[p.y_pred[i]]),
             "–" if math.isnan(p.confidence[i]) else f"{p.confidence[i]:.3f}")
            for item, i in zip(shown, wrong, strict=True)]
    return note + table(["item", "true", "predicted", "p(predicted)"], rows, raw=True)


def add_sections(page: Page, run: Path, m: Any, data: str | None = None, threshold: float | None = None) -> None:
    """Add the classifier's or tagger's sections to ``page`` (a multi-label classifier's are
    :func:`rnnkit.report.multilabel.add_sections`': no confusion matrix, which has no cell for a text of
    several labels; ``threshold`` is theirs, refused for another model as ``evaluate --threshold`` is)."""
    if getattr(m, "multi_label", False):
        from rnnkit.report import multilabel

        multilabel.add_sections(page, m, data, threshold)
        return
    if threshold is not None:
        raise SettingError("threshold", threshold, "applies only to a multi-label classifier's page; this "
                           f"{'tagger' if m.per_step else 'model'} gives one label "
                           f"{'a token' if m.per_step else 'a text'}")
    p = predictions(m, data)
    if not p.y_true:
        raise UserError(f"{p.source}: no labelled items to score")
    report = classification_report(p.y_true, p.y_pred, m.labels)
    page.add("Scores", f'<p class="note">on {escape(p.source)}</p>', _scores_table(report, p.spans))
    page.add("Confusion matrix", figure_html(confusion_figure(report), div_id="confusion"))
    page.add("Mistakes" if m.per_step else "Most confident mistakes", _mistakes_html(m, p))
