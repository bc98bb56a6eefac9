"""Judges: how a claim kind's measurement is compared with the tutorial and with its baseline.

Structural kinds use the claim's comparator (exact or approx) on both sides. Trained kinds use
``verdicts.stats``, one look at a time (``Look``: how many seeds so far, and how much of each
error rate this look may spend):

- a level is checked against the tutorial's figure only in the full profile on the real data
  set (a fast budget's figure is shown beside the tutorial's, never judged against it), as one
  run of today's recipe (``harness.verdicts.one_run``: the prediction interval of today's
  seeds), and against the baseline's seeds with the shift rule; a learning curve the same
  way, epoch by epoch;
- a relation holds when its seed-paired one-sided test passes, and its per-seed differences are
  compared with the baseline's with the same shift rule;
- a shift alarm of either is then put to fresh seeds (``confirm``): it stands only when they
  show the shift the same way. Comparisons without seeds (structure, timings) have nothing to
  draw afresh and keep their verdict.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from harness.metrics import METRICS
from harness.verdicts.comparators import Verdict
from harness.verdicts.one_run import TUTORIAL_ALPHA, OneRun, judge_one_run
from harness.verdicts.stats import (
    CONFIRM_ALPHA,
    RELATION_ALPHA,
    RELATION_SPENDING,
    SHIFT_ALPHA,
    SHIFT_SPENDING,
    Outcome,
    confirm_shift,
    relation_look,
    sample_sd,
    shift_look,
    spent_alpha,
)

if TYPE_CHECKING:
    from harness.baselines import BaselineEntry
    from harness.claims import Claim
    from harness.measures.context import Measurement

_TIMING_Z = 3.29  # two-sided 0.001: a step time's standard errors on one device


@dataclass(frozen=True)
class Look:
    """One look of a sequential verdict: its index among the planned seed counts."""

    index: int = 0
    looks: tuple[int, ...] = (1,)

    @property
    def final(self) -> bool:
        return self.index == len(self.looks) - 1

    def alpha(self, total: float, shape: str) -> float:
        """The share of an error rate this look may spend."""
        return spent_alpha(total, self.looks, shape)[self.index]


FINAL_LOOK = Look()  # one look that spends the whole error rate


class Judge(Protocol):
    def against_tutorial(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry | None, look: Look = FINAL_LOOK) -> Verdict: ...

    def against_baseline(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry, look: Look = FINAL_LOOK) -> Verdict: ...

    def confirm(self, claim: Claim, fresh: Callable[[], Measurement], entry: BaselineEntry,
                alarm: Verdict) -> Verdict | None:
        """Whether fresh seeds (measured by calling ``fresh``) show the alarm's shift too
        (``ok``: they do not); None, measuring nothing, when the comparison has no seeds to
        draw afresh."""

    def stored_values(self, measurement: Measurement) -> tuple[Any, ...]: ...


class ComparatorJudge:
    """Structural claims: the claim's own comparator on both sides."""

    def against_tutorial(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry | None, look: Look = FINAL_LOOK) -> Verdict:
        return claim.comparator.check(measurement.value, claim.expected)

    def against_baseline(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry, look: Look = FINAL_LOOK) -> Verdict:
        return claim.comparator.check(measurement.value, entry.value)

    def confirm(self, claim: Claim, fresh: Callable[[], Measurement], entry: BaselineEntry,
                alarm: Verdict) -> Verdict | None:
        return None  # not a draw of seeds

    def stored_values(self, measurement: Measurement) -> tuple[Any, ...]:
        return ()


def better_direction(claim: Claim) -> str:
    """Which way a trained claim's value is better: "higher", "lower" or "none" (a move beyond
    noise is then DRIFT).

    Its kind says where that comes from: a level follows its metric's declared direction; a
    relation is better the more clearly it holds, except an equivalence (``within``).
    """
    better = claim.spec.better
    if better == "metric":
        return METRICS[claim.args["metric"]].better
    if better == "relation":
        return {"within": "none", "less": "lower"}.get(claim.args["direction"], "higher")
    return better


def _position(run: OneRun, better: str) -> str:
    """Where the tutorial's figure falls among today's seeds, and which way it is off."""
    text = f"the tutorial's figure is {run.position()}"
    if run.ok:
        return text
    side = "above" if run.figure > run.high else "below"
    verdict = "" if better == "none" else (
        ": today's runs are worse than the tutorial's" if (side == "above") == (
            better == "higher") else ": today's runs are better than the tutorial's")
    return f"{text}, {side} it{verdict}"


