"""With ``--val-fraction`` (no ``--val-data``), a row written twice in ``--data`` could land on both sides of the
split, and nothing said so: the validation scores then read high. It is now warned once, with the count, through
the helper that warns of ``--val-data`` that is the training data (classify's rows, translate's pairs). The judge of
the count: the held-out indices of the split rnnkit makes, and a brute-force count over the rows read by Python's
csv module."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.split import split_fraction, stratified_split

pytestmark = pytest.mark.usefixtures("one_torch_thread")

WORDS = "fine warm dull cold great poor bright grey lively slow".split()


def _rows(repeats: bool) -> list[tuple[str, str]]:
    rng = random.Random(3)
    rows = [(f"{rng.choice(WORDS)} {rng.choice(WORDS)} film {i}", "pos" if i % 2 else "neg") for i in range(30)]
    return rows + (rows[:12] if repeats else [])


def _shared(train: list, val: list) -> int:
    return sum(1 for row in val if any(row == other for other in train))


def _said(err: str) -> list[str]:
    return [line for line in err.splitlines() if "--val-fraction:" in line]


@pytest.mark.parametrize("repeats", [True, False])
def test_classify_counts_held_out_rows_that_train_too(tmp_path: Path, capsys, repeats: bool) -> None:
    data = tmp_path / "d.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("text", "label"), *_rows(repeats)])
    with data.open(newline="", encoding="utf-8") as fh:
        rows = [tuple(r) for r in list(csv.reader(fh))[1:]]
    tr, va = stratified_split([label for _, label in rows], 0.3, 4)
    shared = _shared([rows[i] for i in tr], [rows[i] for i in va])
    assert (shared > 0) == repeats
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), "--val-fraction", "0.3",
                 "--split-seed", "4", "--steps", "1", "--layers", "0", "--pooling", "mean", "--embedding", "4",
                 "--no-progress"]) == 0
    expected = [f"rnnkit: warning: --val-fraction: {shared} of the {len(va)} validation rows are training rows too "
                f"(each is in --data {data} more than once, on both sides of the split): the validation loss and "
                f"accuracy then score what the model has learnt; keep one of each in {data}, or give --val-data"]
    assert _said(capsys.readouterr().err) == (expected if repeats else [])


def test_translate_counts_held_out_pairs_that_train_too(tmp_path: Path, capsys) -> None:
    pairs = [(a, a[::-1]) for a in ["ab", "ba", "abc", "cab", "bca", "cc", "acb", "bac", "ca", "bb"]] * 2
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{a}\t{b}\n" for a, b in pairs), encoding="utf-8")
    train, val = split_fraction(pairs, 0.2, 0)
    shared = _shared(train, val)
    assert shared > 0
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(tmp_path / "run"), "--val-fraction", "0.2",
                 "--split-seed", "0", "--steps", "1", "--hidden", "4", "--embedding", "4", "--tokenizer", "char",
                 "--no-progress"]) == 0
    assert _said(capsys.readouterr().err) == [
        f"rnnkit: warning: --val-fraction: {shared} of the {len(val)} validation pairs are training pairs too (each "
        f"is in --data {data} more than once, on both sides of the split): the validation loss and BLEU then score "
        f"what the model has learnt; keep one of each in {data}, or give --val-data"]
