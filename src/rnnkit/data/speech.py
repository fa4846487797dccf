"""Speech corpora: the ``manifest.tsv`` of a folder of audio files, phonemes from espeak-ng, and the symbols a
recogniser writes.

What a user gets:

- :func:`read_manifest`: the utterances of a corpus folder (or of its ``manifest.tsv``, given itself).
  ``manifest.tsv`` has the header ``audio<TAB>text`` (in any case, on its first line that is not blank) and an
  optional third column ``phonemes``; audio paths are relative to the folder. A field in double quotes, as CSV
  writers quote one that holds a double quote (pandas' ``to_csv(sep="\\t")``: ``"a ""quoted"" word"``), is read as
  they read it back; under a header ``audio,text`` (pandas' ``to_csv`` without a tab) the lines are CSV. A bad
  header, a line with the wrong number of fields, an empty field or a missing audio file is refused with the file
  and line; a recording listed again is named in a warning.
- :func:`phonemize`: the IPA phonemes espeak-ng speaks for a text (``"h ə l oʊ | w ɜː l d"``: phonemes
  separated by spaces, words by ``|``, stress marks dropped).
- :func:`symbols_of` and :func:`text_of`: the symbol sequence a model is trained on (phonemes, or
  characters with Korean syllables decomposed into jamo) and back to text.
"""

from __future__ import annotations

import csv
import re
import shlex
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rnnkit.data.split import corpus_index, header_separator, index_header, listed_file, unquoted
from rnnkit.data.tabular import FIELD_SIZE_LIMIT, file_lines
from rnnkit.errors import UserError, warn

__all__ = ["SPACE", "Utterance", "espeak_command", "phonemize", "read_manifest", "symbols_of", "text_of"]

SPACE = "|"                          # the word boundary among the symbols
_STRESS = re.compile("[ˈˌ'’,-]")    # stress marks espeak-ng puts before a syllable, and its linking hyphen
_LANGUAGE_SWITCH = re.compile(r"\([\w-]+\)")  # "(en)" ... "(fr)": espeak-ng speaking a word in another voice
_HANGUL = re.compile("[가-힣]")


@dataclass(frozen=True)
class Utterance:
    """One line of a manifest: the audio file's path, its transcript, (when given) its phonemes, and where it is
    listed (``corpus/manifest.tsv:3``, which a refusal of its recording names; not compared)."""

    audio: Path
    text: str
    phonemes: str | None = None
    listed: str = field(default="", compare=False)


def read_manifest(folder: str | Path) -> list[Utterance]:
    """The utterances listed in ``folder/manifest.tsv`` (see the module docstring for the format); ``folder``
    may be that ``manifest.tsv`` itself."""
    try:
        folder, path = corpus_index(folder, "manifest.tsv", "a speech corpus", "the header 'audio<TAB>text'")
    except UserError:
        _refuse_ljspeech(Path(folder))
        raise
    lines = file_lines(path)  # a BOM dropped; bad bytes named by line
    first, at, header = _manifest_header(path, lines)
    out, first_line, again = [], {}, []
    for number, line in enumerate(lines[first:], start=first + 1):
        if not line.strip():
            continue
        fields = _fields(path, number, line, at, header)
        for name, value in zip(header, fields, strict=True):
            if not value.strip():
                raise UserError(f"{path}:{number}: empty {name}")
        audio = listed_file(path, number, folder, fields[0])
        if audio is None:
            raise _not_listed(path, number, folder, fields[0])
        out.append(Utterance(audio, fields[1].strip(), fields[2].strip() if len(fields) == 3 else None,
                             f"{path}:{number}"))
        if first_line.setdefault(audio, number) != number:
            again.append((number, fields[0], first_line[audio]))
    if again:
        number, name, before = again[0]
        warn(f"{path}:{number}: {name!r} is listed again (first on line {before}); lines repeating a recording: "
             f"{len(again)} of {len(out)}, each counted again in training (a split can put it on both sides) and in "
             "the error rates")
    if not out:
        raise UserError(f"{path}: no utterances; expected lines 'audio<TAB>text' (an audio file's path and its "
                        "transcript) under the header")
    return out


