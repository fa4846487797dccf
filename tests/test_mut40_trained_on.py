"""Mutation round 40: translate evaluate's warning of the file a model trained on (walk53), unit by unit."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.train.provenance import warn_trained_on, with_digests


def _said(pairs: object, *configs: dict) -> list[str]:
    ckpts = [SimpleNamespace(config=config, path=f"run{n}") for n, config in enumerate(configs)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_trained_on(pairs, ckpts, "translates", "held-out pairs")  # type: ignore[arg-type]
    return [str(w.message) for w in caught]


def _files(tmp_path: Path) -> tuple[Path, Path]:
    mine, other = tmp_path / "train.tsv", tmp_path / "other.tsv"
    mine.write_text("a\tb\n", encoding="utf-8")
    other.write_text("c\td\n", encoding="utf-8")
    return mine, other


def test_a_run_without_a_digest_is_not_said_to_have_trained_on_the_file(tmp_path: Path) -> None:
    mine, _ = _files(tmp_path)
    assert _said(str(mine), {"data": {"train": str(mine)}}) == []


def test_an_ensemble_warns_once_and_of_any_member(tmp_path: Path) -> None:
    """Of two models the second trained on the file: one warning, naming it; both trained on it: still one."""
    mine, other = _files(tmp_path)
    own, not_own = with_digests({"train": str(mine)}), with_digests({"train": str(other)})
    said = _said(str(mine), {"data": not_own}, {"data": own})
    assert len(said) == 1 and "the model at run1 trained on" in said[0]
    assert len(_said(str(mine), {"data": own}, {"data": own})) == 1


def test_the_bundled_bible_is_not_read_as_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--data bible-en-es names the bundled corpus, no file here: it is not digested (no traceback)."""
    mine, _ = _files(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert _said("bible-en-es", {"data": with_digests({"train": str(mine)})}) == []
