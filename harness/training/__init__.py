"""Training: every (recipe, seed) of a session trained once, in worker processes, and shared.

The ``SeedBank`` is the session's one place for trained seeds. A claim asks it for a recipe's
runs on some seeds; seeds it has not seen are submitted to the engine (a ``WorkerPool`` of
single-threaded processes, or this process with ``InlineEngine``), seeds it has are reused, so
a verdict that asks for more seeds trains only the new ones. With ``--train-cache`` the
measured metrics are also kept on disk by content hash.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from harness.atomic import write_text_atomically
from harness.models import module_file
from harness.recipes import Recipe
from harness.training.datasets import DataChoice, dataset_for
from harness.training.pool import Job
from harness.training.runner import RecipeRun, SeedRun
from harness.training.worker import SeedTask, run_task

if TYPE_CHECKING:
    from harness.data import Dataset
    from harness.environment import Environment

_CODE_FILES = ("training/runner.py", "recipes.py")


class Engine(Protocol):
    """Where jobs run."""

    def submit(self, job: Job) -> Future: ...

    def close(self) -> None: ...


class _Deferred(Future):
    """A job of the inline engine: it runs in this process when its result is first asked
    for, so submitting ahead (the session's prefetch) costs nothing until a claim needs it."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job

    def result(self, timeout: float | None = None) -> object:
        if not self.done():
            try:
                self.set_result(self._job.target(*self._job.args))
            except Exception as error:
                self.set_exception(error)
        return super().result(timeout)


class InlineEngine:
    """Run each job in this process, when its result is needed (tests, and ``--workers 0``)."""

    def submit(self, job: Job) -> Future:
        return _Deferred(job)

    def close(self) -> None:
        pass


def _code_hash(recipe: Recipe) -> str:
    """The source that decides what a run measures: the runner and the tutorial's models."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in (*(root / relative for relative in _CODE_FILES), module_file(recipe.models)):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(recipe: Recipe, seed: int, data_checksum: str, environment: Environment) -> str:
    """Content hash of everything a seed's result depends on."""
    parts = {"recipe": recipe.fingerprint(), "seed": seed, "data": data_checksum,
             "code": _code_hash(recipe), "keras": environment.keras,
             "backend": environment.backend, "backend_version": environment.backend_version,
             "device": environment.device_class}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def _cached(directory: Path, key: str) -> SeedRun | None:
    path = directory / f"{key}.json"
    try:
        return SeedRun(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None  # absent or unreadable: train again


def _store(directory: Path, key: str, run: SeedRun) -> None:
    stored = asdict(replace(run, artifacts=None))
    del stored["artifacts"]  # arrays for the figures stay in memory
    write_text_atomically(directory / f"{key}.json", json.dumps(stored))


class SeedBank:
    """Every trained seed of a session, keyed by recipe content, data and seed."""

    def __init__(self, engine: Engine, data: DataChoice, environment: Environment,
                 train_cache: Path | None = None) -> None:
        self.engine = engine
        self.data = data
        self.environment = environment
        self.train_cache = train_cache
        self._datasets: dict[str, Dataset] = {}
        self._futures: dict[tuple[str, str, int], Future] = {}
        self._recipes: dict[tuple[str, str], Recipe] = {}  # fingerprint+checksum → recipe

    def dataset(self, recipe: Recipe) -> Dataset:
        key = f"{recipe.profile}:{recipe.data}:{recipe.num_words}"
        if key not in self._datasets:
            self._datasets[key] = dataset_for(recipe, self.data)
        return self._datasets[key]

    def request(self, recipe: Recipe, seeds: tuple[int, ...]) -> None:
        """Start training the seeds not yet trained or under way (artifacts for the figures
        are kept from the first seed ever asked of a recipe)."""
        dataset = self.dataset(recipe)
        recipe_key = (recipe.fingerprint(), dataset.checksum)
        first = recipe_key not in self._recipes
        self._recipes.setdefault(recipe_key, recipe)
        for index, seed in enumerate(seeds):
            key = (*recipe_key, seed)
            if key not in self._futures:
                self._futures[key] = self._start(recipe, dataset, seed, first and index == 0)

    def _start(self, recipe: Recipe, dataset: Dataset, seed: int, artifacts: bool) -> Future:
        key = cache_key(recipe, seed, dataset.checksum, self.environment)
        if self.train_cache and (stored := _cached(self.train_cache, key)) is not None:
            future: Future = Future()
            future.set_result(stored)
            return future
        task = SeedTask(recipe, seed, self.data, dataset.checksum, artifacts)
        future = self.engine.submit(Job(run_task, (task,), task.describe()))
        if self.train_cache:
            cache = self.train_cache
            future.add_done_callback(
                lambda done: None if done.exception() else _store(cache, key, done.result()))
        return future

    def run(self, recipe: Recipe, seeds: tuple[int, ...]) -> RecipeRun:
        """The recipe's runs on exactly these seeds, training what is missing; the first
        failure among them (``TrainingFailed``) is raised for every claim that reads them."""
        self.request(recipe, seeds)
        dataset = self.dataset(recipe)
        runs = [self._futures[(recipe.fingerprint(), dataset.checksum, seed)].result()
                for seed in seeds]
        return RecipeRun(recipe, dataset.source, dataset.checksum, self._describe(recipe, dataset),
                         runs)

    def _describe(self, recipe: Recipe, dataset: Dataset) -> str:
        if not recipe.features:
            return dataset.description
        from harness.training.features import weights_used

        return (f"{dataset.description} Inputs: {recipe.features} features "
                f"({weights_used(recipe)} weights).")

    def recipe_runs(self) -> list[RecipeRun]:
        """Every recipe the session trained, with all its seeds that finished (for the report's
        training table and figures); recipes whose every seed failed are left out."""
        grouped: dict[tuple[str, str], list[SeedRun]] = {}
        for (fingerprint, checksum, _seed), future in self._futures.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                grouped.setdefault((fingerprint, checksum), []).append(future.result())
        runs = []
        for key, seeds in grouped.items():
            recipe = self._recipes[key]
            dataset = self.dataset(recipe)
            runs.append(RecipeRun(recipe, dataset.source, dataset.checksum,
                                  self._describe(recipe, dataset), seeds))
        return runs

    def close(self) -> None:
        self.engine.close()



__all__ = ["Engine", "InlineEngine", "SeedBank", "cache_key", "dataset_for"]
