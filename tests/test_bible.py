"""The English–Spanish Bible pairs: a reader test on two tiny SWORD zText modules written here, byte for
byte as SWORD lays them out, plus one check on the real Debian modules where they are installed."""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import pytest

from rnnkit.data import bible
from rnnkit.data.bible import DEBIAN_HINT, PIP_HINT, clean_verse, load_bible_en_es, split_by_chapter
from rnnkit.errors import UserError

# Chapter lengths of the KJV versification for the books used here (SWORD's canon.h), and each book's
# place in its testament: Genesis and Exodus are the first two of the Old, Matthew the first of the New.
GEN = [31, 25, 24, 26, 32, 22, 24, 22, 29, 32, 32, 20, 18, 24, 21, 16, 27, 33, 38, 18, 34, 24, 20, 67, 34, 35,
       46, 22, 35, 43, 55, 32, 20, 31, 29, 43, 36, 30, 23, 23, 57, 38, 34, 34, 28, 34, 31, 22, 33, 26]  # fmt: skip
EXOD = [22, 25, 22, 31, 23, 30, 25, 32, 35, 29, 10, 51, 22, 31, 27, 36, 16, 27, 25, 26, 36, 31, 33, 18, 40, 37,
        21, 43, 46, 38, 18, 35, 23, 35, 35, 38, 29, 31, 43, 38]  # fmt: skip
MATT = [25, 23, 17, 25, 48, 34, 29, 34, 38, 42, 30, 50, 58, 36, 39, 28, 27, 35, 30, 34, 46, 46, 39, 51, 46, 75,
        66, 20]  # fmt: skip
BOOKS = {"Gen": ("ot", [GEN]), "Exod": ("ot", [GEN, EXOD]), "Matt": ("nt", [MATT])}


def _index(book: str, chapter: int, verse: int) -> tuple[str, int]:
    """SWORD's verse index in its testament: 0 is empty, 1 the testament's heading, then for each book a
    heading, and for each chapter a heading followed by its verses."""
    testament, lengths = BOOKS[book]
    offset = 2 + sum(sum(ls) + len(ls) + 1 for ls in lengths[:-1])
    own = lengths[-1]
    return testament, offset + sum(own[: chapter - 1]) + chapter + verse


def write_ztext(root: Path, name: str, lang: str, verses: dict[tuple[str, int, int], str]) -> None:
    """A zText module (BlockType=BOOK, CompressType=ZIP) under the SWORD data path ``root``: per
    testament ``*.bzz`` (one zlib block per book), ``*.bzs`` (each block: offset, size, uncompressed
    size as <III) and ``*.bzv`` (each verse index: block, start, length as <IIH); plus ``mods.d``."""
    data = root / "modules" / "texts" / "ztext" / name.lower()
    data.mkdir(parents=True)
    by_testament: dict[str, dict[str, dict[int, bytes]]] = {}
    for (book, chapter, verse), text in verses.items():
        testament, idx = _index(book, chapter, verse)
        by_testament.setdefault(testament, {}).setdefault(book, {})[idx] = text.encode("utf-8")
    for testament, books in by_testament.items():
        records: dict[int, tuple[int, int, int]] = {}
        bzz, bzs = b"", b""
        for block, (_book, entries) in enumerate(sorted(books.items(), key=lambda kv: min(kv[1]))):
            raw = b""
            for idx in sorted(entries):
                records[idx] = (block, len(raw), len(entries[idx]))
                raw += entries[idx]
            packed = zlib.compress(raw)
            bzs += struct.pack("<III", len(bzz), len(packed), len(raw))
            bzz += packed
        bzv = b"".join(struct.pack("<IIH", *records.get(i, (0, 0, 0))) for i in range(max(records) + 1))
        (data / f"{testament}.bzz").write_bytes(bzz)
        (data / f"{testament}.bzs").write_bytes(bzs)
        (data / f"{testament}.bzv").write_bytes(bzv)
    (root / "mods.d").mkdir(exist_ok=True)
    (root / "mods.d" / f"{name.lower()}.conf").write_text(
        f"[{name}]\nDescription=test module\nDataPath=./modules/texts/ztext/{name.lower()}/\nModDrv=zText\n"
        f"SourceType=OSIS\nEncoding=UTF-8\nCompressType=ZIP\nBlockType=BOOK\nVersification=KJV\nLang={lang}\n",
        encoding="utf-8",
    )


