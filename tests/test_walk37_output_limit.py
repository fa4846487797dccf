"""walk37: a translation stopped at the output limit (``--max-len-a`` × source tokens + ``--max-len-b``) is said
to be cut. An untrained model's `rnnkit translate runs/x "der Hund"` printed 13 words and nothing else, read as a
finished translation; a long source's translation cut there read the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.models.seq2seq import Hypothesis

#: what the warning of a cut translation says; a tiny test model's outputs all run to the limit
CUT = "reached the output limit"


def uncut(text: str) -> str:
    """``text`` (stderr) without the lines saying that translations were cut at the output limit: for the tests of
    other lines, whose untrained models' outputs all run to it."""
    return "".join(line for line in text.splitlines(keepends=True) if CUT not in line)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.test_seq2seq import dates_run  # which imports uncut from here

    return dates_run(tmp_path_factory.mktemp("w37"), 20, 3, "--steps", "2", "--eval-every", "2",
                     "--eval-sentences", "2")[1]


def test_only_a_best_hypothesis_cut_at_its_limit_counts() -> None:
    from rnnkit.tasks._translate_decoding import reached_limit

    hyps = [[Hypothesis([4, 5], 0.0, 0.0, cut=True)],
            [Hypothesis([4], 0.0, 0.0), Hypothesis([4, 5, 6], 0.0, 0.0, cut=True)]]
    assert reached_limit(hyps) == 1
    assert reached_limit(hyps[1:]) == 0


@pytest.mark.parametrize("beam", ["1", "2"])
def test_translate_says_how_many_translations_were_cut_and_which_flags_raise_the_limit(
        run: Path, beam: str, capsys: pytest.CaptureFixture[str]) -> None:
    # --min-len 2 bars an end at the one token --max-len-b 1 allows (the limit wins): both outputs are cut there (an
    # end the model itself writes at the limit is no cut: tests/test_fixm_translate_own_end.py)
    args = ["translate", str(run), "3 May 1999", "May 4", "--max-len-a", "0", "--max-len-b", "1", "--min-len", "2"]
    assert main([*args, "--beam", beam]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2
    assert "2 of 2 translations reached the output limit (0 × source tokens + 1" in err
    assert "--max-len-a and --max-len-b raise it" in err


def test_the_python_api_warns_in_its_own_words(run: Path) -> None:
    import rnnkit

    with pytest.warns(UserWarning, match=r"1 of 1 translation reached .* max_len_a and max_len_b raise it"):
        rnnkit.load(run).translate(["3 May 1999"], max_len_a=0, max_len_b=1, min_len=2)
