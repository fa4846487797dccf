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


@pytest.mark.parametrize("alpha", ["1000", "99999999999999999999999", "-99999999999999999999999", "10.5"])
@pytest.mark.parametrize("verb", ["translate", "evaluate"])
def test_a_length_normalisation_past_its_range_is_refused(translator: Path, tmp_path: Path, alpha: str, verb: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Its penalty ((5 + length) / 6) ** alpha overflowed (OverflowError) or reached 0 (ZeroDivisionError) in a
    beam search: a traceback."""
    pairs = tmp_path / "test.tsv"
    pairs.write_text("a x\tx a\n", encoding="utf-8")
    what = ["a x"] if verb == "translate" else ["--data", str(pairs)]
    capsys.readouterr()
    assert main([verb, str(translator), *what, "--beam", "3", "--alpha", alpha, "--threads", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: --alpha {float(alpha)}: expected a number from -10 to 10 (")
    assert err.count("\n") == 1


@pytest.mark.parametrize("alpha", [-10, 10])
def test_the_ends_of_the_range_rank_a_beam(translator: Path, alpha: float) -> None:
    import rnnkit

    assert isinstance(rnnkit.load(translator).translate("a x", beam=3, alpha=alpha), str)
