"""``python -m harness plan``: what a night of the full profile costs on this device.

Every selected recipe's steps are timed here (``harness.plan.steps``), its cost extrapolated
(``harness.plan.estimate``), and the (recipe, seed) jobs list-scheduled onto N devices
(``harness.plan.schedule``); ``harness.plan.render`` writes the markdown and the JSON.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.claims import claim_files, load_claims
from harness.plan.estimate import RecipeEstimate, estimate
from harness.plan.schedule import jobs, wall_time
from harness.plan.select import selected_recipes
from harness.quiet import output_to

if TYPE_CHECKING:
    from harness.environment import Environment


@dataclass(frozen=True)
class Plan:
    """The estimates of one device, and the wall time of all their jobs on N devices."""

    device: str
    backend: str
    keras: str
    engine: str
    steps: int
    warmup: int
    start_s: float  # a training process's start: the framework's import and the device
    fresh_process_per_job: bool  # Ray on GPUs: a fresh worker per task
    estimates: list[RecipeEstimate]
    wall_s: dict[int, float]  # devices → wall time
    baseline_seeds: int
    baseline_write_s: float  # the baseline seeds of every recipe, on one device

    @property
    def total_s(self) -> float:
        return sum(e.total_s for e in self.estimates)


def _start_device() -> tuple[float, Environment]:
    """Configure this process as training worker 0 (its threads, its GPU), then import the
    framework and open the device: the seconds that took, and the environment."""
    from harness.devices import gpu_for_worker
    from harness.training.worker import WORKER_THREADS, configure_process

    configure_process(WORKER_THREADS, gpu_for_worker(0))
    started = time.perf_counter()
    from harness.environment import current_environment

    environment = current_environment()
    return time.perf_counter() - started, environment


def build_plan(claims_dir: Path, profile: str, expression: str | None, engine: str,
               devices: Sequence[int], steps: int, warmup: int, log: Path,
               baseline_seeds: int = 8) -> Plan:
    """Time every selected recipe here (framework output to ``log``, a progress line per
    recipe on stderr) and schedule its jobs on each count of ``devices``."""
    from harness.plan.steps import time_recipe

    recipes = selected_recipes(load_claims(claim_files(claims_dir)), profile, expression)
    with output_to(log):
        start_s, environment = _start_device()
    estimates = []
    for index, recipe in enumerate(recipes, start=1):
        began = time.perf_counter()
        with output_to(log):
            estimates.append(estimate(recipe, time_recipe(recipe, steps, warmup)))
        print(f"plan: timed {recipe.tutorial}/{recipe.name} ({index}/{len(recipes)}) in "
              f"{time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    fresh = engine == "ray" and environment.device_class.startswith("gpu")
    work = jobs(estimates)
    baseline_write = sum(e.per_seed_s * baseline_seeds + e.features_s for e in estimates)
    return Plan(environment.device, f"{environment.backend} {environment.backend_version}",
                environment.keras, engine, steps, warmup, start_s, fresh, estimates,
                {n: wall_time(work, n, fresh, start_s) for n in devices}, baseline_seeds,
                baseline_write)
