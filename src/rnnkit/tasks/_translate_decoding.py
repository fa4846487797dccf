"""The translator's decoding and scoring: greedy decoding in batches, the decoding options (:class:`Decoding`, with
:class:`Sampling` where each token is drawn) and their checks, the length limit of a hypothesis, ``<unk>`` replaced
from the source, and sacreBLEU's BLEU and chrF (which the captioner's BLEU uses too; it decodes in
:mod:`rnnkit.tasks._caption_decoding`).
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch

from rnnkit.data.tokenize import (
    _WORD,
    UNK_ID,
    pad_batch,
)
from rnnkit.device import model_device, to_device
from rnnkit.errors import (
    SettingError,
    check_count,
    check_finite,
    check_flag,
    warn,
)
from rnnkit.models.seq2seq import Hypothesis, Seq2Seq
from rnnkit.sampling import Sampling, check_beam_or_samples
from rnnkit.tasks._translate_config import OUTPUT_CAP
from rnnkit.train.building import MAX_DECODE_LENGTH
from rnnkit.wording import counted


def _greedy(model: Seq2Seq, srcs: Sequence[list[int]], a: float, b: int) -> list[Hypothesis]:
    out: list[Hypothesis] = []
    for start in range(0, len(srcs), 64):
        src, src_len = to_device(pad_batch(srcs[start:start + 64]), model_device(model))
        out.extend(model.greedy(src, src_len, _max_lengths(src_len, a, b, MAX_DECODE_LENGTH)))
    return out


#: the strongest length normalisation a beam search takes, either way (GNMT's alpha is 0 to 1): its penalty,
#: ((5 + length) / 6) ** alpha, overflowed a float at --alpha 1000 (OverflowError: 'Numerical result out of
#: range') and reached 0 at -1e23 (ZeroDivisionError), both tracebacks; at 10 it stays finite and above 0 for any
#: length a decoder writes
MAX_ALPHA = 10


def _check_decoding(max_len_a: float, max_len_b: int, no_repeat_ngram: int, alpha: float) -> tuple[int, int]:
    """Refuse decoding settings that would run without end or rank by NaN (one line naming the argument, or
    the flag on the command line); ``(max_len_b, no_repeat_ngram)`` as ints."""
    max_len_a = check_finite("max_len_a", max_len_a, "expected a finite number >= 0", 0.0)
    max_len_b = check_count("max_len_b", max_len_b, 0)
    if not max_len_a and not max_len_b:
        raise SettingError("max_len_a", max_len_a, "with max_len_b 0 too, the output limit (a × source tokens + b) "
                           "would be 0 tokens; one of the two must be > 0")  # the CLI names --max-len-a
    no_repeat_ngram = check_count("no_repeat_ngram", no_repeat_ngram, 0)
    if abs(check_finite("alpha", alpha, "expected a finite number")) > MAX_ALPHA:
        raise SettingError("alpha", alpha, f"expected a number from {-MAX_ALPHA} to {MAX_ALPHA} (GNMT's length "
                                           "normalisation: 0 is off, 0.6 to 1 usual)")
    return max_len_b, no_repeat_ngram



@dataclass(frozen=True)
class Decoding:
    """How a translator writes: the beam (1: greedy) and the hypotheses kept, the GNMT length normalisation
    ``alpha``, the output limit ``max_len_a`` × source tokens + ``max_len_b`` (which wins over ``min_len``, the
    tokens written before an end is allowed), n-grams never repeated, and
    ``replace_unk`` (each ``<unk>`` written replaced by the source token its attention weighed most, as
    OpenNMT-py's ``-replace_unk``). :meth:`checked` refuses what would run without end or rank by NaN."""

    beam: int = 1
    n_best: int = 1
    alpha: float = 0.6
    max_len_a: float = 1.5
    max_len_b: int = 10
    no_repeat_ngram: int = 0
    replace_unk: bool = False
    min_len: int = 0
    sample: Sampling | None = None

    def checked(self) -> Decoding:
        """The same settings as Python numbers, each refused in one line naming it (the CLI names its flag)."""
        # Python ints: np.int64(2) made a report no JSON
        beam, n_best, sample = check_beam_or_samples(self.beam, self.n_best, self.sample)
        max_len_b, no_repeat_ngram = _check_decoding(self.max_len_a, self.max_len_b, self.no_repeat_ngram,
                                                     self.alpha)
        return Decoding(beam, n_best, float(self.alpha), float(self.max_len_a), max_len_b, no_repeat_ngram,
                        check_flag("replace_unk", self.replace_unk), check_count("min_len", self.min_len, 0), sample)

    def settings(self) -> dict[str, Any]:
        """The settings an evaluation reports beside its scores (``n_best`` does not change them)."""
        return {k: v for k, v in asdict(self).items() if k not in ("n_best", "sample")}


def beam_alpha(alpha: float | None, beam: object, sampling: Sampling | None) -> float:
    """The ``alpha`` a decoding ranks its beam by: the one given, or :class:`Decoding`'s for None (not given); one
    given where nothing is ranked, greedy decoding (a ``beam`` of 1) or ``sampling``, is said to go unused (a
    warning naming ``--alpha``, or ``alpha`` to a Python caller), as it did nothing."""
    if alpha is None:
        return Decoding.alpha
    if sampling is not None or beam == 1:
        warn(f"--alpha is the length normalisation of a beam search; "
             f"{'--sample' if sampling is not None else '--beam 1 (greedy)'} does not use it")
    return alpha


def replace_unknown(symbols: Sequence[str], ids: Sequence[int], sources: Sequence[int] | None,
                    source_tokens: Sequence[str]) -> list[str]:
    """``symbols`` (a hypothesis's target tokens) with each ``<unk>`` (id ``UNK_ID``) replaced by the source
    token at the position its attention weighed most (``sources``, one position a token)."""
    if sources is None:
        return list(symbols)
    return [source_tokens[at] if i == UNK_ID else s
            for s, i, at in zip(symbols, ids, sources, strict=True)]


def words_at(text: str, starts: Sequence[int]) -> list[str]:
    """For each offset of ``starts`` into ``text`` (where a source character or BPE piece begins), the word that
    holds it, as a word tokenizer splits ``text`` (a run of letters and digits, or of punctuation); an offset on
    a space gives the word after it (the one before it at the end of the text). What ``replace_unk`` copies
    from a source read as characters or BPE pieces: a word, not a letter, a piece or a space."""
    words = list(_WORD.finditer(text))
    if not words:
        return [text[at : at + 1] for at in starts]
    begins = [m.start() for m in words]
    found = []
    for at in starts:
        i = bisect_right(begins, at) - 1
        if i < 0 or at >= words[i].end():  # before the first word, or on the space after word i
            i = min(i + 1, len(words) - 1)
        found.append(words[i].group())
    return found


DECODED_ROWS = 1024  # rows a batch of beam search or sampling decodes at once (each source's beam or samples)


def sources_per_batch(rows_each: int, most: int = 64) -> int:
    """How many sources a decoding batch takes when each is ``rows_each`` rows (a beam's width, or the samples
    drawn of it): ``most``, fewer where they would pass :data:`DECODED_ROWS` (one at least). 64 sources of 10,000
    samples each were one batch of 640,000 rows, every one carrying its decoder state and attention."""
    return max(1, min(most, DECODED_ROWS // max(rows_each, 1)))


def _max_lengths(src_len: torch.Tensor, a: float, b: int, cap: int | torch.Tensor) -> torch.Tensor:
    """``a * src_len + b`` tokens for each source, from 1 to ``cap`` (one for all, or one per source; clamped
    in float64 before the cast, so a limit of 1e18 is ``cap``, not an overflow to a negative length; a ``b`` past
    float64, or past int64 (``--max-len-b 99999999999999999999999``: torch's "int too big to convert" traceback),
    is float64's largest, which any ``cap`` is below)."""
    limit = (a * src_len.double() + float(min(b, torch.finfo(torch.float64).max))).floor().clamp(min=1)
    return limit.minimum(torch.as_tensor(cap, dtype=torch.float64)).long()


def reached_limit(nbests: Sequence[Sequence[Hypothesis]], every: bool = False) -> int:
    """How many of a batch's best hypotheses (with ``every``, of all its hypotheses: drawn samples, each a
    translation a user gets) were cut at their row's length limit: the model's next token there was not its end
    (:attr:`~rnnkit.models.seq2seq.Hypothesis.cut`; one whose own end came just at the limit is whole)."""
    return sum(sum(h.cut for h in (hyps if every else hyps[:1])) for hyps in nbests)


def counts_every_sample(decoding: Decoding) -> bool:
    """Whether each hypothesis of a source is a translation of its own (several drawn samples, each printed), not
    the alternatives of a beam below its best."""
    return decoding.sample is not None and decoding.n_best > 1


def warn_cut(cut: int, sources: int, decoding: Decoding) -> None:
    """Say that ``cut`` of the translations of ``sources`` texts (each drawn sample of them, where several are:
    :func:`counts_every_sample`) reached the output limit and end there (a translation stopped at 13 tokens had
    read as finished), and which flags raise it; nothing where none did."""
    limit = (f"{decoding.max_len_a:g} × source tokens + {decoding.max_len_b}, at most {OUTPUT_CAP} × the longer of "
             "the source and the training --max-len")
    warn_reached_limit(cut, sources, decoding.n_best if counts_every_sample(decoding) else 1, "translation", limit,
                       "--max-len-a and --max-len-b raise it")


def warn_reached_limit(cut: int, sources: int, drawn: int, noun: str, limit: str, remedy: str) -> None:
    """Say once that ``cut`` of the outputs (``noun``: translations, captions) of ``sources`` inputs, each
    ``drawn`` samples of them where more than one is drawn, reached the output ``limit`` and end there with no
    end of the model's (they had read as finished), and ``remedy``, what raises it; nothing where none did."""
    if not cut:
        return
    total = counted(sources * drawn, f"sampled {noun}") if drawn > 1 else counted(sources, noun)
    warn(f"{cut} of {total} reached the output limit ({limit}) and {'were' if cut != 1 else 'was'} cut there, "
         f"with no end written by the model; {remedy}")


def sacre_scores(hyps: Sequence[str], refs: Sequence[str], *more_refs: Sequence[str]) -> dict[str, Any]:
    """Corpus BLEU and chrF (sacrebleu, its default settings) against one reference per hypothesis, or several
    (``more_refs``: further reference streams), and their sacreBLEU signatures (``bleu_signature``,
    ``chrf_signature``: how each was computed, for a paper's table); all None when sacrebleu is not installed."""
    try:
        from sacrebleu.metrics import BLEU, CHRF
    except ImportError:
        return {"bleu": None, "chrf": None, "bleu_signature": None, "chrf_signature": None}
    streams = [list(refs), *(list(r) for r in more_refs)]
    bleu, chrf = BLEU(), CHRF()
    return {"bleu": float(bleu.corpus_score(list(hyps), streams).score),
            "chrf": float(chrf.corpus_score(list(hyps), streams).score),
            "bleu_signature": str(bleu.get_signature()), "chrf_signature": str(chrf.get_signature())}


def warn_rewritten(given: Sequence[str], refs: Sequence[str], kind: str, outputs: str = "translations",
                   rewriting: str = "split at punctuation") -> None:
    """Warn that references were scored as the model writes them (:func:`written_form`), not as the file has
    them: NFC-normalised, and word tokens split at punctuation (``well-known`` as ``well - known``; a captioner's
    also lower-cased: ``rewriting`` says how). The exact match, BLEU and chrF are of those, under sacreBLEU's
    signatures, so sacrebleu on the file's references gave another figure for the same ``outputs`` with no word of
    why (docs/TRANSLATE.md said it; the run did not)."""
    changed = [(g, r) for g, r in zip(given, refs, strict=True) if g != r]
    if not changed:
        return
    split = next(((g, r) for g, r in changed if unicodedata.normalize("NFC", g) != r), None)
    how = (f"{rewriting}, e.g. {split[0]!r} as {split[1]!r}" if split else
           "NFC-normalised: characters typed decomposed, as a Mac types Hangul and accents, composed")
    warn(f"{len(changed)} of {counted(len(refs), 'reference')} were scored as the model's {kind} tokens write them "
         f"({how}), not as the file has them: sacrebleu on the file's references can score the same "
         f"{outputs} otherwise")


def warn_short_bleu(hyps: Sequence[str], bleu: float | None, outputs: str = "translation") -> None:
    """Warn that a BLEU of 0 says nothing of ``hyps`` when none of them is 4 tokens long: sacreBLEU's BLEU is the
    geometric mean of the 1- to 4-gram precisions over its 13a tokens (words and punctuation), so outputs that hold
    no 4-gram score 0 however right they are (``80 pairs: BLEU 0.00, chrF 100.00, exact match 1.0000`` for
    Korean numbers written without spaces read as a bug). sacreBLEU says nothing of it; the score stays its."""
    if bleu != 0.0 or not hyps:
        return
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a  # bleu is 0.0, not None: sacrebleu is there
    tokens = Tokenizer13a()
    if any(len(tokens(h).split()) >= 4 for h in hyps):
        return
    say_short_bleu(outputs)


def say_short_bleu(outputs: str = "translation") -> None:
    """The warning of :func:`warn_short_bleu`, for a BLEU of 0 known to come of outputs shorter than 4 tokens (a
    training run's closing line: :func:`rnnkit.tasks.translate.decoder_report`)."""
    warn(f"BLEU is 0 because no {outputs} is 4 tokens long: sacreBLEU's BLEU multiplies the precisions of 1- to "
         "4-grams of its 13a tokens (words and punctuation; a text without spaces is one token), so outputs this "
         "short score 0 however right they are; chrF and exact match score them")
