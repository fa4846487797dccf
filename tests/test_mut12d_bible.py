"""rnnkit.data.bible: the module settings read from ``mods.d``, the block type's file names, and the markup each
source type removes (gaps the tests on the tiny zText modules of test_bible left open)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_bible import write_ztext

from rnnkit.data import bible
from rnnkit.data.bible import clean_verse
from rnnkit.errors import UserError


def test_conf_files_keep_the_first_of_a_key_skip_comments_and_read_latin_1(tmp_path: Path) -> None:
    (tmp_path / "mods.d").mkdir()
    (tmp_path / "mods.d" / "kjv.conf").write_bytes(
        "# DataPath=./nowhere/\n[KJV]\nDataPath=./modules/kjv/\n#Encoding=Latin-1\nDataPath=./other/\n"
        "About=Reina-Valera ©\n".encode("latin-1"))
    confs = bible._read_confs(tmp_path)
    assert confs == {"KJV": {"datapath": "./modules/kjv/", "about": "Reina-Valera ©"}}


def test_a_chapter_block_module_needs_its_chapter_files(tmp_path: Path) -> None:
    conf = {"moddrv": "zText", "blocktype": "CHAPTER"}
    for name in ("nt.bzs", "nt.bzv", "nt.bzz"):
        (tmp_path / name).write_bytes(b"")
    assert not bible._has_data(tmp_path, conf)
    for name in ("nt.czs", "nt.czv", "nt.czz"):
        (tmp_path / name).write_bytes(b"")
    assert bible._has_data(tmp_path, conf)


@pytest.mark.parametrize("text, source_type, want", [
    ("In the <scripRef>Gen 1:1</scripRef>beginning", "ThML", "In the beginning"),
    ("In the <scripRef>Gen 1:1</scripRef>beginning", "thml", "In the beginning"),
    ("the angel of the \\nd LORD\\nd* appeared", "OSIS", "the angel of the LORD appeared"),
    ("the \\+nd LORD\\+nd* said", "GBF", "the LORD said"),
])
def test_each_markup_and_the_usfm_markers_are_removed(text: str, source_type: str, want: str) -> None:
    assert clean_verse(text, source_type) == want


def test_a_module_the_data_path_does_not_describe_is_named(tmp_path: Path) -> None:
    (tmp_path / "mods.d").mkdir()
    (tmp_path / "mods.d" / "kjv.conf").write_text("[KJV]\nDataPath=./modules/kjv/\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"no SWORD module SpaRV; --data bible-en-es needs"):
        bible.read_module(tmp_path, "SpaRV")


def test_the_last_chapter_of_a_book_is_read(tmp_path: Path) -> None:
    pytest.importorskip("pysword", reason="pysword is missing: pip install 'rnnkit[bible]'")
    write_ztext(tmp_path, "KJV", "en", {("Gen", 1, 1): "In the beginning.", ("Gen", 50, 26): "So Joseph died."})
    assert bible.read_module(tmp_path, "KJV") == {(1, 1, 1): "In the beginning.", (1, 50, 26): "So Joseph died."}


def test_three_chapters_give_one_to_each_side() -> None:
    sides = bible.split_by_chapter([(1, 1), (1, 2), (1, 3)])
    assert sorted(len(chapters) for chapters in sides.values()) == [1, 1, 1]


def test_a_new_testament_module_keys_its_books_by_their_place_in_the_whole_bible(tmp_path: Path) -> None:
    """pysword lists a module's own testaments only: Matthew of a New Testament module was book 1 and its verses
    were paired with Genesis."""
    pytest.importorskip("pysword", reason="pysword is missing: pip install 'rnnkit[bible]'")
    bible._load.cache_clear()
    write_ztext(tmp_path, "KJV", "en", {("Gen", 1, 1): "In the beginning.", ("Matt", 1, 1): "The book."})
    write_ztext(tmp_path, "SpaRV", "es", {("Matt", 1, 1): "LIBRO."})
    assert bible.read_module(tmp_path, "SpaRV") == {(40, 1, 1): "LIBRO."}
    assert bible.load_bible_en_es(tmp_path)["train"] == [("The book.", "LIBRO.")]


def test_modules_that_share_no_verse_are_refused(tmp_path: Path) -> None:
    pytest.importorskip("pysword", reason="pysword is missing: pip install 'rnnkit[bible]'")
    bible._load.cache_clear()
    write_ztext(tmp_path, "KJV", "en", {("Gen", 1, 1): "In the beginning."})
    write_ztext(tmp_path, "SpaRV", "es", {("Matt", 1, 1): "LIBRO de la generación."})
    with pytest.raises(UserError, match=r"modules KJV and SpaRV share no verse; --data bible-en-es needs"):
        bible.load_bible_en_es(tmp_path)


def test_the_module_source_type_chooses_the_markup_removed(tmp_path: Path) -> None:
    pytest.importorskip("pysword", reason="pysword is missing: pip install 'rnnkit[bible]'")
    write_ztext(tmp_path, "KJV", "en", {("Gen", 1, 1): "In the <scripRef>Gen 1:1</scripRef>beginning."})
    conf = tmp_path / "mods.d" / "kjv.conf"
    conf.write_text(conf.read_text(encoding="utf-8").replace("SourceType=OSIS", "SourceType=ThML"), encoding="utf-8")
    assert bible.read_module(tmp_path, "KJV") == {(1, 1, 1): "In the beginning."}
