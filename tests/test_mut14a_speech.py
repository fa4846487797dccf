"""Gaps a mutation audit of :mod:`rnnkit.data.speech` found (round 14): a manifest line with more fields than
its header, a field of spaces only, a line of spaces only, a third header column other than phonemes, spaces
around the text and phonemes, a folder where a WAV file goes, and espeak-ng's lines and words without phonemes;
an unknown voice, runs of spaces and compatibility characters in a transcript, the last Hangul syllables, and a
text without phonemes where phonemes are the symbols."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.speech import is_korean, parse_phonemes, phonemize, read_manifest, symbols_of, text_of
from rnnkit.errors import UserError

soundfile = pytest.importorskip("soundfile")


def _corpus(folder: Path, manifest: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(folder / "a.wav"), np.zeros(800, dtype=np.float32), 16000, subtype="PCM_16")
    (folder / "manifest.tsv").write_text(manifest, encoding="utf-8")
    return folder


def test_a_line_with_more_fields_than_the_header_is_refused_by_line(tmp_path: Path) -> None:
    """A transcript holding a tab (a third field under a two-column header) was not silently cut or crashed."""
    folder = _corpus(tmp_path / "c", "audio\ttext\na.wav\thi\nb.wav\tsay\tthis\n")
    with pytest.raises(UserError, match=r"manifest.tsv:3: expected 2 tab-separated fields \(audio, text\), found 3$"):
        read_manifest(folder)


@pytest.mark.parametrize("header, line, name", [("audio\ttext", "a.wav\t  ", "text"),
                                                ("audio\ttext", "  \thi", "audio"),
                                                ("audio\ttext\tphonemes", "a.wav\thi\t ", "phonemes")])
def test_a_field_of_spaces_only_is_empty(tmp_path: Path, header: str, line: str, name: str) -> None:
    folder = _corpus(tmp_path / "c", f"{header}\n{line}\n")
    with pytest.raises(UserError, match=rf"manifest.tsv:2: empty {name}$"):
        read_manifest(folder)


def test_a_line_of_spaces_only_is_skipped_like_an_empty_one(tmp_path: Path) -> None:
    folder = _corpus(tmp_path / "c", "audio\ttext\n   \na.wav\t hi \n\t\n \n")
    [utterance] = read_manifest(folder)
    assert (utterance.audio, utterance.text, utterance.phonemes) == (folder / "a.wav", "hi", None)


@pytest.mark.parametrize("header", ["audio\ttext\ttext", "audio\ttext\tspeaker", "audio\tphonemes\ttext",
                                    "text\taudio"])
def test_a_header_other_than_audio_text_and_phonemes_is_refused(tmp_path: Path, header: str) -> None:
    folder = _corpus(tmp_path / "c", f"{header}\na.wav\thi\tx\n")
    found = re.escape(repr(header))
    with pytest.raises(UserError, match=rf"manifest.tsv:1: expected the header .* found {found}$"):
        read_manifest(folder)


def test_the_text_and_phonemes_are_read_without_their_surrounding_spaces(tmp_path: Path) -> None:
    folder = _corpus(tmp_path / "c", "audio\ttext\tphonemes\na.wav\t hi there \t h aɪ | ð ɛɹ \n")
    [utterance] = read_manifest(folder)
    assert (utterance.text, utterance.phonemes) == ("hi there", "h aɪ | ð ɛɹ")


def test_a_folder_named_as_the_audio_is_refused_at_its_line(tmp_path: Path) -> None:
    folder = _corpus(tmp_path / "c", "audio\ttext\na.wav\thi\nclips\tthere\n")
    (folder / "clips").mkdir()
    with pytest.raises(UserError, match=r"manifest.tsv:3: 'clips' is a directory, not an audio file \(paths are "):
        read_manifest(folder)


def test_espeak_lines_and_words_without_phonemes_are_not_words() -> None:
    """A blank line between clauses, a language switch standing alone between words: no empty word (``| |``)."""
    assert parse_phonemes("h ə l ˈoʊ\n\n  w ˈɜː l d  \n") == "h ə l oʊ | w ɜː l d"
    assert parse_phonemes("l ə  (en)  w ˈiː k  (fr)\n") == "l ə | w iː k"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_an_unknown_voice_is_refused_with_espeaks_words() -> None:
    with pytest.raises(UserError, match=r"^espeak-ng -v xx-nonexistent failed on 'hello': .*voice does not exist"):
        phonemize("hello", "xx-nonexistent")


def test_runs_of_spaces_in_a_transcript_are_one_word_boundary() -> None:
    assert symbols_of("  a \t b  ", None, "chars") == ["a", "|", "b"]


def test_compatibility_characters_are_kept_and_hangul_round_trips() -> None:
    """Jamo come from the canonical decomposition: a ligature or a full-width letter stays itself."""
    text = "ﬁ Ａ 힘해"
    symbols = symbols_of(text, None, "chars", jamo=True)
    assert symbols[:4] == ["ﬁ", "|", "Ａ", "|"] and len(symbols) == 4 + 5
    assert text_of(symbols, "chars") == text


@pytest.mark.parametrize("text, korean", [("가", True), ("힘", True), ("힣", True), ("해", True), ("ㄱ", False),
                                          ("abc", False)])
def test_hangul_syllables_up_to_the_last_are_korean(text: str, korean: bool) -> None:
    assert is_korean(text) is korean


def test_a_text_without_phonemes_is_refused_when_phonemes_are_the_symbols() -> None:
    with pytest.raises(UserError, match=r"^no phonemes for 'hi'$"):
        symbols_of("hi", None, "phonemes")
    assert symbols_of("hi", "h aɪ", "phonemes") == ["h", "aɪ"]
