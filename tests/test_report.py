"""`rnnkit report`: unit traces against torch.nn's gate equations, features and correlations against
NumPy, the pages of tiny charlm / classify / tag / experiment runs, and one page rendered in a real
browser (headless Chromium; skipped where there is none)."""

from __future__ import annotations

import base64
import html
import json
import random
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("plotly")

from rnnkit.cli import main  # noqa: E402
from rnnkit.models.language_model import LanguageModel  # noqa: E402
from rnnkit.report import units  # noqa: E402
from rnnkit.report.browser import find_chromium, render  # noqa: E402
from rnnkit.report.page import colour  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from test_classify_cli import make_csv  # noqa: E402
from test_tag import make_conll  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# -- units against judges ----------------------------------------------------------------------------
def _lm(cell: str, layers: int = 1) -> tuple[LanguageModel, torch.Tensor]:
    torch.manual_seed(0)
    return LanguageModel(12, cell=cell, hidden_size=6, num_layers=layers, embed_dim=4).eval(), torch.randint(12, (25,))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "clockwork"])
def test_trace_equals_the_models_own_forward(cell: str) -> None:
    lm, ids = _lm(cell, layers=2)
    tr = units.trace(lm, ids)
    with torch.no_grad():
        out, _ = lm.rnn(lm.embedding(ids).unsqueeze(1))
    torch.testing.assert_close(tr.states["h"][:, 1], out[:, 0], atol=1e-5, rtol=1e-5)
    assert set(tr.gates) == set(units.GATE_NAMES.get(cell, ()))


def test_lstm_and_gru_gates_are_torch_nn_gates() -> None:
    """The recorded sigmoids, named, equal the gates computed from torch.nn's equations and weights."""
    for cell, torch_class in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
        lm, ids = _lm(cell)
        ref = torch_class(4, 6)
        ref.load_state_dict(lm.rnn.state_dict())
        tr = units.trace(lm, ids)
        x = lm.embedding(ids).detach()
        h, c = torch.zeros(6), torch.zeros(6)
        with torch.no_grad():
            for t in range(len(ids)):
                gi = ref.weight_ih_l0 @ x[t] + ref.bias_ih_l0
                gh = ref.weight_hh_l0 @ h + ref.bias_hh_l0
                if cell == "lstm":
                    i, f, g, o = (gi + gh).chunk(4)
                    expected = {"input": i.sigmoid(), "forget": f.sigmoid(), "output": o.sigmoid()}
                    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
                    h = o.sigmoid() * c.tanh()
                else:
                    r, z = (gi[:12] + gh[:12]).sigmoid().chunk(2)
                    n = torch.tanh(gi[12:] + r * gh[12:])
                    expected = {"reset": r, "update": z}
                    h = (1 - z) * n + z * h
                for name, value in expected.items():
                    torch.testing.assert_close(tr.gates[name][t, 0], value, atol=1e-5, rtol=1e-5)


def test_features_of_a_known_text() -> None:
    f = units.features('a"b"(c)\nD')
    assert f["inside quotes"].tolist() == [0, 1, 1, 1, 0, 0, 0, 0, 0]
    assert f["inside brackets"].tolist() == [0, 0, 0, 0, 1, 1, 1, 0, 0]
    assert f["position in line"].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 0]
    assert f["upper case"].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert f["after a newline"].tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 0]


def test_correlations_are_numpys_pearson_and_zero_for_a_constant() -> None:
    gen = torch.Generator().manual_seed(0)
    acts, feat = torch.randn(50, 4, generator=gen), torch.randn(50, generator=gen)
    acts[:, 2] = 0.5 * feat + 0.1 * acts[:, 2]
    r = units.correlations(acts, feat)
    expected = [np.corrcoef(acts[:, j].numpy(), feat.numpy())[0, 1] for j in range(4)]
    np.testing.assert_allclose(r.numpy(), expected, atol=1e-9)
    assert units.correlations(acts, torch.ones(50)).abs().sum() == 0
    states = acts.reshape(50, 1, 4)
    text = "".join(random.Random(0).choice('ab"(\nC') for _ in range(50))
    ranked = units.top_units(states, text, k=2)
    for name, values in units.features(text).items():
        best = max(range(4), key=lambda j: abs(float(units.correlations(acts[:, j : j + 1], values)[0])))
        assert not ranked[name] or ranked[name][0]["unit"] == best


def test_saturation_fractions() -> None:
    gate = torch.tensor([[0.05, 0.5], [0.95, 0.5], [0.05, 0.99], [0.5, 0.99]]).reshape(4, 1, 2)
    s = units.saturation({"forget": gate})["forget"]
    assert s["left"].tolist() == [[0.5, 0.0]] and s["right"].tolist() == [[0.25, 0.5]]


# -- pages of tiny runs ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def charlm_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("charlm")
    rng = random.Random(0)
    words = ["the", "King", "said", "(aside)", '"go"', "Lord", "and"]
    text = "\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(3, 8))) for _ in range(150)) + "\n"
    (tmp / "text.txt").write_text(text, encoding="utf-8")
    out = tmp / "run"
    assert main(["train", "charlm", "--data", str(tmp / "text.txt"), "--out", str(out), "--hidden", "8",
                 "--embed-dim", "8", "--steps", "6", "--seq-len", "16", "--batch-size", "2", "--eval-every", "3",
                 "--log-every", "2", "--no-progress", "--json", "--report"]) == 0
    return out


