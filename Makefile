# Kabinet: `make run` starts the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := kabinet.settings

.PHONY: run test lint bench check-python clean-db demo-data chromium fonts speech

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null || { \
	  echo "Kabinet needs Python 3.12 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "Install Python 3.12 (pyenv reads .python-version) or run: make PYTHON=python3.12 …"; \
	  exit 1; }

$(STAMP): pyproject.toml | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

var:
	@mkdir -p var/mail

demo-data: $(STAMP) var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

run: demo-data fonts
	@scripts/ensure-speech || echo "Без espeak-ng ссылка «Прослушать код» не показывается."
	@echo
	@echo "Кабинет жильца: http://$(HOST):$(PORT)/   (управление: http://$(HOST):$(PORT)/admin/)"
	@$(BIN)/python manage.py demo_logins
	@echo "Письма сохраняются в var/mail/. Остановить: Ctrl+C."
	@echo
	@export DEBUG=1 SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}; \
	  $(BIN)/python manage.py db_worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

chromium:
	@scripts/ensure-chromium

fonts:
	@scripts/ensure-fonts

speech:
	@scripts/ensure-speech

test: $(STAMP) chromium fonts speech
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP) fonts
	$(BIN)/python -m bench $(BENCH_ARGS)

clean-db:
	rm -f var/kabinet.sqlite3 var/kabinet.sqlite3-wal var/kabinet.sqlite3-shm
