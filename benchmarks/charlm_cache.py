"""How much would a memory of past text give a trained character model? (run by hand; docs/CHARLM.md)

Two memories, neither built into rnnkit, mixed with the model's own probability p_LM of each character:

- **The text's own past** (the continuous cache of Grave et al., ICLR 2017): the state after each earlier
  character of the scored text is a key, the character that followed it the value; the next character
  gets ``p_cache(c) = sum of softmax(theta * h_t . h_i) over the earlier positions i followed by c``, and
  the score is ``(1 - lam) p_LM + lam p_cache``. The weights never change, but the model does use the
  text it scores, as dynamic evaluation does (Krause et al. 2018 compare the two as ways to adapt).
- **The training text** (kNN-LM, Khandelwal et al., ICLR 2020): the same keys and values over the
  training text, the 64 nearest keys by L2 distance with weights ``softmax(-d / (temp * median d_1))``.
  It uses nothing of the scored text, so it is a static model. Needs ``pip install faiss-cpu``.

The scored text is the run's validation split, read as one stream from a newline, as ``rnnkit score
--file`` reads it. Settings are chosen on one text and applied to another, never chosen on the text
scored. The training text must be the file the run trained on (its digest is checked).

    python benchmarks/charlm_cache.py RUN --text shakes1m.txt --theta 1 --lam 0.35 --dynamic-lam 0.2 --knn
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import re
import time

import torch
from torch import Tensor

import rnnkit
from rnnkit.models.dynamic_eval import RMS_DECAY, RMS_LR, dynamic_log_probs
from rnnkit.models.language_model import sequence_log_probs
from rnnkit.tasks.charlm import CharLM, _split_point, text_digest


def states(lm: CharLM, text: str, dynamic: bool) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The top layer's output after each character (N, H), the log-probability of each next character
    (N,), the next characters (N,) and which of them count (not unknown), reading ``text`` from a newline."""
    context, targets, known = lm.scoring_ids(text)
    hidden: list[Tensor] = []
    hook = lm.model.head.register_forward_hook(lambda m, i, o: hidden.append(i[0].detach()[:, 0].float()))
    try:
        if dynamic:
            logp = dynamic_log_probs(lm.model, context, targets, lr=RMS_LR, rms=lm.dynamic_rms, decay=RMS_DECAY)
        else:
            logp = sequence_log_probs(lm.model, context, targets)
    finally:
        hook.remove()
    return torch.cat(hidden)[: len(targets)], logp, targets, known


def cache_probs(h: Tensor, targets: Tensor, theta: float, chunk: int = 1024) -> Tensor:
    """p_cache of each true next character from all earlier positions of the same text (0 for the first)."""
    n = len(targets)
    out = torch.zeros(n)
    for s in range(1, n, chunk):
        e = min(s + chunk, n)
        scores = theta * (h[s:e] @ h[:e].T)
        later = torch.arange(e)[None, :] >= torch.arange(s, e)[:, None]
        w = torch.softmax(scores.masked_fill(later, -math.inf), -1)
        out[s:e] = (w * (targets[None, :e] == targets[s:e, None])).sum(1)
    return out


def knn_probs(h: Tensor, targets: Tensor, keys: Tensor, values: Tensor, temps: list[float],
              k: int = 64) -> dict[float, Tensor]:
    """p_kNN of each true next character from the ``k`` nearest training states (faiss IVF, 2,048 lists)."""
    import numpy as np

    try:
        import faiss
    except ImportError:
        raise SystemExit("--knn needs faiss: pip install faiss-cpu") from None

    faiss.omp_set_num_threads(torch.get_num_threads())
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(keys.shape[1]), keys.shape[1], 2048)
    xb = keys.numpy()
    index.train(xb[np.random.default_rng(0).choice(len(xb), min(len(xb), 100_000), replace=False)])
    index.add(xb)
    index.nprobe = 32
    d, i = index.search(h.numpy(), k)
    d, i = torch.from_numpy(d), torch.from_numpy(i).long()
    match = (values[i.clamp(min=0)] == targets[:, None]) & (i >= 0)
    d1 = float(d[:, 0].median())
    return {t: (torch.softmax(-d / (t * d1), -1) * match).sum(1) for t in temps}


def nats(p: Tensor, known: Tensor) -> float:
    """Mean negative log of ``p`` over the ``known`` positions (NaN for none)."""
    return float(-torch.log(p[known]).double().mean())