def _unit_data(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="unit-data">(.*?)</script>', page, re.S)
    assert raw is not None
    return json.loads(raw.group(1).replace("<\\/", "</"))


def _external_resources(page: str) -> list[str]:
    """Every src= or <link href=> of the page's elements (script text is not parsed as elements)."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.extend(f"{tag} {v}" for k, v in attrs if k == "src" or (tag == "link" and k == "href"))

    Parser().feed(page)
    return found


def test_train_report_writes_a_self_contained_charlm_page(charlm_run: Path) -> None:
    page = (charlm_run / "report.html").read_text(encoding="utf-8")
    assert _external_resources(page) == []  # Plotly inline, nothing fetched
    for heading in ("Learning curves", "Units on a text", "Gate saturation", "Samples", "Loss per character",
                    "Configuration"):
        assert f"<h2>{heading}</h2>" in page
    data = _unit_data(page)
    assert "".join(data["text"]).startswith(("the", "King", "said", "(aside)", '"go"', "Lord", "and"))
    assert len(base64.b64decode(data["values"])) == len(data["text"]) * len(data["series"])
    assert len(data["series"]) == 2 * 8  # tanh(c) and h of 8 LSTM units
    rows = [json.loads(line) for line in (charlm_run / "metrics.jsonl").read_text().splitlines()]
    assert f"{rows[-1]['val_loss']}" in page  # the curves carry the logged numbers


def test_report_command_on_another_text(charlm_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    shutil.copytree(charlm_run, run)
    text = tmp_path / "t.txt"
    text.write_text('Lord said "go" (aside)\nand the King§\n', encoding="utf-8")  # § is unknown
    assert main(["report", str(run / "best"), "--text", str(text)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {run / 'report.html'}"
    page = (run / "report.html").read_text(encoding="utf-8")
    data = _unit_data(page)
    assert "".join(data["text"]) == text.read_text(encoding="utf-8")
    loss = re.search(r'<div class="text" id="loss-text">(.*?)</div>', page, re.S).group(1)
    assert '<span title="not scored (unknown character)">§</span>' in loss
    assert loss.count("title=") == len(data["text"]) and loss.count("not scored") == 1


def test_report_open_says_so_when_no_browser_opens(charlm_run: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """--open on a machine without a browser (webbrowser.open returns False) said nothing at all."""
    import webbrowser

    run = tmp_path / "run"
    shutil.copytree(charlm_run, run)
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or len(opened) > 1)
    assert main(["report", str(run), "--open"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == f"wrote {run / 'report.html'}"
    assert captured.err == f"rnnkit: warning: --open: no web browser found here; open {run / 'report.html'} in one\n"
    assert main(["report", str(run), "--open"]) == 0  # a browser opened it: nothing more to say
    assert capsys.readouterr().err == ""
    assert opened == [(run / "report.html").resolve().as_uri()] * 2


def test_report_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], charlm_run: Path) -> None:
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "no such directory" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("x")
    assert main(["report", str(tmp_path / "notes.txt")]) == 2
    assert "notes.txt: a file; expected a run directory" in capsys.readouterr().err
    assert main(["report", str(tmp_path)]) == 2
    assert "no run in it (config.json and model.safetensors, results.json" in capsys.readouterr().err
    assert main(["report", str(charlm_run), "--chars", "0"]) == 2
    assert "--chars 0" in capsys.readouterr().err
    assert main(["report", str(charlm_run), "--text", str(tmp_path / "none.txt")]) == 2


@pytest.mark.parametrize(("option", "value", "said"), [
    ("text", 5, "write_report: text 5: expected a text file (a str or a path) or None"),
    ("data", ["a.csv"], "write_report: data ['a.csv']: expected a data file or folder (a str or a path) or None"),
    ("chars", True, "chars True: expected an integer >= 1"), ("chars", 0, "chars 0: expected an integer >= 1"),
    ("chars", 2.5, "chars 2.5: expected an integer >= 1")])
def test_write_report_names_an_option_of_the_wrong_kind(charlm_run: Path, tmp_path: Path, option: str,
                                                        value: object, said: str) -> None:
    """``write_report(run, text=5)`` or ``chars=True`` failed inside the page and was blamed on the run ("its
    files hold values rnnkit does not write ...; the run was edited or damaged"); ``chars=0`` wrote a page of no
    text (only the command line checked it). Each is refused by name, before the run is read."""
    from rnnkit.errors import UserError
    from rnnkit.report import write_report

    with pytest.raises(UserError) as caught:
        write_report(charlm_run, output=tmp_path / "page.html", **{option: value})
    assert str(caught.value) == said
    assert not (tmp_path / "page.html").exists()


def _rgba(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in css[len("rgba("):-1].split(","))


def test_page_without_the_runs_data_says_what_to_give(charlm_run: Path, tmp_path: Path) -> None:
    from rnnkit.report import write_report

    run = tmp_path / "run"
    shutil.copytree(charlm_run, run)
    config = json.loads((run / "best" / "config.json").read_text())
    Path(config["settings"]["data"]).rename(tmp_path / "moved.txt")
    try:
        page = write_report(run).read_text(encoding="utf-8")
    finally:
        (tmp_path / "moved.txt").rename(config["settings"]["data"])
    assert "Not shown: the run&#x27;s data, " in page and ": no such file; give --text FILE" in page
    assert 'id="curves"' in page


def test_page_reads_the_runs_text_only_if_it_is_the_text_it_trained_on(charlm_run: Path, tmp_path: Path) -> None:
    from rnnkit.report import write_report

    run = tmp_path / "run"
    shutil.copytree(charlm_run, run)
    config_path = run / "best" / "config.json"
    config = json.loads(config_path.read_text())
    assert len(config["val_digest"]) == 64
    secret = tmp_path / "secret.txt"   # a file of the user's that a stranger's run directory names
    secret.write_text("the King said go\n" * 100, encoding="utf-8")
    config["settings"]["data"] = str(secret)
    config_path.write_text(json.dumps(config))
    page = write_report(run).read_text(encoding="utf-8")
    assert "no longer holds the validation text" in page and "the King said go" not in page
    del config["val_digest"]
    config_path.write_text(json.dumps(config))
    page = write_report(run).read_text(encoding="utf-8")
    assert "records no digest of its validation text" in page and "the King said go" not in page


@pytest.mark.slow  # about 2 s of CPU, but Chromium's processes take longer on a busy machine
@pytest.mark.skipif(find_chromium() is None, reason="no Chromium: install the Debian package chromium "
                    "(make data-report) to render report pages in a browser")
def test_page_runs_in_chromium_and_the_selector_recolours(charlm_run: Path) -> None:
    page = charlm_run / "report.html"
    data = _unit_data(page.read_text(encoding="utf-8"))
    values = base64.b64decode(data["values"])
    n = len(data["text"])
    default = int(re.search(r'<option value="(\d+)" selected', page.read_text(encoding="utf-8")).group(1))
    chosen = 2 if default != 2 else 3
    shown = render(page, f"unit={chosen}")
    assert shown.console == []  # no script error, no warning
    assert shown.dom.count('class="main-svg"') >= 2  # Plotly drew the curves and the saturation plot
    assert 'id="curves"' in shown.dom and 'id="saturation"' in shown.dom
    box = re.search(r'<div class="text" id="unit-text" data-unit="(\d+)">(.*?)</div>', shown.dom, re.S)
    assert box is not None and int(box.group(1)) == chosen
    colours = [_rgba(c) for c in re.findall(r'style="background: (rgba\([^)]*\));"', box.group(2))]
    assert len(colours) == n

    def expected(k: int) -> list[tuple[float, ...]]:
        return [_rgba(colour((values[k * n + t] - 128) / 127)) for t in range(n)]

    assert colours == expected(chosen)
    assert colours != expected(default)  # choosing another unit changed the colours


def test_report_refuses_an_option_the_runs_page_does_not_read(charlm_run: Path, classify_run: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`report CHARLM --data FILE`, `report CLASSIFIER --text FILE` and `report EXPERIMENT --chars N` wrote the
    page without the file and said nothing: the option is refused in one line, before anything is written."""
    text = tmp_path / "t.txt"
    text.write_text("the King said\n", encoding="utf-8")
    adding = tmp_path / "adding"
    assert main(["experiment", "adding", "--cells", "rnn_tanh", "--seeds", "1", "--steps", "2", "--length", "5",
                 "--hidden", "4", "--eval-size", "4", "--quiet", "--out", str(adding)]) == 0
    capsys.readouterr()
    for run, args, flag, what in (
            (charlm_run, ["--data", str(text)], "--data", "a 'charlm' run"),
            (classify_run, ["--text", str(text)], "--text", "a 'classify' run"),
            (classify_run, ["--chars", "300"], "--chars", "a 'classify' run"),
            (adding, ["--chars", "300"], "--chars", "an experiment directory"),
            (charlm_run, ["--threshold", "0.5"], "--threshold", "a 'charlm' run"),
            (adding, ["--threshold", "0.5"], "--threshold", "an experiment directory")):
        before = sorted(p.name for p in run.iterdir())
        assert main(["report", str(run), *args]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"rnnkit: error: {flag}: {run} is {what}; {flag} applies only to ")
        assert err.count("\n") == 1
        assert sorted(p.name for p in run.iterdir()) == before
    assert main(["report", str(charlm_run), "--chars", "300", "--text", str(text)]) == 0
    assert main(["report", str(classify_run), "--data", str(classify_run.parent / "train.csv")]) == 0


@pytest.fixture(scope="module")
def classify_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cls")
    train = make_csv(tmp / "train.csv", 120, 0)
    out = tmp / "run"
    assert main(["train", "classify", "--data", str(train), "--out", str(out), "--steps", "6", "--hidden", "8",
                 "--embedding", "8", "--eval-every", "3", "--pooling", "attention", "--no-progress", "--json"]) == 0
    return out


def test_report_takes_threads_as_every_verb_of_a_trained_model_does(classify_run: Path, tmp_path: Path) -> None:
    """`--threads N` as `evaluate` takes it (the page scores the validation file with the model): argparse
    refused it in two lines."""
    run = tmp_path / "run"
    shutil.copytree(classify_run, run)
    before = torch.get_num_threads()
    try:
        assert main(["report", str(run), "--threads", "1", "--output", str(tmp_path / "page.html")]) == 0
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    assert (tmp_path / "page.html").is_file()


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_report_takes_device_as_evaluate_does(classify_run: Path, tmp_path: Path, device: str,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The page scores the validation file with the model, as `rnnkit evaluate` does: `--device` as evaluate takes
    it (argparse refused it in two lines), a GPU asked for where torch sees none refused in evaluate's one line
    before any work."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)   # as on a machine without CUDA
    run = tmp_path / "run"
    shutil.copytree(classify_run, run)
    (run / "report.html").unlink(missing_ok=True)
    assert main(["report", str(run), "--device", device]) == 0       # auto: the CPU here
    assert capsys.readouterr().out.strip() == f"wrote {run / 'report.html'}"
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "accuracy " in page and 'id="confusion"' in page
    (run / "report.html").unlink()
    data = str(classify_run.parent / "train.csv")
    for bad, why in (("cuda", "torch sees no CUDA device here"), ("cuda:1", "torch sees no CUDA device here"),
                     ("gpu", "expected auto, cpu, cuda or cuda:N")):
        assert main(["evaluate", str(run), "--data", data, "--device", bad]) == 2
        expected = capsys.readouterr().err
        assert expected.startswith(f"rnnkit: error: --device {bad}: {why}") and expected.count("\n") == 1
        assert main(["report", str(run), "--device", bad]) == 2
        assert capsys.readouterr().err == expected
        assert not (run / "report.html").exists()
    from rnnkit.errors import SettingError
    from rnnkit.report import write_report

    with pytest.raises(SettingError, match="torch sees no CUDA device here"):   # from Python, as the CLI
        write_report(run, device="cuda")


def test_classifier_page_says_how_a_file_without_a_header_line_was_read(classify_run: Path, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """train, predict and evaluate say which column of a file without a header line was read as what;
    report --data read it without a word."""
    lines = (classify_run.parent / "train.csv").read_text(encoding="utf-8").splitlines()[1:]
    bare = tmp_path / "bare.csv"
    bare.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["report", str(classify_run), "--data", str(bare)]) == 0
    err = capsys.readouterr().err
    assert "rnnkit: warning: " in err and "bare.csv: no header line: column" in err and "read as the texts" in err


def test_classifier_page_scores_like_evaluate(classify_run: Path) -> None:
    import rnnkit
    from rnnkit.report import write_report

    clf = rnnkit.load(classify_run)
    scores = clf.evaluate(clf.config["data"]["train"], split="val")
    page = write_report(classify_run).read_text(encoding="utf-8")
    assert f"accuracy {scores['accuracy']:.4f}, macro-F1 {scores['macro_f1']:.4f} over {scores['count']:,}" in page
    assert 'id="confusion"' in page and "Most confident mistakes" in page and 'id="per-label"' not in page
    mistakes = scores["count"] - round(scores["accuracy"] * scores["count"])
    assert page.count('<td>pos</td><td>neg</td>') + page.count('<td>neg</td><td>pos</td>') == min(mistakes, 12)
    if mistakes:
        assert "attention pooling" in page and 'title="0.' in page


def test_classifier_page_reads_the_runs_file_only_if_it_is_the_one_it_trained_on(classify_run: Path,
                                                                                   tmp_path: Path) -> None:
    from rnnkit.report import write_report

    run = tmp_path / "run"
    shutil.copytree(classify_run, run)
    config_path = run / "best" / "config.json"
    config = json.loads(config_path.read_text())
    original = Path(config["data"]["train"])
    assert config["data"]["digests"]["train"].startswith(f"{original.stat().st_size}:")
    other = tmp_path / "other.csv"     # a well-formed file of the user's that a stranger's run names
    other.write_text(original.read_text(encoding="utf-8").replace(" film", " zebrafish"), encoding="utf-8")
    config["data"]["train"] = config["data"]["paths"]["train"] = str(other)
    config_path.write_text(json.dumps(config))
    page = write_report(run).read_text(encoding="utf-8")
    assert "is no longer the data the run" in page and "zebrafish" not in page
    del config["data"]["digests"]
    config_path.write_text(json.dumps(config))
    assert "records no digest of" in write_report(run).read_text(encoding="utf-8")


def test_pages_find_the_runs_data_from_another_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.report import write_report

    (tmp_path / "proj").mkdir()
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "proj")
    make_csv(Path("train.csv"), 40, 0)
    Path("text.txt").write_text("the King said go\nand the Lord said (aside)\n" * 30, encoding="utf-8")
    assert main(["data", "dates", "--out", "dates.tsv", "--pairs", "40", "--seed", "1"]) == 0
    small = ["--hidden", "8", "--steps", "2", "--no-progress", "--json"]
    assert main(["train", "classify", "--data", "train.csv", "--out", "cls", "--embedding", "8", *small]) == 0
    assert main(["train", "charlm", "--data", "text.txt", "--out", "lm", "--seq-len", "16", "--batch-size", "2",
                 *small]) == 0
    assert main(["train", "seq2seq", "--data", "dates.tsv", "--out", "s2s", "--embedding", "8", "--batch-size", "8",
                 "--eval-sentences", "2", *small]) == 0
    monkeypatch.chdir(tmp_path / "other")
    pages = {run: write_report(tmp_path / "proj" / run).read_text(encoding="utf-8") for run in ("cls", "lm", "s2s")}
    assert not [run for run, page in pages.items() if "Not shown" in page]
    assert "macro-F1" in pages["cls"] and 'id="unit-data"' in pages["lm"] and 'id="attention-0"' in pages["s2s"]


def test_tagger_page_on_a_given_file(tmp_path: Path) -> None:
    from rnnkit.report import write_report

    train, test = make_conll(tmp_path / "train.conll", 40, 0), make_conll(tmp_path / "test.conll", 10, 1)
    out = tmp_path / "tag"
    assert main(["train", "tag", "--data", str(train), "--out", str(out), "--steps", "4", "--hidden", "8",
                 "--embedding", "8", "--eval-every", "2", "--no-progress", "--json"]) == 0
    page = write_report(out, data=str(test)).read_text(encoding="utf-8")
    assert f"on {test}</p>" in page and 'id="confusion"' in page
    tokens = sum(1 for line in test.read_text(encoding="utf-8").splitlines() if line.strip())
    assert f"over {tokens:,} items" in page


def test_diagnose_directory_page(tmp_path: Path) -> None:
    out = tmp_path / "diag"
    assert main(["diagnose", "--cells", "rnn_tanh", "--length", "12", "--hidden", "4", "--train-steps", "2",
                 "--clip-steps", "3", "--clip-length", "10", "--out", str(out), "--json"]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Gradient norm through time" in page and "rnn_tanh (init)" in page
    norms = json.loads((out / "diagnose.json").read_text())["cells"]["rnn_tanh"]["grad_norms_start"]
    assert json.dumps(norms[0])[:8] in page


def _sections(page: str) -> list[tuple[str, str | None, list[str]]]:
    """Each section of a page in order: its heading, the title of the figure under it (None: no figure) and
    the names of that figure's lines."""
    found = []
    for heading, body in re.findall(r'<section id="[^"]*"><h2>(.*?)</h2>(.*?)</section>', page, re.S):
        if "Plotly.newPlot(" not in body:
            found.append((html.unescape(heading), None, []))
            continue
        decoder = json.JSONDecoder()
        data, end = decoder.raw_decode(body, body.index("[", body.index("Plotly.newPlot(")))
        layout, _ = decoder.raw_decode(body, body.index("{", end))
        found.append((html.unescape(heading), layout["title"]["text"], [trace["name"] for trace in data]))
    return found


def test_diagnose_page_puts_each_heading_over_its_own_figure(tmp_path: Path) -> None:
    """The page's "Spectral radius of W_hh" heading sat over the radius sweep (a tanh RNN at radius 0.9 and
    1.1), and the cells' spectral radii had no section: each heading now names what is under it."""
    from rnnkit.report import write_report

    out = tmp_path / "diag"
    assert main(["diagnose", "--cells", "rnn_tanh", "--length", "12", "--hidden", "4", "--train-steps", "2",
                 "--clip-steps", "3", "--clip-length", "10", "--out", str(out), "--json"]) == 0
    page = write_report(out).read_text(encoding="utf-8")
    sections = _sections(page)
    assert [(heading, title) for heading, title, _ in sections] == [
        ("Gradient norm through time", "Gradient norm through time, adding problem T = 12"),
        ("Spectral radius of W_hh", None),
        ("W_hh scaled to a radius (tanh RNN)", "tanh RNN, W_hh = radius × orthogonal, T = 12"),
        ("Clipping", "IRNN on adding T = 10: with and without clipping"),
        ("Numbers", None),
    ]
    assert sections[0][2] == ["rnn_tanh (init)", "rnn_tanh (after 2 steps)"]
    assert [name.split(":")[0] for name in sections[2][2]] == ["radius 0.9", "radius 1.1"]
    assert [name.split(":")[0] for name in sections[3][2]] == ["unclipped", "clipped at global norm 1"]
    radius = json.loads((out / "diagnose.json").read_text())["cells"]["rnn_tanh"]
    body = page.split("<h2>Spectral radius of W_hh</h2>")[1].split("</section>")[0]
    start, end = f"{radius['radius_start']['radius']:.3f}", f"{radius['radius_end']['radius']:.3f}"
    assert f"<tr><td>rnn_tanh</td><td>{start}</td><td>{end}</td><td>2</td></tr>" in body


def _figure(page: str, div_id: str) -> tuple[list, dict]:
    """The traces and the layout Plotly.newPlot receives for the figure in ``div_id``."""
    at = page.index(f'Plotly.newPlot(                        "{div_id}",')
    decoder = json.JSONDecoder()
    data, end = decoder.raw_decode(page, page.index("[", at))
    layout, _ = decoder.raw_decode(page, page.index("{", end))
    return data, layout


def test_translator_page_shows_the_attention_translate_returns(tmp_path: Path) -> None:
    import rnnkit
    from rnnkit.data.pairs import read_pairs
    from rnnkit.report import write_report

    data = tmp_path / "dates.tsv"
    assert main(["data", "dates", "--out", str(data), "--pairs", "40", "--seed", "1"]) == 0
    out = tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--steps", "2", "--hidden", "8",
                 "--embedding", "8", "--eval-every", "2", "--batch-size", "8", "--attention", "general",
                 "--eval-sentences", "2", "--no-progress", "--json"]) == 0
    other = tmp_path / "other.tsv"
    other.write_text("".join(f"{s}\t{t}\n" for s, t in read_pairs(data)[:2]), encoding="utf-8")
    page = write_report(out, data=str(other)).read_text(encoding="utf-8")
    first = rnnkit.load(out).translate([read_pairs(data)[0][0]], return_attention=True)[0]
    trace = _figure(page, "attention-0")[0][0]
    np.testing.assert_allclose(np.array(trace["z"]), np.array(first["attention"]), atol=1e-6)
    assert 'id="attention-1"' in page and 'id="attention-2"' not in page


def test_speech_page_aligns_what_transcribe_writes(tmp_path: Path) -> None:
    pytest.importorskip("soundfile")
    from test_speech import _tone_corpus

    import rnnkit
    from rnnkit.report import write_report

    _tone_corpus(tmp_path / "corpus" / "train", 8, 0)
    _tone_corpus(tmp_path / "corpus" / "val", 2, 1)
    out = tmp_path / "asr"
    assert main(["train", "speech", "--data", str(tmp_path / "corpus"), "--out", str(out), "--steps", "2",
                 "--hidden", "8", "--layers", "1", "--n-mels", "20", "--subsample", "4", "--batch-size", "4",
                 "--eval-every", "2", "--no-progress", "--json"]) == 0
    page = write_report(out).read_text(encoding="utf-8")
    wavs = sorted((tmp_path / "corpus" / "val" / "wav").glob("*.wav"))
    marked = 0
    for i, wav in enumerate(wavs):
        said = rnnkit.load(out).transcribe(wav, timings=True)
        assert f"<td>{wav.name}</td>" in page and f"<td>{said['text']}</td>" in page
        data, layout = _figure(page, f"alignment-{i}")
        assert len(data) == 2  # the spectrogram and P(blank)
        marks = [(a["text"], round(a["x"], 3)) for a in layout.get("annotations", [])]
        assert marks == [(s["symbol"], s["start"]) for s in said["symbols"]]
        marked += len(marks)
    assert marked  # the untrained model emits symbols (seeded), so the marks were compared


def test_captioner_page_shows_the_attention_caption_returns(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    import rnnkit
    from rnnkit.report import write_report

    assert main(["data", "shapes", "--out", str(tmp_path / "shapes"), "--images", "20", "--seed", "1"]) == 0
    out = tmp_path / "model"
    assert main(["train", "caption", "--data", str(tmp_path / "shapes"), "--out", str(out), "--steps", "2",
                 "--eval-every", "2", "--attention", "--hidden", "8", "--channels", "4,4,4", "--image-size", "32",
                 "--no-progress", "--json"]) == 0
    page = write_report(out).read_text(encoding="utf-8")
    first = sorted((tmp_path / "shapes" / "val").glob("*.png"))[0]
    said = rnnkit.load(out).caption(str(first), return_attention=True)
    assert f"<td>{first.name}</td>" in page and f"<td>{said['caption']}</td>" in page
    data, _ = _figure(page, "caption-attention-0")
    side = round(len(said["attention"][0]) ** 0.5)
    np.testing.assert_allclose(np.array(data[1]["z"]).ravel(), said["attention"][0], atol=1e-6)
    assert len(data) == 2 * min(len(said["attention"]), 15) and len(data[1]["z"]) == side


def test_damaged_or_foreign_files_in_a_run_directory(classify_run: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A results.json the user saved beside a model, a results.json of another shape, and metrics.jsonl
    lines that are not UTF-8 or have no step once ended in tracebacks."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(classify_run, run)
    (run / "results.json").write_text('{"accuracy": 0.9}')  # e.g. `rnnkit evaluate ... --json > results.json`
    with open(run / "metrics.jsonl", "ab") as fh:
        fh.write(b'\xff\xfe\x00\n{"train_loss": 1.0}\n{"step": 3, "train_l')
    assert main(["report", str(run)]) == 0
    assert "rnnkit report: classify run" in (run / "report.html").read_text(encoding="utf-8")
    other = tmp_path / "exp"
    other.mkdir()
    (other / "results.json").write_text('{"a": 1}')
    assert main(["report", str(other)]) == 2
    err = capsys.readouterr().err
    assert "results.json: no 'results'; expected the results.json that rnnkit experiment writes" in err
    assert err.count("\n") == 1


def test_a_page_that_cannot_be_put_in_place_leaves_no_temporary_file(classify_run: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """With RUN/report.html a folder, `rnnkit report` said so in one line but left the whole page, about 5 MB,
    as RUN/report.html.tmp: the rename failed and nothing removed what was written before it."""
    run = tmp_path / "run dé"
    shutil.copytree(classify_run, run)
    (run / "report.html").unlink(missing_ok=True)  # written by another test
    (run / "report.html").mkdir()
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: {run / 'report.html'}: ") and err.count("\n") == 1
    assert not list(run.glob("*report.html.*")) and (run / "report.html").is_dir()


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_report_output_writes_the_page_elsewhere_and_leaves_the_run_as_it_was(
        classify_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`report RUN` could write only RUN/report.html: `--output FILE` writes the page there (folders made),
    `--open` opens that file, and the run, its own report.html included, is not touched."""
    import webbrowser

    from rnnkit.report import write_report

    run = tmp_path / "run"
    shutil.copytree(classify_run, run)
    (run / "report.html").write_text("the run's own page")
    before = _files(run)
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    page = tmp_path / "pages" / "reviews.html"
    capsys.readouterr()
    assert main(["report", str(run / "best"), "--output", str(page), "--open"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {page}"
    assert opened == [page.resolve().as_uri()]
    assert "rnnkit report: classify run" in page.read_text(encoding="utf-8") and 'id="confusion"' in page.read_text()
    assert _files(run) == before and not list(page.parent.glob(".*"))  # no temporary file left either
    again = tmp_path / "api.html"  # the Python API takes it too
    assert write_report(run, output=again) == again and "rnnkit report: classify run" in again.read_text()
    assert _files(run) == before
    assert main(["report", str(run), "--output", str(run / "report.html")]) == 0  # the run's own page, named
    assert "rnnkit report: classify run" in (run / "report.html").read_text()


def test_report_output_refuses_a_folder_a_file_it_reads_and_the_runs_checkpoints(
        classify_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--output onto what the page is made from, or into best/ or last/ (which the run's next save replaces), is
    refused in one line before any work, and nothing is written anywhere."""
    run = tmp_path / "run"
    shutil.copytree(classify_run, run)
    data = tmp_path / "held_out.csv"
    shutil.copy(classify_run.parent / "train.csv", data)
    train = str(json.loads((run / "best" / "config.json").read_text())["data"]["train"])
    cases = [
        (tmp_path, "is a folder; expected the name of an HTML file to write"),
        ("", "an empty name; expected the name of an HTML file to write"),
        (run / "best" / "page.html", "is inside the run's best model (best/), which every save replaces"),
        (run / "last" / "page.html", "is inside the run's resume checkpoint (last/), which every save replaces"),
        (run / "best" / "config.json", "is the model's config.json being read"),
        (run / "last" / "model.safetensors", "is the model.safetensors of the run's resume checkpoint (last/)"),
        (run / "metrics.jsonl", "is the run's own metrics.jsonl"),
        (data, "is the --data being read"),
        (train, "is the run's data being read (as config.json records it)"),
    ]
    before, kept = _files(run), _files(tmp_path)
    for output, why in cases:
        assert main(["report", str(run), "--data", str(data), "--output", str(output)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"rnnkit: error: --output {output or repr('')}: {why}"), err
        assert err.count("\n") == 1
        assert _files(run) == before and _files(tmp_path) == kept


def test_report_of_a_run_that_cannot_be_written_says_to_give_output(
        classify_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A run on a read-only share got no page at all: `report RUN` did the whole work, then failed to write
    RUN/report.html. It is refused in one line, before any work, that says to give --output; with --output
    the page is written; an --output in that run is refused the same way."""
    import os

    from rnnkit import report

    run = tmp_path / "run"
    shutil.copytree(classify_run, run)
    (run / "report.html").unlink(missing_ok=True)
    real_access = os.access

    def read_only(path: str | os.PathLike[str], mode: int, **kwargs: object) -> bool:  # the mount is read-only
        return not (mode & os.W_OK and Path(path).resolve() == run.resolve()) and real_access(path, mode, **kwargs)

    def no_work(*args: object) -> None:
        raise AssertionError("the page was made before the refusal")

    monkeypatch.setattr(os, "access", read_only)
    with monkeypatch.context() as m:
        m.setattr(report, "_model_page", no_work)
        for argv, expected in (
                ([str(run)], f"{run / 'report.html'}: cannot write (Permission denied); give --output FILE to "
                             "write the page elsewhere"),
                ([str(run / "best")], f"{run / 'report.html'}: cannot write (Permission denied)"),
                ([str(run), "--output", str(run / "page.html")],
                 f"{run / 'page.html'}: cannot write (Permission denied); give another --output")):
            assert main(["report", *argv]) == 2
            err = capsys.readouterr().err
            assert err.startswith(f"rnnkit: error: {expected}") and err.count("\n") == 1
    page = tmp_path / "page.html"
    assert main(["report", str(run), "--output", str(page)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {page}"
    assert "rnnkit report: classify run" in page.read_text(encoding="utf-8")
    assert not (run / "report.html").exists()


def test_the_loss_paragraph_gives_the_characters_mean_loss_in_nats_and_in_bits(charlm_run: Path) -> None:
    """The paragraph's mean is the mean of the losses each character's span shows (nats, to two decimals), and its
    bits are those nats over ln 2: bits written as nats times ln 2 (0.48 times what they should be) went unseen."""
    page = (charlm_run / "report.html").read_text(encoding="utf-8")
    said = re.search(r"Mean ([0-9.]+) nats \(([0-9.]+) bits\) per character", page)
    assert said is not None
    nats, bits = float(said.group(1)), float(said.group(2))
    loss = re.search(r'<div class="text" id="loss-text">(.*?)</div>', page, re.S).group(1)
    shown = [float(v) for v in re.findall(r'title="([0-9.]+) nats"', loss)]
    assert shown and abs(nats - sum(shown) / len(shown)) <= 0.006
    assert abs(bits - nats / np.log(2)) <= 0.002


def test_the_saturation_table_counts_each_side_and_numbers_the_layers_from_one() -> None:
    """Hand-worked: in layer 1 both units are below 0.1 at every character, in layer 2 neither is ever saturated."""
    from rnnkit.report.charlm import saturation_summary

    gate = torch.full((4, 2, 2), 0.5)
    gate[:, 0] = 0.05
    rows = saturation_summary(units.Trace(gates={"forget": gate}))
    assert rows == [("forget", 1, "1.000", "0.000", "2 / 2", "0 / 2"),
                    ("forget", 2, "0.000", "0.000", "0 / 2", "0 / 2")]


def test_the_unit_series_are_labelled_tanh_c_first_from_layer_one_and_quantised_about_128() -> None:
    """Each series' label, state, layer, unit and scale, and the bytes the page's script reads back as
    (byte − 128) / 127 × scale: 0 is byte 128, ±scale bytes 255 and 1."""
    from rnnkit.report.charlm import _quantised, unit_series

    c = torch.tensor([[[0.0, 3.0]], [[1.0, -3.0]], [[-1.0, 0.0]]])      # (T=3, L=1, H=2)
    h = torch.tensor([[[0.5, -0.25]], [[0.0, 0.0]], [[0.25, 0.0]]])
    series, values = unit_series(units.Trace(states={"h": h, "c": c}))
    assert [s["label"] for s in series] == ["layer 1 · tanh(c) · unit 0", "layer 1 · tanh(c) · unit 1",
                                            "layer 1 · h · unit 0", "layer 1 · h · unit 1"]
    assert [(s["state"], s["layer"], s["unit"], s["scale"]) for s in series] == [
        ("c", 0, 0, 1.0), ("c", 0, 1, 3.0), ("h", 0, 0, 1.0), ("h", 0, 1, 1.0)]
    assert torch.equal(values, torch.cat([c[:, 0], h[:, 0]], 1))
    raw = base64.b64decode(_quantised(values, [s["scale"] for s in series]))
    assert list(raw[:6]) == [128, 255, 1, 128 + 127, 1, 128]   # series-major: unit 0 of c, then unit 1 of c


def test_the_unit_the_page_selects_first_is_the_one_of_largest_absolute_correlation() -> None:
    """A unit that is exactly minus the upper-case feature (r = −1) is the one selected when the page opens, over
    units of smaller positive r: a ranking that took the largest signed r skipped it."""
    from rnnkit.report.charlm import _ranking, unit_series

    text = "aB cD\n(e) Fg" * 3
    upper = units.features(text)["upper case"].float()
    noise = torch.randn(len(text), 2, generator=torch.Generator().manual_seed(0))
    tr = units.Trace(states={"h": torch.stack([noise[:, 0], noise[:, 1], -upper], 1).unsqueeze(1)})
    series, _ = unit_series(tr)
    html_, best = _ranking(tr, text, series)
    assert series[best]["unit"] == 2 and "(r = -1.00)" in html_


def test_the_overview_gives_minutes_and_items_per_second_of_the_runs_own_numbers() -> None:
    """Hand-worked: 150 s is 2.5 min, 6,000 items in 3 s of training steps 2,000 a second, two tensors 12 + 3
    parameters; minutes computed as hours (0.0 min) or the rate as a product went unseen."""
    from types import SimpleNamespace

    from rnnkit.report.run import overview_section

    state = {"elapsed": 150.0, "step": 1234, "tokens": 6000, "train_seconds": 3.0, "best_metric": 0.25,
             "metric": "loss", "best_step": 1000}
    ckpt = SimpleNamespace(trainer_state=state, config={"task": "charlm"},
                           model_shapes={"a.weight": (3, 4), "a.bias": (3,)})
    html_ = overview_section(ckpt, None)
    for row in (("parameters", "15"), ("steps", "1,234"), ("training time", "150.0 s (2.5 min)"),
                ("items per second (training steps)", "2,000"),
                ("best validation loss", "0.2500 nats/char at step 1000")):
        assert "<tr><td>{}</td><td>{}</td></tr>".format(*row) in html_


def test_the_experiment_table_gives_the_mean_std_and_seconds_that_results_json_holds() -> None:
    """Two seeds show their std (only one seed hides it), an accuracy in percent as results.md shows it, and
    seconds stay seconds; a results.json without steps shows none."""
    from rnnkit.report.experiments import _experiment_sections
    from rnnkit.report.page import Page

    def cell(seeds: int) -> dict:
        return {"mean": 0.875, "std": 0.0125, "parameters": 1234, "hidden": 8, "seconds": 90.0,
                "runs": [{"stopped": "steps", "curve": []} for _ in range(seeds)]}

    page = Page("experiment")
    _experiment_sections(page, {"metric": "accuracy", "results": {"lstm": cell(2), "gru": cell(1)}})
    results = page.sections[0][1]
    rest = "<td>1,234</td><td>8</td><td></td><td>90.0</td><td>—</td><td>steps</td></tr>"  # no lr in this results.json
    assert "<tr><td>lstm</td><td>87.5% ± 1.2%</td>" + rest in results
    assert "<tr><td>gru</td><td>87.5%</td>" + rest in results


def test_the_attention_figure_labels_each_row_with_the_token_it_wrote() -> None:
    """Row i of the heat map is the i-th written token, column j the j-th source token, as the hover says: target
    labels shifted by one (the token after the one written) went unseen by the page test, which reads z only."""
    from rnnkit.report.seq2seq import attention_figure

    rows = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]
    fig = attention_figure({"source_tokens": ["a", "b", "c"], "target_tokens": ["x", "y", "z"], "attention": rows})
    assert list(fig.layout.yaxis.ticktext) == ["x", "y"] and list(fig.layout.xaxis.ticktext) == ["a", "b", "c"]
    assert [list(map(tuple, r)) for r in fig.data[0].customdata] == [[("a", "x"), ("b", "x"), ("c", "x")],
                                                                     [("a", "y"), ("b", "y"), ("c", "y")]]
    assert [list(r) for r in fig.data[0].z] == rows
