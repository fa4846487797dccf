"""A data scientist's session with the Python API (walk51): a pandas table where a file's name or a column of
texts is taken. ``predict(df[["text"]])`` answered for the one text ``"text"`` (a DataFrame reads as its column
names); ``fit(data=df)`` said "takes a str or a path, not DataFrame" with no word of how to give one; a loaded
model held its weights twice (its network's and its checkpoint's), pickled twice to each worker."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest
import torch

import rnnkit

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> rnnkit.tasks.classify.TextClassifier:
    """A classifier of one update on a tiny table whose columns are not named text and label."""
    folder = tmp_path_factory.mktemp("walk51_classify")
    table = pd.DataFrame({"review": ["a good film", "a bad film"] * 10, "sentiment": [1, 0] * 10})
    table.to_csv(folder / "reviews.csv", index=False)
    rnnkit.fit("classify", data=folder / "reviews.csv", out=folder / "run", text_column="review",
               label_column="sentiment", tokenizer="word", hidden=4, steps=1, threads=1, verbose=False)
    return rnnkit.load(folder / "run")


@pytest.fixture(scope="module")
def tagger(tmp_path_factory: pytest.TempPathFactory, tiny_tagger) -> rnnkit.tasks.tag.SequenceTagger:
    """A tagger of one update on a few sentences."""
    return rnnkit.load(tiny_tagger(tmp_path_factory.mktemp("walk51_tag"), "the\tDET\ndog\tNOUN\n\n" * 4))


def test_a_classifier_refuses_a_table_and_names_the_column_to_give(classifier) -> None:
    """A one-column DataFrame is refused (it read as the text "text"); its column, a Series, is what to give."""
    table = pd.DataFrame({"review": ["a good film", "a bad film"]})
    for verb in (classifier.predict, classifier.probabilities, classifier.explain):
        with pytest.raises(TypeError, match=r"takes .*, not a DataFrame, which reads as its column names; give one "
                                            r"column of it, a Series: df\['text'\], not df\[\['text'\]\]$"):
            verb(table)
    assert [r["text"] for r in classifier.predict(table["review"])] == ["a good film", "a bad film"]


def test_a_tagger_refuses_a_table(tagger) -> None:
    """The tagger's ``predict`` had tagged the column name as a sentence, its ``tag`` each letter of it."""
    table = pd.DataFrame({"sentence": ["the dog", "the dog the dog"]})
    with pytest.raises(TypeError, match=r"^predict takes .*, not a DataFrame, which reads as its column names"):
        tagger.predict(table)
    with pytest.raises(TypeError, match=r"^tag takes .*, not a DataFrame"):
        tagger.tag(pd.DataFrame({"tokens": [["the", "dog"]]}))
    assert [len(tags) for tags in tagger.predict(table["sentence"])] == [2, 4]


@pytest.mark.parametrize("data", [pd.DataFrame({"review": ["a"], "sentiment": [1]}), pd.Series(["a good film"]),
                                  ["a good film"]])
def test_fit_says_how_to_give_a_table(tmp_path: Path, data: object) -> None:
    """Data in memory is refused naming how to write it to a file and name its columns; nothing is written."""
    with pytest.raises(TypeError, match=r"^fit: data takes a str or a path, not (DataFrame|Series|list): rnnkit "
                                        r"trains from files; write the data to one first \(a pandas table: "
                                        r"df.to_csv\('train.csv', index=False\), then fit\(..., data='train.csv', "
                                        r"text_column=..., label_column=...\) naming its columns\)$"):
        rnnkit.fit("classify", data=data, out=tmp_path / "run", verbose=False)
    with pytest.raises(TypeError, match=r"^fit: val_data takes .* then fit\(..., val_data='val.csv', "):
        rnnkit.fit("classify", data="reviews.csv", val_data=data, out=tmp_path / "run", verbose=False)
    with pytest.raises(TypeError, match=r"write the data to one first \(in a format that `rnnkit train tag --help` "
                                        r"names\)$"):
        rnnkit.fit("tag", data=data, out=tmp_path / "run", verbose=False)
    assert not (tmp_path / "run").exists()


def test_a_loaded_model_holds_its_weights_once(classifier, tagger) -> None:
    """The loaded object kept the checkpoint's copy of the weights beside its network's: twice the memory, and
    twice the bytes pickled to each joblib worker. The checkpoint still gives them, read again when asked."""
    for loaded in (classifier, tagger):
        weights = sum(t.numel() * t.element_size() for t in loaded.model.state_dict().values())
        assert len(pickle.dumps(loaded.checkpoint)) < weights  # its config and names alone
        again = pickle.loads(pickle.dumps(loaded))
        assert again.predict("a good film") == loaded.predict("a good film")
        state = loaded.checkpoint.model_state
        assert all(torch.equal(state[name], value) for name, value in loaded.model.state_dict().items())
