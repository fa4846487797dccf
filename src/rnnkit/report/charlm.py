"""The character language model's part of the report: what its units and gates do on a text.

What a user gets, on a text (a slice of the run's validation split, or ``--text FILE``):

- the text with every character coloured by the activation of a chosen unit (a selector lists every
  unit of every layer: tanh(c) and h for the LSTM, h for the others), red positive and blue negative;
- the units that track simple features best (:mod:`rnnkit.report.units`), each a link that selects it;
- the gate saturation scatter of Karpathy, Johnson & Fei-Fei (2015, Fig. 4) for LSTM and GRU gates;
- samples at several temperatures, and the text coloured by the model's loss on each character.

Activations travel as one base64 string of bytes (each unit scaled by its largest magnitude, at least 1,
and quantised to 255 levels), so a few thousand characters of a 384-unit model stay about a megabyte.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from rnnkit.data.text import load_text, read_utf8
from rnnkit.errors import UserError, report_warnings
from rnnkit.models.language_model import sequence_log_probs
from rnnkit.report.page import Page, colour, escape, figure_html, json_script, table
from rnnkit.report.units import Trace, saturation, top_units, trace
from rnnkit.tasks.charlm import BUILT_IN_TEXTS, DIGEST_CHARS, CharLM, data_record, text_digest
from rnnkit.train.provenance import located
from rnnkit.wording import counted

__all__ = ["TEMPERATURES", "add_sections", "report_text", "unit_series"]

TEMPERATURES = (0.5, 0.8, 1.0)
STATE_LABELS = {"c": "tanh(c)", "h": "h"}

SCRIPT = """
(function () {
  const data = JSON.parse(document.getElementById('unit-data').textContent);
  const raw = atob(data.values), T = data.text.length;
  const box = document.getElementById('unit-text'), select = document.getElementById('unit-select');
  const spans = data.text.map(function (ch) {
    const s = document.createElement('span'); s.textContent = ch; box.appendChild(s); return s; });
  function colour(v) {
    return (v >= 0 ? 'rgba(214,39,40,' : 'rgba(31,119,180,') + Math.abs(v).toFixed(2) + ')'; }
  function show(k) {
    const scale = data.series[k].scale;
    for (let t = 0; t < T; t++) {
      const v = (raw.charCodeAt(k * T + t) - 128) / 127;
      spans[t].style.background = colour(v);
      spans[t].title = (v * scale).toFixed(3);
    }
    box.dataset.unit = String(k);
  }
  select.addEventListener('change', function () { show(+select.value); });
  document.querySelectorAll('a.pick').forEach(function (a) {
    a.addEventListener('click', function (e) {
      e.preventDefault(); select.value = a.dataset.series; show(+select.value);
      select.scrollIntoView({block: 'center'}); });
  });
  const m = location.hash.match(/unit=(\\d+)/);
  if (m && +m[1] < data.series.length) select.value = m[1];
  show(+select.value);
})();
"""


def report_text(lm: CharLM, text_file: str | None, chars: int) -> tuple[str, str]:
    """The text to look at and where it came from: ``text_file`` when given, else the first ``chars``
    characters (from a line start) of the run's validation split, its file found from any working directory
    (:func:`~rnnkit.train.provenance.located`)."""
    if text_file:
        if not Path(text_file).exists():  # read_utf8's own message speaks of --data
            raise UserError(f"--text {text_file}: no such file; expected a UTF-8 text file")
        return read_utf8(text_file)[:chars], text_file
    config = lm.checkpoint.config
    data = (config.get("settings") or {}).get("data")
    cut = int(config.get("train_chars", 0))
    if not data or not config.get("val_chars"):
        raise UserError(f"{lm.checkpoint.path}: the run kept no validation text; give --text FILE")
    recorded = config.get("val_digest")
    if recorded is None and data not in BUILT_IN_TEXTS:
        raise UserError(f"{lm.checkpoint.path}: the run records no digest of its validation text, so {data} cannot "
                        "be checked to be the text it trained on; give --text FILE")
    try:  # the reader's line names the file and why ("PATH: cannot read (REASON)"), not training's --data
        val = load_text(located(data_record(lm.checkpoint, data), "train") or data, missing="")[cut:]
    except UserError as exc:
        raise UserError(f"the run's data, {exc}; give --text FILE") from None
    if recorded is not None and text_digest(lm.vocab.encode_tensor(val[:DIGEST_CHARS], warn=False)) != recorded:
        raise UserError(f"{data} no longer holds the validation text the run at {lm.checkpoint.path} trained on; "
                        "give --text FILE")
    start = val.find("\n") + 1 if "\n" in val[: chars // 2] else 0
    return val[start : start + chars], f"validation split of {data}"


def unit_series(tr: Trace) -> tuple[list[dict[str, Any]], Tensor]:
    """Every unit as a series ``{"label", "state", "layer", "unit", "scale"}`` and their values
    (T, N), the LSTM's tanh(c) first (the cells the paper colours), then h."""
    labels, columns = [], []
    for kind in sorted(tr.states, key=lambda k: k != "c"):
        values = tr.states[kind]  # (T, L, H)
        for layer in range(values.shape[1]):
            for unit in range(values.shape[2]):
                column = values[:, layer, unit]
                labels.append({"label": f"layer {layer + 1} · {STATE_LABELS.get(kind, kind)} · unit {unit}",
                               "state": kind, "layer": layer, "unit": unit,
                               "scale": max(1.0, float(column.abs().max()))})
                columns.append(column)
    return labels, torch.stack(columns, 1)


