"""Every model counts its parameters from its arguments without building itself (rnnkit.recurrent.stack_parameters
for the recurrent layers), held here to the count of the model built."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from rnnkit.cells import CELLS
from rnnkit.models.captioner import Captioner
from rnnkit.models.classifier import Classifier
from rnnkit.models.language_model import LanguageModel
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.models.sequence import SequenceModel
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.models.tagger import Tagger
from rnnkit.recurrent import Recurrent


def _count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ------------------------------------------------------------------------------------- counting, nothing built
@pytest.mark.parametrize("cell", list(CELLS))
def test_stack_parameters_counts_what_recurrent_builds(cell: str) -> None:
    from rnnkit.recurrent import stack_parameters

    options = {"periods": [1, 2]} if cell == "clockwork" else {}
    shapes = [{"num_layers": 1}, {"num_layers": 3, "bidirectional": True}, {"num_layers": 2, "bias": False}]
    if cell == "lstm":
        shapes += [{"num_layers": 2, "bidirectional": True, "proj_size": 3}, {"num_layers": 2, "layer_norm": True}]
    for shape in shapes:
        assert stack_parameters(cell, 5, 8, **shape) == _count(Recurrent(cell, 5, 8, **shape, **options))


MODELS: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = [
    (LanguageModel, (11,), {"cell": "gru", "hidden_size": 7, "num_layers": 3, "embed_dim": 5, "memory": [2, 3]}),
    (LanguageModel, (11,), {"hidden_size": 6, "num_layers": 1, "embed_dim": 5, "layer_norm": True}),
    (Classifier, (13, 5), {"embedding_dim": 6, "hidden_size": 5, "num_layers": 2, "bidirectional": True,
                           "pooling": "attention"}),
    (Classifier, (13, 2), {"embedding_dim": 6, "hidden_size": 5, "num_layers": 0, "pooling": "mean"}),
    (Classifier, (13, 3), {"embedding_dim": 6, "hidden_size": 5, "pooling": "max", "multi_label": True}),
    (Tagger, (13, 4), {"embedding_dim": 6, "hidden_size": 5, "num_layers": 2, "num_chars": 9, "char_dim": 3,
                       "char_hidden": 4, "crf": True}),
    (Tagger, (13, 4), {"embedding_dim": 6, "hidden_size": 5, "bidirectional": False, "num_chars": 9, "char_dim": 3,
                       "char_hidden": 4, "char_encoder": "cnn"}),
    (Seq2Seq, (11, 7), {"embedding": 5, "hidden": 6, "layers": 2, "decoder_layers": 3, "bidirectional": True,
                        "attention": "bahdanau"}),
    (Seq2Seq, (11, 7), {"cell": "gru", "embedding": 5, "hidden": 6, "attention": "dot", "decoder_cell": "lstm"}),
    (Seq2Seq, (11, 7), {"embedding": 5, "hidden": 6, "bidirectional": True, "attention": "general"}),
    (Captioner, (7,), {"image_size": [16, 32], "channels": [4, 6], "embedding": 5, "hidden": 6, "layers": 2,
                       "attention": "bahdanau", "row_encoder": True}),
    (Captioner, (7,), {"image_size": 16, "channels": [4], "cell": "gru", "embedding": 5, "hidden": 6,
                       "positions": False}),
    (SpeechRecognizer, (5, 7), {"hidden": 6, "layers": 2, "subsample": 3, "subsample_kind": "conv"}),
    (SpeechRecognizer, (5, 7), {"hidden": 6, "layers": 1, "bidirectional": False, "layer_norm": True}),
    (SequenceModel, ("lstm", 2, 6, 3, False), {}),
]


@pytest.mark.parametrize(("cls", "args", "kwargs"), MODELS, ids=lambda x: getattr(x, "__name__", None))
def test_each_model_counts_its_parameters_without_building_itself(cls: Any, args: tuple[Any, ...],
                                                                    kwargs: dict[str, Any]) -> None:
    assert cls.count_parameters(*args, **kwargs) == _count(cls(*args, **kwargs))
