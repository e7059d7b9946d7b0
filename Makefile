# Attend: the two commands a newcomer types are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PATIENTS ?= 20000

.PHONY: demo test install lint format bench clean chromium

$(STAMP): requirements.txt requirements-dev.txt requirements-mesh-sandbox.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-mesh-sandbox.txt
	touch $(STAMP)

install: $(STAMP)

## make demo: install, migrate SQLite, seed the synthetic trust, create demo logins, train and
## activate a risk model, run the night's jobs (score, call lists, reminders, reports), fill the model's
## live page from its hold-out weeks, serve on :8000
demo: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --patients $(DEMO_PATIENTS)
	$(BIN)/python manage.py create_demo_logins
	$(BIN)/python manage.py seed_collaborative
	$(BIN)/python manage.py train_risk_model --activate
	$(BIN)/python manage.py run_nightly
	$(BIN)/python manage.py monitor_risk_model --backfill-holdout
	@echo "Attend is running on http://127.0.0.1:8000 (Ctrl-C to stop); log in with a demo login printed above."
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## make test: install and run the whole suite (Postgres/Redis/browser tests skip with a reason if absent)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=15

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make bench: the performance benchmarks against PostgreSQL (DATABASE_URL must be set)
bench: $(STAMP)
	$(BIN)/python -m bench

## make chromium: Debian's Chromium for the browser tests (needs root)
chromium:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
