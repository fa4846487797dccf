"""A word's spelling as one vector: the character-level word encoder of Lample et al. (2016) and
Plank et al. (2016).

What a user gets: :class:`CharWordEncoder` maps N words, each given as character ids padded with 0
(N, L) and their lengths (N,), to (N, 2·H): a character embedding read by a bidirectional
:class:`rnnkit.Recurrent`, the final state of the forward direction (after the last character) joined
to that of the backward direction (after the first). Words that share a prefix, a suffix or a shape
(capitals, digits, hyphens) get related vectors whether or not the word was seen in training.
"""

from __future__ import annotations

from torch import Tensor, nn

from rnnkit.recurrent import Recurrent

__all__ = ["CharWordEncoder"]


class CharWordEncoder(nn.Module):
    """Character embedding (id 0 is padding) → bidirectional ``Recurrent`` → both final states."""

    def __init__(self, num_chars: int, char_dim: int = 30, hidden_size: int = 30, cell: str = "lstm") -> None:
        super().__init__()
        self.embedding = nn.Embedding(num_chars, char_dim, padding_idx=0)
        self.rnn = Recurrent(cell, char_dim, hidden_size, bidirectional=True, batch_first=True)
        self.output_size = 2 * hidden_size

    def forward(self, chars: Tensor, lengths: Tensor) -> Tensor:
        """(N, 2·H) for N spellings ``chars`` (N, L) of ``lengths`` (N,) characters (each ≥ 1)."""
        chars = chars[:, : int(lengths.max())]
        _, state = self.rnn(self.embedding(chars), lengths=lengths)
        h = state[0] if isinstance(state, tuple) else state  # the LSTM's (h, c); other cells: h
        return h.transpose(0, 1)[:, -2:].reshape(chars.shape[0], self.output_size)
