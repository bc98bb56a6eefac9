"""The tutorial's figure judged as one run of today's recipe.

A tutorial prints the figures of one training run, so the question is not whether the mean of
our seeds equals the figure but whether the figure is a plausible single run of the recipe as
it trains today. The answer is the prediction interval for one new run:

    x̄ ± t(1 − α/2, df) · s · √(1 + 1/n)  ±  (the figure's printed precision + an allowance)

x̄ the mean of today's n seeds, s their spread pooled with the stored baseline's N seeds (the
same environment, so the same spread: df = (n − 1) + (N − 1)). A figure drawn from the same
distribution as the seeds falls outside it with probability α exactly (t is exact for normal
seeds), whatever the spread, so the rule's false-FAIL rate is stated, not estimated. The test
set's binomial noise is not added: the tutorial's run and ours are scored on the same test set,
and the seed spread already carries everything that differs between two runs on it.

Where no interval can be formed (one seed and no baseline: df 0; every seed the same value: no
spread) the figure is judged only when it equals the seeds' value within its printed
precision; otherwise the verdict is undecided, which the report shows and which never fails.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from scipy import optimize, special
from scipy import stats as sps

from harness.verdicts.stats import SHIFT_ALPHA, pooled_sd

MAX_FALSE_FAIL = 0.01  # per claim, every rule together
# two-sided, against the tutorial: with the baseline's shift rule (SHIFT_ALPHA) a claim fails
# unchanged code at most MAX_FALSE_FAIL of nights (union bound)
TUTORIAL_ALPHA = MAX_FALSE_FAIL - SHIFT_ALPHA
POWER = 0.8


@dataclass(frozen=True)
class OneRun:
    """Where a tutorial's figure falls among today's seeds, and whether that is plausible."""

    ok: bool  # the figure is plausible, or undecided (which never fails)
    decided: bool  # False: no interval could be formed and the figure is not the seeds' value
    figure: float
    mean: float
    low: float  # the interval (figure's precision and allowance included)
    high: float
    below: int  # today's seeds below the figure
    ties: int  # today's seeds equal to it
    n: int
    df: int
    percentile: float | None  # the figure's percentile in the predictive t distribution
    rule: str

    @property
    def delta(self) -> float:
        """measured − tutorial, as every comparison reports it."""
        return self.mean - self.figure

    def position(self) -> str:
        """One line for the report: the figure's rank among the seeds and the interval."""
        rank = f"above {self.below} of {self.n} seeds" + (f" (= {self.ties})" if self.ties
                                                          else "")
        where = "" if self.percentile is None else f", percentile {self.percentile:.0%}"
        return f"{rank}{where}; one-run interval {self.low:.4g} … {self.high:.4g}"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "position": self.position()}


def printed_precision(figure: float) -> float:
    """Half the last printed digit: 0.9907 → 0.00005, 0.725 → 0.0005, 26 → 0.5."""
    exponent = Decimal(repr(figure)).as_tuple().exponent
    return 0.5 * 10.0 ** int(exponent) if isinstance(exponent, int) else 0.0


@functools.lru_cache(maxsize=1024)
def _t(p: float, df: int) -> float:
    return float(sps.t.ppf(p, df))


def judge_one_run(values: Sequence[float], reference: Sequence[float], figure: float,
                  alpha: float = TUTORIAL_ALPHA, allowance: float = 0.0) -> OneRun:
    """Whether ``figure`` is a plausible single run given today's seeds ``values`` (spread
    pooled with the baseline's seeds ``reference``), two-sided at ``alpha``."""
    values = [float(value) for value in values]
    reference = [float(value) for value in reference if math.isfinite(value)]
    n, mean = len(values), sum(values) / len(values)
    margin = printed_precision(figure) + allowance
    below = sum(value < figure for value in values)
    ties = sum(value == figure for value in values)
    extra = f" + allowance {allowance:g}" if allowance else ""
    if not math.isfinite(mean):
        return OneRun(False, True, figure, mean, math.nan, math.nan, below, ties, n, 0, None,
                      "non-finite value")
    sd, df = pooled_sd(values, reference)  # a baseline of one seed adds no degree of freedom
    pooled = len(reference) > 1
    every = values + reference if pooled else values
    if df == 0 or min(every) == max(every):  # exactly equal seeds (not a rounding residue)
        equal = abs(mean - figure) <= margin
        why = ("one seed and no baseline: no spread to form an interval" if df == 0 else
               f"no spread: all {n + len(reference) if pooled else n} seeds gave {mean:.6g}")
        rule = (f"{why}; the figure equals it within ±{margin:.3g} (printed precision{extra})"
                if equal else f"cannot judge one run ({why}); the figure is "
                f"{figure - mean:+.4g} away, shown, not judged")
        return OneRun(True, equal, figure, mean, mean - margin, mean + margin, below, ties, n,
                      df, None, rule)
    scale = sd * math.sqrt(1 + 1 / n)
    half = _t(1 - alpha / 2, df) * scale + margin
    seeds = f"pooled over {n} + {len(reference)} seeds" if pooled else f"{n} seeds"
    rule = (f"one run: figure within x̄ ± t(1−{alpha:.2g}/2, {df} df)·s·√(1+1/{n}) + printed "
            f"precision{extra} = {mean:.4g} ± {half:.3g}, s = {sd:.3g} ({seeds})")
    percentile = float(special.stdtr(df, (figure - mean) / scale))  # the t cdf, as a ufunc
    return OneRun(abs(figure - mean) <= half, True, figure, mean, mean - half, mean + half,
                  below, ties, n, df, percentile, rule)


def interval_df(n: int, baseline_n: int) -> int:
    """The degrees of freedom of the pooled spread (the baseline counts from two seeds)."""
    return max(n - 1, 0) + (baseline_n - 1 if baseline_n > 1 else 0)


def one_run_mde_in_sd(n: int, baseline_n: int, alpha: float = TUTORIAL_ALPHA) -> float | None:
    """The smallest distance between the recipe's true mean and the figure, in seed spreads,
    that the rule flags in ``POWER`` of nights (None when no interval can be formed).

    (x̄ − figure)/(s/√n) is noncentral t with df degrees of freedom and noncentrality δ√n; the
    rule fails when it passes t(1 − α/2, df)·√(n + 1). Even with endless seeds the MDE stays
    above z(1 − α/2): one run cannot be told from a distribution more finely than its spread.
    """
    df = interval_df(n, baseline_n)
    if df == 0:
        return None
    critical = _t(1 - alpha / 2, df) * math.sqrt(n + 1)

    def power(delta: float) -> float:
        shift = delta * math.sqrt(n)
        far_side = float(sps.nct.sf(critical, df, -shift))  # P(T < −c), by symmetry
        return float(sps.nct.sf(critical, df, shift)) + (far_side if math.isfinite(far_side)
                                                          else 0.0)

    upper = 2 * (critical + 5) / math.sqrt(n)  # power is ~1 there (nct is NaN much further)
    return float(optimize.brentq(lambda delta: power(delta) - POWER, 0.0, upper))
