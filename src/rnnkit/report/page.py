"""The HTML of a report page: one self-contained file, Plotly's JavaScript and every datum inline.

What a user gets: :class:`Page` collects sections (a title and HTML parts) and writes one ``.html``
file that opens in any browser without a server or the network. Charts are Plotly figures
(:func:`figure_html`); Plotly's library is inlined once in the page's head. Small helpers make tables
and escaped text; :func:`colour` maps a number in [-1, 1] to a background colour (red positive, blue
negative), the scale the unit and loss pictures share.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnnkit.files import output_file

__all__ = ["Page", "colour", "escape", "figure_html", "json_script", "slug", "table"]

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em 2em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
td, th { border: 1px solid #ddd; padding: .2em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
.text { font-family: ui-monospace, monospace; white-space: pre-wrap; line-height: 1.5; font-size: .9em;
        border: 1px solid #ddd; padding: .6em; max-height: 32em; overflow-y: auto; }
.note { color: #666; font-size: .9em; }
.sample { font-family: ui-monospace, monospace; white-space: pre-wrap; background: #f8f8f8; padding: .5em; }
nav a { margin-right: 1em; }
"""


#: ``#section=gate-saturation`` shows that section alone (for screenshots; it combines with ``&unit=N``)
ONLY_SECTION = """
(function () {
  const m = location.hash.match(/section=([\\w-]+)/);
  if (m) document.querySelectorAll('section, nav').forEach(function (s) {
    if (s.id !== m[1]) s.style.display = 'none'; });
})();
"""


def slug(title: str) -> str:
    """A section's id from its title: ``"Units on a text"`` → ``"units-on-a-text"``."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def escape(text: Any) -> str:
    """``text`` as HTML text (``<``, ``&`` and quotes escaped)."""
    return html.escape(str(text), quote=True)


def colour(value: float) -> str:
    """A CSS background for ``value`` in [-1, 1]: red for positive, blue for negative, stronger further
    from 0 (the same scale as the page's script uses for the unit selector)."""
    v = max(-1.0, min(1.0, float(value)))
    rgb = "214,39,40" if v >= 0 else "31,119,180"
    return f"rgba({rgb},{abs(v):.2f})"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], raw: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw`` (then they are HTML already)."""
    cell = (lambda v: str(v)) if raw else escape
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def figure_html(fig: Any, div_id: str | None = None) -> str:
    """A Plotly figure as a ``<div>`` and its script, without the library (the page inlines it once)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def json_script(element_id: str, data: Any) -> str:
    """``data`` embedded as JSON in a ``<script type="application/json">`` the page's scripts read."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" id="{escape(element_id)}">{text}</script>'


@dataclass
class Page:
    """A report page being built: ``page.add(title, html, ...)`` then ``page.write(path)``."""

    title: str
    sections: list[tuple[str, str]] = field(default_factory=list)

    def add(self, title: str, *parts: str) -> None:
        """A section with a heading and the HTML ``parts`` in order."""
        self.sections.append((title, "\n".join(parts)))

    def html(self) -> str:
        """The whole page: Plotly inlined, a table of contents, the sections."""
        from plotly.offline import get_plotlyjs

        nav = "".join(f'<a href="#{slug(t)}">{escape(t)}</a>' for t, _ in self.sections)
        body = "\n".join(f'<section id="{slug(t)}"><h2>{escape(t)}</h2>\n{h}\n</section>' for t, h in self.sections)
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(self.title)}</title>\n'
                f"<style>{STYLE}</style>\n<script>{get_plotlyjs()}</script></head>\n"
                f"<body><h1>{escape(self.title)}</h1><nav>{nav}</nav>\n{body}\n<script>{ONLY_SECTION}</script>"
                "</body></html>\n")

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` atomically (a temporary file, then a rename): the whole page or, on a
        failure or Ctrl-C, none (an earlier page intact); the folders above it are made."""
        path = Path(path)
        with output_file(path) as tmp:
            tmp.write_text(self.html(), encoding="utf-8")
        return path
