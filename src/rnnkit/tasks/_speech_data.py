"""The recogniser's data: the training and validation utterances, their log-mel features, the checks that
warn about (or refuse) transcripts the model cannot learn, and :class:`SymbolTable`, the symbols it writes.
"""

from __future__ import annotations

import itertools
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnkit.data.audio import SAMPLE_RATE, log_mel, resample
from rnnkit.data.audio_read import declared_length, read_audio
from rnnkit.data.speech import Utterance, is_korean, phonemize, read_manifest, symbols_of, text_of
from rnnkit.data.split import corpus_sides, warn_validation_trained
from rnnkit.data.tokenize import spelled_as_known
from rnnkit.errors import UserError, first_repeated, in_words, warn
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.tasks._speech_config import SYMBOLS, SpeechConfig
from rnnkit.wording import part_of


def speech_corpora(data: str, val_data: str | None, config: SpeechConfig) -> tuple[list[Utterance], list[Utterance]]:
    """Training and validation utterances: ``data`` is a corpus folder, or a folder with ``train/`` (and
    ``val/``) corpora as ``rnnkit data speech`` writes. Validation is ``val_data``, else ``data``'s ``val/``,
    else a seeded ``val_fraction`` of the training utterances (also of ``train/`` without a ``val/``)."""
    return corpus_sides(data, val_data, "manifest.tsv", read_manifest, config.val_fraction, config.split_seed)


def warn_val_trained(data: str, val_data: str | None, train: Sequence[Utterance], val: Sequence[Utterance]) -> None:
    """Warn where ``val_data`` is the training data again (:func:`~rnnkit.data.split.warn_validation_trained`), its
    utterances compared by file name and transcript (a copied corpus has other paths); said by ``train``, not by the
    readers of a run's validation utterances (``rnnkit report``)."""
    if val_data:
        train_keys = ((u.audio.name, u.text, u.phonemes) for u in train)
        val_keys = [(u.audio.name, u.text, u.phonemes) for u in val]
        warn_validation_trained(data, val_data, train_keys, val_keys, "utterances", "loss, CER and WER")


def warn_korean_phonemes(utts: Sequence[Utterance], config: SpeechConfig) -> None:
    """Warn when a new run would write phonemes (the default ``--symbols``) that espeak-ng's default voice derives
    from Korean transcripts: the recogniser then writes IPA, not Hangul (a scam classifier downstream reads its
    transcripts), which ``--symbols chars`` gives; a run given ``--voice`` or its own phonemes meant them."""
    if config.symbols != "phonemes" or config.voice != SpeechConfig.voice:
        return
    first = next((u for u in utts if u.phonemes is None and is_korean(u.text)), None)  # not the first 200 only
    if first is not None:
        warn(f"the transcripts are Korean ({first.audio}: {first.text!r}) and --symbols is phonemes, the default: "
             "the model will write espeak-ng's IPA phonemes, not Hangul; give --symbols chars for a recogniser "
             "that writes the text")


def _with_phonemes(utts: list[Utterance], config: SpeechConfig) -> list[Utterance]:
    return with_phonemes(utts, config.voice) if config.symbols == "phonemes" else utts


def with_phonemes(utts: list[Utterance], voice: str) -> list[Utterance]:
    """``utts``, each without phonemes given them as espeak-ng's ``voice`` speaks its transcript."""
    return [u if u.phonemes else replace(u, phonemes=phonemize(u.text, voice)) for u in utts]


