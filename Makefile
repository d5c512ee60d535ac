# The two commands of the README: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test setup check unit pg-test e2e messages

run: setup  ## install everything, build the demo city, serve it at http://127.0.0.1:8000/
	$(VENV)/bin/gongzhi demo

test: setup  ## the whole suite: lint, types, tests on SQLite and PostgreSQL, browser tests
	scripts/test

setup: $(VENV)/.synced node_modules/.installed

$(VENV)/.synced: pyproject.toml uv.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(VENV)/bin/python -m pip install --quiet uv
	$(UV) sync --frozen --python $(VENV)/bin/python
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages:  ## recompile the translation catalogues after editing the .po files
	cd src/gongzhi && ../../$(VENV)/bin/python -m django compilemessages --settings=gongzhi.settings
