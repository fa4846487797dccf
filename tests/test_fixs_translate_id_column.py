"""fixs: ``rnnkit translate RUN --file F`` of a Tatoeba export (``id<TAB>text<TAB>id<TAB>text``) translated each line's
first field, its id, without a word (and pandas' index column likewise). It is refused in one line naming the file
and the line and saying which field to cut, as the pairs reader tells a training user; a pairs file, an Anki deck
(text first) and a number as the whole source are read as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def translator(tmp_path_factory: pytest.TempPathFactory, tiny_translator: Callable[..., Path]) -> Path:
    return tiny_translator(tmp_path_factory.mktemp("tr"))


@pytest.mark.parametrize(("lines", "line", "what", "field", "text"), [
    (["ab\tba", "1276\tabc\t2481\tcba"], 2, "a number, '1276'", 2, "'abc'"),  # Tatoeba, after a good line
    (["0\tcab\tbac", "1\tab\tba"], 1, "a number, '0'", 2, "'cab'"),  # pandas' index column
    (["\tbca\tacb"], 1, "empty", 2, "'bca'")])  # an empty index cell
def test_an_id_column_is_refused_naming_the_field_to_cut(translator: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str], lines: list[str],
                                                         line: int, what: str, field: int, text: str) -> None:
    sources = tmp_path / "sentences.tsv"
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    assert main(["translate", str(translator), "--file", str(sources), "--output", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and not out.exists()
    assert captured.err == (f"rnnkit: error: {sources}:{line}: the source text (before the first tab) is {what}, and "
                            "later fields hold text (an id column, as a Tatoeba export's 'id<TAB>text<TAB>id<TAB>text'"
                            f"); rnnkit translate reads the text before the first tab: `cut -f{field} {sources} > "
                            f"sources.txt` keeps field {field} ({text}), the first that is not an id\n")


def test_a_pairs_file_an_anki_deck_and_a_number_are_translated(translator: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Each line's text before its first tab is translated, a line an answer: the source of a pair, the first
    text of an Anki deck's ``text<TAB>text<TAB>attribution``, a number that is the whole source."""
    sources = tmp_path / "deck.tsv"
    sources.write_text("ab\tba\ncab\tbac\tCC-BY 2.0\n12\tone two\n", encoding="utf-8")
    assert main(["translate", str(translator), "--file", str(sources), "--json"]) == 0
    said = capsys.readouterr().out
    assert [line.split('"source": ')[1].split(",")[0] for line in said.splitlines()] == ['"ab"', '"cab"', '"12"']
