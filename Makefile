# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
GOVUK_STATIC := src/contactpoint/web/static/govuk

.PHONY: run test test-fast bench lint static install clean chromium

run: install static
	$(BIN)/contactpoint demo

install: $(VENV)/.installed

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "ContactPoint needs Python 3.11 or newer as $(PYTHON)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $@

# GOV.UK Frontend comes from npm (package-lock.json pins it) and is built into
# $(GOVUK_STATIC) by scripts/build-static.mjs (Sass compiled with the assets path
# under /static/, JS and fonts/images copied); the built files are not committed.
static: $(GOVUK_STATIC)/.built

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null \
		|| { echo "The web assets (GOV.UK Frontend) are built with npm: install Node.js 20.19+" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error

$(GOVUK_STATIC)/.built: node_modules/.package-lock.json scripts/build-static.mjs
	npm run --silent build
	@touch $@

# The whole suite on SQLite, then its database tests again on PostgreSQL when
# CONTACTPOINT_TEST_POSTGRES_URL is set (.ci/run sets it). Each pass spreads its tests over
# PYTEST_WORKERS processes (pytest-xdist; `auto` is one per core), each with databases of
# its own: pytest-django names them test_<name>_gw0, test_<name>_keys_gw0, ... Skip the
# slow browser and scale tests locally with
#   make test PYTEST_ARGS="-m 'not slow'"
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal
test: $(VENV)/.installed-test static chromium
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports
	$(BIN)/mypy src
	$(PYTEST) $(PYTEST_ARGS)
	@if [ -n "$$CONTACTPOINT_TEST_POSTGRES_URL" ]; then \
		echo "== the database tests again, on PostgreSQL"; \
		CONTACTPOINT_TEST_ENGINE=postgres $(PYTEST) $(PYTEST_ARGS); \
	else \
		echo "CONTACTPOINT_TEST_POSTGRES_URL is not set: PostgreSQL run skipped (.ci/run sets it)"; \
	fi

# The browser tests (marked `slow`) drive Debian's Chromium through Playwright: install it
# from Debian's packages when it is missing and we may (root, apt). Not for -m 'not slow'.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@case "$(PYTEST_ARGS)" in *"not slow"*) exit 0;; esac; \
	if [ ! -x "$(CHROMIUM)" ]; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			echo "installing Chromium from Debian's packages, for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium is not at $(CHROMIUM) and cannot be installed here (needs root and apt):" \
			     "install the chromium package, or the browser tests skip" >&2; \
		fi; \
	fi

test-fast:
	$(MAKE) test PYTEST_ARGS="-m 'not slow'"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests

bench: install
	$(BIN)/contactpoint bench

clean:
	rm -rf $(VENV) node_modules $(GOVUK_STATIC) build .pytest_cache