def _quantised(values: Tensor, scales: list[float]) -> str:
    """Series-major bytes, 128 + 127 · value / scale, as base64."""
    scaled = values.double() / torch.tensor(scales, dtype=torch.float64)
    q = (scaled.clamp(-1, 1) * 127).round().to(torch.int16) + 128
    return base64.b64encode(q.t().contiguous().to(torch.uint8).numpy().tobytes()).decode("ascii")


def _series_index(series: list[dict[str, Any]]) -> dict[tuple[str, int, int], int]:
    return {(s["state"], s["layer"], s["unit"]): i for i, s in enumerate(series)}


def _ranking(tr: Trace, text: str, series: list[dict[str, Any]]) -> tuple[str, int]:
    """The table of the best units per feature (links that select them; a column per kind of state)
    and the index of the best-correlated unit overall."""
    index = _series_index(series)
    kinds = sorted(tr.states, key=lambda k: k != "c")
    ranked = {kind: top_units(tr.states[kind], text) for kind in kinds}
    best, best_r = 0, -1.0
    rows = []
    for feature in ranked[kinds[0]]:
        cells = [escape(feature)]
        for kind in kinds:
            links = []
            for u in ranked[kind][feature]:
                k = index[(kind, u["layer"], u["unit"])]
                links.append(f'<a href="#unit={k}" class="pick" data-series="{k}">{escape(series[k]["label"])}</a>'
                             f" (r = {u['r']:+.2f})")
                if abs(u["r"]) > best_r:
                    best, best_r = k, abs(u["r"])
            cells.append("<br>".join(links) or "–")
        rows.append(cells)
    header = ["feature", *(f"{STATE_LABELS.get(k, k)}: largest |Pearson r| (click to colour the text)" for k in kinds)]
    return table(header, rows, raw=True), best


def _units_html(tr: Trace, text: str) -> str:
    series, values = unit_series(tr)
    ranking, best = _ranking(tr, text, series)
    options = "".join(f'<option value="{i}"{" selected" if i == best else ""}>{escape(s["label"])}</option>'
                      for i, s in enumerate(series))
    data = {"text": list(text), "series": [{"label": s["label"], "scale": s["scale"]} for s in series],
            "values": _quantised(values, [s["scale"] for s in series])}
    return "\n".join([
        '<p>Each character is coloured by the chosen unit\'s activation after reading it: red positive, blue '
        'negative, white near zero (hover for the value).</p>',
        f'<label>unit <select id="unit-select">{options}</select></label>',
        '<div class="text" id="unit-text"></div>', json_script("unit-data", data), f"<script>{SCRIPT}</script>",
        "<h3>Units that track simple features</h3>", ranking,
    ])


