#!/usr/bin/env python3
"""Write the SYNTHETIC Korean scam-call corpus used by the rnnkit demo (see README.md next to this file).

    python examples/korean_scam/generate.py runs/korean_scam/data

is the same as ``rnnkit data scam --out runs/korean_scam/data``: train.csv (2,000 rows), val.csv (300) and
test.csv (500), columns text,label,source. Every row is made up by templates (rnnkit.data.scam); nothing
here is a real call or a real person.
"""

import sys

from rnnkit.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if args and not args[0].startswith("-"):  # the output folder first, as above
        args = ["--out", *args]
    elif not any(a == "--out" or a.startswith("--out=") for a in args) and "-h" not in args and "--help" not in args:
        args = ["--out", "runs/korean_scam/data", *args]
    raise SystemExit(main(["data", "scam", *args]))
