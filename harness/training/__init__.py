"""Training: run a recipe's seeds once per session, optionally cached on disk by content hash."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from harness.recipes import Recipe
from harness.training.runner import RecipeRun, SeedRun, train_seed

if TYPE_CHECKING:
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


def run_recipe(recipe: Recipe, ctx: MeasureContext, environment: Environment) -> RecipeRun:
    """Every seed of a recipe, trained once per session and shared by all its claims."""
    from harness.data import resolve_dataset
    from harness.models import build_model

    dataset = resolve_dataset(recipe.data, ctx.data_dir, num_words=recipe.num_words)  # memoised

    def train_all() -> RecipeRun:
        runs = []
        for index, seed in enumerate(recipe.seeds):
            key = cache_key(recipe, seed, dataset.checksum, environment)
            run = _cached(ctx.train_cache, key) if ctx.train_cache else None
            if run is None:
                run = train_seed(recipe, dataset, seed,
                                 lambda: build_model(recipe.tutorial, recipe.model),
                                 keep_artifacts=index == 0)
                if ctx.train_cache:
                    _store(ctx.train_cache, key, run)
            runs.append(run)
        return RecipeRun(recipe, dataset.source, dataset.checksum, dataset.description, runs)

    # keyed by content, not name: two names for the same training share one run
    return ctx.memo(("recipe", recipe.fingerprint(), recipe.seeds, dataset.checksum), train_all)
