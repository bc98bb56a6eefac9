"""A run killed with SIGKILL in the middle of training keeps its results, and resumes.

A throw-away project (a copy of the ``mnist-intro`` folder, to use that tutorial's models)
holds two structure claims and two trained claims on two tiny recipes (one seed, one epoch, 200
offline digits). The first session runs in a subprocess, training in its own process
(``--workers 0``, so that the conftest's patched ``fit`` is the one that runs), whose second
``fit`` pauses after one batch; the test kills it there with SIGKILL, then resumes the run and
checks that it ends with every claim an uninterrupted run reports, the finished ones kept
exactly as stored.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from suite_tutorials import copy_tutorial

pytestmark = [pytest.mark.fast, pytest.mark.training]

REPO = Path(__file__).resolve().parent.parent
RECIPE = {"model": "cnn", "data": "mnist", "optimizer": "adam", "batch_size": 32, "epochs": 1,
          "train_size": 200, "test_size": 100}
CLAIMS = {
    "tutorial": "mnist-intro", "seed": "tiny.txt", "title": "Tiny",
    "models": "models.py",
    "claims": [
        {"id": "sizing/conv", "quote": "30", "kind": "sizing-formula",
         "args": {"W": 32, "F": 3, "S": 1, "P": 0}, "expected": 30, "tiers": ["fast"],
         "version": 1},
        {"id": "sizing/pool", "quote": "14", "kind": "sizing-formula",
         "args": {"W": 28, "F": 2, "S": 2, "P": 0}, "expected": 14, "tiers": ["fast"],
         "version": 1},
        {"id": "a/test-accuracy", "quote": "0.9", "kind": "metric-level",
         "args": {"recipe": "a", "metric": "test_accuracy"}, "expected": 0.9,
         "tiers": ["fast"], "version": 1},
        {"id": "b/test-accuracy", "quote": "0.9", "kind": "metric-level",
         "args": {"recipe": "b", "metric": "test_accuracy"}, "expected": 0.9,
         "tiers": ["fast"], "version": 1},
    ],
    "recipes": {"a": {**RECIPE, "seeds": [0]}, "b": {**RECIPE, "seeds": [1]}},
}
# Offline data, and (when PAUSE_AT_FIT is set) a fit that stops after its first batch and
# waits there to be killed.
CONFTEST = '''\
import os
import pathlib
import time

import keras


def _offline(*args, **kwargs):
    raise Exception("URL fetch failure (offline test)")


keras.datasets.mnist.load_data = _offline
PAUSE_AT = int(os.environ.get("PAUSE_AT_FIT", "0"))
_fits = []


class _Pause(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        pathlib.Path("training-started").touch()
        time.sleep(600)


_fit = keras.Model.fit


def _paused_fit(self, *args, callbacks=None, **kwargs):
    _fits.append(1)
    if len(_fits) == PAUSE_AT:
        callbacks = [*(callbacks or []), _Pause()]
    return _fit(self, *args, callbacks=callbacks, **kwargs)


keras.Model.fit = _paused_fit
'''


def _project(root: Path) -> None:
    copy_tutorial("mnist-intro", root / "suites").write_text(
        yaml.safe_dump(CLAIMS, sort_keys=False), encoding="utf-8")
    (root / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = suites\n", encoding="utf-8")


def _pytest(root: Path, *args: str, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(REPO), "CUDA_VISIBLE_DEVICES": "",
                   "TF_CPP_MIN_LOG_LEVEL": "3", **env}
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "--workers", "0", "--max-seeds", "1", *args], cwd=root,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_killed_run_resumes_to_the_full_claim_set(tmp_path: Path) -> None:
    _project(tmp_path)
    expected = sorted(f"mnist-intro/{c['id']}" for c in CLAIMS["claims"])  # one item each
    run = _pytest(tmp_path, PAUSE_AT_FIT="2")  # recipe a trains, then b pauses mid-fit
    deadline = time.monotonic() + 240
    while not (tmp_path / "training-started").exists():
        assert run.poll() is None, run.communicate()[0]
        assert time.monotonic() < deadline, "the run never reached the second fit"
        time.sleep(0.2)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)
    assert run.returncode == -signal.SIGKILL

    [folder] = (tmp_path / "reports" / "runs").iterdir()
    before_resume = _lines(folder / "results.jsonl")
    assert [r["claim_id"] for r in before_resume] == [
        "mnist-intro/sizing/conv", "mnist-intro/sizing/pool", "mnist-intro/a/test-accuracy"]
    assert not (tmp_path / "reports" / "latest.json").exists()  # the kill left no report

    resumed = _pytest(tmp_path, "--resume", folder.name)
    output = resumed.communicate(timeout=240)[0]
    assert f"run {folder.name}" in output, output
    assert re.search(r"^(\d+) (passed|failed).*in ", output, re.M), output
    outcomes = dict((name, int(count)) for count, name in
                    re.findall(r"(\d+) (passed|failed|skipped|error)", output.splitlines()[-1]))
    assert sum(outcomes.values()) == len(expected), output  # every claim is a test again
    report = json.loads((tmp_path / "reports" / "latest.json").read_text(encoding="utf-8"))
    assert report["run_id"] == folder.name
    assert sorted(r["claim_id"] for r in report["results"]) == expected
    stored = _lines(folder / "results.jsonl")
    assert stored[:3] == before_resume  # kept, not measured again
    assert [r["claim_id"] for r in stored[3:]] == ["mnist-intro/b/test-accuracy"]
    assert report["results"][:3] == before_resume
    assert stored[3]["measured"] is not None and stored[3]["details"]["seeds"] == [1]
