"""Would a count-based n-gram beside the memory close a trained character model's gap? (run by hand;
docs/CHARLM.md, "A character n-gram beside the model: at most 0.027")

An interpolated Kneser-Ney character n-gram (one discount, ``--discount``; contexts up to ``--order``
characters) is counted over the run's training text, and its probability of each character is mixed with
the model's own: ``(1 - lam) p_LM + lam p_ngram``. Two ways of counting:

- **static**: the training text only, a model that uses nothing of the scored text;
- **adaptive**: the training text, then each character of the scored text once it has been scored (as
  PPM does, and as rnnkit's memory of the text read stores only what it has read).

The scored text is the run's validation split, read as one stream from a newline, as ``rnnkit score
--file`` reads it. ``lam`` is chosen on its first half and the mixture reported on its second half,
beside the model alone on that half, so the weight is never chosen on the characters it is judged on; so is
a weight per bucket (the longest context the n-gram has seen, and how often), each chosen on the first half.
Pure Python: 3 to 20 s a setting for a 1 MB text.

``--primed`` also scores the validation text after the model has read the whole training text in the
same stream, its memory of the text read made large enough to hold all of it (rnnkit's keeps the last
65,536 to 131,072 characters): the memory's own way of offering what the training text holds.

    python benchmarks/charlm_ngram.py RUN --text shakes1m.txt --order 4,7,11 --primed
"""

from __future__ import annotations

import argparse
import math
import time
from collections import defaultdict

import torch

import rnnkit
from rnnkit.models import match
from rnnkit.models.language_model import sequence_log_probs
from rnnkit.tasks.charlm import _split_point, text_digest

BLOCK = match.BLOCK
LAMBDAS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)


class KneserNey:
    """Interpolated Kneser-Ney over characters: raw counts for the longest contexts, continuation counts
    (how many distinct characters came before) for the shorter ones, a uniform distribution at the root."""

    def __init__(self, order: int, symbols: int, discount: float) -> None:
        self.order, self.symbols, self.discount = order, symbols, discount
        self.raw: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.cont: list[dict[str, dict[str, int]]] = [defaultdict(lambda: defaultdict(int)) for _ in range(order)]
        self.seen: set[str] = set()
        self.tail = ""

    def add(self, text: str) -> None:
        """Count ``text`` as the continuation of everything added before."""
        h, m = self.tail, self.order
        for ch in text:
            h = (h + ch)[-(m + 1):]
            if len(h) == m + 1:
                self.raw[h[:-1]][ch] += 1
            for k in range(min(m, len(h) - 1)):  # the gram of a k-character context and one character before it
                gram = h[-(k + 2):]
                if gram not in self.seen:
                    self.seen.add(gram)
                    self.cont[k][gram[1:-1]][ch] += 1
        self.tail = h

    def longest(self, context: str) -> tuple[int, int]:
        """The longest context length seen before the end of ``context``, and how often it was seen."""
        for k in range(min(self.order, len(context)), 0, -1):
            table = (self.raw if k == self.order else self.cont[k]).get(context[len(context) - k:])
            if table:
                return k, sum(table.values())
        return 0, 0

    def prob(self, context: str, ch: str) -> float:
        """p(ch | the last ``order`` characters of ``context``)."""
        p = 1.0 / self.symbols
        for k in range(min(self.order, len(context)) + 1):
            table = (self.raw if k == self.order else self.cont[k]).get(context[len(context) - k:] if k else "")
            if table:
                total = sum(table.values())
                p = (max(table.get(ch, 0) - self.discount, 0) + self.discount * len(table) * p) / total
        return p


def ngram_probs(train: str, scored: str, order: int, symbols: int, discount: float,
                adaptive: bool) -> tuple[list[float], list[tuple[int, int]]]:
    """The n-gram's probability of each character of ``scored`` after ``train``, and the bucket of each: the
    longest context seen and log2 of its count (at most 6)."""
    kn = KneserNey(order, symbols, discount)
    kn.add(train)
    context, out, buckets = train[-order:], [], []
    for ch in scored:
        out.append(kn.prob(context, ch))
        k, count = kn.longest(context)
        buckets.append((k, min(int(math.log2(count + 1)), 6)))
        context = (context + ch)[-order:]
        if adaptive:
            kn.add(ch)
    return out, buckets


