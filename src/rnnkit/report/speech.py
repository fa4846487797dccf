"""The speech recogniser's part of the report: spectrograms with the CTC alignment of each symbol.

What a user gets: for the first utterances of the run's validation corpus (or of a corpus folder given
with ``rnnkit report RUN --data FOLDER``), the reference, the greedy transcript and the log-mel
spectrogram the model heard, with a line and a label where the CTC output emits each symbol (the frame
its first non-blank step falls on, as ``rnnkit transcribe --timings`` reports it), and below it the
probability of the blank at each output frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from rnnkit.device import model_device, to_device
from rnnkit.models.ctc import BLANK, greedy_decode
from rnnkit.report.page import Page, escape, figure_html, table
from rnnkit.report.run import recorded_validation
from rnnkit.wording import counted

__all__ = ["EXAMPLES", "add_sections", "alignment_figure"]

EXAMPLES = 3
FRAME_SECONDS = 0.010  # the hop of the log-mel features


def _utterances(rec: Any, data: str | None) -> tuple[list[Any], str]:
    """The utterances of ``data`` (all of them: the user's own corpus), else the first :data:`EXAMPLES` of the run's
    own validation utterances: those its ``--max-seconds`` kept (a longer one, which the run never validated on, is
    left out as training left it out); and a phrase saying where they come from."""
    from rnnkit.data.speech import read_manifest
    from rnnkit.tasks._speech_data import over_limit, recording_samples
    from rnnkit.tasks.speech import SpeechConfig, speech_corpora

    if data:
        return read_manifest(data), data
    utts, source = recorded_validation(rec.checkpoint, SpeechConfig, speech_corpora, "utterances", "FOLDER")
    limit = rec.max_seconds
    kept, left = [], 0
    for u in utts:
        if len(kept) == EXAMPLES:
            break
        # a long one left out unread where its header says so; a bad one named after its manifest's line
        wave, frames, rate = recording_samples(u.audio, limit, _listed(u))
        if wave is None or over_limit(frames, rate, limit):
            left += 1
        else:
            kept.append(u)
    return kept, (f"{source}, less {counted(left, 'recording')} longer than the run's --max-seconds {limit:g}, which "
                  "it left out of its validation" if left else source)


def _listed(utterance: Any) -> str:
    """Where a manifest lists ``utterance`` (:attr:`~rnnkit.data.speech.Utterance.listed`, ``corpus/manifest.tsv:3``),
    which a refusal of its recording names first; "" for one that does not say (a stand-in with only ``audio``)."""
    return getattr(utterance, "listed", "")


def alignment_figure(feats: torch.Tensor, log_probs: torch.Tensor, starts: list[tuple[str, float]],
                     output_seconds: float) -> Any:
    """The spectrogram (T, mels) against seconds with each emitted symbol marked at its start, and the
    blank's probability per output frame below."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.05)
    seconds = [t * FRAME_SECONDS for t in range(feats.shape[0])]
    fig.add_trace(go.Heatmap(z=feats.t().tolist(), x=seconds, colorscale="Magma", showscale=False,
                             hovertemplate="%{x:.2f} s, mel %{y}: %{z:.2f}<extra></extra>"), row=1, col=1)
    for symbol, start in starts:
        fig.add_vline(x=start, line_color="white", line_width=1, row=1, col=1)
        fig.add_annotation(x=start, y=feats.shape[1] - 1, text=escape(symbol), showarrow=False, yanchor="top",
                           xanchor="left", font={"color": "white", "size": 13}, row=1, col=1)
    blank = log_probs[:, BLANK].exp().tolist()
    fig.add_trace(go.Scatter(x=[i * output_seconds for i in range(len(blank))], y=blank, mode="lines",
                             name="P(blank)", line={"color": "#444"}), row=2, col=1)
    fig.update_yaxes(title_text="mel bin", row=1, col=1)
    fig.update_yaxes(title_text="P(blank)", range=[0, 1.05], row=2, col=1)
    fig.update_xaxes(title_text="seconds", row=2, col=1)
    fig.update_layout(height=420, showlegend=False, margin={"t": 20, "b": 50, "l": 60, "r": 20})
    return fig


@torch.no_grad()
def add_sections(page: Page, run: Path, rec: Any, data: str | None = None) -> None:
    """Add the aligned spectrograms of a few utterances to ``page``: of each, at most its first ``--max-seconds``'s
    default (30 s: what a run trains on unless told otherwise), since an hour-long one made a figure of 360,000 frames
    and took its features' gigabytes to draw."""
    from rnnkit.tasks._speech_data import listed_as
    from rnnkit.tasks.speech import SpeechConfig, opening_features

    utts, source = _utterances(rec, data)
    chosen = utts[:EXAMPLES]
    drawn = SpeechConfig.max_seconds
    parts = [f'<p class="note">the first {len(chosen)} of {escape(source)}; greedy decoding</p>']
    for i, u in enumerate(chosen):
        with listed_as(_listed(u)):  # a bad recording named after its manifest's line, as training names it
            feats, seconds = opening_features(Path(u.audio), rec.n_mels, rec.sample_rate, drawn)
        inputs = to_device((feats.unsqueeze(0), torch.tensor([feats.shape[0]])), model_device(rec.model))
        log_probs, out_len = (t.cpu() for t in rec.model(*inputs))  # read on the CPU, as transcribe reads them
        lp = log_probs[0, : int(out_len[0])]
        decoded = greedy_decode(lp)
        starts = [(rec.symbols.symbols[s], f * rec.frame_seconds) for s, f in zip(decoded.symbols, decoded.frames,
                                                                                   strict=True)]
        parts.append(table(["audio", "reference", "transcript"],
                           [(Path(u.audio).name, rec.symbols.reference(u), rec.symbols.text(decoded.symbols))]))
        if seconds > drawn:
            parts.append(f'<p class="note">its first {drawn:g} s of {seconds:,.1f} s, drawn and transcribed (at most '
                         f'{drawn:g} s, --max-seconds\'s default); the reference is the whole recording\'s</p>')
        parts.append(figure_html(alignment_figure(feats, lp, starts, rec.frame_seconds), div_id=f"alignment-{i}"))
    page.add("CTC alignment", *parts)