def _not_listed(path: Path, number: int, folder: Path, name: str) -> UserError:
    """The refusal of line ``number``'s audio path ``name``, which names no file: a directory, or no such file; a name
    with spaces around it (``a.wav , hello``) says where the name without them is a file (a name may hold spaces, so
    they are not taken out unasked: it was 'no such audio file 'a.wav '' alone)."""
    relative = f"(paths are relative to {folder})"
    if (folder / name).is_dir():
        return UserError(f"{path}:{number}: {name!r} is a directory, not an audio file {relative}")
    bare = name.strip()
    hint = (f"; {bare!r} (without the spaces around it) is a file: take the spaces out of the manifest"
            if bare != name and bare and listed_file(path, number, folder, bare) is not None else "")
    return UserError(f"{path}:{number}: no such audio file {name!r} {relative}{hint}")


def _refuse_ljspeech(given: Path) -> None:
    """Refuse LJSpeech's ``metadata.csv`` (``ID|transcript|normalized transcript``: no audio path, the recordings in
    ``wavs/ID.wav``), given itself or as the folder that holds it, in one line with the command that writes the
    manifest from it (it was 'not a speech corpus' with no hint); nothing for any other file."""
    meta = given / "metadata.csv" if given.is_dir() else given
    if not meta.is_file():
        return
    with meta.open(encoding="utf-8", errors="replace") as file:
        first = next((line.strip() for line in file.read(1 << 16).splitlines() if line.strip()), "")  # not all of it
    fields = first.split("|")
    if len(fields) not in (2, 3) or "\t" in first or not fields[0] or " " in fields[0]:
        return
    awk = ("awk -F'|' 'BEGIN {print \"audio\\ttext\"} {print \"wavs/\" $1 \".wav\\t\" $NF}' "
           f"{shlex.quote(str(meta))} > {shlex.quote(str(meta.parent / 'manifest.tsv'))}")
    raise UserError(f"{meta}: LJSpeech's metadata (ID|transcript|normalized transcript, the recordings in "
                    f"wavs/ID.wav), not a manifest with the header 'audio<TAB>text'; write one from it with `{awk}`, "
                    f"then give the folder {meta.parent}")


#: the headers a manifest may have
_HEADERS = (["audio", "text"], ["audio", "text", "phonemes"])


def _manifest_header(path: Path, lines: list[str]) -> tuple[int, str, list[str]]:
    """The line number of a manifest's header, what its fields are split at (a tab; a comma under ``audio,text``, as
    pandas' ``to_csv`` writes a table without ``sep="\\t"``, which was refused as 'found 'audio,text'') and its names;
    a UserError for any other first line (that of a table pandas wrote with its index says to leave it out)."""
    first, _ = index_header(lines)
    found = header_separator(lines[first - 1], _HEADERS) if first else None
    if found is None:
        indexed = bool(first) and header_separator(lines[first - 1], [["", *names] for names in _HEADERS]) is not None
        hint = ("; its first column has no name, as pandas' to_csv writes the table's index: write it with "
                "index=False" if indexed else "")
        raise UserError(f"{path}:{max(first, 1)}: expected the header 'audio<TAB>text' or "
                        f"'audio<TAB>text<TAB>phonemes', found {repr(lines[first - 1]) if first else 'an empty file'}"
                        f"{hint}")
    return first, *found