def speaker_lines(text: str, n: int) -> Tensor:
    """Which of the ``n`` targets lie in a speaker line (``NAME:`` on its own line), its newline included."""
    mask = torch.zeros(n, dtype=torch.bool)
    for m in re.finditer(r"^[A-Z][A-Z .,'&-]*:\n", text, flags=re.M):
        mask[m.start():min(m.end(), n)] = True
    return mask


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run", help="a charlm run directory (its best/ is loaded)")
    p.add_argument("--text", required=True, help="the text file the run trained on (validation = its last part)")
    p.add_argument("--theta", default="0.7,1,1.4", help="cache flatness values, comma-separated")
    p.add_argument("--lam", default="0.2,0.3,0.35,0.4", help="cache weights, comma-separated")
    p.add_argument("--dynamic-lam", default="0.1,0.2,0.3",
                   help="cache weights beside dynamic evaluation ('' for none: no dynamic evaluation)")
    p.add_argument("--knn", action="store_true", help="also the training text's memory (needs faiss-cpu)")
    p.add_argument("--knn-temp", default="1,2,4", help="kNN temperatures, times the median nearest distance")
    p.add_argument("--knn-lam", default="0.2,0.3,0.4", help="kNN weights, comma-separated")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    a = p.parse_args()
    if a.knn and importlib.util.find_spec("faiss") is None:   # said before minutes of the other measurements
        raise SystemExit("--knn needs faiss: pip install faiss-cpu")
    torch.set_num_threads(a.threads)
    floats = lambda s: [float(x) for x in s.split(",")]  # noqa: E731
    lm = rnnkit.load(a.run)
    full = open(a.text, encoding="utf-8").read()
    settings = lm.checkpoint.config["settings"]
    cut = _split_point(len(full), settings["val_fraction"])
    val = full[cut:]
    if text_digest(lm.vocab.encode_tensor(val, warn=False)) != lm.checkpoint.config.get("val_digest"):
        raise SystemExit(f"{a.text}: its validation part is not the text {a.run} validated on")
    t = time.perf_counter()
    h, logp, targets, known = states(lm, val, dynamic=False)
    speaker = speaker_lines(val, len(targets))
    p_lm = logp.exp()
    print(f"static: {nats(p_lm, known):.4f} nats/char over {int(known.sum()):,} characters "
          f"(speaker lines {nats(p_lm, known & speaker):.4f}, {int((known & speaker).sum()):,} chars; "
          f"the rest {nats(p_lm, known & ~speaker):.4f}) [{time.perf_counter() - t:.0f} s]", flush=True)
    for theta in floats(a.theta):
        t = time.perf_counter()
        pc = cache_probs(h, targets, theta)
        for lam in floats(a.lam):
            mix = (1 - lam) * p_lm + lam * pc
            print(f"cache theta {theta:g} lam {lam:g}: {nats(mix, known):.4f} (speaker lines "
                  f"{nats(mix, known & speaker):.4f}, the rest {nats(mix, known & ~speaker):.4f}) "
                  f"[{time.perf_counter() - t:.0f} s]", flush=True)
    if a.dynamic_lam:
        t = time.perf_counter()
        hd, logpd, _, _ = states(lm, val, dynamic=True)
        pd = logpd.exp()
        print(f"dynamic: {nats(pd, known):.4f} [{time.perf_counter() - t:.0f} s]", flush=True)
        for theta in floats(a.theta):
            pc = cache_probs(hd, targets, theta)
            for lam in floats(a.dynamic_lam):
                print(f"dynamic + cache theta {theta:g} lam {lam:g}: {nats((1 - lam) * pd + lam * pc, known):.4f}",
                      flush=True)
    if a.knn:
        t = time.perf_counter()
        keys, _, values, _ = states(lm, full[:cut], dynamic=False)
        found = knn_probs(h, targets, keys, values, floats(a.knn_temp))
        print(f"kNN datastore of {len(values):,} states [{time.perf_counter() - t:.0f} s]", flush=True)
        for temp, pk in found.items():
            for lam in floats(a.knn_lam):
                mix = (1 - lam) * p_lm + lam * pk
                print(f"kNN temp {temp:g} lam {lam:g}: {nats(mix, known):.4f}", flush=True)
        theta, temp = floats(a.theta)[0], floats(a.knn_temp)[0]
        pc = cache_probs(h, targets, theta)
        for lc in floats(a.lam):
            for lk in floats(a.knn_lam):
                mix = (1 - lc - lk) * p_lm + lc * pc + lk * found[temp]
                print(f"cache theta {theta:g} lam {lc:g} + kNN temp {temp:g} lam {lk:g}: {nats(mix, known):.4f}")


if __name__ == "__main__":
    main()
