"""Gaps a mutation audit of :mod:`rnnkit.report.seq2seq` found (round 8): which pairs the section shows and what
each shows, and the heat map's scale and axes, against a stand-in translator and hand-worked values."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("plotly")

from rnnkit.report import seq2seq as rs  # noqa: E402
from rnnkit.report.page import Page  # noqa: E402


class FakeTranslator:
    """What add_sections reads of a Translator: model.attention and translate(..., return_attention)."""

    def __init__(self, attention: object = "general") -> None:
        self.model = SimpleNamespace(attention=attention)
        self.asked: list[list[str]] = []

    def translate(self, sources: list[str], return_attention: bool = False) -> list[dict[str, Any]]:
        assert return_attention
        self.asked.append(sources)
        return [{"translation": f"T<{s}>", "attention": [[0.25, 0.75], [0.5, 0.5]], "source_tokens": [s, "</s>"],
                 "target_tokens": ["x", "</s>"]} for s in sources]


def _section(monkeypatch: pytest.MonkeyPatch, tr: FakeTranslator, count: int) -> tuple[str, str]:
    pairs = [(f"s{i}", f"r{i}") for i in range(count)]
    monkeypatch.setattr(rs, "_pairs", lambda tr, data: (pairs, "val<>.tsv"))
    page = Page("p")
    rs.add_sections(page, Path("run"), tr, None)
    assert len(page.sections) == 1
    return page.sections[0]


def test_the_first_four_pairs_are_shown_with_source_reference_and_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    tr = FakeTranslator()
    title, body = _section(monkeypatch, tr, 6)
    assert title == "Attention" and tr.asked == [["s0", "s1", "s2", "s3"]]
    assert '<p class="note">the first 4 of val&lt;&gt;.tsv; greedy decoding</p>' in body
    assert "<tr><th>source</th><th>reference</th><th>translation</th></tr><tr><td>s2</td><td>r2</td>" \
           "<td>T&lt;s2&gt;</td></tr>" in body
    assert [f'id="attention-{i}"' in body for i in range(5)] == [True, True, True, True, False]
    assert body.count('"z":[[0.25,0.75],[0.5,0.5]]') == 4
    _, body = _section(monkeypatch, FakeTranslator(), 1)
    assert "the first 1 of" in body and 'id="attention-1"' not in body


def test_a_model_without_attention_gets_the_note_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    tr = FakeTranslator(attention=None)
    assert _section(monkeypatch, tr, 3) == ("Attention",
                                            '<p class="note">This model was trained with --attention none.</p>')
    assert tr.asked == []


def test_a_given_file_is_read_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import rnnkit.data.pairs as pairs
    import rnnkit.tasks.translate  # noqa: F401  # first imported under the patch, it bound the stand-in for good

    monkeypatch.setattr(pairs, "read_pairs", lambda data: iter([("a", "b")]) if data == "given" else pytest.fail())
    assert rs._pairs(None, "given") == ([("a", "b")], "given")


def test_the_heat_map_is_on_zero_to_one_with_the_first_written_token_on_top() -> None:
    fig = rs.attention_figure({"attention": [[0.3, 0.7]], "source_tokens": ["</s>", "a\tb"],
                               "target_tokens": ["<u>", "</s>"]})
    heat = fig.data[0]
    assert (heat.zmin, heat.zmax) == (0, 1) and fig.layout.yaxis.autorange == "reversed"
    assert list(fig.layout.xaxis.ticktext) == ["&lt;/s&gt;", "a\\tb"]  # plotly reads tick text as HTML
    assert list(fig.layout.yaxis.ticktext) == ["&lt;u&gt;"]
    assert fig.layout.height == 160 + 22