def _shift(claim: Claim, measurement: Measurement, entry: BaselineEntry, look: Look) -> Verdict:
    values = list(measurement.details["values"])
    stored = list(entry.values) or [entry.value]
    decision = shift_look(values, stored, look.alpha(SHIFT_ALPHA, SHIFT_SPENDING), look.final)
    better = better_direction(claim)
    return Verdict(decision.ok, decision.estimate, decision.rule,
                   f"Δ {decision.estimate:+.4g}, noise limit ±{decision.bound:.3g}",
                   improved=(decision.estimate > 0) == (better == "higher"),
                   directional=better != "none", more=decision.outcome is Outcome.MORE)


def _confirm(fresh: Measurement, entry: BaselineEntry, alarm: Verdict) -> Verdict:
    decision = confirm_shift(list(fresh.details["values"]), list(entry.values) or [entry.value],
                             1.0 if alarm.delta > 0 else -1.0)
    return Verdict(decision.ok, decision.estimate, decision.rule,
                   f"Δ {decision.estimate:+.4g}, confirming bound {decision.bound:.3g}",
                   improved=alarm.improved, directional=alarm.directional)


class LevelJudge:
    """One metric of a recipe: the tutorial's figure in the full profile on real data, as one
    run of today's recipe; the baseline's seeds everywhere."""

    def against_tutorial(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry | None, look: Look = FINAL_LOOK) -> Verdict:
        if not isinstance(claim.expected, int | float) or isinstance(claim.expected, bool):
            return Verdict(True, None, "the tutorial gives no figure to compare", judged=False)
        delta = measurement.value - claim.expected
        if measurement.details.get("data_is_proxy"):
            return Verdict(True, delta, "not judged: the tutorial's figure is for the real data "
                           "set, this ran on a proxy", judged=False)
        if measurement.details.get("profile") != "full":
            return Verdict(True, delta, "not judged: the tutorial's figure is for its full "
                           "recipe, this is the fast profile's budget", judged=False)
        run = judge_one_run(measurement.details["values"], entry.values if entry else (),
                            float(claim.expected), TUTORIAL_ALPHA, claim.reproduction_allowance)
        return Verdict(run.ok, delta, run.rule, _position(run, better_direction(claim)),
                       undecided=not run.decided)

    def against_baseline(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry, look: Look = FINAL_LOOK) -> Verdict:
        return _shift(claim, measurement, entry, look)

    def confirm(self, claim: Claim, fresh: Callable[[], Measurement], entry: BaselineEntry,
                alarm: Verdict) -> Verdict | None:
        return _confirm(fresh(), entry, alarm)

    def stored_values(self, measurement: Measurement) -> tuple[Any, ...]:
        return tuple(measurement.details["values"])


class PairedJudge:
    """A relation between two recipes (or a recipe and a constant), seed by seed."""

    def against_tutorial(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry | None, look: Look = FINAL_LOOK) -> Verdict:
        values = list(measurement.details["values"])
        reference = list(entry.values) if entry and entry.values else []
        decision = relation_look(values, claim.args["direction"], claim.args.get("margin", 0.0),
                                 look.alpha(claim.args.get("alpha", RELATION_ALPHA),
                                            RELATION_SPENDING),
                                 look.final, reference)
        return Verdict(decision.ok, decision.estimate, f"{claim.args['direction']}: "
                       f"{decision.rule}; bound {decision.bound:.4g}",
                       more=decision.outcome is Outcome.MORE)

    def against_baseline(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry, look: Look = FINAL_LOOK) -> Verdict:
        return _shift(claim, measurement, entry, look)

    def confirm(self, claim: Claim, fresh: Callable[[], Measurement], entry: BaselineEntry,
                alarm: Verdict) -> Verdict | None:
        return _confirm(fresh(), entry, alarm)

    def stored_values(self, measurement: Measurement) -> tuple[Any, ...]:
        return tuple(measurement.details["values"])


_TIMING_FLOOR = 0.15  # decades (×1.4): run-to-run drift of a step time on one machine


