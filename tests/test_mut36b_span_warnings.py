"""A gap a mutation audit of the tagger's span-way warnings found (round 36b): the training file given again as
--val-data has its mixed openings said once, by the training file's check, not a second time as the validation
file beside the training file's way (no test failed with the second call made)."""

from __future__ import annotations

import warnings
from pathlib import Path

from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._tag_config import TagConfig
from rnnkit.tasks._tag_data import _read_sentences


def test_the_training_file_again_has_its_openings_said_once(tmp_path: Path) -> None:
    data = tmp_path / "mix.conll"
    data.write_text("a B-X\nb O\n\nc I-X\nd O\n\ne I-X\nf O\n\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _read_sentences(TagConfig(), str(data), str(data))
    said = [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)]
    assert sum("spans open with" in s for s in said) == 1
    assert sum("is the training data" in s for s in said) == 1
