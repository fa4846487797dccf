"""A translator's user walk with their own parallel corpus (walk53): what the warnings and refusals name."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.data.pairs import read_pairs
from rnnkit.data.tokenize import BPETokenizer, unknown_tokens
from rnnkit.data.utf8 import decode_utf8
from rnnkit.errors import UserError, warn_file_names

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PAIRS = ["the house is big\tdas haus ist groß", "the dog is small\tder hund ist klein",
         "we drink water\twir trinken wasser", "the street is long\tdie straße ist lang"]


@pytest.fixture(scope="module")
def bpe_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("bpe")
    data = tmp / "pairs.tsv"
    data.write_text("\n".join(PAIRS * 4) + "\n", encoding="utf-8")
    out = tmp / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--tokenizer", "bpe", "--vocab-size",
                 "40", "--hidden", "8", "--embedding", "8", "--steps", "2", "--eval-sentences", "1",
                 "--no-progress", "--save-minutes", "0"]) == 0
    return out


def test_unknown_bpe_pieces_are_named_by_their_characters() -> None:
    """A BPE piece read as <unk> was named '<unk>' (its token); it is named by the text it covers."""
    for reversible in (False, True):
        tok = BPETokenizer.train(["the house is big"] * 3, vocab_size=30, reversible=reversible)
        text = "Zoë sees the hou\u0308se"  # a character outside the training text, and one written as NFD
        assert unknown_tokens(tok, text, tok.encode(text)) == ["Z", "ë", "ü"]


def test_translate_names_the_source_characters_a_bpe_model_does_not_know(bpe_run: Path) -> None:
    tr = rnnkit.load(bpe_run)
    with pytest.warns(UserWarning, match=r"2 source tokens unknown to the model, read as <unk>: 'Z', 'ë'$"):
        tr.translate("Zoë is big")


def test_score_names_the_target_characters_a_bpe_model_does_not_know(bpe_run: Path) -> None:
    tr = rnnkit.load(bpe_run)
    with pytest.warns(UserWarning, match=r"1 target token unknown to the model, scored as <unk>: 'ü'$"):
        tr.score([("the house", "das hüs")])


@pytest.mark.parametrize(("first", "cut"), [
    ("1276\tLet's try something.\t77\tVersuchen wir etwas.\n", "`cut -f2,4 {path} > pairs.tsv` keeps fields 2 and 4 "
     "(\"Let's try something.\" and 'Versuchen wir etwas.')"),
    ("Go.\tGeh.\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM)\n", "`cut -f1,2 {path} > pairs.tsv`"),
    ("\tsource\ttarget\n", "`cut -f2,3 {path} > pairs.tsv`")])  # pandas' index column
def test_a_first_line_of_more_fields_says_which_to_cut(tmp_path: Path, first: str, cut: str) -> None:
    """A Tatoeba export (ids and sentences), an Anki deck (an attribution) or pandas' index column was refused
    with 'found 3' and no word of how to get two columns out of it."""
    path = tmp_path / "export.tsv"
    path.write_text(first + "a\tb\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"^.*export\.tsv:1: expected one tab between source and target, found \d; "
                                        r"rnnkit reads two columns, source and target: ") as caught:
        read_pairs(path)
    assert cut.format(path=path) in str(caught.value)


def test_a_later_line_of_more_fields_and_a_line_of_numbers_get_no_cut(tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv"
    for text, hinted in (("a\tb\n1\t2\t3\n", False), ("1\t2\t3\n", False), ("a\tb\tc\tb\n", True)):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(UserError) as caught:
            read_pairs(path)
        assert ("cut -f1,2" in str(caught.value)) is hinted, text


def test_a_windows_1252_file_is_told_to_iconv_from_cp1252() -> None:
    """A file saved as Windows-1252 with curly quotes was told `iconv -f latin1`, which makes its quotes the
    control characters U+0093 and U+0094, read on unseen; its first bad byte is often a letter (ß), not a quote."""
    text = "Die Straße ist lang.\tI don\u2019t know \u201cthat\u201d.\n"
    with pytest.raises(UserError, match=r"t\.tsv:1: not UTF-8 \(byte 0xdf at column 9, byte offset 8\); save the "
                                        r"file as UTF-8, e\.g\. `iconv -f cp1252 -t utf-8` \(Windows-1252"):
        decode_utf8(text.encode("cp1252"), "t.tsv")
    with pytest.raises(UserError, match=r"`iconv -f latin1 -t utf-8` \(`-f cp949` for Korean\)$"):
        decode_utf8("Die Straße \u00bbist\u00ab lang.\n".encode("latin-1"), "t.tsv")  # no byte of 0x80-0x9f
    with pytest.raises(UserError, match=r"`iconv -f latin1 -t utf-8`"):  # the UTF-8 text after the bad byte
        decode_utf8("Stra\u00dfe".encode("latin-1") + " \u201cja\u201d".encode("utf-8"), "t.tsv")


def _pairs_file(path: Path, first: str, rest: list[str]) -> Path:
    path.write_text("\n".join([first, *rest]) + "\n", encoding="utf-8")
    return path


def test_a_header_line_of_column_names_is_warned_of(tmp_path: Path) -> None:
    """pandas' ``to_csv(sep="\\t", index=False)`` begins with ``source<TAB>target``: it was trained and scored as a
    pair, unsaid; it is warned of and still read (a first pair may be two words)."""
    path = _pairs_file(tmp_path / "p.tsv", "English\tGerman", PAIRS)
    with pytest.warns(UserWarning, match=r"p\.tsv:1: 'English' and 'German' look like column names \(a header "
                                         r"line\), not a pair; it is read as one"):
        assert read_pairs(path)[0] == ("English", "German") and len(read_pairs(path)) == 5


@pytest.mark.parametrize(("first", "rest"), [
    ("the house\tdas Haus", PAIRS),  # a pair of words with a space
    ("Hello.\tHallo!", PAIRS),  # punctuation: a sentence
    ("source\ttarget", PAIRS[:2]),  # too few pairs to tell
    ("house\tHaus", ["dog\tHund", "tree\tBaum", "water\tWasser", "the dog\tder Hund"])])  # a word list
def test_pairs_that_are_no_header_are_not_warned_of(tmp_path: Path, first: str, rest: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_pairs(_pairs_file(tmp_path / "p.tsv", first, rest))[0] == tuple(first.split("\t"))


def test_a_dash_for_a_text_is_said_to_be_no_standard_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``echo Hallo | rnnkit translate DIR -`` translated the text '-' and left standard input unread, unsaid."""
    monkeypatch.chdir(tmp_path)
    with pytest.warns(UserWarning) as caught:
        warn_file_names(["Hallo", "-"])
    assert [str(w.message) for w in caught] == [
        "TEXT argument 2 of 2 (-) is a dash; it is read as the text itself, not standard input (give --file - to "
        "read that)"]
    (tmp_path / "-").write_text("a file named so\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"^TEXT argument 1 of 1 \(-\) names a file; it is read as the text itself"):
        warn_file_names(["-"])


@pytest.mark.parametrize(("sources", "targets", "said"), [
    (5, 3, "p.tsv:4: the target (after the tab) is empty, as on every line after it: the targets' file is 2 lines "
           "shorter than the sources' (3 lines against 5, as `paste` joined them)"),
    (3, 6, "p.tsv:4: the source (before the tab) is empty, as on every line after it: the sources' file is 3 lines "
           "shorter than the targets' (3 lines against 6, as `paste` joined them)"),
    (4, 3, "p.tsv:4: the target (after the tab) is empty; expected text on both sides: fill it or remove the line "
           "(from `paste`: the targets' file is blank there or a line short)")])
def test_parallel_files_of_other_lengths_are_refused_naming_both(tmp_path: Path, sources: int, targets: int,
                                                                 said: str) -> None:
    """`paste` of a 60-line and a 57-line file was refused at line 58 as though one line were blank there; the
    files' lengths, which a user compares with `wc -l`, were not said."""
    src, tgt = [f"s{i} x" for i in range(sources)], [f"t{i} y" for i in range(targets)]
    lines = [f"{s}\t{t}" for s, t in itertools.zip_longest(src, tgt, fillvalue="")]
    path = _pairs_file(tmp_path / "p.tsv", lines[0], lines[1:])
    with pytest.raises(UserError) as caught:
        read_pairs(path)
    assert str(caught.value).startswith(f"{tmp_path}/{said}")


def test_evaluate_on_the_training_file_is_warned_of(bpe_run: Path, tmp_path: Path) -> None:
    """``rnnkit evaluate RUN --data pairs.tsv`` on the file the run trained on gave its BLEU as though of new text."""
    tr = rnnkit.load(bpe_run)
    trained = bpe_run.parent / "pairs.tsv"
    with pytest.warns(UserWarning, match=rf"^{trained} is the data the model at \S+ trained on \(its (--)?data\): the "
                                         "scores then measure what it has learnt"):
        tr.evaluate(trained)
    held_out = _pairs_file(tmp_path / "test.tsv", PAIRS[0], PAIRS[1:3])  # other bytes: no warning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tr.evaluate(held_out)
        tr.evaluate([tuple(p.split("\t")) for p in PAIRS])  # pairs given as a list: no file to compare
    assert not [w for w in caught if "trained on" in str(w.message)]


def test_the_later_lines_with_an_empty_side_are_named_with_the_first(tmp_path: Path) -> None:
    """A file with a few lines empty on one side was refused at the first, then at the next on the next run: one
    mend a run."""
    lines = ["a\tb", "\tc", "d\te", "f\t", "g\th", " \ti", "j\tk"]
    with pytest.raises(UserError, match=r"p\.tsv:2: the source \(before the tab\) is empty; .* a line short\); "
                                        r"lines 4, 6 have an empty side too$"):
        read_pairs(_pairs_file(tmp_path / "p.tsv", lines[0], lines[1:]))
    with pytest.raises(UserError, match=r"p\.tsv:3: the target \(after the tab\) is empty; .* a line short\); "
                                        r"line 5 has an empty side too$"):
        read_pairs(_pairs_file(tmp_path / "p.tsv", lines[0], lines[2:]))


def test_a_targets_file_of_one_line_is_named_in_the_singular(tmp_path: Path) -> None:
    """'(1 lines against 3, ...)' said of a targets' file of one line."""
    data = tmp_path / "pairs.tsv"
    data.write_text("a b\tx y\nc d\t\ne f\t\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"\(1 line against 3, as `paste` joined them\)"):
        read_pairs(data)
