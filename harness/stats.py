"""Pass/fail rules for trained claims: seed-paired relations and shifts from a stored baseline.

Training is noisy, so a verdict must be neither flaky nor toothless:

- **Relations** ("A beats B") are one-sided tests on seed-paired differences d_i = A_i − B_i. The
  claim holds when the lower confidence bound of mean(d), at level alpha with a t quantile on
  k − 1 degrees of freedom, clears the margin. The spread used is the larger of today's and the
  baseline's, so a lucky low-variance sample cannot shrink the bar.
- **Shifts** from a baseline compare today's per-seed values with the stored ones. The noise
  scale is the largest of both spreads and, for accuracies, the binomial noise of the test set;
  a shift beyond z_{1−alpha/2} of that scale is REGRESSED or IMPROVED, anything smaller is noise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

RELATION_ALPHA = 0.05
SHIFT_ALPHA = 0.001
DIRECTIONS = ("greater", "less", "not-less", "within")


@dataclass(frozen=True)
class Decision:
    """A statistical verdict with its numbers, and the rule in words for the report."""

    ok: bool
    estimate: float
    bound: float
    rule: str


def sample_sd(values: Sequence[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def binomial_se(accuracy: float, n: int) -> float:
    """Standard error of an accuracy measured on n test samples."""
    return math.sqrt(max(accuracy * (1 - accuracy), 0.0) / n) if n > 0 else 0.0


def paired_test(differences: Sequence[float], direction: str, margin: float = 0.0,
                alpha: float = RELATION_ALPHA, reference_sd: float = 0.0) -> Decision:
    """One-sided test on seed-paired differences (A − B) against a margin.

    greater:  mean(d) > margin          (A beats B)
    less:     mean(d) < −margin         (A is below B)
    not-less: mean(d) > −margin         (A is not worse than B by more than the margin)
    within:   |mean(d)| < margin        (both one-sided tests, TOST)
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    k = len(differences)
    if k == 0:
        raise ValueError("no paired values to test")
    mean = float(np.mean(differences))
    sd = max(sample_sd(differences), reference_sd)
    if not math.isfinite(mean):
        return Decision(False, mean, math.nan, "non-finite difference")
    half_width = 0.0
    if sd > 0:
        quantile = stats.t.ppf(1 - alpha, df=max(k - 1, 1))
        half_width = float(quantile * sd / math.sqrt(k))
    lower, upper = mean - half_width, mean + half_width
    level = f"{1 - alpha:.0%} one-sided bound, {k} seeds, sd {sd:.4g}"
    if direction == "greater":
        return Decision(lower > margin, mean, lower, f"lower bound > {margin:g} ({level})")
    if direction == "less":
        return Decision(upper < -margin, mean, upper, f"upper bound < {-margin:g} ({level})")
    if direction == "not-less":
        return Decision(lower > -margin, mean, lower, f"lower bound > {-margin:g} ({level})")
    bound = max(abs(lower), abs(upper))
    return Decision(bound < margin, mean, bound, f"|bounds| < {margin:g} ({level})")


def shift_test(current: Sequence[float], baseline: Sequence[float], noise_floor: float = 0.0,
               alpha: float = SHIFT_ALPHA) -> Decision:
    """Is today's mean beyond noise from the baseline's? ok means within noise."""
    if not current or not baseline:
        raise ValueError("shift_test needs values on both sides")
    delta = float(np.mean(current) - np.mean(baseline))
    scale = max(sample_sd(current), sample_sd(baseline), noise_floor)
    rule = (f"|Δ| within z{1 - alpha / 2:.4g}·σ·√(1/{len(current)}+1/{len(baseline)}), "
            f"σ = {scale:.3g}")
    if not math.isfinite(delta):
        return Decision(False, delta, math.nan, rule)
    if scale == 0:
        return Decision(delta == 0, delta, 0.0, "exact (no spread on either side)")
    limit = float(stats.norm.ppf(1 - alpha / 2) * scale
                  * math.sqrt(1 / len(current) + 1 / len(baseline)))
    return Decision(abs(delta) <= limit, delta, limit, rule)
