# One setup path for everyone: newcomers, tests, CI and the quickstart.
# Each step leaves a stamp in .venv/.stamps and re-runs only when its
# requirements file changes, so `make setup` on a ready machine takes seconds.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMPS := $(VENV)/.stamps
REALDATA ?= $(abspath ../shared/realdata)

# Run a step; on failure say which step failed before make stops.
define step
	@echo "[setup] $(1)"
	@$(2) || { echo "[setup] FAILED: $(1). See the output above; fix it and re-run 'make setup'." >&2; exit 1; }
	@mkdir -p $(STAMPS) && touch $@
endef

.PHONY: setup test quickstart onnx clean-venv help
help:
	@echo "make quickstart  - set up, then run the whole pipeline on generated data"
	@echo "make test        - set up (with the optional ONNX Runtime), then run the test suite"
	@echo "make setup       - only create .venv and install everything"
	@echo "make onnx        - optional: add ONNX Runtime (faster CPU inference)"

setup: $(STAMPS)/project

$(STAMPS)/venv:
	$(call step,create the virtual environment $(VENV) with $(PYTHON),\
	  $(PYTHON) -m venv $(VENV) && $(PIP) install -q --upgrade pip)

$(STAMPS)/torch: requirements/torch.txt $(STAMPS)/venv
	$(call step,install torch / torchvision / numpy (requirements/torch.txt),\
	  $(PIP) install -q -r requirements/torch.txt)

$(STAMPS)/build: requirements/build.txt $(STAMPS)/torch
	$(call step,install build tools (requirements/build.txt),\
	  $(PIP) install -q -r requirements/build.txt)

$(STAMPS)/runtime: requirements/runtime.txt $(STAMPS)/build
	$(call step,install runtime dependencies (requirements/runtime.txt),\
	  $(PIP) install -q -r requirements/runtime.txt mmengine==0.10.7)

$(STAMPS)/mmcv: tools/build_mmcv.sh $(STAMPS)/runtime
	$(call step,build MMCV 2.1.0 with compiled ops (tools/build_mmcv.sh),\
	  PY=$(PY) bash tools/build_mmcv.sh)

$(STAMPS)/mm: requirements/mminstall.txt $(STAMPS)/mmcv
	$(call step,install MMEngine / MMDetection / MMPose (requirements/mminstall.txt),\
	  $(PIP) install -q -r requirements/mminstall.txt -r requirements/runtime.txt \
	  && $(PIP) install -q --no-deps mmpose==1.3.2)

$(STAMPS)/tests: requirements/tests.txt $(STAMPS)/mm
	$(call step,install test tools (requirements/tests.txt),\
	  $(PIP) install -q -r requirements/tests.txt)

$(STAMPS)/project: setup.py $(STAMPS)/tests
	$(call step,install infant_mmpose in editable mode,\
	  $(PIP) install -q --no-deps --no-build-isolation -e .)

# The test suite. Tests that read the real MMPose sample files find them via
# INFANT_MMPOSE_REALDATA and skip with a reason when the folder is absent.
# It adds the optional ONNX Runtime so that the export / int8 tests run.
test: setup $(STAMPS)/onnx
	INFANT_MMPOSE_REALDATA=$(REALDATA) $(PY) -m pytest tests -q $(PYTEST_ARGS)

# Optional ONNX Runtime backend (requirements/optional-onnx.txt); `make setup`
# stays without it (its tests skip with the reason there), `make test` adds it.
onnx: $(STAMPS)/onnx

$(STAMPS)/onnx: requirements/optional-onnx.txt $(STAMPS)/project
	$(call step,install the optional ONNX Runtime (requirements/optional-onnx.txt),\
	  $(PIP) install -q -r requirements/optional-onnx.txt)

quickstart: setup
	$(PY) tools/quickstart.py $(QUICKSTART_ARGS)

clean-venv:
	rm -rf $(VENV)
