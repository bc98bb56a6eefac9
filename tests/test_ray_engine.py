"""The Ray engine (``--engine ray``): a seed measures the same as in the worker pool, and a
killed or overrunning task fails only its job, in one line naming it.

One local Ray (two CPUs, about ten seconds to start) serves the whole module. The failure cases
run the small functions of ``worker_targets.py``; the equivalence case trains one seed of the
cheapest fast recipe (mnist-intro/cnn on the offline proxy) on both engines at once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
from worker_targets import broken, diverged, hangs, metrics, process_facts, sleeps_after_writing_pid

from harness.claims import claim_files, load_claims
from harness.errors import TrainingFailed
from harness.training import dataset_for
from harness.training.pool import Job, WorkerPool
from harness.training.runner import SeedRun
from harness.training.worker import DataChoice, SeedTask, run_task

ray = pytest.importorskip("ray")

from harness.training.ray_engine import RayEngine, usage_problem  # noqa: E402 (needs Ray)

pytestmark = pytest.mark.fast

WHAT = "recipe tiny/cnn (fast, seed 0)"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def engine() -> RayEngine:
    ray_engine = RayEngine(workers=2)
    yield ray_engine
    ray_engine.close()


def test_workers_are_configured_before_tensorflow_and_run_this_checkout(
        engine: RayEngine) -> None:
    facts = engine.submit(Job(process_facts, (), WHAT)).result(timeout=120)
    assert facts == {"threads": "1", "deterministic": "1",
                     "harness": str(REPO / "harness" / "__init__.py"), "tensorflow": False}


def test_a_jobs_own_exception_comes_back_as_raised(engine: RayEngine) -> None:
    with pytest.raises(TrainingFailed) as caught:
        engine.submit(Job(diverged, (), WHAT)).result(timeout=120)
    assert type(caught.value) is TrainingFailed
    assert str(caught.value) == ("training diverged (NaN loss) at epoch 2 of recipe tiny/cnn "
                                 "(seed 0)")
    with pytest.raises(ValueError, match=r"^shapes \(3, 4\) and \(5,\) differ"):
        engine.submit(Job(broken, (), WHAT)).result(timeout=120)


def test_a_worker_killed_mid_task_fails_that_job_and_the_next_one_runs(
        engine: RayEngine, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    doomed = engine.submit(Job(sleeps_after_writing_pid, (str(pid_file),), WHAT))
    deadline = time.monotonic() + 120
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the task never started"
        time.sleep(0.1)
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    with pytest.raises(TrainingFailed) as caught:
        doomed.result(timeout=60)
    assert str(caught.value).startswith(f"{WHAT}: its Ray worker died under it (killed")
    assert "\n" not in str(caught.value)
    following: list[Future] = [engine.submit(Job(metrics, (seed,), WHAT)) for seed in range(3)]
    assert [future.result(timeout=120)["seed"] for future in following] == [0, 1, 2]


def test_a_hung_task_is_killed_at_the_timeout(engine: RayEngine) -> None:
    strict = RayEngine(task_timeout=1)  # shares the module's Ray, and leaves it running
    try:
        started = time.monotonic()
        with pytest.raises(TrainingFailed) as caught:
            strict.submit(Job(hangs, (), WHAT)).result(timeout=60)
        assert time.monotonic() - started < 15
        assert str(caught.value) == (f"{WHAT}: timed out after 1 s in its Ray task; raise "
                                     "--task-timeout or shrink the recipe")
        assert strict.submit(Job(metrics, (7,), WHAT)).result(timeout=60)["seed"] == 7
    finally:
        strict.close()
    assert ray.is_initialized()


def test_the_same_seed_measures_the_same_as_in_the_worker_pool(engine: RayEngine) -> None:
    claims = {c.id: c for c in load_claims(claim_files(REPO / "suites"))}
    recipe = claims["mnist-intro/cnn/test-accuracy"].recipes[("cnn", "fast")]
    data = DataChoice()
    task = SeedTask(recipe, recipe.seeds[0], data, dataset_for(recipe, data).checksum)
    pool = WorkerPool(1)
    try:
        in_pool = pool.submit(Job(run_task, (task,), task.describe()))
        on_ray = engine.submit(Job(run_task, (task,), task.describe()))
        pooled, rayed = in_pool.result(timeout=600), on_ray.result(timeout=600)
    finally:
        pool.close()
    # exactly (NaN equal to NaN): same seed, settings and machine; only the clock differs
    assert _measured(rayed) == _measured(pooled)


def _measured(run: SeedRun) -> str:
    return json.dumps(dataclasses.asdict(
        dataclasses.replace(run, fit_seconds=0.0, total_seconds=0.0, worker="", started_at=0.0,
                            ended_at=0.0)), sort_keys=True)

def test_engine_options_that_cannot_work_are_one_usage_line(monkeypatch) -> None:
    assert usage_problem("process", 3, None) is None
    assert usage_problem("ray", None, None) is None
    assert usage_problem("process", None, "ray://head:10001") == (
        "--ray-address needs --engine ray")
    assert usage_problem("ray", 0, None) == (
        "--engine ray trains in Ray workers: --workers must be at least 1")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert usage_problem("ray", None, None) == (
        "--engine ray needs Ray, an optional extra: pip install -e .[ray]")