def features_of(path: str | Path, n_mels: int, speed: float = 1.0, sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """Normalised log-mel frames of a recording at ``sample_rate`` (``speed`` > 1 plays it faster)."""
    wave, rate = read_audio(path)
    return _wave_features(wave, rate, n_mels, speed, sample_rate)


def opening_features(path: str | Path, n_mels: int, sample_rate: int, seconds: float) -> tuple[torch.Tensor, float]:
    """Features of the first ``seconds`` of a recording (all of it when shorter) and its whole length in seconds:
    what the report draws of one that may be an hour long (whose features alone would be gigabytes)."""
    wave, rate = read_audio(path)
    return _wave_features(wave[: round(seconds * rate)], rate, n_mels, 1.0, sample_rate), len(wave) / rate


def _wave_features(wave: np.ndarray, rate: int, n_mels: int, speed: float, sample_rate: int) -> torch.Tensor:
    wave = resample(wave, rate, sample_rate)
    if speed != 1.0:
        wave = resample(wave, round(sample_rate * speed), sample_rate)
    return log_mel(wave, sample_rate, n_mels)


def recordings_features(paths: Sequence[str | Path], n_mels: int, sample_rate: int, speeds: Sequence[float] = (1.0,),
                        what: str | None = None, max_seconds: float = 0.0, listed: Sequence[str] = ()
                        ) -> tuple[list[list[torch.Tensor]], list[tuple[Path, int]]]:
    """Per recording, its features at each of ``speeds`` (each file read once; with ``what``, a progress line
    every 2,000), and the recordings sampled below ``sample_rate`` with their rates (:func:`warn_low_rates`).
    With ``max_seconds`` (0: no limit), a recording longer gets no features (an empty list; :func:`_warn_long`).
    ``listed``: where a manifest lists each recording (:attr:`Utterance.listed`), named by a bad one's refusal."""
    out, low, long, silent = [], [], [], []
    for i, path in enumerate(paths):
        wave, frames, rate = recording_samples(path, max_seconds, listed[i] if listed else "")
        if rate < sample_rate:
            low.append((Path(path), rate))
        if wave is not None and is_silent(wave):
            silent.append(Path(path))
        if wave is None or over_limit(frames, rate, max_seconds):  # before its features: an hour's STFT is gigabytes
            long.append((Path(path), frames / rate))
            out.append([])
        else:
            wave = resample(wave, rate, sample_rate)  # once, not once a speed: each speed's copy is made from it
            out.append([_wave_features(wave, sample_rate, n_mels, s, sample_rate) for s in speeds])
        if what and (i + 1) % 2000 == 0:
            print(f"  features: {i + 1} / {len(paths)} {what} utterances", file=sys.stderr, flush=True)
    _warn_long(long, len(paths), max_seconds, what or "")
    _warn_silent(silent, len(paths), what)
    return out, low


#: the loudest sample of a recording that holds no sound: below one step of 16-bit PCM (a stereo one whose channels
#: are each other's inverse averages to zeros, or to half a step where they were rounded)
SILENCE = 2.0**-15


def is_silent(wave: np.ndarray) -> bool:
    """Whether the mono samples ``wave`` hold no sound: every one below :data:`SILENCE` in magnitude."""
    return not len(wave) or float(np.abs(wave).max()) < SILENCE


def _warn_silent(silent: Sequence[Path], total: int, what: str | None) -> None:
    """One warning for the recordings (of ``total``; ``what`` training or validation ones, None: those given to
    transcribe or evaluate) that hold no sound: their features hold nothing of speech (the per-band normalisation
    scales what little there is up to speech's level), so training teaches the model to write a transcript from
    nothing and transcribing writes a guess. A muted microphone, or a stereo recording whose channels cancel when
    averaged (one wired the wrong way round)."""
    if not silent:
        return
    one = total == 1
    then = ((f"teach{'es' if one else ''} the model to write {'its transcript' if one else 'their transcripts'}"
             if what == "training" else f"{'is' if one else 'are'} transcribed") + " from nothing")
    warn(f"{part_of(len(silent), total, f'{what} recording' if what else 'recording')} silent "
         f"({'' if one else 'first '}{silent[0]}: every sample below one 16-bit step) and {then}; check "
         f"{'it' if one else 'them'}: a muted microphone, or a stereo recording whose two channels cancel when "
         "averaged (one the other inverted; take one channel: `ffmpeg -i IN.wav -af 'pan=mono|c0=c0' OUT.wav`)")


def recording_samples(path: str | Path, max_seconds: float, listed: str = "") -> tuple[np.ndarray | None, int, int]:
    """The samples of a recording, their number and rate; no samples (None) for one whose header declares it longer
    than ``max_seconds`` where that is trustworthy (:func:`~rnnkit.data.audio_read.declared_length`): it is left out
    unread, as an hour's samples are hundreds of MB. A bad recording is refused as :func:`read_audio` refuses it,
    after ``listed``, the manifest's line that lists it (``corpus/manifest.tsv:3: corpus/a.wav: empty file ...``:
    it named the recording only)."""
    with listed_as(listed):
        declared = declared_length(path) if max_seconds else None
        if declared is not None and over_limit(*declared, max_seconds):
            return None, *declared
        wave, rate = read_audio(path)
    return wave, len(wave), rate


@contextmanager
def listed_as(listed: str) -> Iterator[None]:
    """A :class:`UserError` of the block (a recording's refusal) said after ``listed``, the manifest's line that lists
    the recording (``corpus/manifest.tsv:3: corpus/a.wav: empty file ...``); as it is where ``listed`` is ""."""
    try:
        yield
    except UserError as exc:
        if not listed:
            raise
        raise UserError(f"{listed}: {exc}") from None


def over_limit(samples: int, rate: int, max_seconds: float) -> bool:
    """Whether a recording of ``samples`` at ``rate`` Hz is longer than ``max_seconds`` (0: no limit): what a run
    leaves out of its training and validation recordings (:func:`recordings_features`)."""
    return bool(max_seconds) and samples > max_seconds * rate


def _warn_long(long: Sequence[tuple[Path, float]], total: int, max_seconds: float, what: str) -> None:
    """One warning for the ``what`` recordings (of ``total``) longer than ``max_seconds``, which are left out, or a
    :class:`UserError` when every one is: a batch is padded to its longest recording, so an hour-long one among
    second-long ones trained (or scored) every utterance of its batch as an hour, taking the machine's memory."""
    if not long:
        return
    path, seconds = long[0]
    first, then = f"(first {path}: {seconds:,.1f} s)", "give a larger --max-seconds (0: no limit)"
    if len(long) == total:
        every, it = ((f"all {total} {what} recordings are", "them") if total > 1 else
                     (f"the one {what} recording is", "it"))
        first = first if total > 1 else f"({path}: {seconds:,.1f} s)"
        raise UserError(f"{every} longer than --max-seconds {max_seconds:g} {first}; {then}, or cut {it} into "
                        "utterances")
    warn(f"{len(long)} of {total} {what} recordings are longer than --max-seconds {max_seconds:g}, left out: a batch "
         f"is padded to its longest recording, so one takes the memory of a whole batch that long {first}; {then} "
         "to keep them, or cut them into utterances")


def kept(utts: Sequence[Utterance], feats: Sequence[list[torch.Tensor]]
         ) -> tuple[list[Utterance], list[list[torch.Tensor]]]:
    """The utterances and their features, less those :func:`recordings_features` left out (longer than
    ``max_seconds``: no features)."""
    keep = [i for i, f in enumerate(feats) if f]
    return [utts[i] for i in keep], [feats[i] for i in keep]


def warn_low_rates(low: Sequence[tuple[Path, int]], total: int, sample_rate: int) -> None:
    """One warning for the recordings (of ``total``) sampled below the model's ``sample_rate``: resampled up, they
    have nothing above half their rate, and the per-band normalisation scales the top bands' leakage up to the
    others' level, where a model trained on wideband audio expects speech."""
    if not low:
        return
    path, rate = low[0]
    one = total == 1
    warn(f"{part_of(len(low), total, 'recording')} sampled below the model's {sample_rate} Hz "
         f"({'' if one else 'first '}{path}: {rate} Hz): {'its' if one else 'their'} mel bands above {rate // 2} Hz "
         "hold no sound, only resampling noise scaled up by the per-band normalisation; a model trained with "
         f"--sample-rate {rate} computes its features at {'its' if one else 'their'} rate")


def _warn_too_short(utts: Sequence[Utterance], frames: Sequence[int], targets: Sequence[list[int]],
                    model: SpeechRecognizer, longest: Sequence[int] | None = None, what: str = "training"
                    ) -> list[int]:
    """Warn about utterances with fewer output frames than CTC needs for their transcript (one per symbol,
    one more between two equal symbols): their loss is infinite, zeroed (``zero_infinity``), so they
    teach nothing: a transcript on the wrong line of the manifest, or a clipped recording. ``frames`` is each
    utterance's shortest copy, ``longest`` its longest under --speed-perturb (None without: one copy): when
    no copy of any utterance is long enough, nothing could be learnt (the loss would read 0), a UserError
    instead. ``what="validation"``: the utterances are left out of the validation loss, whose zeros counted
    in its divisor (a loss that read lower than the model's). Returns the indices of those too short."""
    need = [len(t) + sum(a == b for a, b in itertools.pairwise(t)) for t in targets]
    out = model.output_lengths(torch.tensor(list(frames)))
    short = [i for i, n in enumerate(need) if n > int(out[i])]
    if not short:
        return short
    most = out if longest is None else model.output_lengths(torch.tensor(list(longest)))
    first = utts[short[0]]
    why = (f"(CTC needs an output frame per symbol; --subsample {model.subsample} leaves {int(out[short[0]])} for "
           f"the {need[short[0]]} of {first.audio}: {first.text!r})")
    if all(n > int(most[i]) for i, n in enumerate(need)):
        every = (f"all {len(utts)} {what} utterances are too short for their transcripts" if len(utts) > 1
                 else f"the one {what} utterance is too short for its transcript")
        raise UserError(in_words(f"{every} {why}; give a smaller --subsample, or check that the manifest's "
                                 "transcripts belong to their recordings"))
    where = (", left out of the validation loss (its error rates count them)" if what == "validation"
             else " and teach nothing" if longest is None
             else " at --speed-perturb's fastest speed and teach nothing at it")
    warn(f"{len(short)} of {len(utts)} {what} utterances are too short for their "
         f"transcripts{where} {why}")
    return short


def _check_symbols(utts: Sequence[Utterance], targets: Sequence[list[int]], table: SymbolTable) -> None:
    """Warn about training utterances whose transcripts hold symbols the table lacks (a run resumed on another
    corpus keeps its symbols): CTC has no unknown symbol, so they are left out of the targets, which teaches
    the model to write nothing for them. When no utterance keeps a symbol, nothing could be learnt: a
    UserError instead."""
    hit, shown = unwritten(utts, table)
    if not hit:
        return
    first = utts[hit[0]]
    why = (f"the model writes only the {len(table.symbols)} {table.kind} of its first run's corpus; first "
           f"{first.audio}: {first.text!r}")
    if not any(targets):
        raise UserError(in_words(f"no training utterance holds a symbol the model writes ({shown} are new; {why}); "
                                 "train a new run (another --out) on this corpus"))
    warn(f"{len(hit)} of {len(utts)} training utterances hold symbols the model does not write "
         f"({shown}), left out of their targets ({why}); train a new run (another --out) to "
         "learn them")


def unwritten(utts: Sequence[Utterance], table: SymbolTable) -> tuple[list[int], str]:
    """The indices of the utterances whose references hold symbols ``table`` lacks, and those symbols, each once in
    the order met (``'x', 'y'``): what training leaves out of the targets and ``evaluate`` counts as errors."""
    lacking = [[s for s in table.of(u) if s not in table.index] for u in utts]
    hit = [i for i, missing in enumerate(lacking) if missing]
    return hit, ", ".join(repr(s) for s in dict.fromkeys(s for i in hit for s in lacking[i]))


def warn_unwritten(utts: Sequence[Utterance], table: SymbolTable) -> None:
    """Warn, for ``evaluate``, of the references that hold symbols the model does not write (a test set spelt in
    capitals, or with punctuation, the training transcripts lack): no decoding can match them, so each counts as an
    error in the rates, which then measure the spelling as much as the recogniser."""
    hit, shown = unwritten(utts, table)
    if hit:
        first = utts[hit[0]]
        one = len(utts) == 1
        warn(f"{part_of(len(hit), len(utts), 'reference', ('holds', 'hold'))} symbols the model does not write "
             f"({shown}), {'' if one else 'each '}counted as an error ({'' if one else 'first '}{first.audio}: "
             f"{first.text!r}); the model writes only the {len(table.symbols)} "
             f"{table.kind} of its training corpus: spell the references as its transcripts were spelt")


class SymbolTable:
    """The symbols a recogniser writes: ``kind`` (phonemes or chars), ``jamo``, and the list (id i ↔ class
    i + 1 of the model; class 0 is the CTC blank)."""

    def __init__(self, kind: str, symbols: Sequence[str], jamo: bool = False) -> None:
        self.kind, self.symbols, self.jamo = kind, list(symbols), jamo
        self.index = {s: i for i, s in enumerate(self.symbols)}

    @classmethod
    def build(cls, utts: Sequence[Utterance], kind: str, jamo: bool | None) -> SymbolTable:
        """The table of ``utts``'s symbols, in one pass over them: with ``jamo`` None, characters are jamo when any
        transcript holds a Hangul syllable (every transcript: a corpus whose first 200 were English and the rest
        Korean was trained on syllables), read off the characters seen, the jamo their decomposition (a pass of its
        own over a million transcripts doubled the cost, and a fresh run builds the table twice)."""
        seen = {s for u in utts for s in symbols_of(u.text, u.phonemes, kind, bool(jamo))}
        if jamo is None:
            jamo = kind == "chars" and any(is_korean(s) for s in seen)
            if jamo:  # NFD of a text has the code points of its NFC characters' own NFDs
                seen = {p for s in seen for p in unicodedata.normalize("NFD", s)}
        return cls(kind, sorted(seen), jamo)

    def of(self, u: Utterance) -> list[str]:
        """The symbols of an utterance's reference, as this table spells them: a character it holds only
        decomposed (a recogniser trained before transcripts were read NFC-normalised, on text typed on a Mac)
        is written so (:func:`~rnnkit.data.tokenize.spelled_as_known`)."""
        symbols = symbols_of(u.text, u.phonemes, self.kind, self.jamo)
        return list(spelled_as_known("".join(symbols), self.index)) if self.kind == "chars" else symbols

    def encode(self, u: Utterance) -> list[int]:
        """Symbol ids of an utterance's reference; symbols outside the table are left out."""
        return [self.index[s] for s in self.of(u) if s in self.index]

    def reference(self, u: Utterance) -> str:
        return text_of(self.of(u), self.kind)

    def text(self, ids: Sequence[int]) -> str:
        return text_of([self.symbols[i] for i in ids], self.kind)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "symbols": self.symbols, "jamo": self.jamo}

    @classmethod
    def from_json(cls, data: Any, where: str) -> SymbolTable:
        if not (isinstance(data, dict) and data.get("kind") in SYMBOLS and isinstance(data.get("symbols"), list)
                and all(isinstance(s, str) for s in data["symbols"]) and isinstance(data.get("jamo"), bool)):
            raise UserError(f"{where}: expected an object with \"kind\" ({' or '.join(SYMBOLS)}), \"symbols\" "
                            "(a list of strings) and \"jamo\" (true or false)")
        symbols = data["symbols"]
        twice = first_repeated(symbols)
        if not symbols or "" in symbols or twice is not None:
            what = ("no symbols" if not symbols else "an empty symbol" if "" in symbols else
                    f"the symbol {twice!r} twice")
            raise UserError(f"{where}: \"symbols\" holds {what}; expected each symbol the model writes once "
                            "(id i is the model's class i + 1)")
        return cls(data["kind"], symbols, data["jamo"])