def _w(strong: str, word: str) -> str:
    return f'<w lemma="strong:{strong}">{word}</w>'


EN = {
    ("Gen", 1, 1): f"In the {_w('H7225', 'beginning')} {_w('H0430', 'God')} created the heaven &amp; the earth. ",
    ("Gen", 1, 2): "And the earth was without form.",
    ("Gen", 1, 3): '<div type="x-milestone" subType="x-preverse" sID="pv1"/>¶ And God said,<note placement="foot">'
    '<reference type="annotateRef">1.3 </reference>Heb. \\+nd LORD\\+nd*</note>  Let there be light.',
    ("Gen", 2, 1): '<title type="section">The Seventh Day</title>Thus the heavens were finished.',
    ("Gen", 2, 2): "And on the seventh day God ended his work.",
    ("Gen", 3, 1): "Now the serpent was more subtil.",
    ("Exod", 1, 1): "Now these are the names.",
    ("Exod", 1, 2): "Reuben, Simeon, Levi, and Judah,",
    ("Exod", 2, 1): 'And there went<lb type="x-p"/>a man of the house of Levi.',
    ("Exod", 2, 2): "And the woman conceived.",
    ("Exod", 3, 1): "Now Moses kept the flock.",
    ("Exod", 3, 2): "And the angel of the \\nd LORD\\nd* appeared.",
    ("Matt", 1, 1): '<title canonical="true" type="psalm">A Psalm.</title> The book of the generation.',
    ("Matt", 1, 2): "Abraham begat Isaac.",
    ("Matt", 2, 1): "Now when Jesus was born.",
    ("Matt", 3, 1): "In those days came John the Baptist.",
}
ES = {
    ("Gen", 1, 1): f"{_w('H7225', 'EN el principio')} crió Dios los cielos y la tierra.",
    ("Gen", 1, 2): "   ",  # empty once cleaned: dropped, the rest of the chapter stays
    ("Gen", 1, 3): "Y dijo Dios: Sea la luz.",
    ("Gen", 2, 1): "Y FUERON acabados los cielos.",
    ("Gen", 2, 2): "Y acabó Dios en el día séptimo su obra.",
    ("Gen", 3, 1): "EMPERO la serpiente era astuta.",
    ("Exod", 1, 1): "ESTOS son los nombres.",
    ("Exod", 1, 2): "Rubén, Simeón, Leví y Judá;",
    ("Exod", 2, 1): "UN varón de la familia de Leví.",
    # Exodus 2:2 is missing: the chapter ends early, so Exodus 2 and 3 are unsure and dropped whole
    ("Exod", 3, 1): "Y APACENTANDO Moisés las ovejas.",
    ("Exod", 3, 2): "Y apareciósele el Angel de Jehová.",
    ("Matt", 1, 1): "LIBRO de la generación.",
    ("Matt", 1, 2): "Abraham engendró á Isaac.",
    ("Matt", 2, 1): "Y COMO fué nacido Jesús.",
    ("Matt", 3, 1): "Y EN aquellos días vino Juan el Bautista.",
}
WANTED = {
    ("Gen", 1, 1): (
        "In the beginning God created the heaven & the earth.",
        "EN el principio crió Dios los cielos y la tierra.",
    ),
    ("Gen", 1, 3): ("And God said, Let there be light.", "Y dijo Dios: Sea la luz."),
    ("Gen", 2, 1): ("Thus the heavens were finished.", "Y FUERON acabados los cielos."),
    ("Gen", 2, 2): ("And on the seventh day God ended his work.", "Y acabó Dios en el día séptimo su obra."),
    ("Gen", 3, 1): ("Now the serpent was more subtil.", "EMPERO la serpiente era astuta."),
    ("Exod", 1, 1): ("Now these are the names.", "ESTOS son los nombres."),
    ("Exod", 1, 2): ("Reuben, Simeon, Levi, and Judah,", "Rubén, Simeón, Leví y Judá;"),
    ("Matt", 1, 1): ("A Psalm. The book of the generation.", "LIBRO de la generación."),
    ("Matt", 1, 2): ("Abraham begat Isaac.", "Abraham engendró á Isaac."),
    ("Matt", 2, 1): ("Now when Jesus was born.", "Y COMO fué nacido Jesús."),
    ("Matt", 3, 1): ("In those days came John the Baptist.", "Y EN aquellos días vino Juan el Bautista."),
}
ORDER = {"Gen": 1, "Exod": 2, "Matt": 40}