def nats(p: list[float]) -> float:
    return -sum(math.log(x) for x in p) / len(p)


def mixed(p_lm: list[float], p_ng: list[float], lam: float) -> list[float]:
    return [(1 - lam) * a + lam * b for a, b in zip(p_lm, p_ng, strict=True)]


def bucketed(p_lm: list[float], p_ng: list[float], buckets: list[tuple[int, int]], half: int) -> list[float]:
    """The mixture with one weight per bucket, each chosen on the first ``half`` characters (0.15 for a bucket
    never met there)."""
    members: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(half):
        members[buckets[i]].append(i)
    weight = {}
    for b, idx in members.items():
        lm, ng = [p_lm[i] for i in idx], [p_ng[i] for i in idx]
        weight[b] = min((0.0, *LAMBDAS, 0.5, 0.6), key=lambda w: nats(mixed(lm, ng, w)))  # noqa: B023 (used at once)
    w = [weight.get(b, 0.15) for b in buckets]
    return [(1 - x) * a + x * c for a, c, x in zip(p_lm, p_ng, w, strict=True)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run", help="a charlm run directory (its best/ is loaded)")
    p.add_argument("--text", required=True, help="the text file the run trained on (validation = its last part)")
    p.add_argument("--order", default="7", help="longest contexts, comma-separated")
    p.add_argument("--discount", type=float, default=0.75, help="the Kneser-Ney discount (default %(default)s)")
    p.add_argument("--primed", action="store_true", help="also the model whose memory first read the training text")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    lm = rnnkit.load(a.run)
    full = open(a.text, encoding="utf-8").read()
    cut = _split_point(len(full), lm.checkpoint.config["settings"]["val_fraction"])
    train, val = full[:cut], full[cut:]
    if text_digest(lm.vocab.encode_tensor(val, warn=False)) != lm.checkpoint.config.get("val_digest"):
        raise SystemExit(f"{a.text}: its validation part is not the text {a.run} validated on")
    context, targets, known = lm.scoring_ids(val)
    if not bool(known.all()):
        raise SystemExit(f"{a.text}: its validation part has characters outside the model's vocabulary")
    with torch.no_grad():
        p_lm = sequence_log_probs(lm.model, context, targets).double().exp().tolist()
    half = len(val) // 2
    print(f"model alone: {nats(p_lm):.4f} nats/char over {len(val):,} characters, second half {nats(p_lm[half:]):.4f}")
    if a.primed:
        match.BLOCK = len(full)  # module-level, read when a stream's memory is made
        context, targets, _ = lm.scoring_ids(full)
        with torch.no_grad():
            primed = sequence_log_probs(lm.model, context, targets)[cut:].double().exp().tolist()
        match.BLOCK = BLOCK
        print(f"memory primed with the {cut:,} training characters: {nats(primed):.4f}, second half "
              f"{nats(primed[half:]):.4f}", flush=True)
    for order in (int(x) for x in a.order.split(",")):
        for adaptive in (False, True):
            t = time.perf_counter()
            p_ng, buckets = ngram_probs(train, val, order, len(lm.vocab), a.discount, adaptive)
            lam = min(LAMBDAS, key=lambda w: nats(mixed(p_lm[:half], p_ng[:half], w)))
            print(f"order {order}, {'adaptive' if adaptive else 'static'}: n-gram alone {nats(p_ng):.4f}; mixed with "
                  f"lam {lam:g} (chosen on the first half): second half {nats(mixed(p_lm, p_ng, lam)[half:]):.4f}, "
                  f"whole text {nats(mixed(p_lm, p_ng, lam)):.4f}; a weight per bucket: second half "
                  f"{nats(bucketed(p_lm, p_ng, buckets, half)[half:]):.4f} [{time.perf_counter() - t:.0f} s]",
                  flush=True)


if __name__ == "__main__":
    main()
