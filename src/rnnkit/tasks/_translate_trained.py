"""A trained translator: :class:`Translator` (``rnnkit.load`` of a seq2seq run): ``translate`` and ``evaluate``.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rnnkit.data.batching import length_sorted_batches
from rnnkit.data.pairs import Pair, read_pairs
from rnnkit.data.tokenize import (
    UNK_ID,
    decode_ids,
    id_symbols,
    join_words,
    pad_batch,
    unknown_tokens,
    warn_unknown,
    written_form,
)
from rnnkit.device import model_device, to_device
from rnnkit.errors import (
    SettingError,
    UserError,
    check_filled,
    check_flag,
    check_texts,
    exact_str,
    refuse_empty_name,
)
from rnnkit.models.seq2seq import Hypothesis, Seq2Seq
from rnnkit.sampling import sampling_of
from rnnkit.tasks import speaks_python
from rnnkit.tasks._ensemble import ensemble_facts, joined, model_paths, reads_of, unattended
from rnnkit.tasks._translate_config import BIBLE, OUTPUT_CAP
from rnnkit.tasks._translate_data import _bible, _saved_tokenizers
from rnnkit.tasks._translate_decoding import (
    Decoding,
    _max_lengths,
    beam_alpha,
    counts_every_sample,
    reached_limit,
    replace_unknown,
    sacre_scores,
    sources_per_batch,
    warn_cut,
    warn_rewritten,
    warn_short_bleu,
    words_at,
)
from rnnkit.tasks._translate_scoring import score_pairs
from rnnkit.train.building import build_model, check_size, loaded_repr, saved_max_len
from rnnkit.train.checkpoint import Checkpoint, as_checkpoint
from rnnkit.train.provenance import warn_trained_on

#: why a translator has no attention to read (:func:`~rnnkit.tasks._ensemble.unattended`): return_attention,
#: replace_unk and --attention-png are refused so
UNATTENDED = "was trained with --attention none"


@speaks_python
class Translator:
    """A trained translator: ``translate()`` writes target text for source texts, ``evaluate()`` scores a
    pairs file (BLEU, chrF, exact match).

    Get one with ``rnnkit.load(DIR)``. ``model`` is the :class:`Seq2Seq` (eval mode); ``source`` and
    ``target`` are the two sides' tokenizers. :meth:`ensemble` joins other translators of the same tokenizers to
    it: ``rnnkit.load(A).ensemble(B, C)`` translates with the mean of the three models' predictions.
    """

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        ckpt = as_checkpoint(ckpt, "Translator")
        if ckpt.config.get("task") != "seq2seq":
            raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} model, not a translator")
        self.checkpoint = ckpt
        self.checkpoints = [ckpt]  # one per model of an ensemble
        self.source, self.target = _saved_tokenizers(ckpt)
        kwargs = ckpt.config.get("model")
        if not isinstance(kwargs, dict):
            raise UserError(f"{ckpt.path}/config.json: \"model\" must be an object of the model's settings")
        self.max_len = saved_max_len(ckpt, 100)
        self.model: Seq2Seq = build_model(lambda: Seq2Seq(**kwargs), ckpt)  # type: ignore[assignment]
        self.model.eval()
        check_size(ckpt, "the source vocabulary", self.source.vocab_size, "src_vocab")
        check_size(ckpt, "the target vocabulary", self.target.vocab_size, "tgt_vocab")

    def __repr__(self) -> str:
        return loaded_repr(self, self.checkpoint, self.model, source_vocab=self.source.vocab_size,
                           target_vocab=self.target.vocab_size, **ensemble_facts(self.checkpoints))

    def ensemble(self, *others: str | Path | Translator) -> Translator:
        """A translator that decodes with this model and ``others`` (model directories or translators) as one:
        at each step the next-token probabilities are the mean of the models' (:class:`Ensemble`; fairseq's
        ensembles, OpenNMT-py's ``-model A B``). This translator is left as it was.

        The models must have the same source and target tokenizers, as runs trained on the same data with the
        same tokenizer flags have (they may differ in seed, cell, size, depth and attention); another pair of
        tokenizers, or a model of another task, is refused naming its directory. A directory's model is read onto
        this translator's device; a translator on another device is refused. Decoding costs the sum of the
        models' time."""
        return joined(self, others, Translator, _tokenizers_differ)

    @property
    def reads(self) -> list[Any]:
        """The files this translator was read from (every model's, for an ensemble): outputs may not replace
        them."""
        return reads_of(self.checkpoints)

    def _encode_sources(self, texts: Sequence[str]) -> list[list[int]]:
        """Source ids of each whole text (the recurrent encoder reads any length, also beyond the ``--max-len``
        its training pairs were cut to); unknown tokens become ``<unk>`` and are named in one warning."""
        unknown: list[str] = []
        encoded = []
        for text in texts:
            ids = self.source.encode(text)
            if UNK_ID in ids:
                unknown.extend(unknown_tokens(self.source, text, ids))
            encoded.append(ids)
        if unknown:
            warn_unknown("source token", list(dict.fromkeys(unknown)), "the model", "read as <unk>")
        return encoded

    def translate(self, texts: str | Sequence[str], beam: int = 1, n_best: int = 1, max_len_a: float = 1.5,
                  max_len_b: int = 10, no_repeat_ngram: int = 0, alpha: float | None = None,
                  return_attention: bool = False, replace_unk: bool = False, min_len: int = 0,
                  sample: bool = False, temperature: float | None = None, top_k: int | None = None,
                  top_p: float | None = None, seed: int | None = None) -> Any:
        """Translate one text (a result) or a list (a list of results).

        A result is the translation as a string; with ``n_best > 1`` or ``return_attention`` it is a dict:
        ``translation``, ``n_best`` (``text``, ``log_prob``, ``score`` each), and with attention
        ``attention`` (one row of weights over the source tokens per target token), ``source_tokens`` and
        ``target_tokens``. ``beam=1`` is greedy; a longer output than ``max_len_a * source tokens +
        max_len_b`` is cut (and than :data:`OUTPUT_CAP` times the longer of the source and the target length
        the model trained on); the source is read whole, also beyond the model's ``max_len``;
        ``no_repeat_ngram=n`` never repeats an n-gram; ``alpha`` is the GNMT length normalisation of the
        beam's ranking; ``replace_unk`` writes, for each ``<unk>`` of a word-level target, the source token
        the attention weighed most (OpenNMT-py's ``-replace_unk``; from a source of characters or BPE pieces,
        the word holding it); ``min_len`` tokens are written before an end is allowed (the output limit wins).
        ``return_attention`` of a model without attention is refused, as ``--attention-png`` is.
        ``alpha`` (None: 0.6) given where nothing is ranked, to greedy decoding (``beam=1``) or to sampling, is
        warned of, as ``rnnkit translate --alpha`` is.

        ``sample=True`` draws each token instead (:class:`Sampling`: ``temperature``, default 1, ``top_k``,
        ``top_p``, default 1, the same ``seed`` the same translations); ``beam`` must then be 1, and ``n_best``
        draws that many samples of each text, the most probable first. Without it, any of those given (also at its
        default) is warned of, as ``rnnkit translate --temperature 1`` is.
        """
        sampling = sampling_of(sample, temperature, top_k, top_p, seed)
        decoding = Decoding(beam, n_best, beam_alpha(alpha, beam, sampling), max_len_a, max_len_b, no_repeat_ngram,
                            replace_unk, min_len, sampling)
        if check_flag("translate: return_attention", return_attention) and self.model.attention is None:
            why = unattended(self.checkpoints, UNATTENDED)  # as --attention-png is refused
            raise SettingError("return_attention", True, f"{why}; there is no attention to return")
        return self._translate(texts, decoding, return_attention)

    def _translate(self, texts: str | Sequence[str], decoding: Decoding, return_attention: bool,
                   as_dict: bool | None = None) -> Any:
        """:meth:`translate`; ``as_dict=True`` gives dicts also without attention (``rnnkit translate``, whose
        attention, a row of Python floats per source token for each output token, took 8 GB and more for a
        line of 20,000 characters, is kept only for ``--attention-png``)."""
        single = isinstance(texts, str)
        items = [exact_str(texts)] if single else check_texts("translate", texts)  # a Path: not iterable
        d = decoding.checked()
        if d.replace_unk:
            self._check_replace_unk()
        if single and not texts.strip():
            raise UserError(f"an empty text {texts!r}; give the text to translate")
        check_filled(items, "translate")
        as_dict = d.n_best > 1 or return_attention if as_dict is None else as_dict
        encoded = self._encode_sources(items)
        # a drawn <unk> is noise (every character and BPE piece of the targets has its own id), kept only where
        # replace_unk writes a source word for it; rnnkit sample never writes it either
        pick = d.sample.chooser(() if d.replace_unk else (UNK_ID,)) if d.sample is not None else None
        results: dict[int, Any] = {}
        cut = 0
        # up to 64 sources of similar lengths (fewer of a wide beam or of many samples each: sources_per_batch), as many
        # times the training --max-len tokens once padded (a longer one alone): one long line of a file padded the 63
        # beside it, which decoded on, finished, for as long as it ran
        per_batch = sources_per_batch(d.n_best if d.sample is not None else d.beam)
        for batch in length_sorted_batches(encoded, per_batch, per_batch * self.max_len):
            src, src_len = to_device(pad_batch([encoded[i] for i in batch]), model_device(self.model))
            # the model learnt targets of at most max_len tokens: a limit far above that (or above a longer
            # source) only lets a translation that never writes </s> run on (an hour for a limit of 1e12)
            max_len = _max_lengths(src_len, d.max_len_a, d.max_len_b, OUTPUT_CAP * src_len.clamp(min=self.max_len))
            if d.sample is not None:
                nbests = self.model.samples(src, src_len, max_len, d.n_best, pick, d.no_repeat_ngram, return_attention,
                                            d.replace_unk, d.min_len)
            elif d.beam == 1:
                nbests = [[h] for h in self.model.greedy(src, src_len, max_len, d.no_repeat_ngram, return_attention,
                                                         d.replace_unk, d.min_len)]
            else:
                nbests = self.model.beam_search(src, src_len, max_len, d.beam, d.n_best, d.alpha, d.no_repeat_ngram,
                                                return_attention, d.replace_unk, d.min_len)
            cut += reached_limit(nbests, counts_every_sample(d))
            for i, hyps in zip(batch, nbests, strict=True):
                results[i] = self._result(items[i], hyps, as_dict, return_attention)
        warn_cut(cut, len(items), d)
        return results[0] if single else [results[i] for i in range(len(items))]

    def _check_replace_unk(self) -> None:
        """Refuse ``replace_unk`` where it cannot act: no attention to read, or a target that never writes
        ``<unk>`` (characters and BPE pieces: every one of the training targets has its own id)."""
        if self.model.attention is None:
            why = unattended(self.checkpoints, UNATTENDED)
            raise SettingError("replace_unk", True, f"{why}; it finds the source token to copy by the attention")
        if self.target.kind != "word":
            raise SettingError("replace_unk", True, f"the target side is {self.target.kind} tokens, and every one "
                                                    "in the training targets has its own id, so the model never "
                                                    "writes <unk>; it applies to word-level targets (--tokenizer "
                                                    "word)")

    def _text(self, text: str, hyp: Hypothesis) -> str:
        """The target text of ``hyp``, its ``<unk>`` replaced from ``text`` when it carries source positions."""
        if hyp.sources is None:
            return decode_ids(self.target, hyp.tokens)
        symbols = replace_unknown(id_symbols(self.target, hyp.tokens), hyp.tokens, hyp.sources,
                                  self._source_words(text))
        return join_words(symbols)

    def _source_words(self, text: str) -> list[str]:
        """For each source position the encoder read, the word ``replace_unk`` copies from it: a word source's
        token itself; for a source of characters or BPE pieces, the word holding it (:func:`words_at`), so an
        ``<unk>`` becomes ``1999`` or ``Zoë``, not ``9``, ``Zo`` or a space."""
        if self.source.kind == "word":
            return self.source.tokens(text)
        text = unicodedata.normalize("NFC", text)  # the text both read, which BPE's offsets and the words index
        if self.source.kind == "bpe":
            pieces = self.source.tokenizer.encode(text)  # type: ignore[union-attr]
            return words_at(text, [start for start, _ in pieces.offsets])
        return words_at(text, range(len(text)))

    def _result(self, text: str, hyps: list[Hypothesis], as_dict: bool, with_attention: bool) -> Any:
        best = self._text(text, hyps[0])
        if not as_dict:
            return best
        out: dict[str, Any] = {"source": text, "translation": best, "n_best": [
            {"text": self._text(text, h), "log_prob": h.log_prob, "score": h.score} for h in hyps]}
        if with_attention:
            out["attention"] = hyps[0].attention
            out["source_tokens"] = self.source.tokens(text)
            out["target_tokens"] = [*id_symbols(self.target, hyps[0].tokens), "</s>"]
        return out

    def evaluate(self, pairs_file: str | Path | Sequence[Pair], beam: int = 1, *, alpha: float | None = None,
                 max_len_a: float = 1.5, max_len_b: int = 10, no_repeat_ngram: int = 0,
                 replace_unk: bool = False, min_len: int = 0) -> dict[str, Any]:
        """Translate the sources of a pairs file (or of a list of pairs; ``"bible-en-es"``: its test split), decoding
        as :meth:`translate` does with the same settings, and compare with the targets: ``bleu`` and ``chrf``
        (sacrebleu; None without it) with ``bleu_signature`` and ``chrf_signature`` (sacreBLEU's: how each was
        computed), ``exact_match`` (share of translations equal to their reference), ``pairs`` (and ``count``, the
        same number, as every task's evaluation names it), ``beam``, ``decoding`` (the settings used) and ``models``
        (the model directory, or each of an ensemble's)."""
        return self._evaluate(pairs_file, Decoding(beam, 1, beam_alpha(alpha, beam, None), max_len_a, max_len_b,
                                                   no_repeat_ngram, replace_unk, min_len))

    def score(self, pairs: str | Path | Sequence[Pair]) -> list[dict[str, Any]]:
        """The model's log-probability of each given translation: a pairs file (or a list of (source, target)
        pairs; ``"bible-en-es"``: its test split) read with teacher forcing, each target token after the source
        and the tokens before it (OpenNMT-py's ``-tgt`` gold scores, fairseq's ``--score-reference``; an
        ensemble's, the mean of its models' probabilities). Each result: ``source``, ``target``, ``log_prob``
        (natural log, the end of the target included), ``tokens`` (the target's, plus the end) and
        ``perplexity`` (exp(-log_prob / tokens)). Rank parallel data, filter it, or compare models on references
        without decoding."""
        items = _evaluation_pairs(pairs, "score")
        return score_pairs(self.model, self._encode_sources([s for s, _ in items]), self.target, items,
                           self.max_len)

    def _evaluate(self, pairs_file: str | Path | Sequence[Pair], decoding: Decoding) -> dict[str, Any]:
        """:meth:`evaluate` with its settings as one :class:`Decoding` (``rnnkit evaluate``'s flags)."""
        d = decoding.checked()
        pairs = _evaluation_pairs(pairs_file)
        if str(pairs_file) != BIBLE:
            warn_trained_on(pairs_file, self.checkpoints, "translates", "held-out pairs")
        hyps = self._translate([s for s, _ in pairs], d, False)
        refs = [written_form(self.target, t) for _, t in pairs]
        warn_rewritten([t for _, t in pairs], refs, self.target.kind)
        exact = sum(h == r for h, r in zip(hyps, refs, strict=True)) / max(len(pairs), 1)
        scores = sacre_scores(hyps, refs)
        warn_short_bleu(hyps, scores["bleu"])
        return {**scores, "exact_match": exact, "pairs": len(pairs), "count": len(pairs),
                "beam": d.beam, "decoding": d.settings(), "models": model_paths(self.checkpoints)}


