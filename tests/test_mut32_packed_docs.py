"""Mutation round 32 of this morning's other merges: what no test held. A packed batch traced on rnnkit's step loop
still warns that the loop is unrolled (walk35 moved that path into Recurrent._packed_reference), and every synopsis
of `rnnkit transcribe` in the docs names its recordings as --help does (AUDIO)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import torch
from test_torch_parity import _Packed  # pack, run, unpack: the usual way to a recurrent layer

import rnnkit
from rnnkit.tasks import _speech_verbs

ROOT = Path(__file__).resolve().parents[1]


def test_tracing_a_packed_batch_on_the_step_loop_warns_that_it_is_unrolled() -> None:
    model = _Packed(rnnkit.GRU(3, 4, impl="reference")).eval()
    with pytest.warns(torch.jit.TracerWarning, match="traced unrolled over the 5 steps"):
        torch.jit.trace(model, (torch.zeros(5, 2, 3), torch.tensor([5, 3])), check_trace=False)


def test_every_transcribe_synopsis_in_the_docs_names_the_metavar_of_its_help() -> None:
    parser = argparse.ArgumentParser(prog="rnnkit transcribe DIR")
    _speech_verbs._transcribe_arguments(parser)
    metavar = next(a.metavar for a in parser._actions if a.dest == "files")
    said = [m[1] for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
            for m in re.finditer(r"rnnkit transcribe DIR ([A-Za-z_.]+)\.\.\.", doc.read_text(encoding="utf-8"))]
    assert said and set(said) == {metavar}
