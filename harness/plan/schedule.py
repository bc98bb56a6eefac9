"""The wall time of a night on N devices: (recipe, seed) jobs list-scheduled longest first.

Each device is one training process (a pool worker, or a Ray task's worker). The longest job
goes to the device that frees up first, as the session's queue starts the longest trainings
first. A recipe reading a frozen base's features extracts them once in each process that trains
one of its seeds; on Ray with GPUs every task is a fresh process, so every job extracts.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from harness.plan.estimate import RecipeEstimate


@dataclass(frozen=True)
class Job:
    """One (recipe, seed) training."""

    recipe: str
    seconds: float
    once_s: float  # paid by the first job of this recipe in each process (features)


def jobs(estimates: Sequence[RecipeEstimate]) -> list[Job]:
    return [Job(e.recipe, e.per_seed_s, e.features_s) for e in estimates for _ in range(e.seeds)]


def wall_time(work: Sequence[Job], devices: int, fresh_process_per_job: bool = False,
              start_s: float = 0.0) -> float:
    """The makespan of ``work`` on ``devices`` slots, longest job first onto the slot that is
    free first; ``start_s``: what a process pays to start (import the framework, open the
    device), once per slot, or before every job with ``fresh_process_per_job``."""
    if devices < 1:
        raise ValueError(f"devices must be at least 1, got {devices}")
    slots = [(0.0, index) for index in range(devices)]
    seen: list[set[str] | None] = [None] * devices  # recipes each slot's process has run
    for job in sorted(work, key=lambda job: job.seconds + job.once_s, reverse=True):
        free_at, index = heapq.heappop(slots)
        cost = job.seconds
        recipes = seen[index]
        if fresh_process_per_job or recipes is None:
            cost += start_s
            recipes = seen[index] = set()
        if fresh_process_per_job or job.recipe not in recipes:
            cost += job.once_s
            recipes.add(job.recipe)
        heapq.heappush(slots, (free_at + cost, index))
    return max(free_at for free_at, _ in slots)
