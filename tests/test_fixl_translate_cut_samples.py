"""`rnnkit translate --sample --n-best N` prints N sampled translations of each text, but the output-limit warning
counted only the first (the most probable) of each: 3 texts whose 5 samples each ran to the limit read "3 of 3
translations reached the output limit", and a text whose first sample ended in time read as uncut however many of
its other samples were cut. It now counts each sample a user gets ("15 of 15 sampled translations ..."); a beam's
n-best alternatives below its best are no translations of their own and still count as one."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.models.seq2seq import Hypothesis
from rnnkit.sampling import Sampling
from rnnkit.tasks._translate_decoding import Decoding, reached_limit, warn_cut


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.test_seq2seq import dates_run

    return dates_run(tmp_path_factory.mktemp("fixl"), 20, 3, "--steps", "2", "--eval-every", "2",
                     "--eval-sentences", "2")[1]


def test_every_sample_that_reached_its_limit_counts_when_asked() -> None:
    cut = Hypothesis([4, 5, 6], 0.0, 0.0, cut=True)
    hyps = [[Hypothesis([4], 0.0, 0.0), cut, cut]]
    assert reached_limit(hyps) == 0  # the best alone: a beam's n-best
    assert reached_limit(hyps, every=True) == 2


def test_the_warning_counts_sampled_translations_and_a_beams_best_alone() -> None:
    with pytest.warns(UserWarning, match=r"^4 of 6 sampled translations reached the output limit"):
        warn_cut(4, 2, Decoding(n_best=3, sample=Sampling()))
    with pytest.warns(UserWarning, match=r"^1 of 2 translations reached .* and was cut there"):
        warn_cut(1, 2, Decoding(beam=3, n_best=3))


def test_translate_sample_n_best_counts_each_printed_sample(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["translate", str(run), "3 May 1999", "May 4", "--max-len-a", "0", "--max-len-b", "1", "--min-len", "2",
            "--sample", "--seed", "1", "--n-best", "3"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 6
    assert "6 of 6 sampled translations reached the output limit (0 × source tokens + 1" in err
