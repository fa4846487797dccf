"""A trained character language model as Python sees it: :class:`CharLM`, what ``rnnkit.load(DIR)`` returns
for a ``charlm`` run (``sample``, ``stream``, ``score``, with dynamic evaluation). The command line's verbs
over it are in :mod:`rnnkit.tasks._charlm_verbs`."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.text import read_utf8
from rnnkit.data.tokenize import CharVocab
from rnnkit.errors import (
    SettingError,
    UserError,
    check_count,
    check_filled,
    check_finite,
    check_flag,
    check_text,
    check_texts,
    check_threads,
    report_warnings,
    warn,
)
from rnnkit.models.dynamic_eval import (
    DYNAMIC_LR,
    DYNAMIC_SEGMENT,
    LR_LIMIT,
    RMS_DECAY,
    RMS_LR,
    RMS_PREFIX,
    dynamic_log_probs,
)
from rnnkit.models.language_model import LanguageModel, generate, sequence_log_probs
from rnnkit.sampling import check_sampling, warn_greedy
from rnnkit.tasks import speaks_python
from rnnkit.tasks._charlm_config import _saved_model_kwargs
from rnnkit.train.building import build_model, check_size, loaded_repr
from rnnkit.train.checkpoint import Checkpoint, as_checkpoint
from rnnkit.train.threads import chosen_per_item
from rnnkit.wording import counted

__all__ = ["CharLM"]


def _prime_text(prime: object) -> str:
    """``prime`` as the text sampling starts from: None is no prime; anything but a str is a TypeError."""
    return "" if prime is None else check_text("prime", prime, "a text (str) or None")


@speaks_python(dynamic_method="method")  # `rnnkit score --dynamic-method`
class CharLM:
    """A trained character language model: ``sample()`` writes text, ``score()`` says how likely a text is.

    Get one with ``rnnkit.load(DIR)``. ``model`` is the :class:`LanguageModel` (eval mode), ``vocab`` its
    :class:`CharVocab`.
    """

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        ckpt = as_checkpoint(ckpt, "CharLM")
        if ckpt.config.get("task") != "charlm":
            raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} model, not a character language model")
        if ckpt.vocab is None:
            raise UserError(f"{ckpt.path}: vocab.json is missing")
        self.checkpoint = ckpt
        self.vocab = CharVocab.from_json(ckpt.vocab, f"{ckpt.path}/vocab.json")
        kwargs = _saved_model_kwargs(ckpt)
        self.model = build_model(lambda: LanguageModel(len(self.vocab), **kwargs), ckpt)
        self.model.eval()
        check_size(ckpt, "the vocabulary", len(self.vocab), "vocab_size")  # as every task's: it was ignored
        self.dynamic_rms = _saved_rms(ckpt, self.model)

    def __repr__(self) -> str:
        return loaded_repr(self, self.checkpoint, self.model, cell=self.model.cell, vocab=len(self.vocab))

    def stream(self, prime: str | None = "", length: int = 500, temperature: float = 0.8, top_k: int | None = None,
               seed: int | None = None, top_p: float = 1.0, *, threads: int | None = None) -> Iterator[str]:
        """The characters written after ``prime``, one at a time (the prime itself is not repeated).

        Temperature 0 picks the most likely character; ``top_k`` samples among the k most likely only;
        ``top_p`` below 1 among the fewest most likely whose probabilities reach it (nucleus sampling);
        the same ``seed`` (any integer torch takes, -2**63 to 2**64 - 1) gives the same text. An empty
        prime (``""`` or None) starts from a new line. The arguments are checked at the call, before the first
        character. Each character is one model step on torch's thread count or one, whichever the first steps
        find faster (:func:`rnnkit.train.threads.chosen_per_item`), unless ``threads`` fixes the count; the
        count does not change the text.
        """
        prime = _prime_text(prime)
        length = check_count("length", length, 0)
        temperature, top_k, top_p, seed = check_sampling(temperature, top_k, top_p, seed)
        threads = check_threads(threads) if threads is not None else None
        return chosen_per_item(self._stream(prime, length, temperature, top_k, seed, top_p), threads)

    def _stream(self, prime: str, length: int, temperature: float, top_k: int | None,
                seed: int | None, top_p: float) -> Iterator[str]:
        gen = torch.Generator().manual_seed(seed if seed is not None else int(time.time_ns() % 2**31))
        given_prime = bool(prime)  # an empty one: the seed draws its first character, also at temperature 0
        if not prime:
            prime = "\n" if "\n" in self.vocab else self.vocab.itos[1 + int(torch.randint(len(self.vocab) - 1, (1,),
                                                                                        generator=gen))]
        with report_warnings():
            _warn_unused_sampling(temperature, top_k, top_p, seed if given_prime else None)
            prime_ids = self.vocab.encode_tensor(self.known_form(prime, "prime"))
        for token in generate(self.model, prime_ids, length, temperature=temperature, top_k=top_k, generator=gen,
                              banned=[self.vocab.unk_index], top_p=top_p):
            yield self.vocab.itos[token]

    def sample(self, prime: str | None = "", length: int = 500, temperature: float = 0.8, top_k: int | None = None,
               seed: int | None = None, top_p: float = 1.0, *, threads: int | None = None) -> str:
        """``prime`` followed by ``length`` generated characters (see :meth:`stream`)."""
        prime = _prime_text(prime)
        return prime + "".join(self.stream(prime, length, temperature, top_k, seed, top_p, threads=threads))

    def score(self, texts: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *, dynamic: bool = False,
              dynamic_lr: float | None = None, segment: int | None = None,
              method: str | None = None) -> dict[str, Any] | list[dict[str, Any]]:
        """Log-probability (nats), bits per character and perplexity of each text, scored as if it began a
        line; characters outside the vocabulary are left out of the total and the count (a warning names
        them). One text gives one dict, a list a list. A ``Path`` (any ``os.PathLike``) is a UTF-8 text file,
        read as training reads one (a BOM dropped, CRLF and CR made LF), its dict naming the ``file`` in place
        of the ``text``, as ``rnnkit score --file`` does; a str is always the text itself.

        ``dynamic=True`` scores by dynamic evaluation: the model keeps learning from each text as it
        reads it, one step after every ``segment`` characters, each character scored before the model
        trains on it (see :func:`rnnkit.models.dynamic_eval.dynamic_log_probs`). ``method="rms"`` (the
        default for a model that carries its gradient statistics, as one trained by this rnnkit does)
        takes Krause et al.'s RMS-normalised step of ``dynamic_lr`` (default 1e-4) with a pull back to
        the trained weights; ``"sgd"`` (the default for older models) a plain SGD step (default 0.3);
        ``segment`` defaults to 50. Each text starts from the trained weights; the loaded model is not
        changed. ``dynamic_lr``, ``segment`` or ``method`` without ``dynamic=True`` is a :class:`SettingError`.
        """
        if not check_flag("score: dynamic", dynamic):
            for name, value in (("dynamic_lr", dynamic_lr), ("segment", segment), ("method", method)):
                if value is not None:
                    raise SettingError(name, value, "applies to dynamic evaluation only; add dynamic=True")
        options = self._dynamic_options(dynamic_lr, segment, method) if dynamic else None
        if isinstance(texts, str):
            return self._score_one(check_text("score", texts), options)
        if isinstance(texts, os.PathLike):
            return _named_file(self._score_one(_file_text(texts), options), texts)
        given = list(texts) if isinstance(texts, (list, tuple)) else None  # a list's Paths read in their place
        read = None if given is None else [_file_text(t) if isinstance(t, os.PathLike) else t for t in given]
        items = check_texts("score", texts if read is None else tuple(read) if isinstance(texts, tuple) else read)
        check_filled(items, "score", lambda text: not text)  # by its place, before any is scored; spaces are text
        return [_named_file(self._score_one(t, options), g) for t, g in zip(items, given or items, strict=True)]

    def _dynamic_options(self, lr: float | None, segment: int | None, method: str | None) -> dict[str, Any]:
        method = method or ("rms" if self.dynamic_rms is not None else "sgd")
        if method not in ("rms", "sgd"):
            raise SettingError("method", method, "expected 'rms' or 'sgd'")
        if method == "rms" and self.dynamic_rms is None:
            raise UserError(f"{self.checkpoint.path}: holds no gradient statistics for the RMS rule (saved by an "
                            "older rnnkit or by hand); use --dynamic-method sgd")
        expected = f"expected a number from 0 to {LR_LIMIT:.3g}"
        # a str was "'<=' not supported" from here, np.float32 a traceback from torch's set_grad_enabled
        lr = (RMS_LR if method == "rms" else DYNAMIC_LR) if lr is None else check_finite("dynamic_lr", lr, expected, 0)
        if lr > LR_LIMIT:
            raise SettingError("dynamic_lr", lr, expected)
        segment = DYNAMIC_SEGMENT if segment is None else check_count("segment", segment, 1)
        return {"method": method, "lr": lr, "segment": segment}

    def scoring_ids(self, text: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The ids :meth:`score` reads ``text`` as: ``(context, targets, known)``, the text read as if it began
        a line (from a newline, or from its first character when the vocabulary has none), and which targets
        count (those outside the vocabulary are left out; a warning names them). Anything but a str is a TypeError."""
        with report_warnings():
            ids = self.vocab.encode_tensor(self.known_form(check_text("scoring_ids", text), "text"))
        if "\n" in self.vocab:
            context, targets = self.vocab.encode_tensor("\n", warn=False), ids
        else:
            context, targets = ids[:1], ids[1:]
        return context, targets, targets != self.vocab.unk_index

    def known_form(self, text: str, what: str = "text") -> str:
        """``text`` as written, or in Unicode's composed (NFC) or decomposed (NFD) form where the model knows more of
        its characters so (:meth:`CharVocab.known_form`), with a warning naming the form: Hangul or accents pasted
        from macOS, which writes them decomposed, were characters the model of a text typed composed had never seen
        (or the reverse), each read as its unknown symbol. ``what`` names the text in the warning (``"prime"``)."""
        known, form = self.vocab.known_form(text)
        if form is not None:
            unknown = int((self.vocab.encode_tensor(text, warn=False) == self.vocab.unk_index).sum())
            how = "composed" if form == "NFC" else "decomposed"
            warn(f"the {what} is read in Unicode's {how} form ({form}), as the model knows its characters: as "
                 f"written, {unknown} of its {counted(len(text), 'character')} were unknown to the model")
        return known

    def _score_one(self, text: str, dynamic: dict[str, Any] | None) -> dict[str, Any]:
        if not text:
            raise UserError("cannot score an empty text")
        context, targets, known = self.scoring_ids(text)
        if not targets.numel():
            logp = torch.zeros(0)
        elif dynamic:
            rms = dynamic["method"] == "rms"
            logp = dynamic_log_probs(self.model, context, targets, lr=dynamic["lr"], segment=dynamic["segment"],
                                     rms=self.dynamic_rms if rms else None, decay=RMS_DECAY if rms else 0.0)
        else:
            logp = sequence_log_probs(self.model, context, targets)
        total = float(logp.cpu()[known].double().sum())
        n = int(known.sum())
        if dynamic:
            adapted = dynamic["lr"] > 0 and targets.numel() > dynamic["segment"]  # an update came before a guess
            _check_adapted(total, n if adapted else 0, len(self.vocab), dynamic["lr"],
                           lambda: float(sequence_log_probs(self.model, context, targets).cpu()[known].double().sum()))
        return {
            "text": text, "log_prob": total, "chars": n,
            "nats_per_char": -total / n if n else None,
            "bits_per_char": -total / n / math.log(2) if n else None,
            "perplexity": (math.inf if -total / n >= 709 else math.exp(-total / n)) if n else None,  # nan: nan
            **({"dynamic": dynamic} if dynamic else {}),
        }


