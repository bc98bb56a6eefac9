"""Run-to-run comparison: two saved runs (their JSON reports) side by side, claim by claim.

A trained claim's move is judged with the same shift rule as a baseline comparison
(``verdicts.stats.shift_look``: both runs' per-seed values, their pooled spread, a t quantile
at the shift rule's error rate), so "beyond noise" here means what REGRESSED means in a run. A
structural value is either the same or changed. Claims that ran on different data are not
comparable. The markdown opens with a summary, then what needs attention, one table per
tutorial, the environment differences and the claims only one run has.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.reporting.report import MARK, RunRecord, format_value
from harness.reporting.tables import markdown_table
from harness.results import ClaimResult, Status
from harness.verdicts.stats import SHIFT_ALPHA, shift_look

WITHIN = "within noise"
SAME = "same"
CHANGED = "CHANGED"
NOT_COMPARABLE = "NOT-COMPARABLE"
# What a reader must look at, worst first; the other verdicts are WITHIN and SAME.
ATTENTION = ("REGRESSED", CHANGED, "IMPROVED", "DRIFT", NOT_COMPARABLE)


@dataclass(frozen=True)
class Shift:
    """How far a value moved between two measurements, and whether that is beyond noise."""

    delta: float | None
    beyond_noise: bool | None  # None: not a number, compared for equality instead
    rule: str
    limit: float | None = None  # the largest |Δ| that is still noise
    identical: bool = False  # every seed's value is bit for bit the same

    @property
    def noise(self) -> str:
        """Beyond noise or not, in the words the tables use."""
        if self.beyond_noise is None or self.rule == "exact":
            return "differs" if self.beyond_noise else "identical"
        if self.beyond_noise:
            return "**beyond noise**"
        return "within noise (identical seeds)" if self.identical else "within noise"

    def explain(self) -> str:
        if self.limit is None:
            return self.rule
        side = "beyond" if self.beyond_noise else "within"
        return f"{side} the noise limit ±{self.limit:.3g}; {self.rule.split(', ', 1)[-1]}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def shift(before: ClaimResult, after: ClaimResult) -> Shift:
    """The move from ``before`` to ``after``: per-seed values with the shift rule when both
    have them, otherwise exact equality."""
    old, new = _number(before.measured), _number(after.measured)
    old_seeds, new_seeds = before.details.get("values"), after.details.get("values")
    if old is None or new is None:
        return Shift(None, None if before.measured == after.measured else True, "exact")
    if not old_seeds or not new_seeds:
        return Shift(new - old, new != old, "exact")
    if after.group == "timing":  # per-round log10 step times: the timing judge's rule
        from harness.verdicts.judges import timing_shift

        delta, limit = timing_shift(list(new_seeds), list(old_seeds))
        return Shift(delta, abs(delta) > limit, "log10 step time, drift floor or 3.29 SE",
                     limit, identical=list(new_seeds) == list(old_seeds))
    decision = shift_look(new_seeds, old_seeds, SHIFT_ALPHA, final=True)
    return Shift(decision.estimate, not decision.ok, decision.rule, decision.bound,
                 identical=list(new_seeds) == list(old_seeds))


@dataclass(frozen=True)
class ClaimChange:
    """One claim in both runs: both results, the move and the verdict."""

    before: ClaimResult
    after: ClaimResult
    shift: Shift
    verdict: str

    @property
    def claim(self) -> str:
        return _key(self.after)


def _key(result: ClaimResult) -> str:
    return result.claim_id if result.group == "structure" else f"{result.claim_id}@{result.profile}"


def classify(before: ClaimResult, after: ClaimResult) -> ClaimChange:
    """The comparison verdict of one claim: REGRESSED, IMPROVED or DRIFT when a trained value
    moved beyond noise (DRIFT when neither way is better), CHANGED when a structural value
    differs, NOT-COMPARABLE when the two ran on different data, else within noise or same."""
    moved = shift(before, after)
    if (before.data_source, before.data_checksum) != (after.data_source, after.data_checksum):
        verdict = NOT_COMPARABLE
    elif before.measured is None or after.measured is None:
        verdict = SAME if before.status is after.status else CHANGED
    elif moved.beyond_noise is None:
        verdict = SAME
    elif not moved.beyond_noise:
        verdict = WITHIN if moved.rule != "exact" else SAME
    elif moved.rule == "exact":
        verdict = CHANGED
    else:
        better = after.details.get("better", "none")
        if better == "none":
            verdict = "DRIFT"
        else:
            assert moved.delta is not None
            verdict = "IMPROVED" if (moved.delta > 0) == (better == "higher") else "REGRESSED"
    return ClaimChange(before, after, moved, verdict)


@dataclass(frozen=True)
class Comparison:
    """Two runs matched claim by claim."""

    before: RunRecord
    after: RunRecord
    changes: list[ClaimChange]
    only_before: list[ClaimResult]
    only_after: list[ClaimResult]

    def environment_differences(self) -> list[tuple[str, str, str]]:
        names = list(dict.fromkeys([*self.before.environment, *self.after.environment]))
        return [(name, str(self.before.environment.get(name, "—")),
                 str(self.after.environment.get(name, "—"))) for name in names
                if self.before.environment.get(name) != self.after.environment.get(name)]

    def verdicts(self) -> Counter[str]:
        return Counter(change.verdict for change in self.changes)

    def status_changes(self) -> list[ClaimChange]:
        return [c for c in self.changes if c.before.status is not c.after.status]


def compare_runs(before: RunRecord, after: RunRecord) -> Comparison:
    """Match the two runs' results by claim id and profile."""
    old = {_key(result): result for result in before.results}
    new = {_key(result): result for result in after.results}
    changes = [classify(old[key], new[key]) for key in new if key in old]
    return Comparison(before, after, changes, [old[k] for k in old if k not in new],
                      [new[k] for k in new if k not in old])


