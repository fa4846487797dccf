"""Seeds below 0 refused in one line, as ``rnnkit experiment --first-seed -1`` is: ``--perm-seed -1`` drew torch's
2**64 - 1's permutation under another name (and results.md listed it as -1), ``rnnkit diagnose --seed -1`` seeded the
weights as 2**64 - 1 and the batches as 0, ``rnnkit demo --seed -1`` (both modes) trained as 2**64 - 1. All go through
``rnnkit.errors.check_seed(..., signed=False)``, the check of --first-seed; 0 still runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import SEED_MAX, SettingError, check_seed
from rnnkit.tasks import experiments as ex

pytestmark = pytest.mark.usefixtures("one_torch_thread")

RANGE = "expected an integer from 0 to "
DIAGNOSE = ["--cells", "rnn_tanh", "--length", "5", "--hidden", "2", "--train-steps", "0", "--clip-steps", "1",
            "--clip-length", "5", "--threads", "1"]


def _one_line(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    said = capsys.readouterr()
    assert said.out == "" and said.err.count("\n") == 1, said
    assert said.err.startswith(f"rnnkit: error: {flag} -1: {RANGE}"), said.err


def test_check_seed_from_0_where_asked() -> None:
    assert check_seed("seed", -1) == -1  # a training run's --seed: torch's signed seeds, as before
    with pytest.raises(SettingError, match=f"^perm_seed -1: {RANGE}{SEED_MAX}$"):
        check_seed("perm_seed", -1, signed=False)
    with pytest.raises(SettingError, match=f"^seed {SEED_MAX}: {RANGE}{SEED_MAX - 1}$"):
        check_seed("seed", SEED_MAX, 1, signed=False)
    assert check_seed("seed", 0, 1, signed=False) == 0


def test_perm_seed_below_0_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exp"
    assert main(["experiment", "permuted-pixel-mnist", "--out", str(out), "--seeds", "1", "--steps", "0",
                 "--max-train", "10", "--max-test", "10", "--cells", "gru", "--perm-seed", "-1"]) == 2
    _one_line(capsys, "--perm-seed")
    assert not out.exists()
    with pytest.raises(SettingError, match=f"^perm_seed -1: {RANGE}"):
        ex.settings_for("permuted-pixel-mnist", cells=["gru"], perm_seed=-1)
    assert ex.settings_for("permuted-pixel-mnist", cells=["gru"], perm_seed=0).perm_seed == 0


def test_diagnose_seed_below_0_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d"
    assert main(["diagnose", *DIAGNOSE, "--out", str(out), "--seed", "-1"]) == 2
    _one_line(capsys, "--seed")
    assert not out.exists()
    assert main(["diagnose", *DIAGNOSE, "--out", str(out), "--seed", "0", "--json"]) == 0


@pytest.mark.parametrize("mode", [["--hello", "--steps", "1"], ["--minutes", "0.01"]])
def test_demo_seed_below_0_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: list[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo", *mode, "--seed", "-1", *([] if "--hello" in mode else ["--out", str(out)])]) == 2
    _one_line(capsys, "--seed")
    assert not out.exists()
