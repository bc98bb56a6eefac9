#!/usr/bin/env bash
# Create .venv and install the harness with the exact versions CI uses (constraints.txt).
# Set PYTHON to pick the interpreter (3.11+), EXTRAS to choose extras (default: cpu,dev,ray).
set -euo pipefail
cd "$(dirname "$0")/.."
"${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -c constraints.txt -e ".[${EXTRAS:-cpu,dev,ray}]"
.venv/bin/python -c "import keras; print(f'installed: keras {keras.__version__}, backend {keras.backend.backend()}')" 2>/dev/null
