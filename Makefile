# The two commands: `make run` and `make test`. Both install into .venv first, and both can be
# run again at any time.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test fixtures bench

$(INSTALLED): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed." or 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

run: $(INSTALLED)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py prepare_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(INSTALLED)
	$(PY) -m pytest

# Rebuild fixtures/seed.json after editing fixtures/seed.toml (a scratch database, then gone).
fixtures: $(INSTALLED)
	rm -f .build-seed.sqlite3
	DATABASE_URL=sqlite:///.build-seed.sqlite3 DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:///.build-seed.sqlite3 DEBUG=1 $(PY) manage.py build_seed
	rm -f .build-seed.sqlite3

# The HTTP benchmark (bench/README.md): the app under gunicorn on PostgreSQL (127.0.0.1:5432, or
# BENCH_DATABASE_URL) over a synthetic corpus of CLAIMS claims, built once and kept. `make bench
# PORT=…` moves its server; by default 8765, clear of `make run`'s. More options in BENCH_ARGS,
# e.g. BENCH_ARGS="--requests 200 --output bench.md".
CLAIMS ?= 100000
BENCH_PORT = $(if $(filter command line environment,$(origin PORT)),$(PORT),8765)

bench: $(INSTALLED)
	$(PY) bench/http.py --claims $(CLAIMS) --port $(BENCH_PORT) $(BENCH_ARGS)
