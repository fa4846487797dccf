"""Drawing the next token from a model's scores: temperature, top-k and nucleus (top-p) sampling, as Hugging Face's
``generate`` applies them, shared by the language model's ``sample`` and the translator's and captioner's
``--sample``.

- :func:`choose`: one token id from a row of scores (temperature 0, or one so low that the scores overflow: the
  most likely).
- :func:`nucleus`: the indices of the nucleus of a row (Holtzman et al. 2020).
- :func:`draw`: one index drawn with probability softmax(logits), by one uniform number and its generator.
- :func:`check_sampling`: the settings checked in one line each, naming them.
- :class:`Sampling`: a decoder's settings for drawing each token (the translator's and the captioner's
  ``--sample``), and :func:`warn_unused_sampling` for settings given without it (:func:`warn_greedy`: at
  temperature 0); their flags
  (:func:`add_sampling_arguments`, :func:`sampling_from`).
"""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.errors import (
    MAX_BEAM,
    SettingError,
    check_beam,
    check_count,
    check_finite,
    check_flag,
    check_seed,
    report_warnings,
    warn,
)
from rnnkit.wording import listed

__all__ = ["Sampling", "add_sampling_arguments", "check_beam_or_samples", "check_sampling", "choose", "draw", "nucleus",
           "sampling_from", "sampling_of", "warn_greedy", "warn_unused_sampling"]


def choose(scores: Tensor, temperature: float, top_k: int | None, top_p: float,
           generator: torch.Generator | None) -> int:
    """One token id from the 1-D ``scores`` (logits or log-probabilities; ``-inf`` is never chosen unless
    everything is): the most likely at ``temperature`` 0, else drawn from softmax(scores / temperature) among the
    ``top_k`` most likely, then among the nucleus of ``top_p`` (each after the temperature, as Hugging Face's
    ``generate`` applies them)."""
    scaled = scores / temperature if temperature > 0 else None
    if scaled is not None:  # a temperature beyond float32's range divides a blocked -inf into NaN: it stays out
        scaled = scaled.masked_fill(scores == float("-inf"), float("-inf"))
    if scaled is None or not scaled.max().isfinite():  # a temperature so low that the scores overflow: greedy
        return int(scores.argmax())
    values, indices = scaled, None
    if top_k is not None and 0 < top_k < scaled.numel():
        values, indices = scaled.topk(top_k)
    if top_p < 1.0:
        kept = nucleus(values, top_p)
        values, indices = values[kept], kept if indices is None else indices[kept]
    return draw(values, generator) if indices is None else int(indices[draw(values, generator)])


def nucleus(logits: Tensor, top_p: float) -> Tensor:
    """The indices of the nucleus of softmax(``logits``) (Holtzman et al. 2020, "The Curious Case of Neural
    Text Degeneration"): the most likely tokens, most likely first, until their probabilities sum to at least
    ``top_p`` (the token that reaches it kept; always at least one), as Hugging Face's ``TopPLogitsWarper``."""
    probs, order = F.softmax(logits.float(), -1).sort(descending=True)
    before = probs.cumsum(0) - probs  # the probability of the tokens more likely than each
    return order[: max(1, int((before < top_p).sum()))]


def draw(logits: Tensor, generator: torch.Generator | None) -> int:
    """One index drawn with probability softmax(logits): inverse CDF of one uniform number (cheaper per
    call than torch.multinomial, and reproducible with the same generator). A uniform number of exactly 0 (one in
    2**24) is read as the smallest above it, so a first index of probability 0 is never drawn."""
    cdf = F.softmax(logits, -1).cumsum_(0)
    u = (torch.rand(1, generator=generator) * cdf[-1]).clamp_(min=torch.finfo(cdf.dtype).tiny)
    return min(int(torch.searchsorted(cdf, u)), logits.numel() - 1)


def check_sampling(temperature: float, top_k: int | None, top_p: float,
                   seed: int | None) -> tuple[float, int | None, float, int | None]:
    """The sampling settings as Python numbers, each refused in one line naming it: a temperature from 0 (the
    most likely token), ``top_k`` from 1 or None, ``top_p`` above 0 and at most 1 (1: off), any seed torch takes
    or None."""
    temperature = check_finite("temperature", temperature, "expected a finite number >= 0 (0 = greedy)", 0.0)
    if top_k is not None:
        top_k = check_count("top_k", top_k, 1)
    expected = "expected a probability above 0, at most 1 (1 = off)"
    if not 0.0 < check_finite("top_p", top_p, expected) <= 1.0:
        raise SettingError("top_p", top_p, expected)
    if seed is not None:
        seed = check_seed("seed", seed)
    return float(temperature), top_k, float(top_p), seed


@dataclass(frozen=True)
class Sampling:
    """How an encoder-decoder draws each token from its distribution instead of taking the most likely (the
    translator's and the captioner's ``--sample``; Hugging Face's ``do_sample``, fairseq's ``--sampling``,
    OpenNMT-py's ``-random_sampling_*``): at ``temperature``, among the ``top_k`` most likely and the nucleus of
    ``top_p`` (:func:`choose`); the same ``seed`` gives the same outputs (None: a new draw each time). Diverse
    outputs, as back-translation wants (Edunov et al. 2018)."""

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float = 1.0
    seed: int | None = None

    def checked(self) -> Sampling:
        """The same settings as Python numbers, each refused in one line naming it."""
        return Sampling(*check_sampling(self.temperature, self.top_k, self.top_p, self.seed))

    def chooser(self, banned: Sequence[int] = ()) -> Callable[[torch.Tensor], torch.Tensor]:
        """A function of a step's (rows, V) log-probabilities giving each row's token drawn, never one of
        ``banned``, with one generator for the whole call (drawn on the CPU: one seed, one text on any device)."""
        gen = torch.Generator().manual_seed(self.seed if self.seed is not None else secrets.randbits(63))

        def pick(logp: torch.Tensor) -> torch.Tensor:
            scores = logp.float().cpu()
            rows = scores.clone()
            rows[:, list(banned)] = float("-inf")
            stuck = torch.isneginf(rows.amax(-1))  # nothing else left to write (blocked n-grams, min_len)
            rows[stuck] = scores[stuck]
            return torch.tensor([choose(row, self.temperature, self.top_k, self.top_p, gen) for row in rows],
                                dtype=torch.long, device=logp.device)
        return pick


