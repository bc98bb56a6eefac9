"""How long one seed of each recipe takes to train, so the session can start the longest first.

Longest-first keeps every worker slot busy to the end: the short trainings fill the gaps the
long ones leave, instead of one long training running alone at the end. The durations are
learned: every session that trains records each recipe's mean seconds per seed in the train
cache folder (``durations.json``), and ``--store-durations`` writes them to the project's
``baselines/durations.json``, committed like pytest-split's ``.test_durations``, so a fresh
clone with an empty cache orders its first run well too. A recipe known to neither is
estimated from its size (epochs × members × training samples), which orders alike-sized models
correctly and others roughly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.atomic import write_text_atomically
from harness.recipes import Recipe

_UNKNOWN_SAMPLES = 10_000  # a recipe that keeps every training sample of its data set
_SECONDS_PER_SAMPLE_EPOCH = 2e-4  # the order of a small convnet on one CPU core


def slot(recipe: Recipe) -> str:
    return f"{recipe.tutorial}/{recipe.name}/{recipe.profile}"


def _read(path: Path) -> dict[str, float]:
    """A durations file's entries; a missing or unreadable one is empty (it only orders)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): float(v) for k, v in data.get("seconds_per_seed", {}).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


class Durations:
    """Seconds per seed by recipe, from the files given (the first that knows a recipe wins)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.known: dict[str, float] = {}
        for path in reversed(paths):
            self.known.update(_read(path))

    def estimate(self, recipe: Recipe) -> float:
        if (seconds := self.known.get(slot(recipe))) is not None:
            return seconds
        samples = recipe.train_size or _UNKNOWN_SAMPLES
        return recipe.epochs * recipe.ensemble * samples * _SECONDS_PER_SAMPLE_EPOCH

    def learn(self, timeline: Iterable[Mapping[str, Any]]) -> dict[str, float]:
        """Each trained recipe's mean seconds per seed on this run's timeline (cached seeds,
        which took no time, are left out); they replace what was known."""
        seconds: dict[str, list[float]] = {}
        for entry in timeline:
            if not entry.get("cached") and entry["end"] > entry["start"] > 0:
                key = f"{entry['tutorial']}/{entry['recipe']}/{entry['profile']}"
                seconds.setdefault(key, []).append(entry["end"] - entry["start"])
        learned = {key: round(sum(values) / len(values), 2) for key, values in seconds.items()}
        self.known.update(learned)
        return learned


def store(path: Path, learned: Mapping[str, float]) -> None:
    """Merge ``learned`` into the durations file at ``path`` (atomically: a torn file would
    only cost an ordering, but never leave one)."""
    merged = {**_read(path), **learned}
    write_text_atomically(path, json.dumps(
        {"about": "seconds one seed of each recipe trained, on one worker; used only to "
                  "start the longest trainings first", "seconds_per_seed":
         dict(sorted(merged.items()))}, indent=1) + "\n")