@pytest.fixture(autouse=True)
def _fresh_cache():
    bible._load.cache_clear()
    yield
    bible._load.cache_clear()


@pytest.fixture
def sword(tmp_path: Path) -> Path:
    pytest.importorskip("pysword", reason="pysword is missing: pip install 'rnnkit[bible]'")
    write_ztext(tmp_path, "engKJV2006eb", "en", EN)
    write_ztext(tmp_path, "spaRV1909eb", "es", ES)
    return tmp_path


def _one_line(message: str) -> None:
    assert "\n" not in message and "Traceback" not in message


def test_pairs_are_aligned_by_reference_and_clean(sword: Path) -> None:
    splits = load_bible_en_es(sword)
    assert set(splits) == {"train", "val", "test"}
    got = sorted(pair for pairs in splits.values() for pair in pairs)
    assert got == sorted(WANTED.values())
    for en, es in got:
        assert "<" not in en + es and "strong" not in en + es and "¶" not in en and "\\" not in en
        assert en == en.strip() and "  " not in en + es
    # each side keeps canonical order (book, chapter, verse)
    ref_of = {pair: ref for ref, pair in WANTED.items()}
    for pairs in splits.values():
        refs = [ref_of[p] for p in pairs]
        assert refs == sorted(refs, key=lambda r: (ORDER[r[0]], r[1], r[2]))


def test_empty_and_missing_verses_are_dropped(sword: Path) -> None:
    pairs = [p for side in load_bible_en_es(sword).values() for p in side]
    english = {en for en, _ in pairs}
    assert "And the earth was without form." not in english  # Spanish Gen 1:2 is blank
    assert "And God said, Let there be light." in english  # the rest of Gen 1 stays
    # Exodus 2 ends a verse early in Spanish: Exodus 2 and 3 are unsure, both dropped whole
    assert not any("Levi." in en or "Moses" in en or "woman" in en for en in english)
    verses = bible.read_module(sword, "spaRV1909eb")
    assert (1, 1, 2) not in verses and verses[(1, 1, 3)] == "Y dijo Dios: Sea la luz."
    assert verses[(40, 1, 1)] == "LIBRO de la generación."


def test_split_is_by_chapter_and_deterministic(sword: Path) -> None:
    first = load_bible_en_es(sword)
    bible._load.cache_clear()
    again = load_bible_en_es(sword)
    assert first == again
    ref_of = {pair: ref for ref, pair in WANTED.items()}
    chapters = {side: {ref_of[p][:2] for p in pairs} for side, pairs in first.items()}
    assert not chapters["train"] & chapters["val"]
    assert not chapters["train"] & chapters["test"]
    assert not chapters["val"] & chapters["test"]
    # 7 chapters: one each for validation and test, the rest for training
    assert [len(chapters[s]) for s in ("train", "val", "test")] == [5, 1, 1]
    # the split helper: a fixed seed, independent of the order the chapters come in
    many = [(b, c) for b in range(1, 67) for c in range(1, 19)]
    sides = split_by_chapter(many)
    assert sides == split_by_chapter(list(reversed(many)))
    assert sides != split_by_chapter(many, seed=1)
    assert [len(sides[s]) for s in ("train", "val", "test")] == [1070, 59, 59]
    assert set().union(*sides.values()) == set(many)


