"""Gaps a mutation audit of :mod:`rnnkit.report.caption` found (round 8): which images the section shows and
what each shows, and the attention panels' grid, against a stand-in captioner and hand-worked layouts."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

pytest.importorskip("plotly")

from rnnkit.report import caption as rc  # noqa: E402
from rnnkit.report.page import Page  # noqa: E402


class FakeCaptioner:
    """What add_sections reads of an ImageCaptioner: model.attention, caption(..., return_attention) and
    load_images; each image's caption is its file's stem, its attention a 2 x 2 grid."""

    def __init__(self, attention: object = "soft") -> None:
        self.model = SimpleNamespace(attention=attention)
        self.asked: list[list[str]] = []

    def caption(self, images: list[str], return_attention: bool = False) -> list[dict[str, Any]]:
        assert return_attention
        self.asked.append(images)
        return [{"caption": f"a <{Path(p).stem}>", "words": ["a", f"<{Path(p).stem}>"],
                 "attention": [[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]]} for p in images]

    def load_images(self, images: list[str]) -> torch.Tensor:
        return torch.stack([torch.full((3, 4, 4), float(i)) for i in range(len(images))])


def _items(count: int) -> list[Any]:
    return [SimpleNamespace(image=Path(f"/data/img{i}.png"), captions=[f"ref {i}", f"other {i}"]) for i in range(count)]


def _section(monkeypatch: pytest.MonkeyPatch, cap: FakeCaptioner, count: int) -> tuple[str, str]:
    monkeypatch.setattr(rc, "_items", lambda cap, data: (_items(count), "shapes/<val>"))
    page = Page("p")
    rc.add_sections(page, Path("run"), cap, None)
    assert len(page.sections) == 1
    return page.sections[0]


def test_the_first_three_images_are_shown_with_their_references_and_caption(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = FakeCaptioner()
    title, body = _section(monkeypatch, cap, 5)
    assert title == "Attention" and cap.asked == [["/data/img0.png", "/data/img1.png", "/data/img2.png"]]
    assert '<p class="note">the first 3 of shapes/&lt;val&gt;; greedy decoding</p>' in body
    assert ("<tr><td>img1.png</td><td>ref 1 / other 1</td><td>a &lt;img1&gt;</td></tr>") in body
    assert [f'id="caption-attention-{i}"' in body for i in range(4)] == [True, True, True, False]
    assert body.count('"z":[[0.4,0.3],[0.2,0.1]]') == 3  # each image's second word's 2 x 2 grid of attention
    _, body = _section(monkeypatch, FakeCaptioner(), 2)
    assert "the first 2 of" in body and 'id="caption-attention-2"' not in body


def test_a_model_without_attention_gets_the_note_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = FakeCaptioner(attention=None)
    assert _section(monkeypatch, cap, 3) == ("Attention",
                                             '<p class="note">This model was trained without --attention.</p>')
    assert cap.asked == []


def test_a_given_folder_is_read_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import rnnkit.data.captions as captions
    import rnnkit.tasks.caption  # noqa: F401  # first imported under the stand-in, its modules kept it for later tests

    monkeypatch.setattr(captions, "read_captions", lambda data: _items(1) if data == "given" else pytest.fail())
    assert rc._items(None, "given") == (_items(1), "given")


def test_each_panel_is_the_grey_image_under_its_words_grid() -> None:
    image = torch.stack([torch.zeros(4, 8), torch.ones(4, 8), torch.full((4, 8), 2.0)])  # grey: the mean, 1
    weights = [[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]] * 7
    words = ["<b>", "w1", "w2", "w3", "w4", "w5", "w6", "unused"]
    fig = rc.attention_figure(image, weights, words)
    assert len(fig.data) == 14
    assert [list(r) for r in fig.data[0].z] == [[1.0] * 8] * 4
    heat = fig.data[1]
    assert [list(r) for r in heat.z] == [[0.0, 0.1, 0.2, 0.3], [0.4, 0.5, 0.6, 0.7]]  # 2 rows of 4 regions
    assert (heat.dx, heat.dy, heat.x0, heat.y0) == (2.0, 2.0, 0.5, 0.5)   # pixel centres of 2 x 2 regions
    assert heat.zmin == 0
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["&lt;b&gt;", "w1", "w2", "w3", "w4", "w5", "w6"]
    # seven panels: two rows of five columns, the sixth word on row 2, column 1
    assert (fig.data[10].xaxis, fig.data[11].xaxis) == ("x6", "x6") and fig.layout.height == 40 + 210 * 2
    assert fig.layout.xaxis6.domain[0] == fig.layout.xaxis.domain[0] and fig.layout.yaxis6.domain[1] < 0.5


def test_at_most_fifteen_panels_and_a_single_word_gets_one_column() -> None:
    image = torch.zeros(1, 4, 4)
    fig = rc.attention_figure(image, [[0.25] * 4] * 20, [f"w{i}" for i in range(20)])
    assert len(fig.data) == 30 and fig.layout.height == 40 + 210 * 3
    one = rc.attention_figure(image, [[0.25] * 4], ["w"])
    assert len(one.data) == 2 and one.layout.xaxis.domain == (0.0, 1.0)
    empty = rc.attention_figure(image, [], [])
    assert len(empty.data) == 0 and empty.layout.height == 40 + 210