def timing_shift(now: list[float], stored: list[float]) -> tuple[float, float]:
    """Step times of one device in log10 units: (Δ of the means, the largest |Δ| that is still
    noise: the drift floor or z(0.9995) standard errors of both means, whichever is larger)."""
    delta = float(np.mean(now) - np.mean(stored))
    se = math.sqrt(sample_sd(now) ** 2 / len(now) + sample_sd(stored) ** 2 / len(stored))
    return delta, max(_TIMING_FLOOR, _TIMING_Z * se)


def _timing_shift(measurement: Measurement, entry: BaselineEntry) -> Verdict:
    now, stored = list(measurement.details["values"]), list(entry.values)
    delta, limit = timing_shift(now, stored)
    return Verdict(abs(delta) <= limit, delta,
                   f"|Δ log10| ≤ {limit:.3g} decades (drift floor {_TIMING_FLOOR}, "
                   f"{len(now)} vs {len(stored)} rounds, same device)",
                   f"Δ {delta:+.3g} decades, noise limit ±{limit:.3g}", improved=delta < 0)


def _timing_figures(measurement: Measurement) -> str:
    figures = [f"{name} {item['ms_per_batch']:.3g} ms/batch = {item['us_per_sample']:.3g} "
               f"µs/sample (first step {item['first_step_ms']:.3g} ms)"
               for name, item in measurement.details.items()
               if isinstance(item, dict) and "ms_per_batch" in item]
    return "; ".join(figures)


class DecadesJudge:
    """A step-time ratio: the tutorial's order of magnitude, judged in decades."""

    def against_tutorial(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry | None, look: Look = FINAL_LOOK) -> Verdict:
        delta = math.log10(measurement.value) - math.log10(claim.expected)
        return Verdict(abs(delta) <= 0.5, delta,
                       f"within half a decade of ×{claim.expected:g} (log10 Δ {delta:+.2f}); "
                       f"measured ×{measurement.value:g}: {_timing_figures(measurement)}")

    def against_baseline(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry, look: Look = FINAL_LOOK) -> Verdict:
        verdict = _timing_shift(measurement, entry)  # a ratio has no better side: DRIFT
        return Verdict(verdict.ok, verdict.delta, verdict.rule, directional=False)

    def confirm(self, claim: Claim, fresh: Callable[[], Measurement], entry: BaselineEntry,
                alarm: Verdict) -> Verdict | None:
        return None  # not a draw of seeds

    def stored_values(self, measurement: Measurement) -> tuple[Any, ...]:
        return tuple(measurement.details["values"])


class DeviceTimeJudge:
    """An absolute step time: the tutorial's figure is from its own machine, so it is shown
    beside ours but not judged; the baseline of this very device is."""

    def against_tutorial(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry | None, look: Look = FINAL_LOOK) -> Verdict:
        delta = None if claim.expected is None else measurement.value - claim.expected
        return Verdict(True, delta, "shown, not judged: the tutorial timed another machine; "
                       f"{_timing_figures(measurement)}", judged=False)

    def against_baseline(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry, look: Look = FINAL_LOOK) -> Verdict:
        return _timing_shift(measurement, entry)

    def confirm(self, claim: Claim, fresh: Callable[[], Measurement], entry: BaselineEntry,
                alarm: Verdict) -> Verdict | None:
        return None  # not a draw of seeds

    def stored_values(self, measurement: Measurement) -> tuple[Any, ...]:
        return tuple(measurement.details["values"])


JUDGES: dict[str, Judge] = {"comparator": ComparatorJudge(), "level": LevelJudge(),
                            "paired": PairedJudge(), "decades": DecadesJudge(),
                            "device-time": DeviceTimeJudge()}


