"""Training: every (recipe, seed) of a session trained once, in worker processes, and shared.

The ``SeedBank`` is the session's one place for trained seeds. A claim asks it for a recipe's
runs on some seeds; seeds it has not seen are submitted to the engine (a ``WorkerPool`` of
single-threaded processes, or this process with ``InlineEngine``), seeds it has are reused, so
a verdict that asks for more seeds trains only the new ones. The train cache
(``harness.training.cache``) answers the seeds trained before with the same code, data,
versions and machine, and keeps each newly trained one. Every finished seed goes on the run's
timeline (worker, start, end) and the progress line.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Protocol

from harness.recipes import Recipe
from harness.training.cache import TrainCache, entry_key, recipe_key
from harness.training.datasets import DataChoice, dataset_for
from harness.training.pool import Job
from harness.training.progress import Progress
from harness.training.runner import RecipeRun, SeedRun
from harness.training.worker import SeedTask, run_task, thread_settings

if TYPE_CHECKING:
    from harness.data import Dataset
    from harness.environment import Environment

class Engine(Protocol):
    """Where jobs run."""

    def submit(self, job: Job, urgent: bool = False) -> Future: ...

    def promote(self, futures: list[Future]) -> None: ...

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

    def submit(self, job: Job, urgent: bool = False) -> Future:
        return _Deferred(job)

    def promote(self, futures: list[Future]) -> None:
        pass

    def close(self) -> None:
        pass


class SeedBank:
    """Every trained seed of a session, keyed by recipe content, data and seed."""

    def __init__(self, engine: Engine, data: DataChoice, environment: Environment,
                 cache: TrainCache | None = None, threads: int | None = None,
                 progress: Progress | None = None) -> None:
        self.engine = engine
        self.data = data
        self.environment = environment
        self.cache = cache
        self.threads = threads  # per training process (None: this process's own settings)
        self.progress = progress or Progress()
        self.timeline: list[dict[str, object]] = []  # one entry per finished seed
        self._datasets: dict[str, Dataset] = {}
        self._futures: dict[tuple[str, str, int], Future] = {}
        self._recipes: dict[tuple[str, str], Recipe] = {}  # fingerprint+checksum → recipe
        self._recipe_keys: dict[tuple[str, str], str] = {}

    def dataset(self, recipe: Recipe) -> Dataset:
        key = f"{recipe.profile}:{recipe.data}:{recipe.num_words}"
        if key not in self._datasets:
            self._datasets[key] = dataset_for(recipe, self.data)
        return self._datasets[key]

    def request(self, recipe: Recipe, seeds: tuple[int, ...], urgent: bool = False) -> None:
        """Start training the seeds not yet trained or under way (artifacts for the figures
        are kept from the first seed ever asked of a recipe); ``urgent``: ahead of the queue,
        for a claim that waits on them."""
        dataset = self.dataset(recipe)
        recipe_key = (recipe.fingerprint(), dataset.checksum)
        first = recipe_key not in self._recipes
        self._recipes.setdefault(recipe_key, recipe)
        new = [(index, seed) for index, seed in enumerate(seeds)
               if (*recipe_key, seed) not in self._futures]
        self.progress.asked(recipe, len(new))
        for index, seed in new:
            self._futures[(*recipe_key, seed)] = self._start(recipe, dataset, seed,
                                                             first and index == 0, urgent)

    def _cache_key(self, recipe: Recipe, dataset: Dataset) -> str:
        """The recipe's content key in the cache (its code hashed once per session)."""
        identity = (recipe.fingerprint(), dataset.checksum)
        if identity not in self._recipe_keys:
            self._recipe_keys[identity] = recipe_key(recipe, dataset.checksum, self.environment,
                                                     thread_settings(self.threads))
        return self._recipe_keys[identity]

    def _start(self, recipe: Recipe, dataset: Dataset, seed: int, artifacts: bool,
               urgent: bool) -> Future:
        shared = key = ""
        if self.cache is not None:
            shared = self._cache_key(recipe, dataset)
            key = entry_key(shared, seed)
            # a committee keeps no figure arrays (no one model stands for it): none to bring
            stored = self.cache.load(key, recipe, shared, artifacts and recipe.ensemble == 1)
            if stored is not None:
                future: Future = Future()
                future.set_result(stored)
                self._finished(recipe, stored)
                return future
        task = SeedTask(recipe, seed, self.data, dataset.checksum, artifacts)
        future = self.engine.submit(Job(run_task, (task,), task.describe()), urgent)
        cache = self.cache

        def done(finished: Future) -> None:
            if finished.cancelled() or finished.exception() is not None:
                self.progress.failed(recipe)
                return
            run = finished.result()
            if cache is not None:
                cache.store(key, recipe, shared, run)
            self._finished(recipe, run)

        future.add_done_callback(done)
        return future

    def _finished(self, recipe: Recipe, run: SeedRun) -> None:
        self.timeline.append({"tutorial": recipe.tutorial, "recipe": recipe.name,
                              "profile": recipe.profile, "seed": run.seed,
                              "worker": "cache" if run.from_cache else run.worker,
                              "start": run.started_at, "end": run.ended_at,
                              "cached": run.from_cache})
        self.progress.finished(recipe, run)

    def run(self, recipe: Recipe, seeds: tuple[int, ...]) -> RecipeRun:
        """The recipe's runs on exactly these seeds, training what is missing first; the first
        failure among them (``TrainingFailed``) is raised for every claim that reads them."""
        self.request(recipe, seeds, urgent=True)
        dataset = self.dataset(recipe)
        futures = [self._futures[(recipe.fingerprint(), dataset.checksum, seed)]
                   for seed in seeds]
        self.engine.promote([future for future in futures if not future.done()])
        runs = [self.progress.wait(future) for future in futures]
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
        if self.cache is not None:
            self.cache.prune()



__all__ = ["Engine", "InlineEngine", "SeedBank", "dataset_for"]
