"""Trained measurements read off a recipe's logged history, one value per seed.

A tutorial's log says more than its last line: where the validation loss bottomed out, whether
the training accuracy stayed below the validation accuracy at every epoch, when the two began
to diverge. Each function turns every seed's history into one number; the mean is the value,
``details["values"]`` every seed's, as the level and relation judges expect.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from harness.measures.context import MeasureContext, Measurement
from harness.measures.training import run_of, seed_values

if TYPE_CHECKING:
    from harness.claims import Claim
    from harness.training.runner import RecipeRun

_STATISTICS: dict[str, Callable[[Sequence[float]], float]] = {
    "min": min, "max": max, "last": lambda curve: curve[-1]}


def curve_statistic(curve: Sequence[float], statistic: str) -> float:
    """The lowest, highest or last value of one logged curve."""
    if statistic not in _STATISTICS:
        raise ValueError(f"statistic must be one of {', '.join(_STATISTICS)}, got {statistic!r}")
    return float(_STATISTICS[statistic](curve))


def worst_epoch_gap(a: Sequence[float], b: Sequence[float], direction: str) -> float:
    """a − b at the epoch least favourable to the relation: the smallest difference when a
    should stay above b (greater, not-less), the largest when it should stay below (less)."""
    gaps = [x - y for x, y in zip(a, b, strict=True)]
    return float(max(gaps) if direction == "less" else min(gaps))


def divergence_epoch(a: Sequence[float], b: Sequence[float], threshold: float) -> float:
    """The first epoch (1-based) from which a − b exceeds the threshold at every later epoch;
    NaN when the last epoch's gap does not exceed it (no divergence within the training)."""
    epoch = len(a)
    while epoch > 0 and a[epoch - 1] - b[epoch - 1] > threshold:
        epoch -= 1
    return math.nan if epoch == len(a) else float(epoch + 1)


def _curves(claim: Claim, ctx: MeasureContext,
            *metrics: str) -> tuple[RecipeRun, list[list[list[float]]]]:
    """The recipe's run and, per seed, the named history curves."""
    run = run_of(claim, ctx, claim.args["recipe"])
    for metric in metrics:
        missing = [r.seed for r in run.runs if metric not in r.history]
        if missing:
            raise KeyError(f"recipe {run.recipe.name!r} logs no {metric!r} history; it logs: "
                           f"{', '.join(sorted(run.runs[0].history))}")
    return run, [[[float(v) for v in r.history[metric]] for metric in metrics] for r in run.runs]


def statistic(claim: Claim, ctx: MeasureContext) -> Measurement:
    """The min, max or last value of one history metric, per seed."""
    run, curves = _curves(claim, ctx, claim.args["metric"])
    return seed_values(run, [curve_statistic(curve, claim.args["statistic"])
                             for (curve,) in curves])


def gap(claim: Claim, ctx: MeasureContext) -> Measurement:
    """a − b of two history metrics at each seed's worst epoch for the claimed direction."""
    args = claim.args
    run, curves = _curves(claim, ctx, args["a"], args["b"])
    return seed_values(run, [worst_epoch_gap(a, b, args["direction"]) for a, b in curves])


def divergence(claim: Claim, ctx: MeasureContext) -> Measurement:
    """The epoch from which ``metric`` − ``versus`` stays above ``threshold``, per seed."""
    args = claim.args
    run, curves = _curves(claim, ctx, args["metric"], args["versus"])
    return seed_values(run, [divergence_epoch(a, b, float(args["threshold"]))
                             for a, b in curves])
