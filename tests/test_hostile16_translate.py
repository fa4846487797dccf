"""Round 16 of hostile command lines, the translator's decoding flags: a limit past int64 is a limit, not a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rnnkit.cli import main
from rnnkit.tasks._translate_decoding import _max_lengths

pytestmark = pytest.mark.usefixtures("one_torch_thread")

HUGE = [2**63, 10**23, 10**400]  # past int64, and past float64


@pytest.fixture(scope="module")
def translator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile16_translate")
    data = root / "pairs.tsv"
    data.write_text("".join(f"{a} {b}\t{b} {a}\n" for a in "abcdef" for b in "xyz"), encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(root / "run"), "--hidden", "8",
                 "--embedding", "8", "--steps", "1", "--threads", "1", "--no-progress"]) == 0
    return root / "run"


@pytest.mark.parametrize("b", HUGE, ids=["2**63", "10**23", "10**400"])
def test_a_limit_past_int64_is_the_cap(b: int) -> None:
    """torch could not take a Python int past int64: 'OverflowError: int too big to convert'."""
    src_len = torch.tensor([3, 5])
    assert _max_lengths(src_len, 1.5, b, 40).tolist() == [40, 40]
    assert _max_lengths(src_len, 0.0, b, torch.tensor([7, 9])).tolist() == [7, 9]


@pytest.mark.parametrize("beam", ["1", "2"])
def test_translate_and_evaluate_take_a_max_len_b_past_int64(translator: Path, tmp_path: Path, beam: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """``--max-len-b 99999999999999999999999`` (no limit but the cap) was a traceback, greedy or beam."""
    pairs = tmp_path / "test.tsv"
    pairs.write_text("a x\tx a\nb y\ty b\n", encoding="utf-8")
    huge = str(10**23)
    assert main(["translate", str(translator), "a x", "--max-len-b", huge, "--beam", beam, "--threads", "1"]) == 0
    assert main(["evaluate", str(translator), "--data", str(pairs), "--max-len-b", huge, "--beam", beam,
                 "--threads", "1", "--json"]) == 0
    assert "Traceback" not in capsys.readouterr().err
