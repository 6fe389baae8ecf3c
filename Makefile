# Reclaim: the two commands that matter are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean chromium web synapse i18n

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run

lint: $(STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy --strict bot

test: lint chromium synapse
	$(BIN)/python -m pytest -q

# The companion page is tested in Debian's Chromium. Installed here when missing and possible
# (root with apt-get); otherwise the browser tests are skipped and say why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the browser tests..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q chromium >/dev/null 2>&1 || \
	      { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; \
	  else \
	    echo "Chromium is missing and can't be installed here (needs root and apt-get)."; \
	    echo "The browser tests will be skipped."; \
	  fi; }

# The Matrix tests run against a real Synapse, in its own cached environment so its pinned
# dependencies never meet the bot's. Without network access the Matrix tests are skipped.
SYNAPSE_VENV := .synapse/venv
SYNAPSE_STAMP := $(SYNAPSE_VENV)/.installed

synapse: $(SYNAPSE_STAMP)

$(SYNAPSE_STAMP):
	@$(PYTHON) -m venv $(SYNAPSE_VENV) && \
	  $(SYNAPSE_VENV)/bin/pip install --quiet --upgrade pip && \
	  $(SYNAPSE_VENV)/bin/pip install --quiet matrix-synapse && touch $(SYNAPSE_STAMP) || \
	  echo "Synapse can't be installed here; the Matrix tests will be skipped."

# The companion page's vendored libraries (bot/companion/web/vendor/, committed) from the npm
# versions pinned in web/package-lock.json. Only needed after changing web/package.json.
web:
	npm ci --prefix web --no-audit --no-fund
	node web/build.mjs
	node web/build-wasm.mjs

# The message catalogs: template from the English, every catalog updated, the page's words
# exported. See docs/translating.md.
i18n: $(STAMP)
	$(BIN)/python -m bot i18n extract
	$(BIN)/python -m bot i18n update
	$(BIN)/python -m bot i18n web

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .synapse .pytest_cache .mypy_cache .ruff_cache
