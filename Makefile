# attendance_mis: everyday commands. `make help` lists them.
#
# Everything runs from the project's own virtualenv (.venv). Services for tests and benchmarks
# (PostgreSQL, Redis) are started and stopped by scripts/with-services.sh unless DATABASE_URL /
# REDIS_URL are already set. `make run` needs no services: with nothing configured the settings
# fall back to SQLite (db.sqlite3) and eager Celery. The settings refuse to start without a
# SECRET_KEY, so `make run` (and lint, bench) first write a random one to .env (untracked,
# kept between runs so that sign-ins survive a restart).

PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
PYTEST_ARGS ?=
# Two cores on CI; loadfile keeps a file's tests (and their fixtures) on one worker.
PYTEST      := $(BIN)/pytest -n 2 --dist loadfile

# Browser tests use the system Chromium (/usr/bin/chromium); Playwright must never fetch one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: help venv install system-packages run test e2e lint bench

help:
	@echo "make install   create .venv and install the project with dev extras"
	@echo "make run       system packages if missing (Pango, fonts), migrate, seed demo data,"
	@echo "               runserver on 127.0.0.1:8000 (SQLite)"
	@echo "make test      full test suite against throw-away PostgreSQL + Redis"
	@echo "               (extra pytest arguments: make test PYTEST_ARGS='-k marks -x')"
	@echo "make e2e       browser tests only (-m e2e)"
	@echo "make lint      ruff check, ruff format --check, import contracts, migrations check"
	@echo "make bench     benchmarks (bench/run_all.py) against PostgreSQL + Redis"

# Reinstall only when pyproject.toml is newer than the last successful install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[dev]'
	touch $@

venv install: $(STAMP)

system-packages:
	bash scripts/system-packages.sh --run

# A key of this machine's own, never committed; an existing .env is left as it is.
.env:
	@$(PYTHON) -c 'import secrets; print("SECRET_KEY=" + secrets.token_urlsafe(50))' > $@
	@echo "wrote a new random SECRET_KEY to .env"

# First the Debian packages (scripts/system-packages.sh installs whatever is missing, with
# sudo when not root): python3-venv, Pango and the fonts letters print with; the rest is
# Python. If they cannot be installed the demo still starts, and letter pages say what is
# missing.
run: .env
	bash scripts/system-packages.sh --run || echo "make run: carrying on; install the packages above for letters to print."
	$(MAKE) install
	$(BIN)/python manage.py migrate --noinput
	# Served by WhiteNoise, as in production (DEBUG stays off unless you set it).
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py seed_demo
	# The demo offers two-factor sign-in without enforcing it (a banner says so), so that
	# every printed login opens without an authenticator app; production enforces it.
	TWO_FACTOR_ENFORCED=0 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	scripts/with-services.sh $(PYTEST) $(PYTEST_ARGS)

e2e: install
	scripts/with-services.sh $(PYTEST) -m e2e $(PYTEST_ARGS)

lint: install .env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: install .env
	scripts/with-services.sh $(BIN)/python bench/run_all.py