def _status(status: Status) -> str:
    return f"{MARK[status]} {status.value}"


def _delta(change: ClaimChange) -> str:
    if change.shift.delta is None or (change.verdict == SAME and change.shift.delta == 0):
        return "—" if change.verdict == SAME else "differs"
    delta = change.shift.delta
    return f"{delta:+.4g}" if math.isfinite(delta) else str(delta)


def _noise(change: ClaimChange) -> str:
    if change.verdict == NOT_COMPARABLE:
        return "different data"
    return change.shift.noise


def _value(result: ClaimResult) -> str:
    from harness.reporting.report import SHAPE_KINDS

    text = format_value(result.measured, shape=result.kind in SHAPE_KINDS, limit=4)
    seeds = result.details.get("values")
    if seeds and len(seeds) > 1:
        text += f" ({len(seeds)} {'rounds' if result.group == 'timing' else 'seeds'})"
    return text.replace("|", "\\|")


def _table(rows: Sequence[dict[str, str]]) -> str:
    return markdown_table(rows)


def _row(change: ClaimChange, a: str, b: str) -> dict[str, str]:
    before, after = change.before.status, change.after.status
    return {"claim": f"`{change.claim.split('/', 1)[1]}`", a: _value(change.before),
            b: _value(change.after), "Δ": _delta(change), "noise": _noise(change),
            "verdict": f"**{change.verdict}**" if change.verdict in ATTENTION else "ok",
            "status": (_status(after) if before is after
                       else f"{_status(before)} → {_status(after)}")}


def _describe(run: RunRecord) -> str:
    env = run.environment
    return (f"`{run.run_id}` · Keras {env.get('keras', '?')} · {env.get('backend', '?')} "
            f"{env.get('backend_version', '?')} · {env.get('device_class', '?')} · commit "
            f"{env.get('git_commit', '?')} · {run.summary_line()}")


def render_comparison(comparison: Comparison, names: tuple[str, str] = ("A", "B")) -> str:
    """The comparison as markdown: summary first, then attention, tables, environment."""
    a, b = names
    verdicts = comparison.verdicts()
    order = [*ATTENTION, WITHIN, SAME]
    tally = ", ".join(f"{verdicts[v]} {v}" for v in order if verdicts[v])
    differences = comparison.environment_differences()
    lines = ["# Run comparison", "",
             f"- **{a}** (before): {_describe(comparison.before)}",
             f"- **{b}** (after): {_describe(comparison.after)}",
             "", "## Summary", "",
             f"**{len(comparison.changes)} claims in both runs: {tally or 'none'}.** "
             f"{len(comparison.status_changes())} changed status; "
             f"{len(differences)} environment fields differ; "
             f"{len(comparison.only_before)} only in {a}, {len(comparison.only_after)} only "
             f"in {b}.", ""]
    attention = sorted((c for c in comparison.changes if c.verdict in ATTENTION),
                       key=lambda c: ATTENTION.index(c.verdict))
    if attention:
        lines += ["## What needs attention", ""]
        lines += [f"- **{c.verdict}** `{c.claim}`: {_value(c.before)} → {_value(c.after)} "
                  f"(Δ {_delta(c)}, {c.shift.explain()}); status {_status(c.before.status)} → "
                  f"{_status(c.after.status)}" for c in attention]
        lines.append("")
    by_tutorial: dict[str, list[ClaimChange]] = {}
    for change in comparison.changes:
        by_tutorial.setdefault(change.after.tutorial, []).append(change)
    for tutorial, changes in sorted(by_tutorial.items()):
        shown = [c for c in changes if c.verdict != SAME or c.before.status is not c.after.status]
        same = [c for c in changes if c not in shown]
        lines += [f"## {tutorial}", ""]
        if shown:
            lines += [_table([_row(c, a, b) for c in shown]), ""]
        if same:
            lines += [f"<details><summary>{len(same)} claims identical in both runs, same "
                      f"status</summary>", "", _table([_row(c, a, b) for c in same]), "",
                      "</details>", ""]
    lines += ["## Environment differences", ""]
    lines += [_table([{"field": name, a: old, b: new} for name, old, new in differences]), ""] \
        if differences else ["None: both runs share every environment field.", ""]
    for label, results in ((a, comparison.only_before), (b, comparison.only_after)):
        if results:
            lines += [f"## Only in {label}", ""]
            lines += [f"- `{_key(r)}` ({_status(r.status)})" for r in results]
            lines.append("")
    lines += ["Δ is " + b + " − " + a + ". Trained claims: beyond noise means |Δ| exceeds "
              "t(0.999, k+m−2)·s·√(1/k+1/m) over both runs' k and m seeds, s their pooled "
              "spread; REGRESSED/IMPROVED follow the claim's better "
              "direction, DRIFT has none. Structural claims: CHANGED when the value differs.", ""]
    return "\n".join(lines)
