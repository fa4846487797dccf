"""Gaps a mutation audit of :mod:`rnnkit.report.browser` found (round 8): which executable is found, the refusal
without one, the console messages read back, the scripts' virtual time and the screenshot, on tiny pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.report import browser
from rnnkit.report.browser import find_chromium, render, screenshot

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="no Chromium: install the Debian package "
                                    "chromium (make data-report) to render pages in a browser")


def test_each_name_is_looked_for_in_order_and_none_found_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[str] = []

    def which(name: str) -> str | None:
        looked.append(name)
        return f"/opt/{name}" if name in ("chromium", "google-chrome") else None

    monkeypatch.setattr(shutil, "which", which)
    assert find_chromium() == "/opt/chromium"
    monkeypatch.setattr(shutil, "which", lambda name: "/opt/gc" if name == "google-chrome-stable" else None)
    assert find_chromium() == "/opt/gc"
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert find_chromium() is None
    with pytest.raises(UserError, match="no Chromium found; install the Debian package chromium"):
        render("page.html")
    assert looked[0] == "chromium"


def test_the_page_is_given_as_a_file_url_with_its_fragment(tmp_path: Path) -> None:
    page = tmp_path / "a b.html"
    assert browser._url(page, "") == page.resolve().as_uri()
    assert browser._url(page, "unit=3") == page.resolve().as_uri() + "#unit=3"
    assert browser._url(page, "unit=3").startswith("file:///") and "a%20b.html#" in browser._url(page, "unit=3")


def test_the_console_pattern_reads_chromiums_log_lines() -> None:
    lines = ['[1205/175500.123:INFO:CONSOLE(3)] "hello", source: file:///p.html (3)',
             '[1205/175500.123:INFO:CONSOLE:12] "new style"', "[1205/175500.123:INFO:other.cc(1)] not one"]
    assert [m.group(1) for line in lines if (m := browser.CONSOLE.search(line))] == [
        '"hello", source: file:///p.html (3)', '"new style"']


@needs_chromium
@pytest.mark.slow
def test_render_returns_the_dom_after_the_scripts_ran_and_their_console(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text('<html><body><p id="x">before</p><script>console.log("said-" + location.hash.slice(1));'
                    'setTimeout(function () { document.getElementById("x").textContent = "later"; }, 500);'
                    "</script></body></html>", encoding="utf-8")
    shown = render(page, "frag")
    assert any("said-frag" in m for m in shown.console), shown.console
    assert '<p id="x">later</p>' in shown.dom  # the timer ran inside the virtual time budget


@needs_chromium
@pytest.mark.slow
def test_screenshot_writes_a_png_and_says_when_none_was_written(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "p.html"
    page.write_text("<html><body><h1>hi</h1></body></html>", encoding="utf-8")
    png = screenshot(page, tmp_path / "out" / "p.png", width=200, height=100)
    assert png == (tmp_path / "out" / "p.png").resolve() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setattr(browser, "_run", lambda args, timeout: None)
    with pytest.raises(UserError, match=r"q.png: Chromium wrote no screenshot"):
        screenshot(page, tmp_path / "q.png")
