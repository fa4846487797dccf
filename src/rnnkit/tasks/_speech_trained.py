"""A trained recogniser: :class:`Transcriber` (``rnnkit.load`` of a speech run): ``transcribe`` and ``evaluate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.audio_read import MAX_RATE, MIN_RATE
from rnnkit.data.speech import read_manifest
from rnnkit.errors import (
    SettingError,
    UserError,
    check_beam,
    check_count,
    check_finite,
    check_flag,
    check_ordered,
    check_path,
    check_read_path,
    is_single,
)
from rnnkit.models.ctc import Decoded
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.tasks import speaks_python
from rnnkit.tasks._ensemble import model_paths
from rnnkit.tasks._speech_config import SpeechConfig
from rnnkit.tasks._speech_data import (
    SymbolTable,
    recordings_features,
    warn_low_rates,
    warn_unwritten,
    with_phonemes,
)
from rnnkit.tasks._speech_decoding import BONUS, LM_WEIGHT, Fusion, _decode_all, error_rates, fusion_of
from rnnkit.train.building import build_model, check_size, loaded_repr
from rnnkit.train.checkpoint import Checkpoint, as_checkpoint


@speaks_python
class Transcriber:
    """A trained recogniser: ``transcribe()`` writes the phonemes or text of audio files, ``evaluate()``
    scores a corpus folder (error rates from ``jiwer``).

    Get one with ``rnnkit.load(DIR)``. ``model`` is the :class:`SpeechRecognizer` (eval mode), ``symbols``
    the :class:`SymbolTable`. :meth:`ensemble` joins other recognisers of the same symbols and features to it.
    """

    task = "speech"

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        ckpt = as_checkpoint(ckpt, "Transcriber")
        if ckpt.config.get("task") != "speech":
            raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} model, not a speech recogniser")
        self.checkpoint = ckpt
        self.checkpoints = [ckpt]  # one per model of an ensemble
        self.symbols = SymbolTable.from_json(ckpt.vocab, f"{ckpt.path}/vocab.json")
        kwargs = ckpt.config.get("model")
        if not isinstance(kwargs, dict):
            raise UserError(f"{ckpt.path}/config.json: \"model\" must be an object of the model's settings")
        self.model: SpeechRecognizer = build_model(lambda: SpeechRecognizer(**kwargs), ckpt)  # type: ignore[assignment]
        check_size(ckpt, "the symbol table", len(self.symbols.symbols), "n_symbols")
        self.model.eval()
        self.n_mels = int(kwargs.get("n_features", 80))
        self.frame_seconds = 0.010 * self.model.subsample
        # the espeak-ng voice that phonemized its transcripts, and phonemizes evaluate's references
        self.voice = str((ckpt.config.get("settings") or {}).get("voice", SpeechConfig.voice))
        self.sample_rate = _feature_rate(ckpt)  # the rate its features are computed at (Hz)

    @property
    def max_seconds(self) -> float:
        """The ``--max-seconds`` its run left longer recordings out under (30 for a run saved before the setting):
        read when asked (the report's validation examples), so that transcribing never depends on it."""
        return _saved_setting(self.checkpoint, "max_seconds", lambda name, v: check_finite(name, v, "", 0.0),
                              "a number of seconds >= 0 (0: no limit)")

    def __repr__(self) -> str:
        return loaded_repr(self, self.checkpoint, self.model, **self._repr_facts())

    def _repr_facts(self) -> dict[str, str]:
        """What the ``repr`` says besides the directory and parameters (an ensemble's too): the kind of symbols."""
        return {"symbols": self.symbols.kind}

    def ensemble(self, *others: str | Path | Transcriber) -> Transcriber:
        """A recogniser whose per-frame probabilities are the mean of this model's and those of ``others`` (model
        directories or recognisers), decoded as this one decodes (greedy, beam, ``lm``):
        :class:`~rnnkit.tasks._speech_ensemble.TranscriberEnsemble`. This recogniser is left as it was.

        The models must write the same symbols in the same order, read as many mel bands and merge as many
        frames into one (``--subsample``), as runs trained on the same corpus with the same feature flags do (they
        may differ in seed, cell, size and depth); another, or a model of another task, is refused naming its
        directory. A directory's model is read onto this recogniser's device. Decoding costs the sum of the
        models' time."""
        from rnnkit.tasks._speech_ensemble import joined_transcribers  # it subclasses this class

        return joined_transcribers(self, others)

    @torch.no_grad()
    def transcribe(self, paths: str | Path | Sequence[str | Path], beam: int = 1,
                   timings: bool = False, *, lm: Any = None, lm_weight: float = LM_WEIGHT,
                   bonus: float = BONUS) -> Any:
        """Transcribe one audio file (a path: a result) or a list of them (a list of results, in the order given),
        in any format libsndfile reads (WAV, FLAC, Ogg, MP3 ...; :func:`~rnnkit.data.audio_read.read_audio`); a set is
        a TypeError (it has no order: give a list), and bytes, an open file or a dict are refused. A
        result is the transcript (phonemes separated by spaces, words by ``|``; or text); with ``timings`` a dict
        with ``text``, ``log_prob`` and ``symbols`` (``symbol``, ``start`` in seconds each). ``beam=1`` is greedy
        decoding. ``log_prob`` is the transcript's natural-log probability (greedy: its best path's; beam: summed
        over the alignments the beam kept); with ``lm``, the fused score the search maximised (below), not the
        acoustic log-probability alone.

        ``lm``: a character language model (a charlm run's directory, or ``rnnkit.load`` of one) that weighs the
        prefix search's hypotheses (shallow fusion): the transcript maximises the acoustic log-probability plus
        ``lm_weight`` times the language model's plus ``bonus`` per character (a beam above 1 and a recogniser
        of characters needed)."""
        beam, _ = check_beam(beam)
        fusion = self._fusion(lm, beam, lm_weight, bonus)
        timings = check_flag("transcribe: timings", timings)
        check_ordered("transcribe", paths, "an audio file or a list of them")
        single = is_single(paths)
        items = [paths] if single else list(paths)
        for item in items:  # transcribe(5) was "'int' object is not iterable", [5] pathlib's TypeError
            check_path("transcribe", item, "an audio file or a list of them (each a str or a path)")
        results = [self._result(d, timings) for d in self._decoded(items, beam, fusion)]
        return results[0] if single else results

    def _decoded(self, paths: Sequence[str | Path], beam: int, fusion: Fusion | None,
                 listed: Sequence[str] = ()) -> list[Decoded]:
        """The decoding of each audio file of ``paths``, in the order given; one warning for those sampled below
        the model's rate. ``listed``: where a manifest lists each (named by a bad one's refusal)."""
        feats, low = recordings_features(paths, self.n_mels, self.sample_rate, listed=listed)
        warn_low_rates(low, len(paths), self.sample_rate)
        return _decode_all(self.model, [f[0] for f in feats], beam, fusion=fusion)

    def _fusion(self, lm: Any, beam: int, weight: float, bonus: float) -> Fusion | None:
        """The language model of ``lm`` (None: none) for this recogniser, each setting refused in one line (also
        ``lm_weight`` or ``bonus`` given without ``lm``, as the command line refuses them)."""
        if lm is None:
            for name, value, default in (("lm_weight", weight, LM_WEIGHT), ("bonus", bonus, BONUS)):
                if value != default:
                    raise SettingError(name, value, "applies only with --lm DIR (a character language model)")
            return None
        from rnnkit import load
        from rnnkit.tasks._charlm_trained import CharLM

        if self.symbols.kind != "chars":
            raise SettingError("lm", lm, "this recogniser writes phonemes, and a character language model reads "
                                         "characters")
        if beam == 1:
            raise SettingError("lm", lm, "needs a beam above 1: greedy decoding takes each frame's most likely "
                                         "symbol, which the language model cannot change")
        weight = check_finite("lm_weight", weight, "expected a finite number >= 0", 0.0)
        bonus = check_finite("bonus", bonus, "expected a finite number")
        if not isinstance(lm, CharLM):
            check_path("lm", lm, "a character language model's directory or rnnkit.load of one")
            if not str(lm).strip():  # Path("") is the working directory, which the error then named as "."
                raise SettingError("lm", str(lm), "expected a character language model's directory, not an empty "
                                                  "name")
            lm = load(lm)  # drawing no number from the caller's generator
            if not isinstance(lm, CharLM):
                raise SettingError("lm", str(lm.checkpoint.path), f"a {lm.checkpoint.config.get('task')!r} model, "
                                   "not a character language model (rnnkit train charlm)")
        return fusion_of(self.symbols.symbols, lm, weight, bonus, str(lm.checkpoint.path))

    def _result(self, d: Decoded, timings: bool) -> Any:
        text = self.symbols.text(d.symbols)
        if not timings:
            return text
        return {"text": text, "log_prob": d.log_prob, "symbols": [
            {"symbol": self.symbols.symbols[s], "start": round(f * self.frame_seconds, 3)}
            for s, f in zip(d.symbols, d.frames, strict=True)]}

    @torch.no_grad()
    def evaluate(self, corpus: str | Path, beam: int = 1, *, lm: Any = None, lm_weight: float = LM_WEIGHT,
                 bonus: float = BONUS) -> dict[str, Any]:
        """Transcribe every utterance of a corpus folder and compare with its references: ``per`` (or ``cer``),
        ``wer``, ``utterances`` (and ``count``, the same number, as every task's evaluation names it), ``beam`` (and
        ``lm``, ``lm_weight``, ``bonus`` with a language model: see :meth:`transcribe`) and ``models`` (the model
        directory, or each of an ensemble's)."""
        check_read_path("evaluate", "corpus", corpus, "a corpus folder")
        beam, _ = check_beam(beam)  # reported as Python's int (np.int64(2) made the report no JSON), checked first
        fusion = self._fusion(lm, beam, lm_weight, bonus)
        utts = read_manifest(corpus)
        if self.symbols.kind == "phonemes":
            utts = with_phonemes(utts, self.voice)
        warn_unwritten(utts, self.symbols)
        hyps = [self.symbols.text(d.symbols) for d in self._decoded([u.audio for u in utts], beam, fusion,
                                                                          [u.listed for u in utts])]
        refs = [self.symbols.reference(u) for u in utts]
        used = {} if fusion is None else {"lm": fusion.source, "lm_weight": fusion.weight, "bonus": fusion.bonus}
        return {**error_rates(hyps, refs, self.symbols.kind), "utterances": len(utts), "count": len(utts),
                "beam": beam, **used, "models": model_paths(self.checkpoints)}


def _saved_setting(ckpt: Checkpoint, name: str, check: Any, expected: str) -> Any:
    """The run's setting ``name`` as ``check`` (which raises :class:`SettingError`) reads it, SpeechConfig's default
    for a run saved before there was one; a value no run could have is refused naming the field and ``expected``:
    ``sample_rate`` (the rate its features are computed at), ``max_seconds`` (the recordings it left out)."""
    settings = ckpt.config.get("settings") or {}
    value = settings.get(name, getattr(SpeechConfig, name)) if isinstance(settings, dict) else getattr(SpeechConfig,
                                                                                                        name)
    try:
        return check(name, value)
    except SettingError:
        raise UserError(f"{ckpt.path}/config.json: settings.{name} {value!r}: expected {expected}") from None


def _feature_rate(ckpt: Checkpoint) -> int:
    """The sample rate a recogniser's features are computed at: its run's ``sample_rate`` setting, 16000 for a run
    saved before there was one; a value no recording is read at is refused naming the field."""
    return _saved_setting(ckpt, "sample_rate", lambda name, v: check_count(name, v, MIN_RATE, MAX_RATE),
                          f"an integer from {MIN_RATE} to {MAX_RATE} (the sample rate in Hz its features are computed "
                          "at)")
