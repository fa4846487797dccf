"""A trained tagger's ``split`` and a character model's ``scoring_ids`` take one text: anything else is a TypeError
naming the method and what it takes, where they were Python's own errors from inside (``normalize() argument 2
must be str, not int``, ``'bytes' object has no attribute 'encode'``); ``token_probabilities`` names itself, not
``tag``."""

from __future__ import annotations

from typing import Any

import pytest

import rnnkit

pytestmark = pytest.mark.usefixtures("one_torch_thread")

NOT_TEXTS = [3, 2.5, None, b"the cat", ["the", "cat"]]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("fixb-text")
    (root / "text.txt").write_text("the cat sat on the mat\n" * 20, encoding="utf-8")
    (root / "tagged.conll").write_text("the\tDT\ncat\tNN\nsat\tVBD\n\n" * 10, encoding="utf-8")
    rnnkit.fit("charlm", str(root / "text.txt"), root / "charlm", steps=1, hidden=8, layers=1, embed_dim=4,
               seq_len=8, batch_size=2, memory=False, progress=False, verbose=False)
    rnnkit.fit("tag", str(root / "tagged.conll"), root / "tag", steps=1, hidden=8, progress=False, verbose=False)
    return {"charlm": rnnkit.load(root / "charlm"), "tag": rnnkit.load(root / "tag")}


@pytest.mark.parametrize("value", NOT_TEXTS)
def test_split_takes_a_text(models: dict[str, Any], value: object) -> None:
    with pytest.raises(TypeError, match=rf"^split takes a text \(str\), not {type(value).__name__}$"):
        models["tag"].split(value)


@pytest.mark.parametrize("value", NOT_TEXTS)
def test_scoring_ids_takes_a_text(models: dict[str, Any], value: object) -> None:
    with pytest.raises(TypeError, match=rf"^scoring_ids takes a text \(str\), not {type(value).__name__}$"):
        models["charlm"].scoring_ids(value)


def test_a_text_is_still_split_and_read(models: dict[str, Any]) -> None:
    """The words as str.split gives them; the ids of the text after the newline it is read from."""
    assert models["tag"].split(" the  cat\tsat ") == "the cat sat".split()
    lm = models["charlm"]
    context, targets, known = lm.scoring_ids("cat")
    assert targets.tolist() == [lm.vocab.index[c] for c in "cat"] and bool(known.all())
    assert context.tolist() == [lm.vocab.index["\n"]]


def test_token_probabilities_names_itself(models: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match=r"^token_probabilities takes a list of sentences"):
        models["tag"].token_probabilities(3)
    with pytest.raises(TypeError, match=r"^token_probabilities takes a list of sentences, not a set"):
        models["tag"].token_probabilities({("the",)})


def test_prime_is_still_named(models: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match=r"^prime takes a text \(str\) or None, not int$"):
        models["charlm"].sample(prime=3, length=1)

