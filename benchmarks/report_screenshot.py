r"""Screenshot a run's report page with headless Chromium (for docs/img/), writing the page first if needed.

    rnnkit report runs/shakespeare                      # RUN/report.html
    python benchmarks/report_screenshot.py runs/shakespeare docs/img/report-charlm.png \
        --fragment section=units-on-a-text

``--fragment`` shows one section alone (its title in lower case with dashes: ``section=units-on-a-text``,
``section=gate-saturation``, ``section=learning-curves``), picks a unit (``unit=17``) or both
(``section=units-on-a-text&unit=17``); ``--width``/``--height`` size the picture. Needs the Debian package
chromium (``make data-report``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rnnkit.report import write_report
from rnnkit.report.browser import screenshot


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", help="a run directory (RUN/report.html is written when missing)")
    p.add_argument("png", help="the PNG to write, e.g. docs/img/report-charlm.png")
    p.add_argument("--fragment", default="",
                   help="a #fragment: one section (section=gate-saturation), a unit (unit=17) or both")
    p.add_argument("--width", type=int, default=1200, help="window width in pixels (default %(default)s)")
    p.add_argument("--height", type=int, default=1600, help="window height in pixels (default %(default)s)")
    args = p.parse_args(argv)
    page = Path(args.run) / "report.html"
    if not page.is_file():
        page = write_report(args.run)
    print(f"wrote {screenshot(page, args.png, args.width, args.height, args.fragment)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