def test_cached_in_memory_and_callers_get_their_own_lists(sword: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_bible_en_es(sword)
    first["train"].clear()
    monkeypatch.setenv("SWORD_PATH", str(sword))
    second = load_bible_en_es()
    assert bible._load.cache_info().hits == 1
    assert sum(len(v) for v in second.values()) == len(WANTED)


def test_missing_modules_say_which_packages_to_install(tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        load_bible_en_es(tmp_path / "nowhere")
    assert DEBIAN_HINT in str(err.value)
    assert "make data-bible" in str(err.value) and "apt-get install sword-text-kjv sword-text-sparv" in str(err.value)
    _one_line(str(err.value))


def test_only_one_module_or_its_files_missing(tmp_path: Path) -> None:
    pytest.importorskip("pysword", reason="pysword is missing: pip install 'rnnkit[bible]'")
    write_ztext(tmp_path, "engKJV2006eb", "en", EN)
    with pytest.raises(UserError, match="no Reina-Valera SWORD module") as err:
        load_bible_en_es(tmp_path)
    assert DEBIAN_HINT in str(err.value)
    write_ztext(tmp_path, "spaRV1909eb", "es", ES)
    for f in (tmp_path / "modules" / "texts" / "ztext" / "sparv1909eb").iterdir():
        f.unlink()
    with pytest.raises(UserError, match="files of SWORD module spaRV1909eb are missing") as err:
        load_bible_en_es(tmp_path)
    _one_line(str(err.value))


def test_split_takes_each_of_its_fractions() -> None:
    chapters = [(book, chapter) for book in (1, 2) for chapter in range(1, 51)]
    sides = split_by_chapter(chapters, fractions=(0.7, 0.1, 0.2))
    assert {side: len(got) for side, got in sides.items()} == {"val": 10, "test": 20, "train": 70}
    assert set().union(*sides.values()) == set(chapters)


@pytest.mark.parametrize("names, whole", [(("nt.bzs", "nt.bzv", "nt.bzz"), True),
                                          (("ot.bzs", "ot.bzv", "ot.bzz"), True),
                                          (("nt.bzs", "nt.bzv", "ot.bzz"), False), ((), False)])
def test_a_module_of_one_testament_is_there_when_all_its_files_are(tmp_path: Path, names: tuple[str, ...],
                                                                   whole: bool) -> None:
    """A New Testament module (many translations have no Old) is a module; half of a testament's files is none."""
    for name in names:
        (tmp_path / name).write_bytes(b"")
    assert bible._has_data(tmp_path, {"moddrv": "zText", "blocktype": "BOOK"}) is whole


def test_missing_pysword_says_pip_install(sword: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pysword", None)
    monkeypatch.setitem(sys.modules, "pysword.bible", None)
    with pytest.raises(UserError) as err:
        load_bible_en_es(sword)
    assert str(err.value) == PIP_HINT
    assert "pip install 'rnnkit[bible]'" in str(err.value)
    _one_line(str(err.value))


def test_clean_verse_for_each_markup() -> None:
    osis = (
        '<title type="section">Heading</title><w lemma="strong:G2424" morph="robinson:N-NSM">Jesus</w> '
        '<transChange type="added">was</transChange><note type="study">a note <reference>Mt 1:1</reference></note>'
        ' born<lb/>there &amp; then<milestone type="x-p" marker="¶"/>.'
    )
    assert clean_verse(osis, "OSIS") == "Jesus was born there & then."
    thml = 'In the <sync type="Strongs" value="H7225"/>beginning<note>Or, at first</note><br/>God <i>made</i> it.'
    assert clean_verse(thml, "ThML") == "In the beginning God made it."
    gbf = "<TS>Title<Ts>In the beginning<WH7225> God<WH430> <FI>created<Fi><RF>a note<Rf><CM>the heaven."
    assert clean_verse(gbf, "GBF") == "In the beginning God created the heaven."
    assert clean_verse("  \n ¶ ") == ""


@pytest.mark.slow
def test_real_debian_modules() -> None:
    root = bible.default_root()
    confs = bible._read_confs(root)
    if not (bible._find_module(confs, bible.ENGLISH_MODULES) and bible._find_module(confs, bible.SPANISH_MODULES)):
        pytest.skip(f"Debian packages sword-text-kjv and sword-text-sparv are not installed under {root}")
    pytest.importorskip("pysword", reason="pysword is missing: pip install 'rnnkit[bible]'")
    splits = load_bible_en_es()
    sizes = {side: len(pairs) for side, pairs in splits.items()}
    assert sum(sizes.values()) > 30_000 and sizes["val"] > 1_000 and sizes["test"] > 1_000
    assert splits["train"][0] == (
        "In the beginning God created the heaven and the earth.",
        "EN el principio crió Dios los cielos y la tierra.",
    )
    assert not any("<" in en + es or "\\" in en + es or "¶" in en for en, es in splits["train"])
