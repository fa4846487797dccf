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
    monkeypatch.setattr(charlm, "load_text", lambda source, **kw: "train part\nheld out")
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


def _trace_of(columns: list[torch.Tensor]) -> Trace:
    return Trace(states={"h": torch.stack(columns, 1).unsqueeze(1).double()})  # (T, 1, N)


def test_the_page_opens_on_the_first_of_equally_good_units_and_on_unit_0_when_none_correlates() -> None:
    text = "aB cD\n(e) Fg" * 3
    u = _upper(text)
    noise = torch.randn(len(text), generator=torch.Generator().manual_seed(0))
    tr = _trace_of([noise, u, u])
    series, _ = charlm.unit_series(tr)
    assert charlm._ranking(tr, text, series)[1] == 1
    flat = _trace_of([torch.ones(len(text)), torch.ones(len(text))])
    html, best = charlm._ranking(flat, text, charlm.unit_series(flat)[0])
    assert best == 0 and html.count("<td>–</td>") == 5


def _upper(text: str) -> torch.Tensor:
    from rnnkit.report.units import features

    return features(text)["upper case"]


def test_the_unit_selector_opens_on_the_best_correlated_unit() -> None:
    text = "aB cD\n(e) Fg" * 3
    noise = torch.randn(len(text), generator=torch.Generator().manual_seed(0))
    html = charlm._units_html(_trace_of([noise, -_upper(text)]), text)
    assert re.findall(r'<option value="(\d+)" selected>', html) == ["1"]


def test_the_saturation_figure_puts_the_left_fraction_on_x_and_the_right_on_y() -> None:
    gate = torch.tensor([0.05, 0.05, 0.05, 0.95]).reshape(4, 1, 1)
    fig = charlm.saturation_figure(Trace(gates={"forget": gate}))
    assert (list(fig.data[0].x), list(fig.data[0].y)) == ([0.75], [0.25])


def test_each_gate_is_in_the_legend_once_whatever_the_layers() -> None:
    gates = {"forget": torch.full((3, 2, 2), 0.5), "input": torch.full((3, 2, 2), 0.05)}
    fig = charlm.saturation_figure(Trace(gates=gates))
    assert [(t.name, t.showlegend) for t in fig.data] == [("forget gate", True), ("forget gate", False),
                                                          ("input gate", True), ("input gate", False)]


def test_a_unit_saturated_exactly_half_the_time_is_not_counted_as_more_than_half() -> None:
    gate = torch.tensor([0.05, 0.05, 0.5, 0.5]).reshape(4, 1, 1)
    assert charlm.saturation_summary(Trace(gates={"forget": gate})) == [("forget", 1, "0.500", "0.000", "0 / 1",
                                                                         "0 / 1")]


def test_a_cell_without_gates_says_so() -> None:
    assert "This cell has no gates" in charlm._gates_html(Trace(states={"h": torch.zeros(2, 1, 1)}))


class _LossVocab:
    """"\\n", "a", "b" and an unknown id 3 for anything else."""

    unk_index = 3

    def __contains__(self, ch: str) -> bool:
        return ch in "\nab"

    def encode_tensor(self, text: str, warn: bool = True) -> torch.Tensor:
        return torch.tensor(["\nab".find(c) if c in "\nab" else 3 for c in text])


def test_the_loss_of_each_character_given_a_newline_before_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-worked: losses 1, 2, (unknown), 3 nats; the first character scored after "\\n"; the colour full at the
    98th percentile of the scored losses (2 of 1, 2, 3), the mean over the scored characters only (2 nats)."""
    seen = {}

    def log_probs(model: Any, context: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        seen.update(context=context.tolist(), targets=targets.tolist())
        return -torch.tensor([1.0, 2.0, 5.0, 3.0])

    monkeypatch.setattr(charlm, "sequence_log_probs", log_probs)
    html = charlm._loss_html(SimpleNamespace(vocab=_LossVocab(), model=None), "ab?a")
    assert seen == {"context": [0], "targets": [1, 2, 3, 1]}
    assert "the colour is full at 2.00 nats). Mean 2.000 nats (2.885 bits) per character." in html
    spans = re.findall(r'<span (?:style="background:(.*?)" )?title="(.*?)">(.)</span>', html)
    assert spans == [("rgba(214,39,40,0.50)", "1.00 nats", "a"), ("rgba(214,39,40,1.00)", "2.00 nats", "b"),
                     ("", "not scored (unknown character)", "?"), ("rgba(214,39,40,1.00)", "3.00 nats", "a")]


def test_an_empty_text_is_refused_in_one_line(tmp_path: Path) -> None:
    """A validation split that is one newline leaves nothing after it to look at."""
    with pytest.raises(UserError, match=r"^validation split of .*text\.txt: no text to look at$"):
        charlm.add_sections(None, tmp_path, _lm(tmp_path, "TRAIN|\n", 6))
