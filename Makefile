# Two commands: `make run` serves, `make test` checks everything. Both set up .venv first.
PYTHON ?= python3
# Test processes. The machines this runs on have two cores; part of the suite waits (on
# service processes, browsers, an outage's clock), which three processes, handed tests as
# they free up (worksteal), fill with the others' work (measured: README, "Two commands").
JOBS ?= 3
CHECK_JOBS ?= 2
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
CATALOGS := $(wildcard locales/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test check bench install lint i18n-extract i18n-update i18n-compile clean

run: install
	$(BIN)/pakn serve

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(JOBS) --dist worksteal $(PYTEST_ARGS)

# The inner loop (under 90 s): lint, types, import rules, the unit and conversation tests on SQLite.
check: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	env -u PAKN_TEST_POSTGRES_URL $(BIN)/pytest -q -n $(CHECK_JOBS) -m "unit or conversation" $(PYTEST_ARGS)

# The benchmarks, not part of `make test`: all of them, or NAMES=throughput,pacing etc.
comma := ,
bench: install
	$(BIN)/python -m benchmarks $(subst $(comma), ,$(NAMES))

install: $(INSTALLED) $(COMPILED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# Translations: extract the strings from the code, merge them into each language's
# catalog (translate the new ones there), compile for use.
i18n-extract: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k SettingsError -k ngettext:1,2 --no-location --sort-output \
		--project pakn-bot --copyright-holder "PAKN bot" -o locales/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -D messages -i locales/messages.pot -d locales --no-fuzzy-matching \
		--ignore-obsolete

i18n-compile: $(COMPILED)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(INSTALLED)
	$(BIN)/pybabel compile -D messages -d locales -l $*

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
	rm -f $(COMPILED)
