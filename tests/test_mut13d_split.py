"""Gaps the mutation audit of rnnkit.data.split found: the edges of the stratified and the plain split (the
fractions refused, a label of two rows, at least one row held out and one kept), the splits of a seed pinned (a
run's validation side is rebuilt from its seed by ``evaluate --split val``), and how a corpus folder is found."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from rnnkit.data.split import corpus_index, corpus_sides, split_fraction, stratified_split
from rnnkit.errors import UserError


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_a_stratified_split_of_nothing_or_everything_is_refused(fraction: float) -> None:
    with pytest.raises(UserError, match=rf"^--val-fraction {fraction}: expected a number between 0 and 1 "
                                        r"\(exclusive\)$"):
        stratified_split(["a", "b", "a", "b"], fraction, 0)


@pytest.mark.parametrize("fraction", [0.01, 0.5, 0.99])
def test_each_label_of_two_or_more_rows_gives_one_row_to_each_side_at_least(fraction: float) -> None:
    labels = ["a", "a", "b", "b", "b", "b", "c", None, None, "d", "d", "d"]
    train, val = stratified_split(labels, fraction, 3)
    assert sorted(train + val) == list(range(len(labels))) and train == sorted(train) and val == sorted(val)
    kept, held = Counter(labels[i] for i in train), Counter(labels[i] for i in val)
    for label in ("a", "b", None, "d"):
        assert kept[label] >= 1 and held[label] >= 1, (label, fraction)
    assert kept["c"] == 1 and held["c"] == 0  # a label of one row stays in training
    if fraction == 0.5:
        assert held == {"a": 1, "b": 2, None: 1, "d": 2}  # round(0.5 * count), at least one


def test_a_seeds_stratified_split_is_pinned() -> None:
    """The same labels and seed give this split on any machine and in any version: ``evaluate --split val``
    rebuilds a run's validation rows from its recorded seed."""
    labels = ["b", "a", None, "a", "c", "b", "a", None, "b", "a", "a", "d", "a", "a", "b", "a"]
    assert stratified_split(labels, 0.25, 7) == ([0, 1, 4, 6, 7, 8, 9, 10, 11, 12, 14, 15], [2, 3, 5, 13])
    many = [("x", "y", "z")[(i * i + i // 2) % 3] for i in range(40)]
    assert stratified_split(many, 0.2, 1)[1] == [7, 11, 23, 25, 26, 31, 35, 36]


@pytest.mark.parametrize("fraction", [1.0, -0.1, 1.5])
def test_a_plain_split_of_everything_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match=f"^the held-out fraction must be from 0 to below 1, got {fraction}$"):
        split_fraction([1, 2, 3], fraction, 0)


def test_a_plain_split_holds_out_its_fraction_rounded_at_least_one_and_keeps_one() -> None:
    items = [f"p{i}" for i in range(10)]
    assert split_fraction(items, 0.0, 4) == (items, [])
    assert split_fraction(["one"], 0.5, 4) == (["one"], [])
    for fraction, held in ((0.01, 1), (0.25, 2), (0.26, 3), (0.95, 9)):  # round(2.5) is 2, round(2.6) is 3
        train, val = split_fraction(items, fraction, 4)
        assert len(val) == held and len(train) == 10 - held
        assert sorted(train + val) == sorted(items) and train == sorted(train) and val == sorted(val)
    assert split_fraction(items, 0.25, 4) == split_fraction(items, 0.25, 4)
    assert split_fraction(items, 0.25, 4) != split_fraction(items, 0.25, 5)


def test_a_seeds_plain_split_is_pinned() -> None:
    assert split_fraction(list(range(40)), 0.1, 5)[1] == [4, 19, 23, 24]
    assert split_fraction(list("abcdefghijklmnopqrstuvwxyz"), 0.2, 3)[1] == ["b", "g", "o", "q", "x"]


def _corpus(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.tsv").write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    return folder


def _read(folder: Path) -> list[str]:
    """A corpus's items: its folder's name and each line of its index."""
    _, index = corpus_index(folder, "manifest.tsv", "a corpus", "lines")
    return [f"{index.parent.name}/{line}" for line in index.read_text(encoding="utf-8").split()]


def test_corpus_sides_reads_train_and_val_folders_the_val_data_or_a_split(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _corpus(root / "train", *"abcdefgh")
    _corpus(root / "test", "t")
    train, val = corpus_sides(root, None, "manifest.tsv", _read, 0.25, 2)  # no val/: a quarter of train/
    assert (train, val) == split_fraction([f"train/{x}" for x in "abcdefgh"], 0.25, 2) and len(val) == 2
    assert corpus_sides(root, None, "manifest.tsv", _read, 0.0, 2) == ([f"train/{x}" for x in "abcdefgh"], [])
    _corpus(root / "val", "v", "w")
    assert corpus_sides(root, None, "manifest.tsv", _read, 0.25, 2) == ([f"train/{x}" for x in "abcdefgh"],
                                                                        ["val/v", "val/w"])
    other = _corpus(tmp_path / "other", "o")
    assert corpus_sides(root, other, "manifest.tsv", _read, 0.25, 2) == ([f"train/{x}" for x in "abcdefgh"],
                                                                         ["other/o"])


def test_a_flat_corpus_is_read_itself_and_its_val_subfolder_is_not_its_validation(tmp_path: Path) -> None:
    """Only a corpus written as train/ and val/ takes val/ as its validation side; a corpus whose own index
    lies in the folder is split by the fraction, whatever sub-folders it holds."""
    root = _corpus(tmp_path / "flat", "a", "b", "c", "d")
    _corpus(root / "val", "v")
    train, val = corpus_sides(root, None, "manifest.tsv", _read, 0.5, 0)
    assert sorted(train + val) == ["flat/a", "flat/b", "flat/c", "flat/d"] and len(val) == 2


def test_corpus_index_finds_the_folder_of_an_index_or_names_what_it_was_given(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c", "a")
    index = corpus / "manifest.tsv"
    assert corpus_index(corpus, "manifest.tsv", "a corpus", "lines") == (corpus, index)
    assert corpus_index(str(index), "manifest.tsv", "a corpus", "lines") == (corpus, index)
    (corpus / "a.wav").write_bytes(b"")
    with pytest.raises(UserError, match=r"a.wav: not a corpus \(a file; expected the folder that holds manifest.tsv, "
                                        r"with lines\)$"):
        corpus_index(corpus / "a.wav", "manifest.tsv", "a corpus", "lines")
    with pytest.raises(UserError, match=r"none/manifest.tsv: no such file \(expected a corpus: a folder that holds "
                                        r"manifest.tsv, with lines\)$"):
        corpus_index(tmp_path / "none" / "manifest.tsv", "manifest.tsv", "a corpus", "lines")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match=r"empty: not a corpus \(expected .*empty/manifest.tsv with lines\)$"):
        corpus_index(tmp_path / "empty", "manifest.tsv", "a corpus", "lines")
    with pytest.raises(UserError, match=r"nothing: no such folder \(expected a corpus: a folder that holds "
                                        r"manifest.tsv, with lines\)$"):
        corpus_index(tmp_path / "nothing", "manifest.tsv", "a corpus", "lines")


def test_a_folder_of_corpora_names_only_the_ones_it_holds(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _corpus(runs / "train", "a")
    _corpus(runs / "val", "b")
    (runs / "notes" / "manifest.tsv").mkdir(parents=True)  # a folder of that name is no corpus
    with pytest.raises(UserError) as caught:
        corpus_index(runs, "manifest.tsv", "a corpus", "lines")
    assert str(caught.value) == (f"{runs}: not a corpus itself but a folder of them, as `rnnkit data` writes them; "
                                 f"give the one to read: {runs / 'train'}, {runs / 'val'}")
