# Two commands from a fresh clone: `make run` and `make test`.
# Dependencies are pinned by requirements.lock (runtime) and requirements-dev.lock (tests,
# linters); `make lock` regenerates both from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
UV_VERSION := 0.13.9
COMPILE := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --quiet

.PHONY: install run test lint format bench lock clean

# Everything `make test` needs.
install: $(DEV)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The service's own dependencies only (what the container installs), then the package itself.
$(RUNTIME): requirements.lock pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# The test and lint tooling on top.
$(DEV): requirements-dev.lock $(RUNTIME)
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $@

run: $(RUNTIME)
	$(BIN)/boardwatch serve

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict service
	$(BIN)/lint-imports
	$(BIN)/python .ci/check_rule_examples.py
	$(BIN)/actionlint .github/workflows/*.yml
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m bench

# Pin every dependency again after editing pyproject.toml (needs PyPI).
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(COMPILE) --output-file requirements.lock
	$(COMPILE) --extra dev --constraint requirements.lock --output-file requirements-dev.lock

clean:
	rm -rf $(VENV) boardwatch.db boardwatch.db-* boardwatch.db.wakeup .pytest_cache
