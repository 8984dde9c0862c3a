# Two commands on a fresh machine:
#   make run   — set everything up and open the dashboard with the sample data
#   make test  — set everything up (incl. headless Chromium) and run all tests
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: setup browser samples model run test train clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Headless Chromium (Debian package) + Playwright for the end-to-end test.
browser: setup
	bash scripts/setup_browser.sh $(PY)

# Sample exports are committed; this rebuilds them only if one is missing.
samples: setup
	@test -f sample_data/douyin_aftersales.csv || $(PY) scripts/make_samples.py

# The trained model is committed; this rebuilds it only if it is missing.
model: setup
	@test -f models/reason_model.npz || $(PY) -m diagnose train --no-corrections

train: setup
	$(PY) -m diagnose train

run: setup samples model
	$(PY) -m streamlit run app.py --server.port $(PORT)

test: setup browser samples model
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
