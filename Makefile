# Two commands on a fresh machine:
#   make run   — set everything up and open the dashboard with the sample data
#   make test  — set everything up (incl. headless Chromium) and run all tests
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: setup setup-test browser samples model spark run test train clean

setup: $(VENV)/.installed

# The pinned runtime set, then diagnose itself (editable, no further downloads).
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

setup-test: $(VENV)/.test-installed

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

# Headless Chromium (Debian package) + Playwright for the end-to-end test.
browser: setup-test
	bash scripts/setup_browser.sh $(PY)

# Sample exports are committed; this rebuilds them only if one is missing.
samples: setup
	@test -f sample_data/douyin_aftersales.csv || $(PY) scripts/make_samples.py

# The trained model is committed; this rebuilds it only if it is missing.
model: setup
	@test -f models/reason_model.npz || $(PY) -m diagnose train --no-corrections

train: setup
	$(PY) -m diagnose train

# Optional Spark batch job (docs/SPARK.md); `make test` installs it so its test runs.
spark: $(VENV)/.spark-installed

$(VENV)/.spark-installed: requirements-spark.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-spark.txt
	touch $@

run: setup samples model
	$(PY) -m streamlit run app.py --server.port $(PORT)

test: setup setup-test browser samples model spark
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) test-artifacts *.egg-info