def saturation_figure(tr: Trace) -> Any:
    """Fig. 4 of Karpathy et al.: per layer, each gate unit at (fraction left-saturated, fraction
    right-saturated), one colour per gate."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    sat = saturation(tr.gates)
    layers = next(iter(sat.values()))["left"].shape[0]
    fig = make_subplots(rows=1, cols=layers, subplot_titles=[f"layer {i + 1}" for i in range(layers)])
    for g, (name, s) in enumerate(sat.items()):
        for layer in range(layers):
            fig.add_trace(go.Scatter(
                x=s["left"][layer].tolist(), y=s["right"][layer].tolist(), mode="markers", name=f"{name} gate",
                legendgroup=name, showlegend=layer == 0, marker={"size": 5, "opacity": 0.6, "color": _palette(g)},
                text=[f"unit {u}" for u in range(s["left"].shape[1])]), row=1, col=layer + 1)
    fig.update_xaxes(title_text="fraction left-saturated (< 0.1)", range=[-0.02, 1.02])
    fig.update_yaxes(title_text="fraction right-saturated (> 0.9)", range=[-0.02, 1.02], col=1)
    fig.update_yaxes(range=[-0.02, 1.02])
    fig.update_layout(height=420, margin={"t": 40, "b": 50, "l": 60, "r": 20})
    return fig


def _palette(i: int) -> str:
    return ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")[i % 4]


def saturation_summary(tr: Trace) -> list[tuple[str, int, str, str, str, str]]:
    """Per gate and layer: mean fractions left/right-saturated, and the units saturated more than half
    of the time on either side."""
    rows = []
    for name, s in saturation(tr.gates).items():
        for layer in range(s["left"].shape[0]):
            left, right = s["left"][layer], s["right"][layer]
            rows.append((name, layer + 1, f"{float(left.mean()):.3f}", f"{float(right.mean()):.3f}",
                         _count(left > 0.5), _count(right > 0.5)))
    return rows


def _count(mask: Tensor) -> str:
    return f"{int(mask.sum())} / {mask.numel()}"


def _gates_html(tr: Trace) -> str:
    if not tr.gates:
        return '<p class="note">This cell has no gates (no sigmoid in its step).</p>'
    summary = table(["gate", "layer", "mean left-saturated", "mean right-saturated",
                     "units left-saturated > half the time", "units right-saturated > half the time"],
                    saturation_summary(tr))
    return "\n".join([
        "<p>Each point is one gate unit: the fraction of characters where it is below 0.1 (left-saturated) "
        "and above 0.9 (right-saturated), as in Karpathy, Johnson &amp; Fei-Fei (2015), Fig. 4.</p>",
        figure_html(saturation_figure(tr), div_id="saturation"), summary])


def _loss_html(lm: CharLM, text: str) -> str:
    vocab = lm.vocab
    with report_warnings():
        ids = vocab.encode_tensor(text, warn=False)
    context = vocab.encode_tensor("\n", warn=False) if "\n" in vocab else ids[:1]
    targets = ids if "\n" in vocab else ids[1:]
    nll = (-sequence_log_probs(lm.model, context, targets).cpu()).masked_fill(targets == vocab.unk_index, math.nan)
    nll = [math.nan] * (len(ids) - len(targets)) + nll.tolist()  # uncoloured: not scored, or unknown
    finite = sorted(v for v in nll if math.isfinite(v))
    top = finite[int(0.98 * (len(finite) - 1))] if finite else 1.0
    spans = "".join(_loss_span(ch, v, top) for ch, v in zip(text, nll, strict=True))
    said = _loss_said(finite, top, int((targets == vocab.unk_index).sum()))
    return f'<p>{said}</p><div class="text" id="loss-text">{spans}</div>'


def _loss_said(scored: list[float], top: float, unknown: int) -> str:
    """The loss paragraph: the colour's scale, the mean over the ``scored`` characters and how many the model did not
    know (``unknown``, left out); a text of which it knows none read 'Mean 0.000 nats per character', a perfect
    score, unsaid."""
    if not scored:
        return "The model knows none of the characters of this text, so none is coloured by its loss."
    mean = sum(scored) / len(scored)
    left = f" {counted(unknown, 'character')} unknown to the model not scored." if unknown else ""
    return (f"Each character is coloured by the model's loss on it (−log p, nats; red = surprising; the colour is "
            f"full at {top:.2f} nats). Mean {mean:.3f} nats ({mean / math.log(2):.3f} bits) per character.{left}")


def _loss_span(ch: str, loss: float, top: float) -> str:
    if not math.isfinite(loss):
        return f'<span title="not scored (unknown character)">{escape(ch)}</span>'
    shade = colour(min(loss / max(top, 1e-9), 1.0))
    return f'<span style="background:{shade}" title="{loss:.2f} nats">{escape(ch)}</span>'


def _samples_html(lm: CharLM, length: int = 300) -> str:
    rows = [(f"{t:g}", f'<div class="sample">{escape(lm.sample("", length, temperature=t, seed=1))}</div>')
            for t in TEMPERATURES]
    return table(["temperature", f"{length} characters, seed 1"], rows, raw=True)


def add_sections(page: Page, run: Path, lm: CharLM, text_file: str | None = None, chars: int = 2000) -> None:
    """Add the character LM's sections to ``page``."""
    text, source = report_text(lm, text_file, chars)
    if not text:
        raise UserError(f"{source}: no text to look at")
    lm.model.eval()
    with report_warnings():  # a --text's characters the model lacks named once, as sample and score name them
        text = lm.known_form(text) if text_file else text
        ids = lm.vocab.encode_tensor(text, warn=bool(text_file))
    tr = trace(lm.model, ids)
    page.add("Units on a text", f'<p class="note">{len(text):,} characters: {escape(source)}</p>',
             _units_html(tr, text))
    page.add("Gate saturation", _gates_html(tr))
    page.add("Samples", _samples_html(lm))
    page.add("Loss per character", _loss_html(lm, text))
