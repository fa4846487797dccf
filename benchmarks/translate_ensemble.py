"""Translators alone and as an ensemble (not a test; docs/TRANSLATE.md, "Ensembles on the dates"): runs on the
same dates that differ only by ``--seed``, each scored alone and as one (``--ensemble``), greedy and beam 4, with
the perplexity of the references (``rnnkit score``) and the decoding time of each (taken in turns, the fastest
of ``--rounds``; quiet machine only). Training runs at an equal number of updates on one thread, so every
figure but the times repeats.

    python benchmarks/translate_ensemble.py [--out runs/translate_ensemble] [--models 3] [--steps 400]
"""

import argparse
import time
from pathlib import Path

import torch

import rnnkit
from rnnkit.cli import main as rnnkit_main
from rnnkit.tasks._translate_scoring import corpus_summary


def _trained(out: Path, seeds: int, steps: int) -> list[Path]:
    if not (out / "dates.tsv").exists():
        assert rnnkit_main(["data", "dates", "--out", str(out / "dates.tsv"), "--pairs", "4000", "--seed", "0"]) == 0
        assert rnnkit_main(["data", "dates", "--out", str(out / "test.tsv"), "--pairs", "1000", "--seed", "1"]) == 0
    runs = []
    for seed in range(1, seeds + 1):
        run = out / f"m{seed}"
        if not run.exists():
            rnnkit.fit("seq2seq", data=str(out / "dates.tsv"), out=run, hidden=64, embedding=64,
                       attention="bahdanau", steps=steps, eval_every=100, threads=1, seed=seed, progress=False,
                       verbose=False)
        runs.append(run)
    return runs


def row_names(models: int) -> list[str]:
    """The first column of docs/TRANSLATE.md's table: each run alone by its seed (run ``mN`` trained with
    ``--seed N``), then the first 2, 3 ... as one: ``seed 1 alone`` ... ``seeds 1 and 2 as one``, ``seeds 1, 2 and 3
    as one``."""
    names = [f"seed {seed} alone" for seed in range(1, models + 1)]
    for k in range(2, models + 1):
        names.append(f"seeds {', '.join(map(str, range(1, k)))} and {k} as one")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/translate_ensemble",
                        help="directory for the runs and the results (default %(default)s)")
    parser.add_argument("--models", type=int, default=3, help="translators to train, seeds 1 on (default %(default)s)")
    parser.add_argument("--steps", type=int, default=400, help="training steps of each (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the timings in turns (default %(default)s)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = _trained(out, args.models, args.steps)
    torch.set_num_threads(1)
    test = str(out / "test.tsv")
    alone = [rnnkit.load(r) for r in runs]
    models = [*alone, *(alone[0].ensemble(*runs[1:k]) for k in range(2, len(runs) + 1))]
    rows = list(zip(row_names(len(runs)), models, strict=True))
    print("| models | exact match, greedy | BLEU, greedy | exact match, beam 4 | BLEU, beam 4 | perplexity of the "
          "references | seconds, greedy | seconds, beam 4 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    seconds: dict[tuple[str, int], float] = {}
    scores: dict[tuple[str, int], dict] = {}
    for _ in range(args.rounds):  # in turns, so that a busy moment costs every row alike
        for name, tr in rows:
            for beam in (1, 4):
                start = time.perf_counter()
                scores[name, beam] = tr.evaluate(test, beam=beam)
                took = time.perf_counter() - start
                seconds[name, beam] = min(seconds.get((name, beam), took), took)
    for name, tr in rows:
        ppl = corpus_summary(tr.score(test))["perplexity"]
        greedy, beam4 = scores[name, 1], scores[name, 4]
        print(f"| {name} | {greedy['exact_match']:.3f} | {greedy['bleu']:.1f} | {beam4['exact_match']:.3f} | "
              f"{beam4['bleu']:.1f} | {ppl:.4f} | {seconds[name, 1]:.2f} | {seconds[name, 4]:.2f} |")


if __name__ == "__main__":
    main()