def warn_unused_sampling(temperature: float | None, top_k: int | None, top_p: float | None,
                         seed: int | None) -> None:
    """Warn that sampling settings given without ``--sample`` go unused (as Hugging Face's ``generate`` warns of
    a temperature without ``do_sample``): the most likely output is written, the same each time. None is a
    setting not given; any other value is named, also one equal to the default (``--temperature 1``)."""
    unused = [flag for flag, value in (("--temperature", temperature), ("--top-k", top_k), ("--top-p", top_p),
                                       ("--seed", seed)) if value is not None]
    if unused:
        warn(f"{listed(unused)} {'is' if len(unused) == 1 else 'are'} used only with --sample; without it "
             "the most likely output is written")


def warn_greedy(temperature: float, top_k: int | None, top_p: float, seed: int | None, unit: str = "token",
                copies: int = 1) -> None:
    """Warn that the settings of a draw go unused at ``temperature`` 0, which writes the most likely ``unit`` each
    time (as Hugging Face's ``generate`` warns of ``top_p`` without sampling): ``top_k``, a nucleus (``top_p``
    below 1), a ``seed`` (None: none given), and ``copies`` above 1 (``--n-best``), each the same output."""
    if temperature != 0:
        return
    unused = [f"{flag} {value:g}" for flag, value, used in (("--top-k", top_k, top_k is not None),
                                                            ("--top-p", top_p, top_p < 1.0)) if used]
    unused += [f"--seed {seed}"] if seed is not None else []
    said = [f"{listed(unused)} {'is' if len(unused) == 1 else 'are'} not used"] if unused else []
    said += [f"--n-best {copies} writes the same output {copies} times"] if copies > 1 else []
    if said:
        warn(f"--temperature 0 writes the most likely {unit} each time (greedy): {', and '.join(said)}")


def add_sampling_arguments(p: argparse.ArgumentParser, outputs: str, use: str) -> None:
    """The flags of :class:`Sampling` (``--sample``, ``--temperature``, ``--top-k``, ``--top-p``, ``--seed``), for
    a command that writes ``outputs``, diverse where ``use`` wants them."""
    p.add_argument("--sample", action="store_true",
                   help="draw each token from the model's distribution instead of taking the most likely (Hugging "
                        f"Face's do_sample, fairseq's --sampling): diverse {outputs}, as {use} wants; with "
                        "--n-best N, N samples of each, the most probable first")
    d = Sampling()  # the defaults are None, so a flag given (even at its default) is told from one not given
    p.add_argument("--temperature", type=float, default=None,
                   help=f"with --sample: softmax temperature, 0 = the most likely token (default {d.temperature:g})")
    p.add_argument("--top-k", type=int, default=None, help="with --sample: only among the k most likely tokens")
    p.add_argument("--top-p", type=float, default=None, metavar="P",
                   help=f"with --sample: nucleus sampling, only among the fewest most likely tokens whose "
                        f"probabilities reach P (default {d.top_p:g} = off)")
    p.add_argument("--seed", type=int, default=None, help=f"with --sample: random seed (same seed, same {outputs})")


def sampling_from(args: argparse.Namespace) -> Sampling | None:
    """The :class:`Sampling` of the flags of :func:`add_sampling_arguments` (a flag not given, None, is its
    default), or None without ``--sample``, where every one of them given is said to go unused, also at its
    default value (``--temperature 1``): :func:`sampling_of` of them."""
    return sampling_of(args.sample, args.temperature, args.top_k, args.top_p, args.seed)


def sampling_of(sample: object, temperature: float | None, top_k: int | None, top_p: float | None,
                seed: int | None) -> Sampling | None:
    """The :class:`Sampling` of ``sample=True`` and its settings (``--sample`` and its flags, or a Python call's
    keywords: None is a setting not given, which takes :class:`Sampling`'s default), or None without it, where
    every setting given is said to go unused, also one at its default value (``temperature=1``), as the command
    line says ``--temperature 1``."""
    if not check_flag("sample", sample):
        with report_warnings():
            warn_unused_sampling(temperature, top_k, top_p, seed)
        return None
    d = Sampling()
    return Sampling(d.temperature if temperature is None else temperature, top_k,
                    d.top_p if top_p is None else top_p, seed)


def check_beam_or_samples(beam: object, n_best: object, sampling: Sampling | None) -> tuple[int, int, Sampling | None]:
    """``(beam, n_best, sampling)`` checked, each refused in one line naming it: without sampling, ``n_best`` at
    most the beam (:func:`rnnkit.errors.check_beam`); with it, a beam of 1 and ``n_best`` samples of each source,
    and the sampling settings."""
    if sampling is None:
        return (*check_beam(beam, n_best), None)
    width = check_count("beam", beam, 1)
    if width != 1:
        raise SettingError("beam", width, "sampling draws one token at a time: expected 1 (--n-best N draws N samples)")
    n_best, sampling = check_count("n_best", n_best, 1, MAX_BEAM), sampling.checked()
    with report_warnings():
        warn_greedy(sampling.temperature, sampling.top_k, sampling.top_p, sampling.seed, copies=n_best)
    return 1, n_best, sampling
