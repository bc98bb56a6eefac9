"""One (recipe, seed) training task, and how a training process is set up to run it.

A task carries everything a fresh process needs: the recipe, the seed, where the data comes
from and the checksum the driver saw, so a worker that loads other data says so instead of
training on it. Worker processes run with one intra-op thread, one inter-op thread and
TensorFlow's op determinism: a seed's result then depends on the seed, the code and the machine
only, never on which other tasks the process ran before, the ``-k`` selection or their order.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.errors import TrainingFailed
from harness.recipes import Recipe
from harness.training.datasets import DataChoice

if TYPE_CHECKING:
    from harness.data import Dataset
    from harness.training.runner import SeedRun

WORKER_THREADS = 1  # per training process: parallelism comes from processes, not threads
GPU_ENV = {"TF_FORCE_GPU_ALLOW_GROWTH": "true"}  # take GPU memory as needed, not all at once


@dataclass(frozen=True)
class SeedTask:
    """Train one seed of one recipe on the data the driver resolved (by checksum)."""

    recipe: Recipe
    seed: int
    data: DataChoice
    data_checksum: str
    keep_artifacts: bool = False

    def describe(self) -> str:
        return (f"recipe {self.recipe.tutorial}/{self.recipe.name} ({self.recipe.profile}, "
                f"seed {self.seed})")


def process_env(threads: int = WORKER_THREADS, gpu: str | None = None,
                base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The environment variables that fix a training process's thread counts and make its
    kernels deterministic (``base``: the environment they are merged into). The frameworks read
    them when they start, so they must be in place before the first framework import: a pool
    worker sets them first thing, a Ray worker gets them from its runtime environment. With a
    GPU, the process sees only its own, and TensorFlow takes its memory as it needs it."""
    env: dict[str, str] = {}
    if gpu is not None:
        env["CUDA_VISIBLE_DEVICES"] = gpu
        env.update(GPU_ENV)
    for name in _THREAD_VARIABLES:
        env[name] = str(threads)
    env["TF_DETERMINISTIC_OPS"] = "1"  # TensorFlow's op determinism, on from the start
    # TensorFlow's oneDNN kernels unless the user chose: TensorFlow turns them on by default
    # only on CPUs with AVX-512-class features, and on an AVX2 CPU its Eigen kernels took
    # 1.2-2.2x the CPU time per epoch at one thread (README, "The kernel path")
    env["TF_ENABLE_ONEDNN_OPTS"] = base.get("TF_ENABLE_ONEDNN_OPTS", "1")
    env["TF_CPP_MIN_LOG_LEVEL"] = base.get("TF_CPP_MIN_LOG_LEVEL", "2")
    if threads == 1:  # JAX's CPU client: no multi-threaded Eigen
        env["XLA_FLAGS"] = " ".join(
            [base.get("XLA_FLAGS", ""), "--xla_cpu_multi_thread_eigen=false",
             "intra_op_parallelism_threads=1"]).strip()
    return env


_THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS",
                     "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# other settings that pick the kernels, and so the bits, of a training
_KERNEL_VARIABLES = ("TF_ENABLE_ONEDNN_OPTS", "TF_DETERMINISTIC_OPS", "XLA_FLAGS")


def thread_settings(threads: int | None) -> dict[str, str | None]:
    """The settings that decide a training's kernels, for the train cache's key: those of a
    worker with ``threads`` threads, or (None) of this process as it is (``--workers 0``)."""
    if threads is None:
        return {name: os.environ.get(name) for name in (*_THREAD_VARIABLES, *_KERNEL_VARIABLES)}
    chosen = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
    env = process_env(threads, base={} if chosen is None else {"TF_ENABLE_ONEDNN_OPTS": chosen})
    return {name: env.get(name) for name in (*_THREAD_VARIABLES, *_KERNEL_VARIABLES)}


def configure_process(threads: int = WORKER_THREADS, gpu: str | None = None) -> None:
    """Set ``process_env`` in this process (a pool worker runs it first thing; nothing heavy is
    imported until a task needs it)."""
    os.environ.update(process_env(threads, gpu))


def run_task(task: SeedTask) -> SeedRun:
    """Train the task's seed in this process (a worker's job)."""
    from harness.models import build_model
    from harness.training.datasets import dataset_for
    from harness.training.runner import train_seed

    recipe = task.recipe
    dataset: Dataset = dataset_for(recipe, task.data)
    if dataset.checksum != task.data_checksum:
        raise TrainingFailed(
            f"{task.describe()}: the worker loaded {dataset.source} with checksum "
            f"{dataset.checksum}, the session resolved {task.data_checksum}; the data changed "
            f"under the run (a data folder edited while it ran?)")
    started = time.time()
    run = train_seed(recipe, dataset, task.seed, lambda: build_model(recipe.models, recipe.model),
                     keep_artifacts=task.keep_artifacts)
    run.worker = f"{socket.gethostname()}:{os.getpid()}"
    run.started_at, run.ended_at = started, time.time()
    return run
