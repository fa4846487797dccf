"""A translator's ``translate()`` and a captioner's ``caption()`` warn of every sampling setting given without
``sample=True``, as ``rnnkit translate --temperature 1`` and ``rnnkit caption --top-p 1`` do: their defaults were
the numbers 1.0, so ``temperature=1.0`` or ``top_p=1.0`` given by a user who forgot ``sample=True`` went unused
without a word (and the same call gave the same output each time)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from tests import test_api19_translate as translate_words
from tests import test_mut16b_caption_verbs as captions
from tests import test_translate_sampling as sampling

pytestmark = pytest.mark.usefixtures("one_torch_thread")

translator_dir = sampling.translator_dir
plain = captions.plain


said = translate_words.said  # the warnings of rnnkit that call() raised


UNUSED = "{} used only with sample=True; without it the most likely output is written"


@pytest.mark.parametrize(("keywords", "named"), [({"temperature": 1.0}, "temperature is"),
                                                 ({"top_p": 1.0}, "top_p is"),
                                                 ({"temperature": 1, "top_p": 1}, "temperature and top_p are")])
def test_a_default_value_given_without_sample_is_warned_of(translator_dir: Path, plain: tuple[Path, Path],
                                                           keywords: dict, named: str) -> None:
    model, folder = plain
    image = str(sorted(folder.glob("*.png"))[0])
    assert said(lambda: rnnkit.load(translator_dir).translate("abc", **keywords)) == [UNUSED.format(named)]
    assert said(lambda: rnnkit.load(model).caption(image, **keywords)) == [UNUSED.format(named)]


def test_none_is_not_given_and_sampling_takes_the_defaults(translator_dir: Path) -> None:
    tr = rnnkit.load(translator_dir)
    assert said(lambda: tr.translate("abc")) == []
    drawn = tr.translate(["abc", "abcc"], sample=True, seed=3)
    assert drawn == tr.translate(["abc", "abcc"], sample=True, seed=3, temperature=1.0, top_p=1.0)
