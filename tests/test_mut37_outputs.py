"""Mutation round 37: a tagger's ``predict --output`` refuses a ``.tab`` name as it does ``.tsv`` (a table the
tagger does not write), beside the workbook names that ``refuse_workbook`` checks first."""

from __future__ import annotations

import pytest

from rnnkit.errors import UserError
from rnnkit.tasks._tag_verbs import _output_format


@pytest.mark.parametrize("name", ["tags.tab", "tags.TAB", "tags.tsv"])
def test_a_tab_separated_tables_name_is_refused(name: str) -> None:
    with pytest.raises(UserError, match=rf"^--output {name}: a tagger writes CoNLL .*not a CSV/TSV table"):
        _output_format(name)


def test_conll_and_jsonl_names_pass() -> None:
    assert (_output_format("tags.conll"), _output_format("tags.jsonl")) == ("conll", "jsonl")
