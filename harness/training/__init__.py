"""Training: run a recipe's seeds once per session (optionally in a subprocess of its own, and
optionally cached on disk by content hash)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import TrainingFailed
from harness.recipes import Recipe
from harness.training.runner import RecipeRun, SeedRun, train_seed

if TYPE_CHECKING:
    from harness.data import Dataset
    from harness.environment import Environment
    from harness.measures.context import MeasureContext

_CODE_FILES = ("training/runner.py", "recipes.py")


def _code_hash(recipe: Recipe) -> str:
    """The source that decides what a run measures: the runner and the tutorial's models."""
    root = Path(__file__).resolve().parent.parent
    module = recipe.tutorial.replace("-", "_")
    digest = hashlib.sha256()
    for relative in (*_CODE_FILES, f"models/{module}.py"):
        digest.update((root / relative).read_bytes())
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
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{key}.tmp"
    stored = asdict(replace(run, artifacts=None))
    del stored["artifacts"]  # arrays for the figures stay in memory
    temporary.write_text(json.dumps(stored), encoding="utf-8")
    os.replace(temporary, directory / f"{key}.json")


def dataset_for(recipe: Recipe, data_dir: Path | None) -> Dataset:
    """The data a recipe trains on (memoised): the full profile states the tutorials' figures,
    so it runs on the real data set or is skipped with the fix; the fast profile falls back to
    the offline proxies; a smoke run also takes a stand-in where a data set has no proxy."""
    from harness.data import load_real_dataset, resolve_dataset, smoke_dataset
    from harness.measures.context import MeasurementSkipped

    if recipe.profile == "full":
        return load_real_dataset(recipe.data, recipe.num_words, data_dir)
    try:
        return resolve_dataset(recipe.data, data_dir, num_words=recipe.num_words)
    except MeasurementSkipped:
        if recipe.profile != "smoke":
            raise
        return smoke_dataset(recipe.data)


def train_recipe(recipe: Recipe, dataset: Dataset, train_cache: Path | None,
                 environment: Environment) -> RecipeRun:
    """Every seed of a recipe on one data set, each read from ``train_cache`` when there."""
    from harness.models import build_model

    runs = []
    for index, seed in enumerate(recipe.seeds):
        key = cache_key(recipe, seed, dataset.checksum, environment)
        run = _cached(train_cache, key) if train_cache else None
        if run is None:  # the first seed keeps small arrays for the report's figures
            run = train_seed(recipe, dataset, seed,
                             lambda: build_model(recipe.tutorial, recipe.model),
                             keep_artifacts=index == 0)
            if train_cache:
                _store(train_cache, key, run)
        runs.append(run)
    description = dataset.description
    if recipe.features:
        from harness.training.features import weights_used

        description += f" Inputs: {recipe.features} features ({weights_used(recipe)} weights)."
    return RecipeRun(recipe, dataset.source, dataset.checksum, description, runs)


def run_recipe(recipe: Recipe, ctx: MeasureContext, environment: Environment) -> RecipeRun:
    """Every seed of a recipe, trained once per session and shared by all its claims; in a
    subprocess of its own with ``--isolate``. A failure is remembered like a result."""
    dataset = dataset_for(recipe, ctx.data_dir)

    def attempt() -> RecipeRun | TrainingFailed:
        try:
            if ctx.isolate_timeout is not None:
                from harness.isolation import train_isolated

                return train_isolated(recipe, ctx.data_dir, ctx.train_cache, environment,
                                      ctx.isolate_timeout)
            return train_recipe(recipe, dataset, ctx.train_cache, environment)
        except TrainingFailed as failure:  # its other claims must not train it again
            return failure

    # keyed by content, not name: two names for the same training share one run
    outcome = ctx.memo(("recipe", recipe.fingerprint(), recipe.seeds, dataset.checksum), attempt)
    if isinstance(outcome, TrainingFailed):
        raise outcome
    return outcome
