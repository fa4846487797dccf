"""``rnnkit sample --temperature 0 --prime TEXT --seed S``: greedy writing from a prime draws nothing, so the seed
does nothing; it is said, as ``--top-k`` there is. Without a prime the seed draws the first character, and is
used."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")
UNUSED = "rnnkit: warning: --temperature 0 writes the most likely character each time (greedy): --seed 3 is not used"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("flags18-sample")
    (root / "text.txt").write_text("abcdefgh\n" * 40, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(root / "text.txt"), "--out", str(root / "run"), "--hidden", "8",
                 "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--steps", "2", "--no-progress",
                 "--no-memory"]) == 0
    return root / "run"


def _sample(run: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[str, str]:
    capsys.readouterr()
    assert main(["sample", str(run), "--length", "4", "--temperature", "0", *flags]) == 0
    out = capsys.readouterr()
    return out.out, out.err.strip()


def test_a_seed_of_greedy_writing_from_a_prime_is_said_to_go_unused(run: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    plain, said = _sample(run, capsys, "--prime", "ab")
    assert said == ""
    text, said = _sample(run, capsys, "--prime", "ab", "--seed", "3")
    assert (text, said) == (plain, UNUSED)
    with pytest.warns(UserWarning, match=r"^temperature=0 writes .* \(greedy\): seed=3 is not used$"):
        assert rnnkit.load(run).sample("ab", length=4, temperature=0, seed=3) == plain.rstrip("\n")


def test_verbose_names_no_seed_where_none_draws(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, said = _sample(run, capsys, "--prime", "ab", "--verbose")
    assert said.startswith("4 chars in ") and "seed" not in said
    _, said = _sample(run, capsys, "--verbose")  # the clock's seed draws the first character: said, to redo it
    assert ", seed " in said


def test_a_seed_that_draws_the_first_character_is_not_warned_of(run: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert _sample(run, capsys, "--seed", "3")[1] == ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnnkit.load(run).sample("", length=2, temperature=0, seed=3)
        rnnkit.load(run).sample("ab", length=2, temperature=0.5, seed=3)