def _file_text(path: os.PathLike[str]) -> str:
    """The text of a file given to :meth:`CharLM.score` as a ``Path``, read as training reads its ``--data``
    (:func:`rnnkit.data.text.read_utf8`): ``open(f).read()`` kept a UTF-8 BOM and read in the locale's encoding."""
    return read_utf8(os.fspath(path), missing="score takes a text (str), a list of texts, or the Path of a UTF-8 "
                                              "text file")


def _named_file(record: dict[str, Any], given: object) -> dict[str, Any]:
    """A score's record of a text read from a ``Path``: the file's name in place of its whole text."""
    if isinstance(given, os.PathLike):
        del record["text"]
        record["file"] = os.fspath(given)
    return record


def _saved_rms(ckpt: Checkpoint, model: LanguageModel) -> dict[str, torch.Tensor] | None:
    """The gradient statistics a checkpoint carries for dynamic evaluation (``dynamic_rms.*``), checked
    against the model's parameters; None when it has none."""
    rms = {k[len(RMS_PREFIX):]: v for k, v in ckpt.tensors.items() if k.startswith(RMS_PREFIX)}
    if not rms:
        return None
    for name, p in model.named_parameters():
        if name not in rms or rms[name].shape != p.shape or not bool(torch.isfinite(rms[name]).all()):
            held = f"of shape {list(rms[name].shape)}" if name in rms else "missing"
            raise UserError(f"{ckpt.path}: its gradient statistics do not fit the model: {RMS_PREFIX}{name} is "
                            f"{held}; expected finite values of shape {list(p.shape)}")
    return rms  # dynamic_log_probs puts them in the parameters' dtype


