"""Another repository uses the installed harness: a tutorial there is one folder, and nothing
else is written.

The test builds such a repository in a temp folder outside this one, with nothing but
``suites/tiny-tutorial/`` (its ``claims.yaml`` and ``models.py``, a tiny dense net): no conftest,
no pytest configuration, no path set up. pytest finds the plugin through the harness's
``pytest11`` entry point (this venv has it installed editable) and collects the claim file
itself. The test walks through README's "Adding a tutorial" there, in fresh pytest processes:
the claims are collected, ``--update-baselines`` writes the baselines into that repository's
``baselines/`` and its report into ``reports/``, and the next run passes against them.
A repository with no claim file gets an ordinary pytest session: the plugin is loaded and inert.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

REPO = Path(__file__).resolve().parents[1]

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
models: models.py
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
ITEMS = ["suites/tiny-tutorial/claims.yaml::tiny-tutorial/mlp/params",
         "suites/tiny-tutorial/claims.yaml::tiny-tutorial/mlp/output-shape"]

ORDINARY_TEST = '''
import os
import sys


def test_an_ordinary_test(request):
    assert request.config.pluginmanager.has_plugin("harness.plugin")  # loaded, and inert:
    assert "keras" not in sys.modules and "tensorflow" not in sys.modules
    assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ
'''


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder that is no part of this repository."""
    folder = tmp_path_factory.mktemp("other-repository")
    assert not folder.resolve().is_relative_to(REPO)
    return folder


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest as that repository runs it: this venv's python, in its root, nothing else set."""
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("PYTHONPATH", "TF_CPP_MIN_LOG_LEVEL", "PYTEST_ADDOPTS")}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=project, env=environment, capture_output=True, text=True,
                          timeout=300, check=False)


def _output(done: subprocess.CompletedProcess) -> str:
    return done.stdout[-3000:] + done.stderr[-3000:]


def test_a_tutorial_folder_in_another_repository_runs_with_its_own_baselines(
        outside: Path) -> None:
    folder = outside / "suites" / "tiny-tutorial"
    folder.mkdir(parents=True)
    (folder / "models.py").write_text(MODELS_MODULE, encoding="utf-8")
    (folder / "claims.yaml").write_text(CLAIM_FILE, encoding="utf-8")

    collected = _pytest(outside, "suites", "-k", "tiny-tutorial", "--collect-only", "-q")
    assert [line for line in collected.stdout.splitlines() if "::" in line] == ITEMS, (
        _output(collected))
    assert not (outside / "reports").exists()

    update = _pytest(outside, "-m", "structure", "--update-baselines")
    assert update.returncode == 0, _output(update)
    [baseline] = (outside / "baselines" / "tiny-tutorial" / "structure").glob("*.json")
    stored = json.loads(baseline.read_text(encoding="utf-8"))["claims"]
    assert {claim_id: entry["value"] for claim_id, entry in stored.items()} == {
        "tiny-tutorial/mlp/params": 46, "tiny-tutorial/mlp/output-shape": [2]}

    second = _pytest(outside, "-m", "structure")
    assert second.returncode == 0, _output(second)
    report = json.loads((outside / "reports" / "latest.json").read_text(encoding="utf-8"))
    assert {result["claim_id"]: result["status"] for result in report["results"]} == {
        "tiny-tutorial/mlp/params": "PASS", "tiny-tutorial/mlp/output-shape": "PASS"}
    assert "## tiny-tutorial" in (outside / "reports" / "latest.md").read_text(encoding="utf-8")
    assert not (REPO / "baselines" / "tiny-tutorial").exists()


def test_a_repository_without_claim_files_runs_its_tests_untouched(outside: Path) -> None:
    (outside / "test_plain.py").write_text(ORDINARY_TEST, encoding="utf-8")
    done = _pytest(outside, "-q", "--strict-markers", "-m", "not full")
    assert done.returncode == 0, _output(done)
    assert "1 passed" in done.stdout, _output(done)
    assert "tutorial claims" not in done.stdout
    written = {path.name for path in outside.iterdir()} - {".benchmarks"}  # pytest-benchmark's
    assert written == {"test_plain.py"}  # no report, run folder, baseline or train cache
