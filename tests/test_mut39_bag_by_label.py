"""Gaps a mutation audit (round 39) found in ``benchmarks/classify_bag_variants.py --predictions``'s per-label table
(``by_label``): each corpus's texts counted apart, and a variant run without TF-IDF LR beside it (LR is fitted beside
the first variant only) has an empty LR cell, not a KeyError."""

from __future__ import annotations

from types import ModuleType

from test_bag_variants import variants  # noqa: F401  (the module's fixture)


def _text(label: str, predicted: str, lr: str | None = None) -> dict[str, str]:
    return {"label": label, "predicted": predicted, **({"lr_predicted": lr} if lr else {})}


def test_by_label_keeps_corpora_apart_and_leaves_lr_empty_where_not_fitted(variants: ModuleType  # noqa: F811
                                                                          ) -> None:
    rows = [{"corpus": "en", "variant": "bag", "predictions": [_text("a", "a", "a")]},
            {"corpus": "fr", "variant": "bag", "predictions": [_text("a", "b", "b"), _text("a", "a", "b")]},
            {"corpus": "fr", "variant": "ids", "predictions": [_text("a", "a")]}]
    assert variants.by_label(rows).splitlines()[2:] == [
        "| en | bag | a | 1 | 1.000 | 1.000 |", "| fr | bag | a | 2 | 0.500 | 0.000 |",
        "| fr | ids | a | 1 | 1.000 |  |"]
