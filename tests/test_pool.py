"""The training worker pool: a crash, an out-of-memory kill or a timeout fails only the job it
hit, in one line naming it, and the pool goes on.

The workers here run the small functions of ``worker_targets.py`` (a spawned worker imports
them by name), never TensorFlow, so each costs one interpreter start; the end-to-end case is
stopped by a one-second limit before its worker gets to import Keras.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
from worker_targets import (
    broken,
    complains_then_dies,
    diverged,
    exit_with,
    hangs,
    killed,
    metrics,
    out_of_memory,
)

from harness.baselines import BaselineStore
from harness.claims import claim_files, load_claims
from harness.environment import Environment
from harness.errors import TrainingFailed
from harness.measures.context import MeasureContext
from harness.results import Status
from harness.training import SeedBank
from harness.training.datasets import DataChoice
from harness.training.pool import Job, WorkerPool
from harness.verdicts.evaluate import RunSettings, evaluate_claim

pytestmark = pytest.mark.fast

WHAT = "recipe tiny/cnn (fast, seed 0)"
ENVIRONMENT = Environment(keras="3.0.0", backend="fake", backend_version="0.0",
                          tensorflow="absent", python="3.11", device_class="cpu",
                          device="test cpu", platform="Test", git_commit="0")
SUITES = Path(__file__).resolve().parent.parent / "suites"


@pytest.fixture(scope="module")
def pool() -> WorkerPool:
    workers = WorkerPool(2, task_timeout=30)
    yield workers
    workers.close()


def test_the_jobs_value_comes_back(pool: WorkerPool) -> None:
    value = pool.submit(Job(metrics, (3,), WHAT)).result(timeout=60)
    assert value["seed"] == 3 and value["test_accuracy"] == 0.5


@pytest.mark.parametrize(("target", "args", "message"), [
    (exit_with, (3,), f"{WHAT}: its training process exited with status 3 without a result"),
    (killed, (), f"{WHAT}: its training process was killed by SIGKILL (out of memory? the "
                 "kernel's OOM killer sends SIGKILL)"),
    (out_of_memory, (), f"{WHAT}: ran out of memory (MemoryError)"),
    (diverged, (), "training diverged (NaN loss) at epoch 2 of recipe tiny/cnn (seed 0)"),
], ids=["exit", "sigkill", "memory-error", "nan-loss"])
def test_a_failing_job_is_one_line_naming_it(pool: WorkerPool, target, args,
                                             message: str) -> None:
    with pytest.raises(TrainingFailed) as caught:
        pool.submit(Job(target, args, WHAT)).result(timeout=60)
    assert str(caught.value) == message


def test_a_worker_writes_to_its_log_and_its_death_quotes_the_last_lines(tmp_path: Path) -> None:
    logged = WorkerPool(1, log_dir=tmp_path / "workers")
    try:
        with pytest.raises(TrainingFailed) as caught:
            logged.submit(Job(complains_then_dies, (), WHAT)).result(timeout=60)
    finally:
        logged.close()
    log = tmp_path / "workers" / "worker-1.log"
    assert str(caught.value) == (
        f"{WHAT}: its training process was killed by SIGKILL (out of memory? the kernel's OOM "
        f"killer sends SIGKILL); its log {log} ends: W0000 framework noise | F0000 Check "
        f"failed: kernel exploded")
    assert "kernel exploded" in log.read_text()


def test_a_jobs_own_exception_comes_back_whole(pool: WorkerPool) -> None:
    with pytest.raises(ValueError, match=r"^shapes \(3, 4\) and \(5,\) differ"):
        pool.submit(Job(broken, (), WHAT)).result(timeout=60)


def test_other_jobs_go_on_when_a_worker_dies(pool: WorkerPool) -> None:
    futures: list[Future] = [pool.submit(Job(killed, (), WHAT)),
                             *(pool.submit(Job(metrics, (seed,), WHAT)) for seed in range(4))]
    with pytest.raises(TrainingFailed):
        futures[0].result(timeout=60)
    assert [future.result(timeout=60)["seed"] for future in futures[1:]] == [0, 1, 2, 3]


def test_a_hung_job_is_killed_at_the_timeout() -> None:
    pool = WorkerPool(1, task_timeout=1)
    try:
        started = time.monotonic()
        with pytest.raises(TrainingFailed) as caught:
            pool.submit(Job(hangs, (), WHAT)).result(timeout=60)
        assert time.monotonic() - started < 10
        assert str(caught.value) == (f"{WHAT}: timed out after 1 s in its training process; "
                                     "raise --task-timeout or shrink the recipe")
    finally:
        pool.close()


class CountingPool(WorkerPool):
    """A pool that records what was submitted to it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.submitted: list[str] = []

    def submit(self, job: Job, urgent: bool = False) -> Future:
        self.submitted.append(job.what)
        return super().submit(job, urgent)


def test_claims_of_a_timed_out_recipe_are_errors_and_it_trains_once(tmp_path: Path) -> None:
    """Both claims reading the recipe get the ERROR; its seed is not started a second time."""
    claims = {c.id: c for c in load_claims(claim_files(SUITES))
              if c.id.startswith("mnist-intro/cnn/test-")}
    recipe = dataclasses.replace(claims["mnist-intro/cnn/test-accuracy"].recipes[("cnn", "fast")],
                                 seeds=(0,), epochs=1, train_size=100, test_size=50)
    pool = CountingPool(1, task_timeout=1)  # stopped before the worker has imported Keras
    context = MeasureContext(environment=ENVIRONMENT,
                             bank=SeedBank(pool, DataChoice(), ENVIRONMENT))
    try:
        for claim in claims.values():
            claim = dataclasses.replace(claim, recipes={("cnn", "fast"): recipe})
            result = evaluate_claim(claim, context, BaselineStore(tmp_path / "baselines"),
                                    ENVIRONMENT, RunSettings(profile="fast"), "-")
            assert result.status is Status.ERROR
            assert result.message == ("recipe mnist-intro/cnn (fast, seed 0): timed out after "
                                      "1 s in its training process; raise --task-timeout or "
                                      "shrink the recipe")
    finally:
        pool.close()
    assert pool.submitted == ["recipe mnist-intro/cnn (fast, seed 0)"]
