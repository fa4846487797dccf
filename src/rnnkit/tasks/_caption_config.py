"""The settings of ``rnnkit train caption``: :class:`CaptionConfig`, its checks and the image size and convolution
channels it reads, and what a resumed run keeps (:data:`FROZEN`).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

from rnnkit.cells import CELLS
from rnnkit.data.captions import image_shape
from rnnkit.errors import SettingError, check_count, check_fraction, check_positive
from rnnkit.models.seq2seq import ATTENTIONS
from rnnkit.tasks._translate_config import check_teacher_forcing
from rnnkit.train.building import MAX_DECODE_LENGTH
from rnnkit.train.options import TrainSettings


@dataclass
class CaptionConfig(TrainSettings):
    """Settings of ``rnnkit train caption``."""

    attention: str = "none"              # none | bahdanau | dot | general (over the image's regions)
    attention_penalty: float = 0.0       # weight of the doubly stochastic attention penalty (0: off)
    teacher_forcing: float = 1.0
    teacher_forcing_floor: float | None = None
    label_smoothing: float = 0.0         # share of each target's probability spread over the vocabulary (training)
    image_size: int | str | list[int] = 64  # a side (a square) or HEIGHTxWIDTH, e.g. 32x160 for strips ([32, 160])
    grey: bool = False
    augment: bool = False                # random rotation, scale and shift of each training image
    augment_rotate: float = 8.0          # ... by up to this many degrees
    augment_scale: float = 0.1           # ... by a factor in [1 - this, 1 + this]
    augment_shift: float = 0.05          # ... moved by up to this fraction of the image size
    augment_elastic: float = 0.0         # ... bent by a smooth random field of this scale (fraction of the size)
    channels: str | list[int] = "32,64,128"  # one convolution block per entry ([32, 64, 128] from Python)
    positions: bool = True               # a learned embedding of each region's place in the grid
    row_encoder: bool = False            # a bidirectional recurrent pass along each row of regions
    cell: str = "lstm"
    embedding: int = 64
    hidden: int = 256
    share_decoder_embeddings: bool = False  # output layer's weight = word embedding matrix (hidden == embedding)
    layers: int = 1
    dropout: float = 0.1
    vocab_size: int = 10000
    max_len: int = 30                    # caption words kept in training, and written at most
    batch_size: int = 32
    val_fraction: float = 0.1
    split_seed: int = 0
    eval_images: int = 200               # validation images captioned (greedy) for exact match and BLEU
    steps: int | None = 2000
    eval_every: int = 200

    def conv_channels(self) -> tuple[int, ...]:
        """The channels of the convolution blocks: ``channels`` as the CLI writes it (``"16,32"``) or a list or
        tuple of integers (``[16, 32]``, as Keras and torch take sizes from Python or a config file)."""
        value = self.channels
        if isinstance(value, str):
            parts: list[Any] = value.split(",")
        elif isinstance(value, (list, tuple)) and all(isinstance(c, numbers.Integral) and not isinstance(c, bool)
                                                      for c in value):
            parts = list(value)
        else:
            parts = []
        try:
            out = tuple(int(c) for c in parts)
        except ValueError:
            out = ()
        if not out or min(out) < 1:
            raise SettingError("channels", value, "expected comma-separated positive integers" if isinstance(value, str)
                               else "expected a list of positive integers (or a comma-separated string)")
        return out

    @classmethod
    def kept_form(cls, key: str, value: Any) -> Any:
        """``channels`` and ``image_size`` as the sizes they name: ``[16, 32]`` from Python is the run's
        ``"16,32"``, ``16`` its ``"16x16"`` (the rest as they are)."""
        if key == "channels":
            return cls(channels=value).conv_channels()
        return image_shape(value) if key == "image_size" else value

    def image_shape(self) -> tuple[int, int]:
        """``(height, width)`` the images are resized to: ``image_size`` as the CLI writes it (``64``,
        ``"32x160"``) or a list or tuple ``[32, 160]``, as torchvision's ``Resize`` takes a size."""
        try:
            return image_shape(self.image_size)
        except ValueError:
            raise SettingError("image_size", self.image_size, "expected a side (64) or HEIGHTxWIDTH (32x160) in pixels"
                               + ("" if isinstance(self.image_size, (int, str)) else ", or [height, width]")) from None

    def measured_size(self, name: str) -> tuple[int, int] | None:
        """``image_size`` in pixels, and its default's (the position embeddings grow with the area), for
        :func:`~rnnkit.train.memory.check_fits` to name the setting that makes a model too big; None for
        another setting."""
        if name != "image_size":
            return None
        (height, width), (h0, w0) = self.image_shape(), image_shape(CaptionConfig.image_size)
        return height * width, h0 * w0

    def validate(self) -> None:
        """Raise :class:`SettingError` naming the first setting out of range."""
        # lists from Python or a config file are kept as the CLI writes them (config.json, a resumed run)
        if not isinstance(self.channels, str):
            self.channels = ",".join(str(c) for c in self.conv_channels())
        if isinstance(self.image_size, (list, tuple)):
            self.image_size = "x".join(str(side) for side in self.image_shape())
        self.validate_training()
        for name in ("embedding", "hidden", "layers", "vocab_size", "max_len", "batch_size"):
            check_positive(name, getattr(self, name))
        check_count("max_len", self.max_len, 1, MAX_DECODE_LENGTH)  # what a saved model may ask a decoder for
        halvings = 2 ** len(self.conv_channels())
        if any(side % halvings for side in self.image_shape()):
            raise SettingError("image_size", self.image_size,
                               f"expected sides that are multiples of {halvings} (one halving per channel)")
        if self.cell not in CELLS:
            raise SettingError("cell", self.cell, f"expected one of {', '.join(CELLS)}")
        if self.attention not in ATTENTIONS:
            raise SettingError("attention", self.attention, f"expected one of {', '.join(ATTENTIONS)}")
        if self.attention_penalty < 0:
            raise SettingError("attention_penalty", self.attention_penalty, "expected a number >= 0")
        if self.attention_penalty and self.attention == "none":  # no weights to penalise: it did nothing, unsaid
            raise SettingError("attention_penalty", self.attention_penalty, "it weighs the attention over the image's "
                               "regions; give --attention bahdanau, dot or general with it, or leave it at 0")
        if self.eval_images < 0:  # -1 ran as "every image but the last" (a slice), which no one means
            raise SettingError("eval_images", self.eval_images, "expected a number >= 0 (0: the loss alone)")
        check_teacher_forcing(self.teacher_forcing, self.teacher_forcing_floor)
        check_fraction("label_smoothing", self.label_smoothing)
        check_fraction("dropout", self.dropout)
        check_fraction("val_fraction", self.val_fraction)
        for name, high in (("augment_rotate", 180.0), ("augment_scale", 0.9), ("augment_shift", 0.5),
                           ("augment_elastic", 0.1)):
            if not 0.0 <= getattr(self, name) <= high:
                raise SettingError(name, getattr(self, name), f"expected a number in [0, {high:g}]")
        if self.row_encoder and self.conv_channels()[-1] % 2:
            raise SettingError("channels", self.channels, "expected an even last entry with --row-encoder "
                               "(half of it per direction)")


FROZEN = ("attention", "image_size", "grey", "channels", "positions", "row_encoder", "cell", "embedding", "hidden",
          "share_decoder_embeddings", "layers", "dropout", "vocab_size", "val_fraction", "split_seed")
