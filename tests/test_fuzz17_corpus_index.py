"""The index files of corpus folders, ``captions.tsv`` (``rnnkit train caption --data DIR``) and ``manifest.tsv``
(``rnnkit train speech --data DIR``), fed damaged bytes (hypothesis, the mutations of test_fuzz_readers.py) and
hand-made hostile lines: :func:`read_captions` and :func:`read_manifest` return the corpus or raise a UserError
whose one-line message names the index file; never another exception."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from rnnkit.data.captions import read_captions
from rnnkit.data.speech import read_manifest
from rnnkit.errors import UserError
from tests import test_fuzz_readers as fuzz

EXAMPLES = fuzz.EXAMPLES
#: each reader, its index file, a good index, and the files it lists
CORPORA: dict[str, tuple[Callable[[Path], list], str, bytes, dict[str, bytes]]] = {
    "captions": (read_captions, "captions.tsv", b"image\tcaption\na.png\ta red square\n./a.png\ta red box\n"
                 b"b.png\tanother red square\n", {"a.png": fuzz.GOOD[".png"], "b.png": fuzz.GOOD[".png"]}),
    "manifest": (read_manifest, "manifest.tsv", "audio\ttext\tphonemes\na.wav\thello\th ə l oʊ\n"
                 "b.wav\tthere\tð ɛ ɹ\n".encode(), {"a.wav": fuzz.GOOD[".wav"], "b.wav": fuzz.GOOD[".wav"]}),
}


def corpus(root: Path, kind: str, index: bytes) -> Path:
    _, name, _, files = CORPORA[kind]
    root.mkdir(parents=True, exist_ok=True)
    for file, data in files.items():
        (root / file).write_bytes(data)
    (root / name).write_bytes(index)
    return root


@pytest.mark.parametrize("kind", sorted(CORPORA))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=fuzz.mutations())
def test_a_damaged_index_is_read_or_refused_by_name(kind: str, damage) -> None:
    read, name, good, _ = CORPORA[kind]
    with tempfile.TemporaryDirectory() as tmp:
        folder = corpus(Path(tmp) / "corpus", kind, damage(good))
        try:
            read(folder)
        except UserError as exc:
            assert str(folder / name) in str(exc) and "\n" not in str(exc), str(exc)


@pytest.mark.parametrize("kind", sorted(CORPORA))
def test_the_good_corpora_read(tmp_path: Path, kind: str) -> None:
    read, _, good, files = CORPORA[kind]
    items = read(corpus(tmp_path / "c", kind, good))
    assert [getattr(i, "image", None) or i.audio for i in items] == [tmp_path / "c" / f for f in files]


@pytest.mark.parametrize("kind", sorted(CORPORA))
@pytest.mark.parametrize("name", ["x" * 5000 + ".png", "/".join(["d" * 200] * 30)])
def test_a_listed_name_the_system_will_not_look_up_is_refused_at_its_line(tmp_path: Path, kind: str,
                                                                         name: str) -> None:
    """A name longer than the file system takes was OSError 'File name too long' from Path.is_file: a traceback
    of the readers and rnnkit.fit, and at the command line a line of the whole path, naming neither the index
    file nor its line."""
    read, index, good, _ = CORPORA[kind]
    lines = good.decode().split("\n")
    lines[2] = name + "\t" + lines[2].split("\t", 1)[1]
    folder = corpus(tmp_path / "c", kind, "\n".join(lines).encode())
    with pytest.raises(UserError, match=r":3: 'x{57}\.\.\.' \(5,004 characters\) cannot be looked up: File name "
                       if name.startswith("x") else r":3: 'd{57}\.\.\.' \(6,029 characters\) cannot be looked up"
                       ) as info:
        read(folder)
    assert str(folder / index) in str(info.value)
