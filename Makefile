# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.rnnkit-installed
# konlpy's wheel, for the Korean texts inside it (`--data korean`): downloaded, read as a zip, never
# installed (installing it would want a JVM bridge that nothing here needs).
DATA_CACHE := data-cache
KONLPY_WHEEL := $(DATA_CACHE)/konlpy-0.6.0-py2.py3-none-any.whl

# The English-Spanish Bible modules (`--data bible-en-es`): Debian packages, installed on demand only.
SWORD_PACKAGES := sword-text-kjv sword-text-sparv

# espeak-ng speaks text to WAV and prints its phonemes (`rnnkit data speech`, phonemes for transcripts).
SPEECH_PACKAGES := espeak-ng

# A headless browser renders the report pages in the tests (`rnnkit report`).
REPORT_PACKAGES := chromium

# A C++ compiler builds the fused LSTM step (rnnkit.native) on first use; without one rnnkit runs the
# same math on torch ops, slower.
NATIVE_PACKAGES := g++

.PHONY: demo test quick data data-bible data-speech data-report native-deps bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first, exactly this version: any other spelling pulls the CUDA wheels.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[all,test]'
	touch $(STAMP)

$(KONLPY_WHEEL): | $(STAMP)
	$(PY) -m pip download -q --no-deps --only-binary :all: konlpy==0.6.0 -d $(DATA_CACHE)

data: $(KONLPY_WHEEL)

# Debian packages, as root or with sudo otherwise; apt-get update only when the first try cannot find them.
define apt_install
	@sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	if dpkg -s $(1) >/dev/null 2>&1; then echo "$(1): already installed"; \
	else $$sudo apt-get install -y $(1) \
	  || { $$sudo apt-get update && $$sudo apt-get install -y $(1); }; fi
endef

data-bible:
	$(call apt_install,$(SWORD_PACKAGES))

data-speech:
	$(call apt_install,$(SPEECH_PACKAGES))

data-report:
	$(call apt_install,$(REPORT_PACKAGES))

native-deps:
	$(call apt_install,$(NATIVE_PACKAGES))

demo: $(STAMP) $(KONLPY_WHEEL)
	$(VENV)/bin/rnnkit demo

# a pytest-xdist worker per core, each test file on one worker (its module fixtures built once)
PYTEST_WORKERS ?= -n auto --dist loadfile

test: $(STAMP) $(KONLPY_WHEEL)
	$(VENV)/bin/ruff check src tests benchmarks
	$(PY) -m pytest $(PYTEST_WORKERS)

quick: $(STAMP)
	$(PY) -m pytest $(PYTEST_WORKERS) -m "not slow"

bench: $(STAMP)
	$(PY) benchmarks/cells.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build src/*.egg-info
