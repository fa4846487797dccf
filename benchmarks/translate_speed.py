"""Decoding speed of a trained translator (not a test): sentences per second, greedy and beam 4, in
batches and one at a time, on the first sources of a pairs file.

    python benchmarks/translate_speed.py runs/dates runs/dates-test.tsv [--threads 2]
"""

import argparse
import time

import torch

import rnnkit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a trained translator directory")
    parser.add_argument("pairs", help="a pairs file whose first sources are translated")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tr = rnnkit.load(args.model)
    src = [line.split("\t")[0] for line in open(args.pairs, encoding="utf-8")][:400]

    def timed(fn) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    for beam in (1, 4):
        batch = timed(lambda beam=beam: tr.translate(src, beam=beam))
        one = timed(lambda beam=beam: [tr.translate([s], beam=beam) for s in src[:100]])
        print(f"beam {beam}: batch of {len(src)}: {len(src) / batch:,.0f} sentences/s; "
              f"one at a time: {100 / one:,.0f} sentences/s")


if __name__ == "__main__":
    main()
