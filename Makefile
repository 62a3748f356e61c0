# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: run test test-integration lint typecheck check browser stop benchmark benchmark-smoke messages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)  ## serve the portal on http://127.0.0.1:8000 with a worker and demo data
	$(BIN)/python -m depok_kds.devrun

test: $(STAMP)  ## the whole test suite on PostgreSQL (embedded unless DATABASE_URL is set)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

test-integration: $(STAMP)  ## the suite that needs a real worker (Redis when CELERY_BROKER_URL is set)
	$(BIN)/python -m pytest -m integration -p no:randomly

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck
	$(BIN)/python manage.py makemigrations --check --dry-run
	KDS_PROFILE=production DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') \
	  DJANGO_ALLOWED_HOSTS=kds.example.go.id $(BIN)/python manage.py check --deploy --tag security --fail-level WARNING

browser:  ## install Debian's chromium (and pdftoppm, to look at printed cards) for the browser tests (needs root)
	@test -x /usr/bin/chromium -a -x /usr/bin/pdftoppm || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils)

benchmark: $(STAMP)  ## make benchmark NAME=demo SIZE=100
	$(BIN)/python benchmarks/run.py $(NAME) $(if $(SIZE),--size $(SIZE))

benchmark-smoke: $(STAMP)  ## every scenario at a small size; fails on an error or a blown ceiling
	$(BIN)/python benchmarks/smoke.py

messages: $(STAMP)  ## refresh and compile the translations
	$(BIN)/python manage.py makemessages -l id -l en --ignore ".venv/*" --ignore "var/*"
	$(BIN)/python manage.py compilemessages --ignore ".venv/*"

stop:  ## stop the embedded PostgreSQL
	@test -x $(BIN)/python && $(BIN)/python -m depok_kds.embedded_db stop || true

clean: stop
	rm -rf $(VENV) var staticfiles
