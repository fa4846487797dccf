"""Mutation round 38 on walk47's torch.compile work: fullgraph's refusal names the switch that traces torch.nn's
RNNs (``allow_rnn is set``) and the way on (compile without fullgraph); the eager function of each method is made
once and kept (a fresh ``torch.compiler.disable`` wrapper at every compiled call is a new function to Dynamo)."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.recurrent import Recurrent, _outside_graph
from tests.test_walk47_compile import _Tagger


def test_fullgraph_says_the_switch_and_the_way_on() -> None:
    torch._dynamo.reset()
    model = _Tagger(rnnkit.Recurrent("gru", 3, 4))
    with pytest.raises(RuntimeError, match=r"as torch\.nn's RNN, GRU and LSTM do unless "
                                           r"torch\._dynamo\.config\.allow_rnn is set, so a model holding one cannot "
                                           r"compile with fullgraph=True; compile it without fullgraph"):
        torch.compile(model, fullgraph=True, backend="eager")(torch.randn(4, 2, 3))


def test_the_eager_function_is_made_once() -> None:
    assert _outside_graph(Recurrent._forward) is _outside_graph(Recurrent._forward)
