#!/usr/bin/env bash
# Build and install MMCV 2.1.0 with its compiled ops from the PyPI sdist.
#
# Why a script: the sdist's setup.py asks for C++17, but torch 2.14 headers
# need C++20, so the source is patched before building. CUDA ops are built
# only when nvcc and a GPU are both present; otherwise the CPU ops are built.
# The built wheel is cached per (mmcv, torch, python) so a later clean venv on
# the same machine installs it in seconds; a wheel built against another torch
# would fail with ABI errors, hence the key.
set -euo pipefail
PY=${PY:-.venv/bin/python}
MMCV_VERSION=${MMCV_VERSION:-2.1.0}
CACHE=${INFANT_MMPOSE_WHEEL_CACHE:-$HOME/.cache/infant_mmpose/wheels}

torch_ver=$($PY -c 'import torch; print(torch.__version__.split("+")[0])')
py_tag=$($PY -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
if command -v nvcc >/dev/null 2>&1 && command -v nvidia-smi >/dev/null 2>&1 \
    && nvidia-smi -L >/dev/null 2>&1; then
  flavour=cuda; export FORCE_CUDA=1
else
  flavour=cpu; export FORCE_CUDA=0
fi
key_dir="$CACHE/mmcv-$MMCV_VERSION-torch$torch_ver-$py_tag-$flavour"

if ! ls "$key_dir"/mmcv-*.whl >/dev/null 2>&1; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "[mmcv] downloading the mmcv==$MMCV_VERSION sdist"
  $PY -m pip download --no-deps --no-binary :all: --no-build-isolation "mmcv==$MMCV_VERSION" -d "$work" -q
  tar -xzf "$work"/mmcv-"$MMCV_VERSION".tar.gz -C "$work"
  src="$work/mmcv-$MMCV_VERSION"
  grep -q -- "-std=c++17" "$src/setup.py" || { echo "[mmcv] setup.py has no -std=c++17 to patch"; exit 1; }
  sed -i 's/-std=c++17/-std=c++20/g' "$src/setup.py"
  echo "[mmcv] building $flavour ops against torch $torch_ver (takes about 6 minutes on 2 cores)"
  mkdir -p "$key_dir"
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-2} $PY -m pip wheel --no-build-isolation --no-deps \
      --no-cache-dir -w "$work/dist" "$src"
  cp "$work"/dist/mmcv-*.whl "$key_dir"/
fi
$PY -m pip install --no-deps --force-reinstall "$key_dir"/mmcv-*.whl -q
$PY -c "from mmcv.ops import nms, RoIAlign; print('[mmcv] ops import OK')"
