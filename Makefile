# The few commands a newcomer needs. Everything installs into .venv from PyPI alone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= ../shared/data

.PHONY: install demo test lint bench-accuracy bench-speed clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install  ## OCR the shipped samples into out/demo (Markdown + JSON)
	$(BIN)/docsight ocr samples/invoice.png samples/minutes-scan.pdf -o out/demo --format md,json
	@echo "Outputs written to out/demo/: invoice.md, invoice.json, minutes-scan.md, minutes-scan.json"

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint  ## lint, type-check, architecture contracts, then the whole test suite
	$(BIN)/pytest

bench-accuracy: install
	$(BIN)/python bench/accuracy.py $(DATA)

bench-speed: install
	$(BIN)/python bench/speed.py $(DATA)

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