class CurveJudge:
    """A learning curve (issue 14): the tutorial's logged per-epoch figures, epoch by epoch.

    The tutorial's curve is one run: each epoch's figure must be a plausible single run of
    that epoch's seeds (``harness.verdicts.one_run``, spread pooled with the baseline's curves), the
    tutorial's error rate shared among the epochs (Bonferroni: the curve's false-FAIL rate
    stays at or below one level's). Against the baseline, every epoch's seeds get the level
    shift rule, and the worst epoch is reported.
    """

    def against_tutorial(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry | None, look: Look = FINAL_LOOK) -> Verdict:
        if not isinstance(claim.expected, list) or not claim.expected:
            return Verdict(True, None, "the tutorial gives no curve to compare", judged=False)
        curves = [list(curve) for curve in measurement.details["values"]]
        figures = [float(figure) for figure in claim.expected]
        if any(len(curve) != len(figures) for curve in curves):
            return Verdict(False, None, f"{len(curves[0])} epochs measured, the tutorial logs "
                           f"{len(figures)}")
        stored = [list(curve) for curve in entry.values
                  if len(curve) == len(figures)] if entry else []
        alpha = TUTORIAL_ALPHA / len(figures)
        runs = [judge_one_run([curve[epoch] for curve in curves],
                              [curve[epoch] for curve in stored], figure, alpha,
                              claim.reproduction_allowance)
                for epoch, figure in enumerate(figures)]
        worst = max(range(len(runs)), key=lambda i: (not runs[i].ok, _extremeness(runs[i])))
        run = runs[worst]
        if measurement.details.get("data_is_proxy"):
            return Verdict(True, run.delta, "not judged: the tutorial's curve is for the "
                           "real data set, this ran on a proxy", judged=False)
        if measurement.details.get("profile") != "full":
            return Verdict(True, run.delta, "not judged: the tutorial's curve is for its "
                           "full recipe, this is the fast profile's budget", judged=False)
        return Verdict(all(r.ok for r in runs), run.delta,
                       f"every epoch, α shared by {len(runs)} epochs; worst epoch {worst + 1}: "
                       f"{run.rule}", f"epoch {worst + 1}: "
                       f"{_position(run, better_direction(claim))}",
                       undecided=all(r.ok for r in runs) and not all(r.decided for r in runs))

    def against_baseline(self, claim: Claim, measurement: Measurement,
                         entry: BaselineEntry, look: Look = FINAL_LOOK) -> Verdict:
        now, stored = list(measurement.details["values"]), list(entry.values)
        epochs = {len(curve) for curve in now + stored}
        if len(epochs) != 1:
            return Verdict(False, None, f"curves of different lengths: {sorted(epochs)} epochs")
        length = epochs.pop()
        # every epoch is a test: the look's error rate is shared among them (Bonferroni)
        alpha = look.alpha(SHIFT_ALPHA, SHIFT_SPENDING) / length
        decisions = [shift_look([curve[epoch] for curve in now],
                                [curve[epoch] for curve in stored], alpha, look.final)
                     for epoch in range(length)]
        worst = max(range(len(decisions)), key=lambda i: (not decisions[i].ok,
                                                          abs(decisions[i].estimate)))
        decision, better = decisions[worst], better_direction(claim)
        return Verdict(all(d.ok for d in decisions), decision.estimate,
                       f"every epoch: {decision.rule}",
                       f"worst epoch {worst + 1}: Δ {decision.estimate:+.4g}, noise limit "
                       f"±{decision.bound:.3g}", improved=(decision.estimate > 0) == (
                           better == "higher"), directional=better != "none",
                       more=any(d.outcome is Outcome.MORE for d in decisions))

    def confirm(self, claim: Claim, fresh: Callable[[], Measurement], entry: BaselineEntry,
                alarm: Verdict) -> Verdict | None:
        """Fresh curves confirm when some epoch moved the alarm's way (the confirming rate
        shared among the epochs, as the alarm's is)."""
        now, stored = list(fresh().details["values"]), list(entry.values)
        length, sign = len(stored[0]), 1.0 if alarm.delta > 0 else -1.0
        decisions = [confirm_shift([curve[epoch] for curve in now],
                                   [curve[epoch] for curve in stored], sign,
                                   CONFIRM_ALPHA / length) for epoch in range(length)]
        epoch = max(range(length), key=lambda i: sign * decisions[i].estimate)
        decision = decisions[epoch]
        return Verdict(all(d.ok for d in decisions), decision.estimate,
                       f"some epoch: {decision.rule}",
                       f"epoch {epoch + 1}: Δ {decision.estimate:+.4g}, confirming bound "
                       f"{decision.bound:.3g}", improved=alarm.improved,
                       directional=alarm.directional)

    def stored_values(self, measurement: Measurement) -> tuple[Any, ...]:
        return tuple(measurement.details["values"])


def _extremeness(run: OneRun) -> float:
    """How far out the figure sits: its distance from the seeds' mean over the interval's
    half-width (an undecided epoch with a figure off the seeds' value counts as far out)."""
    half = run.high - run.mean
    distance = abs(run.figure - run.mean)
    if not math.isfinite(half):
        return math.inf
    return distance / half if half > 0 else (math.inf if distance else 0.0)


JUDGES["curve"] = CurveJudge()
