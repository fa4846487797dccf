"""Gaps a mutation audit of :mod:`rnnkit.report.browser` found (round 15): ``render``'s ``budget_ms`` reaches
Chromium (checked on the command line it builds, with the browser and ``subprocess.run`` stood in for)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rnnkit.report import browser


def test_render_gives_chromium_its_virtual_time_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[list[str]] = []

    def run(args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        runs.append(args)
        return subprocess.CompletedProcess(args, 0, "<html></html>", '[1:2:INFO:CONSOLE(3)] "hi", source: x\n')

    monkeypatch.setattr(shutil, "which", lambda name: "/opt/chromium" if name == "chromium" else None)
    monkeypatch.setattr(subprocess, "run", run)
    page = tmp_path / "p.html"
    got = browser.render(page, "unit=2", budget_ms=1234)
    assert got.dom == "<html></html>" and got.console == ['"hi", source: x']
    assert runs[0][0] == "/opt/chromium" and "--virtual-time-budget=1234" in runs[0]
    assert runs[0][-1] == page.resolve().as_uri() + "#unit=2"
