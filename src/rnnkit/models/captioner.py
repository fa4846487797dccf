"""Image captioning, the one-to-many shape: a small CNN reads the image, the shared recurrent decoder writes.

What a user gets: :class:`Captioner`, "Show and Tell" (Vinyals et al. 2015: the image's pooled features
start the decoder through a learned bridge) and, with attention, "Show, Attend and Tell" (Xu et al. 2015:
at every step the decoder attends over the grid of region vectors of the last convolution). The decoder,
teacher forcing, greedy and beam search are those of :class:`rnnkit.models.seq2seq.AttentionDecoder`;
:func:`doubly_stochastic_penalty` is Xu et al.'s regulariser that asks every region to be attended about
once over the caption.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.data.captions import image_shape
from rnnkit.device import model_device
from rnnkit.models.seq2seq import AttentionDecoder, DecState, Memory
from rnnkit.recurrent import Recurrent, stack_parameters

__all__ = ["Captioner", "ImageEncoder", "doubly_stochastic_penalty"]


class ImageEncoder(nn.Module):
    """Convolution blocks (3×3 convolution, batch norm, ReLU, 2×2 max pooling), one per entry of
    ``channels``: (B, in_channels, H, W) images → (B, channels[-1], H / 2^n, W / 2^n) feature maps."""

    def __init__(self, in_channels: int, channels: tuple[int, ...] = (32, 64, 128)) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        prev = in_channels
        for c in channels:
            blocks += [nn.Conv2d(prev, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
            prev = c
        self.net = nn.Sequential(*blocks)
        self.out_channels = prev

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images)


class Captioner(AttentionDecoder):
    """Images (B, C, H, W) in [0, 1] → captions (target ids).

    ``Captioner(tgt_vocab, image_size=64, in_channels=3, channels=(32, 64, 128), cell="lstm",
    embedding=64, hidden=256, layers=1, attention="none", dropout=0.1, positions=True)``. With
    ``image_size`` is a side (a square) or ``(height, width)``: a strip of digits reads best at its own
    shape, 32 × 160, not squeezed into a square. With
    ``positions`` each region vector gets a learned embedding of its place in the grid added (as ViT and
    DETR do), so the attention can tell "the leftmost digit" from "the next one" when their contents alike
    do not say which comes first. With ``row_encoder`` a bidirectional ``Recurrent`` of the decoder's cell
    reads each row of the grid from left to right and back (Deng et al. 2017, "Image-to-Markup
    Generation"), so every region vector also says what lies beside it: "the first digit of the strip", not
    only "a seven here". The ``src_len`` argument of
    :meth:`forward`, :meth:`greedy` and :meth:`beam_search` is ignored for images (every region is real);
    pass :meth:`region_counts`. With ``share_decoder_embeddings`` the output layer's weight is the word embedding
    matrix (needs ``hidden == embedding``; see :meth:`AttentionDecoder._init_decoder`). :meth:`config` rebuilds it.
    """

    def __init__(self, tgt_vocab: int, *, image_size: int | Sequence[int] = 64, in_channels: int = 3,
                 channels: tuple[int, ...] | list[int] = (32, 64, 128), cell: str = "lstm", embedding: int = 64,
                 hidden: int = 256, layers: int = 1, attention: str = "none", dropout: float = 0.1,
                 positions: bool = True, row_encoder: bool = False, share_decoder_embeddings: bool = False) -> None:
        super().__init__()
        channels = tuple(int(c) for c in channels)
        height, width = image_shape(image_size)
        if height % (2 ** len(channels)) or width % (2 ** len(channels)):
            raise ValueError(f"image_size {image_size}: expected sides that are multiples of {2 ** len(channels)} "
                             f"({len(channels)} poolings)")
        image_size = height if height == width else [height, width]
        self._config = {"tgt_vocab": tgt_vocab, "image_size": image_size, "in_channels": in_channels,
                        "channels": list(channels), "cell": cell, "embedding": embedding, "hidden": hidden,
                        "layers": layers, "attention": attention, "dropout": dropout, "positions": positions,
                        "row_encoder": row_encoder, "share_decoder_embeddings": share_decoder_embeddings}
        self.image_size: tuple[int, int] = (height, width)
        self.cnn = ImageEncoder(in_channels, channels)
        self.grid = (height // 2 ** len(channels), width // 2 ** len(channels))   # rows, columns of regions
        self.regions = self.grid[0] * self.grid[1]
        self.position = (nn.Parameter(nn.init.normal_(torch.empty(1, self.regions, self.cnn.out_channels), std=0.1))
                         if positions else None)
        width = self.cnn.out_channels
        if row_encoder and width % 2:
            raise ValueError(f"row_encoder: the last of channels ({width}) must be even (half per direction)")
        self.rows = (Recurrent(cell, width, width // 2, batch_first=True, bidirectional=True) if row_encoder
                     else None)
        self._init_decoder(tgt_vocab, embedding=embedding, hidden=hidden, layers=layers, cell=cell,
                           attention=attention, memory_size=self.cnn.out_channels,
                           summary_size=self.cnn.out_channels, dropout=dropout,
                           share_embeddings=share_decoder_embeddings)

    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild the model."""
        return dict(self._config)

    @staticmethod
    def count_parameters(tgt_vocab: int, *, image_size: int | Sequence[int] = 64, in_channels: int = 3,
                         channels: tuple[int, ...] | list[int] = (32, 64, 128), cell: str = "lstm", embedding: int = 64,
                         hidden: int = 256, layers: int = 1, attention: str = "none", positions: bool = True,
                         row_encoder: bool = False, share_decoder_embeddings: bool = False, **unused: Any) -> int:
        """The parameters of ``Captioner(...)`` with these arguments, counted without building it."""
        height, width = image_shape(image_size)
        sizes = [in_channels, *(int(c) for c in channels)]
        out = sizes[-1]
        cnn = sum(9 * a * b + 2 * b for a, b in zip(sizes, sizes[1:], strict=False))
        regions = (height // 2 ** len(channels)) * (width // 2 ** len(channels))
        return (cnn + positions * regions * out
                + (stack_parameters(cell, out, out // 2, bidirectional=True) if row_encoder else 0)
                + AttentionDecoder.decoder_parameters(tgt_vocab, embedding=embedding, hidden=hidden, layers=layers,
                                                      cell=cell, attention=attention, memory_size=out,
                                                      summary_size=out, share_embeddings=share_decoder_embeddings))

    def region_counts(self, batch: int) -> Tensor:
        """The ``src_len`` of a batch of images: the number of regions, for each."""
        return torch.full((batch,), self.regions, dtype=torch.long, device=model_device(self))

    def encode(self, src: Tensor, src_len: Tensor) -> tuple[Memory, DecState]:
        """Images → the region vectors (B, R, C) the attention reads, and the decoder's first state from
        their mean (the Show-and-Tell start)."""
        maps = self.cnn(src)                                    # (B, C, rows, columns)
        regions = maps.flatten(2).transpose(1, 2)
        if self.position is not None:
            regions = regions + self.position
        batch, count = regions.shape[:2]
        if self.rows is not None:                               # each row of the grid, as a sequence
            rows, _ = self.rows(regions.reshape(-1, maps.shape[-1], regions.shape[-1]))
            regions = rows.reshape(batch, count, -1)
        mask = torch.ones(batch, count, dtype=torch.bool, device=src.device)
        lengths = torch.full((batch,), count, dtype=torch.long, device=src.device)
        keys = self.attention.keys(regions) if self.attention is not None else None
        return Memory(regions, keys, mask, lengths), (self._bridge(regions.mean(1).unsqueeze(0)), None)


def doubly_stochastic_penalty(weights: Tensor, target_mask: Tensor) -> Tensor:
    """Xu et al.'s penalty Σ_regions (1 − Σ_t α_t,region)², summed over the batch: ``weights`` (B, T, R)
    of the real target steps ``target_mask`` (B, T)."""
    attended = (weights * target_mask.unsqueeze(-1).to(weights.dtype)).sum(1)
    return ((1.0 - attended) ** 2).sum()
