"""A Ray cluster of two nodes loses one in the middle of a run: the task it took with it runs
again on the other, the session writes its whole report, and the run resumes as complete.

The cluster runs on this machine (``ray.cluster_utils.Cluster``): a head node and a worker node
of one CPU each, so the engine's two slots put one task on each. A throw-away project (its
claim file is named ``mnist-intro`` to use that tutorial's models) has one structure claim and
two trained claims on two tiny recipes (one seed, one epoch, 200 offline digits). Its
session runs in a subprocess with ``--engine ray --ray-address``. The test waits until a task
runs on the worker node, freezes that task's process (SIGSTOP: it can no longer finish before
the node goes), waits until the head has finished a seed (an entry in the train cache), then
kills every process of the worker node. Ray's state lives in a folder of this test
(``RAY_TMPDIR``), so other Ray sessions on this machine never see the test's cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from suite_tutorials import copy_tutorial

ray = pytest.importorskip("ray")

from ray._private import ray_constants  # noqa: E402 (needs Ray)
from ray.cluster_utils import Cluster  # noqa: E402

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
        *({"id": f"{name}/test-accuracy", "quote": "0.9", "kind": "metric-level",
           "args": {"recipe": name, "metric": "test_accuracy"}, "expected": 0.9,
           "tiers": ["fast"], "version": 1} for name in "ab"),
    ],
    "recipes": {name: {**RECIPE, "seeds": [seed]} for seed, name in enumerate("ab")},
}
EXPECTED = sorted(["mnist-intro/sizing/conv"] +
                  [f"mnist-intro/{name}/test-accuracy" for name in "ab"])
TASK_TITLE = "ray::_run_on_node"  # a Ray worker's process title while it runs an engine task
TIMEOUT_S = 240


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    """A head node and a worker node, one CPU each, their state in a folder of their own (a
    short path: Ray's socket names must fit in 107 characters)."""
    state = tempfile.mkdtemp(prefix="ray-nodes-")
    monkeypatch.setenv("RAY_TMPDIR", state)
    two_nodes = Cluster(initialize_head=True, connect=False,
                        head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        two_nodes.add_node(num_cpus=1)
        two_nodes.wait_for_nodes()
        yield two_nodes
    finally:
        two_nodes.shutdown()
        shutil.rmtree(state, ignore_errors=True)


def _project(root: Path) -> None:
    copy_tutorial("mnist-intro", root / "suites").write_text(
        yaml.safe_dump(CLAIMS, sort_keys=False), encoding="utf-8")
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = suites\n", encoding="utf-8")


def _pytest(root: Path, address: str, *args: str) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(REPO), "CUDA_VISIBLE_DEVICES": "",
                   "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "--engine", "ray", "--ray-address", address, "--max-seeds", "1",
                             *args], cwd=root, env=environment, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _children(parent: int) -> dict[int, str]:
    """The processes ``parent`` started, with their command lines (a Ray worker's shows the
    task it runs)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # it ended meanwhile
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found[int(entry.name)] = command.strip()
    return found


def _freeze_a_task(raylet: int, run: subprocess.Popen) -> int:
    """Stop the process running a task on the node of ``raylet``, once there is one, and
    return its id; a task that ended between looking and stopping is let go and waited for."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        assert run.poll() is None, run.communicate()[0]
        assert time.monotonic() < deadline, "no task ever ran on the worker node"
        for pid, command in _children(raylet).items():
            if command.startswith(TASK_TITLE):
                os.kill(pid, signal.SIGSTOP)
                if _children(raylet).get(pid, "").startswith(TASK_TITLE):
                    return pid
                os.kill(pid, signal.SIGCONT)
        time.sleep(0.1)


def _wait_for_a_finished_seed(cache: Path, run: subprocess.Popen) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not [p for p in cache.glob("*.json") if p.name != "durations.json"]:
        assert run.poll() is None, run.communicate()[0]
        assert time.monotonic() < deadline, "the head node never finished a seed"
        time.sleep(0.1)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_lost_node_costs_its_task_one_rerun_and_the_run_stays_whole(
        cluster: Cluster, tmp_path: Path) -> None:
    _project(tmp_path)
    [worker] = cluster.worker_nodes
    raylet = worker.all_processes[ray_constants.PROCESS_TYPE_RAYLET][0].process.pid
    run = _pytest(tmp_path, cluster.address)
    frozen = _freeze_a_task(raylet, run)
    _wait_for_a_finished_seed(tmp_path / ".harness-cache", run)
    cluster.remove_node(worker, allow_graceful=False)
    os.kill(frozen, signal.SIGKILL)  # a stopped process outlives its raylet
    output = run.communicate(timeout=TIMEOUT_S)[0]
    assert run.returncode in (0, 1), output  # 1: a tiny recipe may miss the 0.9 it is held to

    node = f"Ray node {worker.node_ip_address} (node {worker.node_id[:8]}) lost: recipe "
    notes = [line for line in output.splitlines() if line.startswith(node)]
    assert len(notes) == 2, output  # said when it happened, and in the summary
    assert notes[0] == notes[1] and notes[0].endswith(") runs again on the other nodes")
    report = json.loads((tmp_path / "reports" / "latest.json").read_text(encoding="utf-8"))
    statuses = {r["claim_id"]: r["status"] for r in report["results"]}
    assert sorted(statuses) == EXPECTED and "ERROR" not in statuses.values(), statuses
    assert f"- {notes[0]}" in (tmp_path / "reports" / "latest.md").read_text(encoding="utf-8")
    [folder] = (tmp_path / "reports" / "runs").iterdir()
    stored = _lines(folder / "results.jsonl")
    assert sorted(r["claim_id"] for r in stored) == EXPECTED
    trained = json.loads((folder / "timeline.json").read_text(encoding="utf-8"))["tasks"]
    assert sorted(task["seed"] for task in trained) == [0, 1]  # each seed finished once

    resumed = _pytest(tmp_path, cluster.address, "--resume", folder.name)
    again = resumed.communicate(timeout=TIMEOUT_S)[0]
    assert resumed.returncode == run.returncode, again
    assert f"run {folder.name}" in again and "training:" not in again, again  # nothing trained
    assert _lines(folder / "results.jsonl") == stored  # complete: nothing measured again
    report = json.loads((tmp_path / "reports" / "latest.json").read_text(encoding="utf-8"))
    assert report["run_id"] == folder.name
    assert sorted(r["claim_id"] for r in report["results"]) == EXPECTED
