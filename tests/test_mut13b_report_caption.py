"""Gaps a mutation audit of :mod:`rnnkit.report.caption` found (round 13): the gap between rows of attention panels
(0.12 of the figure shared out among the rows), the image shown upright, and only the images shown read."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("plotly")

from rnnkit.report.caption import attention_figure  # noqa: E402


@pytest.mark.parametrize("words, gap", [(6, 0.06), (11, 0.04)])
def test_rows_of_panels_are_0_12_over_the_rows_apart(words: int, gap: float) -> None:
    fig = attention_figure(torch.zeros(1, 4, 4), [[0.25] * 4] * words, [f"w{i}" for i in range(words)])
    rows = [fig.layout[f"yaxis{'' if i == 0 else i + 1}"].domain for i in range(0, words, 5)]
    assert len(rows) == -(-words // 5)
    for upper, lower in zip(rows, rows[1:], strict=False):
        assert upper[0] - lower[1] == pytest.approx(gap)
    assert rows[0][1] == pytest.approx(1.0) and rows[-1][0] == pytest.approx(0.0)


def test_the_image_is_shown_upright_row_0_at_the_top() -> None:
    fig = attention_figure(torch.zeros(1, 4, 4), [[0.25] * 4] * 2, ["a", "b"])
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.yaxis2.autorange == "reversed"


def test_only_the_images_shown_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Of a validation folder of five, the three shown are captioned and read, not the other two as well."""
    from pathlib import Path
    from types import SimpleNamespace

    from rnnkit.report import caption as rc
    from rnnkit.report.page import Page

    items = [SimpleNamespace(image=Path(f"/data/img{i}.png"), captions=[f"ref {i}"]) for i in range(5)]
    read: list[list[str]] = []

    class StandIn:
        model = SimpleNamespace(attention="soft")

        def caption(self, images: list[str], return_attention: bool = False) -> list[dict[str, object]]:
            return [{"caption": "a", "words": ["a"], "attention": [[0.25] * 4]} for _ in images]

        def load_images(self, images: list[str]) -> torch.Tensor:
            read.append(images)
            return torch.zeros(len(images), 1, 4, 4)

    monkeypatch.setattr(rc, "_items", lambda cap, data: (items, "val"))
    rc.add_sections(Page("p"), Path("run"), StandIn(), None)
    assert read == [[f"/data/img{i}.png" for i in range(3)]]
