"""Settings of a draw given with ``--sample --temperature 0`` (``rnnkit translate``, ``rnnkit caption``), which
writes the most likely token each time: ``--top-k``, ``--top-p`` and ``--seed`` do nothing there, and ``--n-best N``
writes one output N times; each is said, as ``rnnkit sample`` says ``--top-k`` at temperature 0."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.sampling import Sampling, check_beam_or_samples
from tests import test_translate_sampling as m
from tests.test_walk37_output_limit import uncut

pytestmark = pytest.mark.usefixtures("one_torch_thread")
translator_dir = m.translator_dir
GREEDY = "rnnkit: warning: --temperature 0 writes the most likely token each time (greedy): "


def _translate(run: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[str, str]:
    assert main(["translate", str(run), "abc", "--sample", "--temperature", "0", *flags]) == 0
    out = capsys.readouterr()
    return out.out, uncut(out.err).strip()


def test_top_k_top_p_and_seed_at_temperature_0_are_said_to_go_unused(translator_dir: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    plain, said = _translate(translator_dir, capsys)
    assert said == ""
    text, said = _translate(translator_dir, capsys, "--top-k", "3", "--top-p", "0.5", "--seed", "5")
    assert text == plain
    assert said == GREEDY + "--top-k 3, --top-p 0.5 and --seed 5 are not used"


def test_n_best_samples_at_temperature_0_are_said_to_be_one_output(translator_dir: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    text, said = _translate(translator_dir, capsys, "--n-best", "3")
    assert len(set(line.split("\t", 2)[2] for line in text.splitlines())) == 1
    assert said == GREEDY + "--n-best 3 writes the same output 3 times"


def test_the_python_api_says_it_in_its_keywords(translator_dir: Path) -> None:
    tr = rnnkit.load(translator_dir)
    with pytest.warns(UserWarning, match=r"^temperature=0 writes the most likely token each time \(greedy\): "
                                         r"top_p=0\.5 is not used$"):
        tr.translate("abc", sample=True, temperature=0, top_p=0.5)


def test_a_draw_that_uses_them_is_not_warned_of() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_beam_or_samples(1, 3, Sampling(0.5, 3, 0.5, 5))[1] == 3
        assert check_beam_or_samples(1, 1, Sampling(0.0, None, 1.0, None))[0] == 1
        check_beam_or_samples(4, 2, None)  # a beam search draws nothing


def test_the_captioners_check_says_it_too() -> None:
    """``rnnkit caption --sample`` checks its settings with the same :func:`check_beam_or_samples`."""
    with pytest.warns(UserWarning, match=r"--top-k 2 is not used, and --n-best 2 writes the same output 2 times$"):
        check_beam_or_samples(1, 2, Sampling(0.0, 2, 1.0, None))
