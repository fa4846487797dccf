"""rnnkit.data.speech_corpus without espeak-ng: a stand-in ``espeak-ng`` on PATH (a tiny Python script that writes a
22.05 kHz tone and prints phonemes) and a stand-in word list, so the corpus builder, ``speak``, the voice list and
the splits are checked where the real espeak-ng is not installed (test_speech's espeak-ng tests are skipped there)."""

from __future__ import annotations

import json
import random
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data import speech_corpus
from rnnkit.data.audio import SAMPLE_RATE, read_wav
from rnnkit.data.speech import read_manifest
from rnnkit.errors import UserError

FAKE_ESPEAK = """\
import array, json, math, os, sys, wave
args = sys.argv[1:]
if args == ["--voices=variant"]:
    print("Pty Language       Age/Gender VoiceName          File                 Other Languages")
    for name in ("m3", "adam", "f1", "adam"):
        print(f" 5  variant          -  {name.title()}    !v/{name}")
    print(" 5  broken")
    sys.exit(0)
with open(os.environ["FAKE_ESPEAK_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
text = args[-1]
if text == "fail":
    open(args[args.index("-w") + 1], "wb").close()
    print("voice not found", file=sys.stderr)
    sys.exit(1)
loud = min(int(args[args.index("-a") + 1]) / 100, 1.0)
samples = array.array("h", (int(loud * 32000 * math.sin(i * 0.3)) for i in range(2205)))
with wave.open(args[args.index("-w") + 1], "wb") as out:
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(22050)
    out.writeframes(samples.tobytes())  # little-endian on the machines rnnkit runs on
print(" h 'ə l  w 'ɜː l d")
"""


@pytest.fixture
def espeak_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in espeak-ng first on PATH; the file where it writes each call's arguments (one JSON list a line)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    exe = folder / "espeak-ng"
    exe.write_text(f"#!{sys.executable}\n{FAKE_ESPEAK}", encoding="utf-8")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    log = tmp_path / "espeak.log"
    monkeypatch.setenv("FAKE_ESPEAK_LOG", str(log))
    return log


def test_variants_are_the_file_column_sorted_once_each(espeak_log: Path) -> None:
    assert speech_corpus.espeak_variants() == ["adam", "f1", "m3"]


def test_speak_passes_the_voice_settings_and_resamples(espeak_log: Path, tmp_path: Path) -> None:
    phonemes = speech_corpus.speak("hello world", "en-us+f1", tmp_path / "a.wav", speed=123, pitch=45, amplitude=67)
    args = json.loads(espeak_log.read_text().splitlines()[-1])
    assert args[args.index("-v") + 1] == "en-us+f1" and args[-1] == "hello world"
    assert [args[args.index(flag) + 1] for flag in ("-s", "-p", "-a")] == ["123", "45", "67"]
    assert phonemes == "h ə l | w ɜː l d"
    wave, rate = read_wav(tmp_path / "a.wav")
    assert rate == SAMPLE_RATE and len(wave) == 1600  # 0.1 s at 22.05 kHz, resampled


def test_speak_adds_noise_at_the_signal_to_noise_ratio(espeak_log: Path, tmp_path: Path) -> None:
    speech_corpus.speak("x", "en-us", tmp_path / "clean.wav", amplitude=50)
    speech_corpus.speak("x", "en-us", tmp_path / "noisy.wav", amplitude=50, snr_db=10.0, seed=3)
    clean, noisy = read_wav(tmp_path / "clean.wav")[0], read_wav(tmp_path / "noisy.wav")[0]
    snr = 10 * np.log10(np.mean(clean ** 2) / np.mean((noisy - clean) ** 2))
    assert 9.0 < snr < 11.0


def test_a_loud_noisy_recording_is_scaled_not_clipped(espeak_log: Path, tmp_path: Path) -> None:
    speech_corpus.speak("x", "en-us", tmp_path / "loud.wav", amplitude=100, snr_db=0.0, seed=1)
    wave = read_wav(tmp_path / "loud.wav")[0]
    assert np.abs(wave).max() > 0.99 and int((np.abs(wave) > 0.99).sum()) <= 2


def test_speak_refuses_a_failed_espeak_even_when_it_left_a_file(espeak_log: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="espeak-ng -v en-us failed on 'fail': voice not found"):
        speech_corpus.speak("fail", "en-us", tmp_path / "f.wav")