def _warn_unused_sampling(temperature: float, top_k: int | None, top_p: float, seed: int | None = None) -> None:
    """Warn that ``top_k``/``top_p`` go unused at temperature 0, which writes the most likely character (as Hugging
    Face's ``generate`` warns of ``top_p`` without sampling), and ``seed`` (None where it picks the first character
    of an empty prime); a user given the same text each time hears why."""
    warn_greedy(temperature, top_k, top_p, seed, "character")


def _check_adapted(total: float, chars: int, vocab_size: int, lr: float, static: Callable[[], float]) -> None:
    """Refuse a dynamic score that the updates made not finite; warn about one worse than a uniform guess
    (``chars`` 0: no warning, nothing was adapted: the static model's own score), and about one that is not
    finite because the static score (``static()``, the text's log-probability without updates) is not either."""
    if not math.isfinite(total):
        unadapted = static() if chars else total  # nothing adapted: the dynamic score is the static one
        if math.isfinite(unadapted):
            raise UserError(f"dynamic evaluation with --dynamic-lr {lr:g} diverged (the log-probability is not "
                            "finite); give a smaller --dynamic-lr")
        # reported as the static score is (nan; null in --json): no step size causes or mends it
        warn(f"the dynamic score is not finite because the static one is not: the model "
             f"scores this text log_prob {unadapted:g} without --dynamic too (its activations "
             "overflow on it); no --dynamic-lr changes that")
        return
    if chars and -total / chars > math.log(vocab_size):
        warn(f"dynamic evaluation scored {-total / chars:.3g} nats/char, worse than a uniform "
             f"guess over the {vocab_size} characters ({math.log(vocab_size):.2f}): --dynamic-lr "
             f"{lr:g} may be too large")
