"""Mutation audit round 24 of rnnkit.data.tabular.saved_labels: what a damaged label list got is said (``none`` for
null, the list itself up to 60 characters, else its type), and a tagger's loading names its field ``tags``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import rnnkit
from rnnkit.data.tabular import saved_labels
from rnnkit.errors import UserError
from tests.test_saved_labels_resume import runs  # noqa: F401  # a tiny classifier's and tagger's runs

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(("labels", "got"), [(None, "none"), (["a" * 53, 1], repr(["a" * 53, 1])),
                                             (["a" * 54, 1], "list")], ids=["null", "60 chars", "61 chars"])
def test_what_a_damaged_list_got_is_said(labels: object, got: str) -> None:
    """repr(['a' * 53, 1]) is 60 characters, shown; one more is its type's name."""
    with pytest.raises(UserError) as exc:
        saved_labels(labels, "c.json")
    assert str(exc.value) == f"c.json: labels must be a list of distinct strings, got {got}"


def test_a_taggers_damaged_tags_are_named_as_its_field(runs: dict[str, tuple[Path, Path]],  # noqa: F811
                                                       tmp_path: Path) -> None:
    run = shutil.copytree(runs["tag"][1] / "best", tmp_path / "best")
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    (run / "config.json").write_text(json.dumps({**config, "tags": "DET"}), encoding="utf-8")
    with pytest.raises(UserError, match=r"config\.json: tags must be a list of distinct strings, got 'DET'$"):
        rnnkit.load(run)
