"""A headless Chromium that renders report pages: the DOM after the scripts ran, their console, a PNG.

What a user gets: :func:`find_chromium` (the browser's path, or None: the Debian package ``chromium``,
``make data-report``), :func:`render` (the page's DOM after its scripts ran, and every console message
and uncaught error they caused) and :func:`screenshot` (a PNG of the page). The tests check report pages
with them, and ``benchmarks/report_screenshot.py`` draws the picture in ``docs/img/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rnnkit.errors import UserError

__all__ = ["Rendered", "find_chromium", "render", "screenshot"]

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
         "--no-first-run", "--disable-extensions", "--disable-background-networking")
#: Chromium logs each console message of the page as ``... :INFO:CONSOLE(LINE)] "message", source: URL``
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\]\s*(.*)")


@dataclass
class Rendered:
    """A page as the browser left it: ``dom`` (the serialised document) and ``console`` (its messages)."""

    dom: str
    console: list[str]


def find_chromium() -> str | None:
    """The path of a Chromium (or Chrome) executable, or None when there is none."""
    return next((p for p in map(shutil.which, NAMES) if p), None)


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    browser = find_chromium()
    if browser is None:
        raise UserError("no Chromium found; install the Debian package chromium (make data-report)")
    return subprocess.run([browser, *FLAGS, *args], capture_output=True, text=True, timeout=timeout, check=False)


def _url(page: str | Path, fragment: str) -> str:
    return Path(page).resolve().as_uri() + (f"#{fragment}" if fragment else "")


def render(page: str | Path, fragment: str = "", timeout: float = 60.0, budget_ms: int = 5000) -> Rendered:
    """Load ``page`` (a file) with ``#fragment``, let its scripts run (``budget_ms`` of virtual time) and
    return the DOM and the console messages (uncaught errors among them)."""
    done = _run(["--enable-logging=stderr", "--v=0", f"--virtual-time-budget={budget_ms}", "--dump-dom",
                 _url(page, fragment)], timeout)
    console = [m.group(1) for line in done.stderr.splitlines() if (m := CONSOLE.search(line))]
    return Rendered(done.stdout, console)


def screenshot(page: str | Path, png: str | Path, width: int = 1200, height: int = 2400, fragment: str = "",
               timeout: float = 60.0) -> Path:
    """Save a ``width`` × ``height`` PNG of ``page`` (after its scripts ran) to ``png``."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    _run([f"--window-size={width},{height}", "--virtual-time-budget=5000", f"--screenshot={png}",
          _url(page, fragment)], timeout)
    if not png.is_file():
        raise UserError(f"{png}: Chromium wrote no screenshot")
    return png
