"""Gaps a mutation audit of :mod:`rnnkit.report.page` found (round 8): the helpers' exact output (slugs, escaping,
the colour scale, tables, embedded JSON) and the page's frame, against hand-worked strings and json.loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("plotly")

from rnnkit.report import page as pg  # noqa: E402
from rnnkit.report.page import Page, colour, escape, json_script, slug, table  # noqa: E402


def test_a_slug_joins_each_run_of_other_characters_into_one_dash_and_trims_them() -> None:
    assert slug("Units on a text") == "units-on-a-text"
    assert slug("  Gate saturation (LSTM) — layer 2!  ") == "gate-saturation-lstm-layer-2"
    assert slug("P@1 & R@1") == "p-1-r-1"


def test_escape_escapes_quotes_for_attributes() -> None:
    assert escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
    assert escape(3.5) == "3.5"


def test_the_colour_scale_is_clamped_red_from_zero_and_blue_below() -> None:
    assert colour(0.5) == "rgba(214,39,40,0.50)"
    assert colour(0.0) == "rgba(214,39,40,0.00)"
    assert colour(-0.25) == "rgba(31,119,180,0.25)"
    assert colour(3) == "rgba(214,39,40,1.00)" and colour(-7.5) == "rgba(31,119,180,1.00)"


def test_a_table_escapes_its_header_always_and_its_cells_unless_raw() -> None:
    assert table(["a<b", "c"], [("<i>x</i>", 1)]) == (
        "<table><tr><th>a&lt;b</th><th>c</th></tr><tr><td>&lt;i&gt;x&lt;/i&gt;</td><td>1</td></tr></table>")
    assert table(["a<b"], [("<i>x</i>",)], raw=True) == (
        "<table><tr><th>a&lt;b</th></tr><tr><td><i>x</i></td></tr></table>")


def test_embedded_json_reads_back_and_cannot_close_its_script() -> None:
    data = {"text": "é </script><b>", "n": [1, 2]}
    html = json_script('u"id', data)
    assert html.startswith('<script type="application/json" id="u&quot;id">') and html.endswith("</script>")
    body = html[html.index(">") + 1 : -len("</script>")]
    assert "</" not in body and "é" in body and json.loads(body) == data


def test_a_figure_is_its_div_and_script_without_the_library() -> None:
    import plotly.graph_objects as go

    html = pg.figure_html(go.Figure(go.Bar(x=[1], y=[2])), div_id="bars")
    assert 'id="bars"' in html and "cdn.plot.ly" not in html and len(html) < 20_000


def test_the_page_holds_each_section_nav_link_and_the_library_once(tmp_path: Path) -> None:
    page = Page("Run <1>")
    page.add("Units on a text", "<p>one</p>", "<p>two</p>")
    page.add("Scores", "<p>s</p>")
    text = page.html()
    assert text.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Run &lt;1&gt;</title>')
    assert "<h1>Run &lt;1&gt;</h1>" in text
    assert '<nav><a href="#units-on-a-text">Units on a text</a><a href="#scores">Scores</a></nav>' in text
    assert '<section id="units-on-a-text"><h2>Units on a text</h2>\n<p>one</p>\n<p>two</p>\n</section>' in text
    from plotly.offline import get_plotlyjs

    assert text.count(get_plotlyjs()) == 1 and text.count("<script>") == 2
    tail = text[text.rindex("<script>") :]
    assert "s.id !== m[1]" in tail and tail.endswith("</script></body></html>\n")
    written = page.write(tmp_path / "deep" / "p.html")
    assert written == tmp_path / "deep" / "p.html" and written.read_text(encoding="utf-8") == text
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["p.html"]


def test_a_failed_write_leaves_the_earlier_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.html"
    path.write_text("earlier", encoding="utf-8")
    page = Page("t")

    def fail() -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(page, "html", fail)
    with pytest.raises(KeyboardInterrupt):
        page.write(path)
    assert path.read_text(encoding="utf-8") == "earlier" and [p.name for p in tmp_path.iterdir()] == ["p.html"]