def test_word_list_keeps_plain_words_up_to_n(monkeypatch: pytest.MonkeyPatch) -> None:
    words = ["the", "a", "i", "x", "don't", "Hello", "of2", "of", "to", "and", "in"]
    fake = types.SimpleNamespace(iter_wordlist=lambda language: iter(words if language == "en" else
                                                                      ["나", "사람", "ab", "우리가", "것"]))
    monkeypatch.setitem(sys.modules, "wordfreq", fake)
    assert speech_corpus.word_list("en", 5) == ["the", "a", "i", "of", "to"]
    assert speech_corpus.word_list("ko", 9) == ["사람", "우리가"]


def test_items_split_once_each_a_tenth_to_test_and_validation() -> None:
    split = speech_corpus._split_items(["w", "w", *"abcdefghijklmnopqrstuvwxy"], random.Random(0))
    assert [len(split[s]) for s in ("test", "val", "train")] == [2, 2, 21]  # 25 distinct items
    assert sorted(split["test"] + split["val"] + split["train"]) == list("abcdefghijklmnopqrstuvwxy")
    assert {s: len(v) for s, v in speech_corpus._split_items("ab", random.Random(0)).items()} == \
        {"test": 0, "val": 0, "train": 2}
    assert [len(v) for v in speech_corpus._split_items("abc", random.Random(0)).values()] == [1, 1, 1]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_phrases_are_split_80_10_10_and_their_words_stay_on_their_side(language: str) -> None:
    words = {"train": ["cat", "dog", "sun"], "val": ["red"], "test": ["blue"]}
    phrases = speech_corpus._phrases(language, words, 30, random.Random(1))
    assert {s: len(p) for s, p in phrases.items()} == {"train": 24, "val": 3, "test": 3}
    for side, texts in phrases.items():
        assert all(2 <= len(t.split()) <= (4 if language == "en" else 6) for t in texts), texts
        if language == "en":
            assert all(set(t.split()) <= set(words[side]) for t in texts)
    assert not set(phrases["test"]) & set(phrases["train"])


def test_jobs_take_each_training_text_takes_times_and_number_each_split_from_0() -> None:
    texts = {"train": ["a", "b"], "val": ["c"], "test": ["d"]}
    voices = {"train": ["m3"], "val": ["f1"], "test": ["adam"]}
    jobs = speech_corpus._jobs(texts, voices, "en", 3, True, random.Random(0))
    assert [(j.split, j.index, j.text, j.voice) for j in jobs] == [
        *[("train", i, t, "en-us+m3") for i, t in enumerate("aaabbb")], ("val", 0, "c", "en-us+f1"),
        ("test", 0, "d", "en-us+adam")]
    assert all(j.snr_db is not None and 10 <= j.snr_db <= 30 for j in jobs)
    assert all(j.snr_db is None for j in speech_corpus._jobs(texts, voices, "ko", 1, False, random.Random(0)))


def test_build_corpus_writes_each_split_with_its_own_voices(espeak_log: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speech_corpus, "word_list", lambda language, n: [f"w{chr(97 + i)}" for i in range(n)])
    monkeypatch.setattr(speech_corpus, "espeak_variants", lambda: ["adam", "f1"])
    counts = speech_corpus.build_corpus(tmp_path / "c", "en", words=3, phrases=10, takes=2, seed=0, workers=1,
                                        progress=False)
    assert counts == {"train": (1 + 8) * 2, "val": 1 + 1, "test": 1 + 1}
    meta = json.loads((tmp_path / "c" / "corpus.json").read_text())
    assert meta["utterances"] == counts and meta["takes"] == 2
    assert len(meta["voices"]["test"]) == len(meta["voices"]["val"]) == 1
    assert sorted(meta["voices"]["train"]) == ["adam", "f1"]  # two variants: training speaks with both
    assert (tmp_path / "c" / "train" / "manifest.tsv").read_text().startswith("audio\ttext\tphonemes\n")
    texts = {}
    for split, n in counts.items():
        utts = read_manifest(tmp_path / "c" / split)
        assert [u.audio.name for u in utts] == [f"{i:05d}.wav" for i in range(n)]
        assert all(u.phonemes == "h ə l | w ɜː l d" for u in utts)
        texts[split] = {u.text for u in utts}
    assert not texts["test"] & texts["train"] and {"wa", "wb", "wc"} <= texts["train"] | texts["val"] | texts["test"]


def test_an_unknown_language_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^--language fr: expected one of en, ko$"):
        speech_corpus.build_corpus(tmp_path / "c", "fr")
    assert not (tmp_path / "c").exists()
