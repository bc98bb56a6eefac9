"""Calibrated gates: how often a trained claim's rule alarms on unchanged code, and what it
catches.

From a baseline's seed distribution (its mean and spread), the rule of ``harness.verdicts.stats`` is
simulated as a check run plays it, look by look: today's seeds are fresh draws (another machine
trains a seed like a fresh seed), the baseline is the stored sample, and a shift alarm counts
only when a block of fresh seeds confirms it. Two figures come out:

- **false alarms**: the share of check runs on unchanged code that end in a failing verdict
  (REGRESSED, IMPROVED, or a relation not shown);
- **MDE**, the minimal detectable effect: the smallest shift of a level, or weakening of a
  relation, that the rule catches in 80% of check runs.

A claim whose rule cannot keep false alarms at or below ``MAX_FALSE_ALARM`` at the seed cap is
reported with its MDE under INFO, which does not fail: a gate that goes red at random gets
switched off. The simulation is vectorised with a fixed generator, so the figures are the same
on every machine; ``tests/test_calibration.py`` checks it against the scalar rules.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from harness.verdicts.stats import (
    BORDERLINE_P,
    CONFIRM_ALPHA,
    FUTILITY_ALPHA,
    RELATION_ALPHA,
    RELATION_SPENDING,
    SHIFT_ALPHA,
    SHIFT_SPENDING,
    sample_sd,
    spent_alpha,
)

MAX_FALSE_ALARM = 0.01
POWER = 0.8
_SIMULATIONS = 4000
_GENERATOR_SEED = 20261129


@dataclass(frozen=True)
class Calibration:
    """A trained claim's gate, computed from its baseline."""

    false_alarm: float  # share of unchanged check runs that fail
    mde: float | None  # smallest effect caught with 80% power (metric units), None: none found
    mde_meaning: str  # what the MDE is a shift or weakening of
    gating: bool  # False: reported as INFO, never fails
    reason: str  # why the claim gates or not, in one sentence

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _draws(looks: tuple[int, ...],
           baseline_n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard normal draws for today's seeds, the baseline's and the confirmation block's,
    the same for every call (common random numbers keep the power search monotone)."""
    generator = np.random.default_rng(_GENERATOR_SEED)
    return (generator.standard_normal((_SIMULATIONS, looks[-1])),
            generator.standard_normal((_SIMULATIONS, baseline_n)),
            generator.standard_normal((_SIMULATIONS, looks[-1])))


def _t(p: float, df: np.ndarray | int) -> np.ndarray:
    return sps.t.ppf(p, df)


def _squares(sample: np.ndarray) -> np.ndarray:
    """Each row's sum of squared deviations (zero for a single value, as ``pooled_sd``)."""
    return ((sample - sample.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)


def _shift_scale(now: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Each run's Δ of the means, its pooled standard error and the degrees of freedom."""
    n, big_n = now.shape[1], base.shape[1]
    df = n + big_n - 2
    squares = _squares(now) + _squares(base)
    scale = np.sqrt(squares / df) * math.sqrt(1 / n + 1 / big_n)
    return now.mean(axis=1) - base.mean(axis=1), scale, df


def _shift_fails(today: np.ndarray, base: np.ndarray, n: int, alpha: float,
                 final: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised ``stats.shift_look``: (fails, asks for more, Δ) per simulated run."""
    delta, scale, df = _shift_scale(today[:, :n], base)
    fails = np.abs(delta) > _t(1 - alpha / 2, df) * scale
    more = ~fails & (np.abs(delta) > _t(1 - BORDERLINE_P / 2, df) * scale) & (not final)
    return fails, more, delta


def _confirmed(fresh: np.ndarray, base: np.ndarray, n: int, sign: np.ndarray) -> np.ndarray:
    """Vectorised ``stats.confirm_shift``: whether n fresh seeds show the shift ``sign``'s way."""
    delta, scale, df = _shift_scale(fresh[:, :n], base)
    return sign * delta > _t(1 - CONFIRM_ALPHA, df) * scale


def _relation_fails(today: np.ndarray, base: np.ndarray, n: int, alpha: float, final: bool,
                    direction: str, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised ``stats.relation_look`` with the baseline's differences as reference."""
    now = today[:, :n]
    big_n = base.shape[1]
    df = n - 1 + big_n - 1
    squares = _squares(now) + _squares(base)
    error = np.sqrt(squares / df) / math.sqrt(n)
    mean = now.mean(axis=1)
    width, futile = _t(1 - alpha, df) * error, _t(1 - FUTILITY_ALPHA, df) * error
    if direction == "within":
        ok = np.maximum(np.abs(mean - width), np.abs(mean + width)) < margin
        hopeless = np.abs(mean) - futile >= margin
    elif direction == "less":
        ok, hopeless = mean + width < -margin, mean - futile >= -margin
    else:
        limit = margin if direction == "greater" else -margin
        ok, hopeless = mean - width > limit, mean + futile <= limit
    fails = ~ok & (hopeless | final)
    return fails, ~ok & ~fails


def _failure_rate(looks: tuple[int, ...], baseline_n: int, centre: float, spread: float,
                  shift: float, relation: tuple[str, float] | None,
                  relation_alpha: float = RELATION_ALPHA) -> float:
    """The share of simulated check runs that end failing when today's seeds are drawn around
    ``centre + shift`` and the baseline's around ``centre``, both with sd ``spread``."""
    unit_today, unit_base, unit_fresh = _draws(looks, baseline_n)
    today = centre + shift + spread * unit_today
    base = centre + spread * unit_base
    fresh = centre + shift + spread * unit_fresh
    shift_alphas = spent_alpha(SHIFT_ALPHA, looks, SHIFT_SPENDING)
    relation_alphas = spent_alpha(relation_alpha, looks, RELATION_SPENDING)
    active = np.ones(_SIMULATIONS, dtype=bool)
    failed = np.zeros(_SIMULATIONS, dtype=bool)
    for index, n in enumerate(looks):
        final = index == len(looks) - 1
        alarms, more, delta = _shift_fails(today, base, n, shift_alphas[index], final)
        fails = alarms & _confirmed(fresh, base, n, np.sign(delta))
        if relation is not None:
            rel_fails, rel_more = _relation_fails(today, base, n, relation_alphas[index], final,
                                                  *relation)
            fails, more = fails | rel_fails, (more | rel_more) & ~(fails | rel_fails)
        failed |= active & fails
        active &= more
    return float(failed.mean())


def _smallest(rate: Any, upper: float) -> float | None:
    """The smallest effect in [0, upper] whose failure rate reaches POWER (bisection)."""
    if rate(upper) < POWER:
        return None
    low, high = 0.0, upper
    for _ in range(24):
        middle = (low + high) / 2
        low, high = (low, middle) if rate(middle) >= POWER else (middle, high)
    return high


@functools.lru_cache(maxsize=256)
def _level_mde_in_sd(looks: tuple[int, ...], baseline_n: int) -> float | None:
    """A level's MDE in units of the spread: the rule is scale-free, so this depends on the
    seed counts only."""
    return _smallest(lambda shift: _failure_rate(looks, baseline_n, 0.0, 1.0, shift, None), 30.0)


def shift_gate_in_sd(looks: tuple[int, ...], baseline_n: int) -> tuple[float, float | None]:
    """The shift rule's false-alarm rate and its MDE in units of the seed spread at these seed
    counts: the rule is scale-free, so no baseline values are needed (``harness rules``)."""
    return (round(_failure_rate(looks, baseline_n, 0.0, 1.0, 0.0, None), 4),
            _level_mde_in_sd(looks, baseline_n))


def calibrate_level(baseline: Sequence[float], looks: tuple[int, ...]) -> Calibration:
    """A level claim's gate: false alarms by construction at or below the shift rule's rate."""
    spread = sample_sd(baseline)
    if len(baseline) < 2 or spread == 0:
        return Calibration(0.0, None, "no spread in the baseline", True,
                           "the baseline's seeds agree exactly: any change alarms")
    false_alarm, in_sd = shift_gate_in_sd(looks, len(baseline))
    return Calibration(false_alarm, None if in_sd is None else in_sd * spread,
                       "shift of the mean, either way", True,
                       f"shift rule at {SHIFT_ALPHA:g} (two-sided), spread {spread:.3g} from "
                       f"{len(baseline)} baseline seeds")


def calibrate_relation(baseline: Sequence[float], looks: tuple[int, ...], direction: str,
                       margin: float, alpha: float = RELATION_ALPHA) -> Calibration:
    """A relation's gate: how often it fails when the effect is what the baseline measured, and
    how far the effect must weaken before it fails in 80% of runs (``alpha``: the claim's rate
    of passing a relation that does not hold)."""
    spread, centre = sample_sd(baseline), float(np.mean(baseline))
    if len(baseline) < 2 or spread == 0:
        return Calibration(0.0, None, "no spread in the baseline", True,
                           "the baseline's seeds agree exactly")
    relation = (direction, margin)
    # weakening moves the effect towards failing: down for greater/not-less, up for less,
    # away from zero for within
    sign = {"greater": -1.0, "not-less": -1.0, "less": 1.0}.get(
        direction, 1.0 if centre >= 0 else -1.0)

    def rate(weakening: float) -> float:
        return _failure_rate(looks, len(baseline), centre, spread, sign * weakening, relation,
                             alpha)

    false_alarm = rate(0.0)
    mde = _smallest(rate, abs(centre) + abs(margin) + 10 * spread)
    meaning = f"weakening of the effect (baseline {centre:+.3g}, margin {margin:g})"
    holds = _estimate_holds(centre, direction, margin)
    if false_alarm <= MAX_FALSE_ALARM:
        return Calibration(round(false_alarm, 4), mde, meaning, True,
                           f"fails {false_alarm:.2%} of unchanged runs at up to {looks[-1]} seeds")
    if not holds:
        return Calibration(round(false_alarm, 4), mde, meaning, True,
                           f"the baseline's own effect {centre:+.3g} is on the wrong side of "
                           f"the margin: the relation fails here, and that is gated")
    return Calibration(round(false_alarm, 4), mde, meaning, False,
                       f"at the baseline's effect {centre:+.3g} ± {spread:.3g} the rule fails "
                       f"{false_alarm:.1%} of unchanged runs even at {looks[-1]} seeds "
                       f"(limit {MAX_FALSE_ALARM:.0%}): reported, not gated")



def _estimate_holds(centre: float, direction: str, margin: float) -> bool:
    """Whether the baseline's mean effect is on the claim's side of the margin."""
    if direction == "within":
        return abs(centre) < margin
    if direction == "less":
        return centre < -margin
    return centre > (margin if direction == "greater" else -margin)
