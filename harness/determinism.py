"""The determinism probe (``--determinism-probe``): is a seed's training repeatable here?

Baselines are compared with per-seed statistics that tolerate noise. Whether an exact check
would be sound depends on the machine (CPU kernels are usually repeatable, GPU ones often not),
so the probe measures it instead of assuming it: it trains the first seed of the cheapest recipe
the session trained twice more, on the session's own engine, and compares every metric and
every logged epoch value of the three runs bit for bit (the session's run came from a worker
that had trained other tasks before: identical values also show that a seed's result does not
depend on what ran before it). Its cost is two trainings of that one seed.
"""

from __future__ import annotations

import math
import struct
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.training import SeedBank
    from harness.training.runner import RecipeRun, SeedRun


def cheapest(runs: Iterable[RecipeRun]) -> RecipeRun | None:
    """The trained recipe whose single seed took the least time."""
    return min(runs, key=lambda run: run.runs[0].total_seconds, default=None)


def _values(run: SeedRun) -> Iterator[tuple[str, float]]:
    for name, value in sorted(run.metrics.items()):
        yield name, value
    for name, values in sorted(run.history.items()):
        for epoch, value in enumerate(values, start=1):
            yield f"{name}[{epoch}]", value


def compare(first: SeedRun, second: SeedRun) -> tuple[bool, float]:
    """(bit-identical, largest absolute difference) over metrics and logged history."""
    a, b = dict(_values(first)), dict(_values(second))
    if a.keys() != b.keys():
        return False, math.inf
    identical, largest = True, 0.0
    for name, value in a.items():
        other = b[name]
        identical &= struct.pack("<d", value) == struct.pack("<d", other)
        if not (math.isnan(value) and math.isnan(other)):
            largest = max(largest, abs(value - other))
    return identical, largest


def probe(run: RecipeRun, bank: SeedBank) -> dict[str, Any]:
    """Train the recipe's first seed twice more, on the session's engine (the same kind of
    process, thread count and determinism settings as the session's own training), and
    compare all three runs."""
    from harness.training.pool import Job
    from harness.training.worker import SeedTask, run_task

    recipe, session_run = run.recipe, run.runs[0]
    task = SeedTask(recipe, session_run.seed, bank.data, run.data_checksum)
    started = time.perf_counter()
    futures = [bank.engine.submit(Job(run_task, (task,), task.describe())) for _ in range(2)]
    first, second = (future.result() for future in futures)
    identical, largest = compare(first, second)
    with_session, largest_session = compare(session_run, first)
    return {"recipe": f"{recipe.tutorial}/{recipe.name}", "profile": recipe.profile,
            "seed": session_run.seed, "bit_identical": identical and with_session,
            "max_abs_diff": max(largest, largest_session),
            "seconds": round(time.perf_counter() - started, 2)}


def describe(result: dict[str, Any]) -> str:
    """The probe's one line for the report and the terminal."""
    if "error" in result:
        return f"determinism probe: {result['error']}"
    where = (f"recipe {result['recipe']} ({result['profile']}), seed {result['seed']}, trained "
             f"twice in {result['seconds']:.1f} s")
    if result["bit_identical"]:
        return f"bit-identical on this machine: exact comparison applies ({where})"
    return (f"not bit-identical on this machine (largest difference "
            f"{result['max_abs_diff']:.3g}): tolerant comparison applies ({where})")
