"""Gaps a mutation audit of :mod:`rnnkit.report.charlm` found (round 7): each test fails on one changed line."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.report import charlm
from rnnkit.report.units import Trace
from rnnkit.tasks.charlm import text_digest


class _Vocab:
    """Code points as ids: enough for the digest, which is all report_text encodes."""

    def encode_tensor(self, text: str, warn: bool = True) -> torch.Tensor:
        return torch.tensor([ord(c) for c in text], dtype=torch.int64)


def _lm(tmp_path: Path, text: str, train_chars: int, **config: Any) -> Any:
    """A stand-in for a CharLM whose run trained on the first ``train_chars`` characters of ``text``."""
    data = tmp_path / "text.txt"
    data.write_text(text, encoding="utf-8")
    val = _Vocab().encode_tensor(text[train_chars:])
    record = {"settings": {"data": str(data)}, "train_chars": train_chars, "val_chars": int(val.numel()),
              "val_digest": text_digest(val), **config}
    return SimpleNamespace(checkpoint=SimpleNamespace(config=record, path=tmp_path / "run" / "best"), vocab=_Vocab())


def test_a_missing_text_file_is_named_as_the_text_option(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^--text .*nope\.txt: no such file; expected a UTF-8 text file$"):
        charlm.report_text(_lm(tmp_path, "abc\n", 2), str(tmp_path / "nope.txt"), 10)


def test_a_given_text_is_cut_to_chars(tmp_path: Path) -> None:
    given = tmp_path / "given.txt"
    given.write_text("0123456789", encoding="utf-8")
    assert charlm.report_text(_lm(tmp_path, "abc\n", 2), str(given), 4) == ("0123", str(given))


def test_a_run_that_kept_no_validation_text_is_refused(tmp_path: Path) -> None:
    """A run trained on all of its text (val_chars 0) has nothing held out to show: refused, not shown its
    training text from offset train_chars (which is the end of the file: an empty page)."""
    lm = _lm(tmp_path, "abcdef\n", 7, val_chars=0)
    with pytest.raises(UserError, match="the run kept no validation text; give --text FILE"):
        charlm.report_text(lm, None, 10)


def test_a_built_in_text_needs_no_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in texts are the package's own, not a file someone else's run can point at: no digest needed."""
    monkeypatch.setattr(charlm, "load_text", lambda source: "train part\nheld out")
    lm = _lm(tmp_path, "", 11, val_digest=None, settings={"data": "shakespeare"}, val_chars=8)
    assert charlm.report_text(lm, None, 100) == ("held out", "validation split of shakespeare")


def test_the_text_starts_after_a_newline_only_in_its_first_half(tmp_path: Path) -> None:
    """A newline in the first half of the ``chars`` shown: the text starts after it, and is ``chars`` long; a
    newline only later: the text starts at the split's first character."""
    lm = _lm(tmp_path, "TRAIN|" + "ab\ncdefghijklmn", 6)
    assert charlm.report_text(lm, None, 6)[0] == "cdefgh"
    lm = _lm(tmp_path, "TRAIN|" + "abcdefghij\nklmn", 6)
    assert charlm.report_text(lm, None, 6)[0] == "abcdef"


def test_samples_are_shown_at_temperatures_one_half_eight_tenths_and_one_with_seed_one() -> None:
    calls: list[tuple[float, int]] = []

    def sample(prime: str, length: int, temperature: float, seed: int) -> str:
        calls.append((temperature, seed))
        return "s" * length

    html = charlm._samples_html(SimpleNamespace(sample=sample), length=3)
    assert calls == [(0.5, 1), (0.8, 1), (1.0, 1)]
    assert re.findall(r"<tr><td>([0-9.]+)</td>", html) == ["0.5", "0.8", "1"]


def test_a_units_scale_is_its_largest_magnitude_negative_ones_included() -> None:
    """A unit of -4 and 0.5 has scale 4 (its largest |value|), not 1 (its largest value, raised to 1)."""
    series, _ = charlm.unit_series(Trace(states={"h": torch.tensor([[[-4.0]], [[0.5]]])}))
    assert series[0]["scale"] == 4.0


def test_values_are_quantised_to_the_nearest_of_255_levels() -> None:
    """0.7 is 88.9 of 127 steps: byte 128 + 89, not 128 + 88 (cut towards zero); -0.7 is 128 - 89."""
    raw = base64.b64decode(charlm._quantised(torch.tensor([[0.7], [-0.7]]), [1.0]))
    assert list(raw) == [217, 39]
