# The two commands: `make run` (service with demo data) and `make test`.
# Each sets up what it needs: a virtualenv in .venv with requirements.txt installed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py demo_login
	$(BIN)/python manage.py webhooks_requeue
	@# The webhook worker beside the server: Ctrl-C reaches both (one process group), and the trap stops
	@# the worker whenever the server ends for another reason. Without --reload: a reloading worker's
	@# child would outlive a stopped parent (restart it after editing the code it runs).
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(BIN)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
