"""A translator's Python methods keep the command line's promises about ``alpha``: GNMT's length normalisation
ranks a beam's hypotheses, so given to greedy decoding or to sampling it does nothing. ``rnnkit translate --alpha
1`` (and ``rnnkit evaluate --alpha 1``) with ``--beam 1`` warned of it; ``translate("...", alpha=1)`` and
``evaluate(..., alpha=1)`` said nothing, their default being the number 0.6 rather than "not given"."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.errors import RnnkitWarning
from tests import test_translate_sampling as sampling
from tests.test_walk37_output_limit import CUT

pytestmark = pytest.mark.usefixtures("one_torch_thread")

translator_dir = sampling.translator_dir


def said(call) -> list[str]:
    """The warnings of rnnkit that ``call()`` raised (but those of the output limit and of a BLEU of short outputs,
    which the untrained model's translations may draw)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)
            and CUT not in str(w.message) and "BLEU is 0 because" not in str(w.message)]


UNUSED = "alpha is the length normalisation of a beam search; {} does not use it"


@pytest.mark.parametrize(("keywords", "which"), [({"alpha": 1.0}, "beam=1 (greedy)"),
                                                 ({"alpha": 0.6}, "beam=1 (greedy)"),  # the default, given
                                                 ({"alpha": 1.0, "sample": True, "seed": 0}, "sample=True")])
def test_translate_warns_of_an_alpha_nothing_ranks(translator_dir: Path, keywords: dict, which: str) -> None:
    tr = rnnkit.load(translator_dir)
    assert said(lambda: tr.translate("abc", **keywords)) == [UNUSED.format(which)]


def test_evaluate_warns_of_an_alpha_greedy_decoding_ranks_not(translator_dir: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("abc\txyz\n", encoding="utf-8")
    tr = rnnkit.load(translator_dir)
    assert said(lambda: tr.evaluate(str(pairs), alpha=0.9)) == [UNUSED.format("beam=1 (greedy)")]
    assert said(lambda: tr.evaluate(str(pairs), beam=2, alpha=0.9)) == []


def test_a_beam_search_takes_alpha_quietly_and_none_is_the_default(translator_dir: Path) -> None:
    tr = rnnkit.load(translator_dir)
    assert said(lambda: tr.translate("abc")) == []
    assert said(lambda: tr.translate("abc", beam=2, alpha=1.0)) == []
    assert tr.translate("abc", beam=2) == tr.translate("abc", beam=2, alpha=0.6)
