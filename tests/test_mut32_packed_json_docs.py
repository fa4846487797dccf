"""Mutation round 32 of this morning's other merges: what no test held. A packed batch traced on rnnkit's step loop
still warns that the loop is unrolled (walk35 moved that path into Recurrent._packed_reference), a JSONL line nested
too deeply is named at its first column (strictjson.loads), and every synopsis of `rnnkit transcribe` in the docs
names its recordings as --help does (AUDIO)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

import rnnkit
from rnnkit.cli import main
from rnnkit.tasks import _speech_verbs

ROOT = Path(__file__).resolve().parents[1]


class _Packed(nn.Module):
    """Pack, run, unpack: a tagger of PyTorch's tutorials."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        out, _ = self.rnn(nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False))
        return nn.utils.rnn.pad_packed_sequence(out)[0]


def test_tracing_a_packed_batch_on_the_step_loop_warns_that_it_is_unrolled() -> None:
    model = _Packed(rnnkit.GRU(3, 4, impl="reference")).eval()
    with pytest.warns(torch.jit.TracerWarning, match="traced unrolled over the 5 steps"):
        torch.jit.trace(model, (torch.zeros(5, 2, 3), torch.tensor([5, 3])), check_trace=False)


def test_a_jsonl_line_nested_too_deeply_is_named_at_its_first_column(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "x.jsonl"
    data.write_text('{"text": "a good film", "label": "pos"}\n' + "[" * 100_000 + "\n", encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert (f"{data}:2: malformed row: not JSON (nested too deeply (more levels of [ and {{ than json reads): "
            "column 1)") in err


def test_every_transcribe_synopsis_in_the_docs_names_the_metavar_of_its_help() -> None:
    parser = argparse.ArgumentParser(prog="rnnkit transcribe DIR")
    _speech_verbs._transcribe_arguments(parser)
    metavar = next(a.metavar for a in parser._actions if a.dest == "files")
    said = [m[1] for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
            for m in re.finditer(r"rnnkit transcribe DIR ([A-Za-z_.]+)\.\.\.", doc.read_text(encoding="utf-8"))]
    assert said and set(said) == {metavar}
