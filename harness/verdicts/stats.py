"""Pass/fail rules for trained claims: seed-paired relations and shifts from a stored baseline.

Another CPU model, another thread count or another library build trains a seed like a fresh
seed, so every rule here treats seeds as draws from a distribution and never relies on one seed
reproducing bit for bit:

- **Shifts** from a baseline: a pooled two-sample t statistic
  T = Δ / (s_p · √(1/n + 1/N)), with s_p the pooled spread of today's n seeds and the baseline's N
  seeds (n + N − 2 degrees of freedom). It alarms when |T| passes the t quantile of the error
  rate spent at this look. The baseline's spread carries the rule, because a baseline is written
  from more seeds than a check runs.
- **Relations** ("A beats B"): one-sided tests on seed-paired differences d_i = A_i − B_i with
  the same pooled spread (today's differences and the baseline's). The claim holds when the
  lower confidence bound clears the margin.
- **Looks**: a verdict is taken after n₁ seeds and, while it is borderline, again after more
  seeds up to a cap. Each error rate is spent across the looks with a Lan–DeMets spending
  function and each look tests at its increment (Bonferroni across looks), so the overall
  rate stays at or below the nominal one however many looks are taken: the shift alarm with
  Pocock's shape (a large regression alarms at the first look), a relation's pass with
  O'Brien–Fleming's (most of the power is kept for the last look). A relation fails early only
  when it is clearly on the wrong side of its margin (FUTILITY_ALPHA per look).
- **Confirmation**: a shift alarm is confirmed on a second, fixed block of as many fresh seeds
  (the check seeds shifted by ``recipes.CONFIRMATION_SEED_SHIFT``) before it fails a run. A
  check's seeds are one fixed draw per machine, so an unlucky draw would alarm on that machine
  every night, while a real change moves every block. The fresh block must show the shift the
  same way at one-sided ``CONFIRM_ALPHA``. Alarms from an extreme check draw then mostly go;
  alarms from an extreme baseline draw stay (both blocks meet the same baseline), and they show
  on every machine, the writer's too. Simulated (``verdicts.calibration``), false alarms per claim
  fall from 0.15% to 0.05% and the detectable effect grows by 0.1%. A pre-registered second
  stage, as in MLPerf's consecutive windows; never a silent re-roll.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import stats

RELATION_ALPHA = 0.05  # a relation that does not hold passes at most this often
SHIFT_ALPHA = 0.002  # two-sided: an unchanged claim alarms at most this often
SHIFT_SPENDING, RELATION_SPENDING = "pocock", "obrien-fleming"
BORDERLINE_P = 0.02  # a shift with p below this (and no alarm) asks for more seeds
FUTILITY_ALPHA = 0.001  # a relation clearly failing at an early look fails there
CONFIRM_ALPHA = 0.05  # one-sided: fresh seeds confirm a shift alarm's direction
DIRECTIONS = ("greater", "less", "not-less", "within")


class Outcome(StrEnum):
    """What one look decides."""

    HOLDS = "holds"  # relation shown / shift within noise
    FAILS = "fails"  # relation not shown / shift beyond noise
    MORE = "more"  # borderline: train more seeds and look again


@dataclass(frozen=True)
class Decision:
    """A statistical verdict with its numbers, and the rule in words for the report."""

    ok: bool
    estimate: float
    bound: float
    rule: str
    outcome: Outcome = Outcome.HOLDS


def sample_sd(values: Sequence[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def pooled_sd(*samples: Sequence[float]) -> tuple[float, int]:
    """The pooled standard deviation of several samples and its degrees of freedom."""
    squares, df = 0.0, 0
    for sample in samples:
        if len(sample) > 1:
            squares += float(np.var(sample, ddof=1)) * (len(sample) - 1)
            df += len(sample) - 1
    return (math.sqrt(squares / df), df) if df else (0.0, 0)


def spent_alpha(alpha: float, looks: Sequence[int], shape: str = "pocock") -> list[float]:
    """The error rate each look may use: the increments of a Lan–DeMets spending function of
    t = seeds so far / seeds at the last look. They add up to α.

    pocock:          α·ln(1 + (e − 1)·t), much of it early: a large regression alarms at the
                     first look, before extra seeds are trained;
    obrien-fleming:  2 − 2Φ(z(1 − α/2)/√t), little early: a relation is passed early only when
                     it is far from its margin, so the last look keeps most of the power.
    """
    final = looks[-1]
    if len(looks) == 1:
        return [alpha]
    if shape == "pocock":
        spent = [alpha * math.log(1 + (math.e - 1) * n / final) for n in looks]
    elif shape == "obrien-fleming":
        z = float(stats.norm.ppf(1 - alpha / 2))
        spent = [2 * (1 - float(stats.norm.cdf(z / math.sqrt(n / final)))) for n in looks]
    else:
        raise ValueError(f"unknown spending shape {shape!r}")
    return [spent[0], *(b - a for a, b in itertools.pairwise(spent))]


def _quantile(p: float, df: int) -> float:
    return float(stats.t.ppf(p, df=df)) if df > 0 else float(stats.norm.ppf(p))


def _shift_terms(current: Sequence[float], baseline: Sequence[float],
                 floor_sd: float = 0.0) -> tuple[float, float, int, float]:
    """Δ of the means, the pooled spread (at least ``floor_sd``), its degrees of freedom and
    the standard error of Δ: what the shift rule and its confirmation both test with."""
    if not current or not baseline:
        raise ValueError("a shift needs values on both sides")
    delta = float(np.mean(current) - np.mean(baseline))
    sd, df = pooled_sd(current, baseline)
    sd = max(sd, floor_sd)
    return delta, sd, df, sd * math.sqrt(1 / len(current) + 1 / len(baseline))


def shift_look(current: Sequence[float], baseline: Sequence[float], alpha_here: float,
               final: bool, floor_sd: float = 0.0) -> Decision:
    """One look of the shift rule: today's seeds against the baseline's.

    ``floor_sd`` is the least spread the rule assumes (a tutorial's pooled spread, used when a
    recipe's own baseline is too thin to carry one)."""
    delta, sd, df, scale = _shift_terms(current, baseline, floor_sd)
    n, big_n = len(current), len(baseline)
    if not math.isfinite(delta):
        return Decision(False, delta, math.nan, "non-finite value", Outcome.FAILS)
    if sd == 0:
        same = delta == 0
        return Decision(same, delta, 0.0, "exact (no spread on either side)",
                        Outcome.HOLDS if same else Outcome.FAILS)
    limit = _quantile(1 - alpha_here / 2, df) * scale
    rule = (f"|Δ| ≤ t(1−{alpha_here:.2g}/2, {df} df)·s·√(1/{n}+1/{big_n}), s = {sd:.3g} "
            f"(pooled over {n} + {big_n} seeds)")
    if abs(delta) > limit:
        return Decision(False, delta, limit, rule, Outcome.FAILS)
    borderline = abs(delta) > _quantile(1 - BORDERLINE_P / 2, df) * scale
    return Decision(True, delta, limit, rule,
                    Outcome.MORE if borderline and not final else Outcome.HOLDS)


def confirm_shift(fresh: Sequence[float], baseline: Sequence[float], sign: float,
                  alpha: float = CONFIRM_ALPHA) -> Decision:
    """Whether fresh seeds confirm a shift alarm: their mean moved from the baseline's the same
    way (``sign`` +1 up, -1 down), one-sided at ``alpha``, spread pooled as in ``shift_look``.
    ``ok`` is True when the alarm is *not* confirmed (no change is shown)."""
    delta, sd, df, scale = _shift_terms(fresh, baseline)
    n, big_n = len(fresh), len(baseline)
    if not math.isfinite(delta):
        return Decision(False, delta, math.nan, "non-finite value", Outcome.FAILS)
    bound = _quantile(1 - alpha, df) * scale
    way = "up" if sign > 0 else "down"
    rule = (f"confirmed when Δ moves {way} by more than t(1−{alpha:g}, {df} df)·s·"
            f"√(1/{n}+1/{big_n}), s = {sd:.3g}")
    confirmed = sign * delta > bound if sd > 0 else sign * delta > 0
    return Decision(not confirmed, delta, bound, rule,
                    Outcome.FAILS if confirmed else Outcome.HOLDS)


def relation_look(differences: Sequence[float], direction: str, margin: float,
                  alpha_here: float, final: bool,
                  reference: Sequence[float] = ()) -> Decision:
    """One look of a relation on seed-paired differences (A − B) against a margin.

    greater:  mean(d) > margin          (A beats B)
    less:     mean(d) < −margin         (A is below B)
    not-less: mean(d) > −margin         (A is not worse than B by more than the margin)
    within:   |mean(d)| < margin        (both one-sided tests, TOST)

    The spread is pooled with the baseline's differences (``reference``) when there are any.
    Before the last look, a relation that is not yet shown either fails early (clearly on the
    wrong side of its margin) or asks for more seeds.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    k = len(differences)
    if k == 0:
        raise ValueError("no paired values to test")
    mean = float(np.mean(differences))
    if not math.isfinite(mean):
        return Decision(False, mean, math.nan, "non-finite difference", Outcome.FAILS)
    sd, df = pooled_sd(differences, reference) if len(reference) > 1 else (
        sample_sd(differences), k - 1)
    error = sd / math.sqrt(k)
    width = _quantile(1 - alpha_here, df) * error if sd > 0 else 0.0
    futile = _quantile(1 - FUTILITY_ALPHA, df) * error if sd > 0 else 0.0
    lower, upper = mean - width, mean + width
    level = (f"{1 - alpha_here:.4g} one-sided bound, {k} seeds, s {sd:.4g} ({df} df"
             f"{', pooled with the baseline' if len(reference) > 1 else ''})")
    if direction == "within":
        bound = max(abs(lower), abs(upper))
        ok, rule = bound < margin, f"|bounds| < {margin:g} ({level})"
        hopeless = abs(mean) - futile >= margin
    elif direction == "less":
        bound, ok, rule = upper, upper < -margin, f"upper bound < {-margin:g} ({level})"
        hopeless = mean - futile >= -margin
    else:
        limit = margin if direction == "greater" else -margin
        bound, ok, rule = lower, lower > limit, f"lower bound > {limit:g} ({level})"
        hopeless = mean + futile <= limit
    if ok:
        return Decision(True, mean, bound, rule, Outcome.HOLDS)
    outcome = Outcome.FAILS if final or hopeless else Outcome.MORE
    return Decision(False, mean, bound, rule, outcome)


def looks_for(first: int, cap: int, step: int = 2) -> tuple[int, ...]:
    """The seed counts at which a verdict is taken: first, first + step, … up to cap."""
    cap = max(cap, first)
    looks = list(range(first, cap, step))
    return (*looks, cap)