def _tokenizers_differ(one: Translator, other: Translator) -> str | None:
    """What keeps ``other`` from an ensemble with ``one``: another source or target tokenizer."""
    for side, mine, theirs in (("source", one.source, other.source), ("target", one.target, other.target)):
        if theirs.to_json() != mine.to_json():
            return (f"its {side} tokenizer is not {one.checkpoint.path}'s; the models of an ensemble need the same "
                    "tokenizers (train them on the same data with the same tokenizer flags)")
    return None


def _evaluation_pairs(pairs_file: object, verb: str = "evaluate") -> list[Pair]:
    """The pairs :meth:`Translator.evaluate` (or ``verb``, :meth:`Translator.score`) reads from ``pairs_file`` (a
    path, ``"bible-en-es"`` or a list of pairs); none, or something else (``evaluate(5)`` was "'int' object is not
    iterable"), is refused."""
    if isinstance(pairs_file, (str, os.PathLike)):  # Path(""), the working directory, was ": is a directory"
        refuse_empty_name(pairs_file, "a pairs file (source<TAB>target)", "pairs" if verb == "score" else "pairs_file")
        pairs = list(_bible()["test"]) if str(pairs_file) == BIBLE else read_pairs(pairs_file)
    elif isinstance(pairs_file, Iterable):
        pairs = [_pair(item, i, verb) for i, item in enumerate(pairs_file)]
    else:
        raise TypeError(f"{verb} takes a pairs file or a list of (source, target) pairs of texts, not "
                        f"{type(pairs_file).__name__}")
    if not pairs:
        raise UserError(f"{pairs_file if isinstance(pairs_file, (str, os.PathLike)) else 'pairs'}: no pairs to "
                        f"{verb}")
    return pairs


def _pair(item: object, index: int, verb: str = "evaluate") -> Pair:
    """``item`` of a list given to :meth:`Translator.evaluate` when it is a (source, target) pair of texts, else a
    TypeError naming it (a list of sources alone was 'too many values to unpack' from inside evaluate); a
    blank side is a :class:`UserError` naming the pair, as :func:`read_pairs` names a file's line. A pair is a
    tuple or a list: a dict of two keys (its keys were scored as the pair) or a set (in no order) is refused."""
    if isinstance(item, Sequence) and not isinstance(item, str):
        try:
            source, target = item  # type: ignore[misc]
        except (TypeError, ValueError):
            pass
        else:
            if isinstance(source, str) and isinstance(target, str):
                for side, text in (("source", source), ("target", target)):
                    if not text.strip():  # read_pairs refuses a line so; translate named texts[i] for a source
                        raise UserError(f"pairs[{index}]: the {side} is empty; every pair needs a source and a "
                                        "reference")
                return source, target
    raise TypeError(f"{verb} takes a pairs file or a list of (source, target) pairs of texts; item {index} is "
                    f"{item!r}")
