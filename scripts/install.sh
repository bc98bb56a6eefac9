#!/usr/bin/env bash
# Create .venv and install the harness with the exact versions CI uses (constraints.txt, plus
# constraints-torch.txt / constraints-jax.txt when EXTRAS names that backend).
# Set PYTHON to pick the interpreter (3.11+), EXTRAS to choose extras (default: cpu,dev,ray;
# EXTRAS=torch,dev or jax,dev for Keras's other backends, then run with KERAS_BACKEND=torch|jax).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${EXTRAS:-cpu,dev,ray}"
constraints=(-c constraints.txt)
backend=tensorflow  # the backend the closing check imports Keras with
for other in torch jax; do
    if [[ ",$extras," == *",$other,"* ]]; then
        constraints+=(-c "constraints-$other.txt")
        backend=$other
    fi
done
"${PYTHON:-python3}" -m venv .venv
# editable: the pytest plugin's entry point (pytest11 in pyproject.toml) is registered here; after
# changing entry points, rerun .venv/bin/pip install -e . --no-deps
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    "${constraints[@]}" -e ".[$extras]"
KERAS_BACKEND="${KERAS_BACKEND:-$backend}" .venv/bin/python -c "import keras; print(f'installed: keras {keras.__version__}, backend {keras.backend.backend()}')" 2>/dev/null
