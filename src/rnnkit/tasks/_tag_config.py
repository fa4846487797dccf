"""The settings of ``rnnkit train tag``: :class:`TagConfig` and its checks, the spelling encoder's default size,
what ``--data`` takes, and what a resumed run keeps (:data:`FROZEN`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rnnkit.errors import SettingError, check_positive
from rnnkit.models.charword import CHAR_ENCODERS
from rnnkit.tasks import _text as shared

DATA_HELP = "a CoNLL file (TOKEN<tab>TAG per line, blank line between sentences) or WORD/TAG tokens, a sentence a line"
#: the error when --data is not given (nor found in a resumed run)
MISSING_DATA = f"--data FILE is required ({DATA_HELP})"
EMBEDDING = 100  # the word embedding's size when --embedding is not given (nor --pretrained-vectors' size)
CHAR_DIM = 30  # the spelling encoder's character embedding when --char-dim is not given (word tokens)


@dataclass
class TagConfig(shared.TextModelConfig):
    """Settings of ``rnnkit train tag``: a BiLSTM over word embeddings joined to a BiLSTM encoding of each
    word's spelling (Lample et al. 2016; Plank et al. 2016), dropout 0.2, Adam at 4e-3."""

    steps: int | None = 1000
    lr: float = 4e-3
    embedding: int | None = None  # type: ignore[assignment]  # None: EMBEDDING, or the pretrained vectors' size
    hidden: int = 100
    bidirectional: bool = True
    dropout: float = 0.2
    max_len: int = 1000
    eval_every: int = 200
    char_dim: int | None = None   # character embedding of the spelling encoder; 0 = off; None: 30, or 0
                                  # when every token is one character
    char_hidden: int = 30         # its LSTM units per direction (the CNN: 2x as many filters)
    char_encoder: str = "lstm"    # lstm (a BiLSTM over the characters) | cnn (width-3 filters, max-pooled)
    fold_words: bool = False      # the word embedding's key: lower-cased, digits as 0 (spellings keep the case)
    word_dropout: float = 0.25    # alpha: a training word of frequency f becomes <unk> with p = alpha/(alpha+f)
    crf: bool = False             # a linear-chain CRF output layer (Viterbi decoding)
    pretrained_vectors: str | None = None  # word vectors (.vec/GloVe text) the rows of found words start as
    freeze_vectors: bool = False  # the word embedding table started from them does not train (whole table)

    def validate(self) -> None:
        """Raise :class:`SettingError` naming the first setting out of range."""
        size = EMBEDDING if self.embedding is None else self.embedding
        shared.TextModelConfig.validate(replace(self, embedding=size))
        shared.check_vectors_name(self.pretrained_vectors)
        if self.freeze_vectors and self.pretrained_vectors is None:
            raise SettingError("freeze_vectors", True, "freezes the word embedding table started from word vectors; "
                                                       "give --pretrained-vectors FILE too")
        check_positive("char_hidden", self.char_hidden)
        if self.char_encoder not in CHAR_ENCODERS:
            raise SettingError("char_encoder", self.char_encoder, f"expected one of {', '.join(CHAR_ENCODERS)}")
        if self.char_dim is not None and self.char_dim < 0:
            raise SettingError("char_dim", self.char_dim, "expected 0 (off) or a positive size")
        if not self.word_dropout >= 0:
            raise SettingError("word_dropout", self.word_dropout, "expected a number >= 0 (0 = off)")


#: settings a resumed run keeps: the model's shape and the split
FROZEN = (*shared.FROZEN, "char_dim", "char_hidden", "char_encoder", "fold_words", "crf", "pretrained_vectors",
          "freeze_vectors")
