"""An acoustic model for CTC: frames of features in, per-frame log-probabilities of symbols and blank out.

What a user gets: :class:`SpeechRecognizer`, optional frame subsampling (stacking ``subsample`` frames
into one, or a strided 1-D convolution), a stacked, optionally bidirectional :class:`rnnkit.Recurrent` of
any cell, and a linear layer over the symbols plus the CTC blank (id 0), trained with
``torch.nn.CTCLoss``. Decoding is in :mod:`rnnkit.models.ctc`.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.dropout import Dropout
from rnnkit.recurrent import Recurrent, stack_parameters

__all__ = ["SUBSAMPLERS", "SpeechRecognizer"]

SUBSAMPLERS = ("stack", "conv")


class SpeechRecognizer(nn.Module):
    """Features (B, T, F) and lengths → log-probabilities (B, T', 1 + symbols) and lengths T'.

    ``SpeechRecognizer(n_features, n_symbols, cell="lstm", hidden=256, layers=3, bidirectional=True,
    subsample=2, subsample_kind="stack", dropout=0.1, **regularisers)``: ``regularisers`` are
    :class:`rnnkit.Recurrent`'s (``zoneout=0.1`` ...); ``subsample`` frames become one (T' = ceil(T /
    subsample)); ``stack`` concatenates them, ``conv`` runs a ReLU convolution of kernel ``2 * subsample - 1``
    with that stride. Class 0 is the CTC blank, class ``i + 1`` symbol ``i``. :meth:`config` rebuilds it.
    """

    def __init__(self, n_features: int, n_symbols: int, *, cell: str = "lstm", hidden: int = 256, layers: int = 3,
                 bidirectional: bool = True, subsample: int = 2, subsample_kind: str = "stack",
                 dropout: float = 0.1, **regularisers: Any) -> None:
        super().__init__()
        if subsample_kind not in SUBSAMPLERS:
            raise ValueError(f"subsample_kind {subsample_kind!r}: expected one of {', '.join(SUBSAMPLERS)}")
        if subsample < 1:
            raise ValueError(f"subsample {subsample}: expected a positive integer")
        self._config = {"n_features": n_features, "n_symbols": n_symbols, "cell": cell, "hidden": hidden,
                        "layers": layers, "bidirectional": bidirectional, "subsample": subsample,
                        "subsample_kind": subsample_kind, "dropout": dropout, **regularisers}
        self.subsample = subsample
        self.conv: nn.Conv1d | None = None
        if subsample_kind == "conv":
            self.conv = nn.Conv1d(n_features, hidden, 2 * subsample - 1, stride=subsample, padding=subsample - 1)
            rnn_input = hidden
        else:
            rnn_input = n_features * subsample
        self.rnn = Recurrent(cell, rnn_input, hidden, layers, batch_first=True, bidirectional=bidirectional,
                             dropout=dropout if layers > 1 else 0.0, **regularisers)
        self.dropout = Dropout(dropout)
        self.out = nn.Linear(hidden * (2 if bidirectional else 1), n_symbols + 1)

    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild the model."""
        return dict(self._config)

    @staticmethod
    def count_parameters(n_features: int, n_symbols: int, *, cell: str = "lstm", hidden: int = 256, layers: int = 3,
                         bidirectional: bool = True, subsample: int = 2, subsample_kind: str = "stack",
                         layer_norm: bool = False, **unused: Any) -> int:
        """The parameters of ``SpeechRecognizer(...)`` with these arguments, counted without building it."""
        conv = subsample_kind == "conv"
        rnn_input = hidden if conv else n_features * subsample
        return (conv * (n_features * (2 * subsample - 1) + 1) * hidden
                + stack_parameters(cell, rnn_input, hidden, layers, bidirectional=bidirectional, layer_norm=layer_norm)
                + (hidden * (2 if bidirectional else 1) + 1) * (n_symbols + 1))

    def output_lengths(self, lengths: Tensor) -> Tensor:
        """Frames after subsampling: ceil(T / subsample)."""
        return torch.div(lengths + self.subsample - 1, self.subsample, rounding_mode="floor")

    def _subsample(self, feats: Tensor) -> Tensor:
        k = self.subsample
        if self.conv is not None:
            return F.relu(self.conv(feats.transpose(1, 2))).transpose(1, 2)
        if k == 1:
            return feats
        b, t, f = feats.shape
        feats = F.pad(feats, (0, 0, 0, (-t) % k))
        return feats.reshape(b, -1, k * f)

    def forward(self, feats: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        out_len = self.output_lengths(lengths)
        x = self.dropout(self._subsample(feats))
        x = x[:, : int(out_len.max())]
        h, _ = self.rnn(x, lengths=out_len)
        return F.log_softmax(self.out(self.dropout(h)), dim=-1), out_len
