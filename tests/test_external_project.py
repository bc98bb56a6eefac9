"""A sixth tutorial is one claim file and one models module, and no other file is edited.

The test writes a tiny tutorial to a temp folder, as README's "Adding a tutorial" walks through:
a models module on the Python path, a claim file naming it beside a copy of the suite module.
It then runs the structure suite on it twice in fresh pytest processes: the first run writes
its baselines (``--update-baselines``), the second passes against them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[1]

MODELS_MODULE = '''
"""Models of the tiny tutorial."""

import keras
from keras import layers


def build_mlp() -> keras.Model:
    return keras.Sequential([keras.Input(shape=(8,)), layers.Dense(4, activation="relu"),
                             layers.Dense(2, activation="softmax")])


MODELS = {"mlp": build_mlp}
'''

CLAIM_FILE = '''
tutorial: tiny-tutorial
seed: tiny.txt
title: "A tiny tutorial: one small dense net"
models: tiny_tutorial_models
claims:
  - id: mlp/params
    quote: "Total params: 46"
    kind: param-count
    args: {model: mlp}
    expected: 46
    tiers: [fast, full]
    version: 1
  - id: mlp/output-shape
    quote: "the net outputs two probabilities"
    kind: output-shape
    args: {model: mlp}
    expected: [2]
    tiers: [fast, full]
    version: 1
'''


def _run_structure(project: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    command = [sys.executable, "-m", "pytest", "suite", "-m", "structure", "-k", "tiny-tutorial",
               "-p", "harness.plugin", "-p", "no:cacheprovider", "--rootdir", str(project),
               "--baselines-dir", "baselines", "--reports-dir", "reports", *extra]
    environment = {**os.environ, "PYTHONPATH": str(project)}
    done = subprocess.run(command, cwd=project, env=environment, capture_output=True, text=True,
                          timeout=300)
    report = project / "reports" / "latest.json"
    return done, (json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {})


def test_a_new_tutorial_is_a_claim_file_and_a_models_module(tmp_path: Path) -> None:
    (tmp_path / "tiny_tutorial_models.py").write_text(MODELS_MODULE, encoding="utf-8")
    (tmp_path / "suite" / "claims").mkdir(parents=True)
    shutil.copy(ROOT / "suites" / "test_claims.py", tmp_path / "suite" / "test_claims.py")
    (tmp_path / "suite" / "claims" / "tiny-tutorial.yaml").write_text(CLAIM_FILE,
                                                                       encoding="utf-8")

    first, report = _run_structure(tmp_path, "--update-baselines")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert len(report["results"]) == 2
    [baseline] = (tmp_path / "baselines" / "tiny-tutorial" / "structure").glob("*.json")
    stored = json.loads(baseline.read_text(encoding="utf-8"))["claims"]
    assert {claim_id: entry["value"] for claim_id, entry in stored.items()} == {
        "tiny-tutorial/mlp/params": 46, "tiny-tutorial/mlp/output-shape": [2]}

    second, report = _run_structure(tmp_path)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    statuses = {result["claim_id"]: result["status"] for result in report["results"]}
    assert statuses == {"tiny-tutorial/mlp/params": "PASS",
                        "tiny-tutorial/mlp/output-shape": "PASS"}