def _fields(path: Path, number: int, line: str, at: str, header: list[str]) -> list[str]:
    """The fields of line ``number`` of a manifest, split at ``at`` (a tab: each field read as a CSV writer quoted it,
    :func:`~rnnkit.data.split.unquoted`; a comma: as CSV, a transcript with commas in double quotes), as many as the
    ``header`` names."""
    if at == "\t":
        fields = [unquoted(field) for field in line.split("\t")]  # a transcript with '"' as pandas writes it
    else:
        csv.field_size_limit(FIELD_SIZE_LIMIT)  # a long transcript read as under a tab (see read_captions)
        try:
            fields = next(csv.reader([line], strict=True))  # an unclosed quote refused, not read to the end
        except csv.Error as exc:
            raise UserError(f"{path}:{number}: expected comma-separated fields as CSV, as the header says: "
                            f"{exc}") from None
    if len(fields) != len(header):
        kind, hint = (("tab", "") if at == "\t" else
                      ("comma", "; a transcript that holds a comma goes in double quotes"))
        raise UserError(f"{path}:{number}: expected {len(header)} {kind}-separated fields "
                        f"({', '.join(header)}), found {len(fields)}{hint}")
    return fields


def espeak_command() -> str:
    """The path of ``espeak-ng``, or a :class:`UserError` that says how to install it."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise UserError("espeak-ng is not installed: run `make data-speech` "
                        "(apt-get install espeak-ng) to speak or phonemize text")
    return exe


def parse_phonemes(espeak_output: str) -> str:
    """espeak-ng's ``--ipa --sep=' '`` output → phonemes separated by spaces, words by ``|``. Its markers of
    a switch to another language's voice (``(en)`` ... ``(fr)``) and its linking hyphens are left out: they
    are not sounds."""
    words = []
    for line in espeak_output.splitlines():
        for word in re.split(r" {2,}", line.strip()):
            phones = [_STRESS.sub("", p) for p in _LANGUAGE_SWITCH.sub(" ", word).split(" ")]
            phones = [p for p in phones if p]
            if phones:
                words.append(" ".join(phones))
    return f" {SPACE} ".join(words)


def phonemize(text: str, voice: str = "en-us") -> str:
    """The phonemes espeak-ng speaks for ``text`` with ``voice`` (see :func:`parse_phonemes`). The text
    follows ``--``, so one that starts with a dash ("-5 degrees") is spoken, not read as espeak's options."""
    if not isinstance(voice, str) or not voice or voice.startswith("-"):
        raise UserError(f"voice {voice!r}: expected an espeak-ng voice name such as en-us")
    run = subprocess.run([espeak_command(), "-q", "--ipa", "--sep= ", "-v", voice, "--", text],
                         capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise UserError(f"espeak-ng -v {voice} failed on {text!r}: {run.stderr.strip()}")
    return parse_phonemes(run.stdout)


def symbols_of(utterance_text: str, phonemes: str | None, kind: str, jamo: bool = False) -> list[str]:
    """The symbols of one utterance: its phonemes (``kind="phonemes"``) or the characters of its text
    (``kind="chars"``; spaces become ``|``, Hangul syllables become jamo with ``jamo=True``; else the text is
    NFC-normalised, so that ``é`` typed as ``e`` and a combining accent, as macOS writes it, is one symbol, the
    one :func:`text_of` writes)."""
    if kind == "phonemes":
        if phonemes is None:
            raise UserError(f"no phonemes for {utterance_text!r}")
        return phonemes.split()
    text = unicodedata.normalize("NFD" if jamo else "NFC", " ".join(utterance_text.split()))
    return [SPACE if c == " " else c for c in text]


def text_of(symbols: list[str], kind: str) -> str:
    """Symbols back to text: phonemes joined by spaces; characters joined, ``|`` as a space and jamo
    recomposed into syllables."""
    if kind == "phonemes":
        return " ".join(symbols)
    return unicodedata.normalize("NFC", "".join(" " if s == SPACE else s for s in symbols))


def is_korean(text: str) -> bool:
    """Whether ``text`` holds Hangul syllables, composed or typed as jamo (then jamo decomposition is the default
    for characters)."""
    return bool(_HANGUL.search(unicodedata.normalize("NFC", text)))
