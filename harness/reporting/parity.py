"""Backend parity: one run per Keras backend (TensorFlow, torch, JAX) in one table.

Each backend's run is judged against its own baselines, so a run's statuses alone cannot say
whether the backends agree. This table puts them side by side: per claim, each backend's value
and status, whether the tutorial's claim holds on every backend, and whether a trained value
moved beyond noise from the first run's (the same shift rule as ``python -m harness compare``).
A claim that fails on one backend and holds on another is a finding, and so is a structural
value (a parameter count, a shape) that differs between backends: both are listed at the top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.reporting.compare import shift
from harness.reporting.report import MARK, SHAPE_KINDS, RunRecord, finding_gone, format_value
from harness.results import ClaimResult, Status

# The tutorial's claim does not hold there (KNOWN-FINDING: a FAIL recorded in the claim file).
BROKEN = frozenset({Status.FAIL, Status.KNOWN_FINDING})
# Not judged on that backend: nothing to say whether the claim holds there.
UNJUDGED = frozenset({Status.SKIPPED, Status.ERROR, Status.INFO, Status.SMOKE,
                      Status.NOT_COMPARABLE})
HOLDS = "yes"
FAILS = "NO"
PARTLY = "not judged on every backend"


@dataclass(frozen=True)
class ParityRow:
    """One claim across the runs: each run's result (None where it did not run)."""

    claim: str
    results: tuple[ClaimResult | None, ...]
    moved: tuple[str, ...]  # labels of the runs whose trained value moved beyond noise
    structure_differs: bool

    @property
    def failing(self) -> tuple[int, ...]:
        """Indexes of the runs where the tutorial's claim does not hold."""
        return tuple(i for i, r in enumerate(self.results) if r is not None and r.status in BROKEN)

    @property
    def gone(self) -> tuple[int, ...]:
        """Indexes of the runs where a recorded backend finding did not show: news too."""
        return tuple(i for i, r in enumerate(self.results) if r is not None and finding_gone(r))

    @property
    def holds(self) -> str:
        if self.failing:
            return FAILS
        if any(r is None or r.status in UNJUDGED for r in self.results):
            return PARTLY
        return HOLDS


@dataclass(frozen=True)
class Parity:
    """The runs compared, their column labels and one row per claim."""

    runs: tuple[RunRecord, ...]
    labels: tuple[str, ...]
    rows: tuple[ParityRow, ...]

    def findings(self) -> list[ParityRow]:
        """Claims that fail on some backend, whose structural value differs between them, or
        whose recorded backend finding no longer shows."""
        return [row for row in self.rows if row.failing or row.structure_differs or row.gone]


def _key(result: ClaimResult) -> str:
    return result.claim_id if result.group == "structure" else f"{result.claim_id}@{result.profile}"


def _labels(runs: Sequence[RunRecord]) -> tuple[str, ...]:
    """Column names: each run's backend, numbered when two runs share one."""
    names = [run.environment.get("backend", "?") for run in runs]
    return tuple(f"{name} ({index + 1})" if names.count(name) > 1 else name
                 for index, name in enumerate(names))


def _moved(results: Sequence[ClaimResult | None], labels: Sequence[str]) -> tuple[str, ...]:
    """The runs whose trained value moved beyond noise from the first run's (same data only)."""
    first = results[0]
    if first is None or first.group == "structure":
        return ()
    moved = []
    for result, label in zip(results[1:], labels[1:], strict=True):
        if result is None or result.data_checksum != first.data_checksum:
            continue
        move = shift(first, result)
        if move.beyond_noise and move.rule != "exact":
            moved.append(label)
    return tuple(moved)


def build_parity(runs: Sequence[RunRecord]) -> Parity:
    """Line up the runs' results claim by claim, in the first run's order."""
    if len(runs) < 2:
        raise ValueError(f"a parity table needs at least two runs, got {len(runs)}")
    labels = _labels(runs)
    by_run = [{_key(result): result for result in run.results} for run in runs]
    order = list(dict.fromkeys(key for results in by_run for key in results))
    rows = []
    for key in order:
        results = tuple(results.get(key) for results in by_run)
        present = [r for r in results if r is not None]
        structure_differs = present[0].group == "structure" and any(
            r.measured != present[0].measured for r in present
            if r.status not in UNJUDGED and present[0].status not in UNJUDGED)
        rows.append(ParityRow(key, results, _moved(results, labels), structure_differs))
    return Parity(tuple(runs), labels, tuple(rows))


def _cell(result: ClaimResult | None) -> str:
    if result is None:
        return "— (not run)"
    value = format_value(result.measured, shape=result.kind in SHAPE_KINDS)
    return f"{value} {MARK[result.status]} {result.status.value}".replace("|", "\\|")


def _finding_line(row: ParityRow, labels: Sequence[str]) -> str:
    if row.failing:
        failed = [(labels[i], row.results[i]) for i in row.failing]
        held = [labels[i] for i, r in enumerate(row.results)
                if i not in row.failing and r is not None and r.status not in UNJUDGED]
        elsewhere = f"; it holds on {', '.join(held)}" if held else ""
        recorded = [label for label, r in failed if r and r.status is Status.KNOWN_FINDING]
        if recorded:
            elsewhere += f" (a known finding on {', '.join(recorded)}, recorded in the claim file)"
        messages = {r.message.split("; rule:")[0] for _, r in failed if r is not None}
        return (f"- ❌ `{row.claim}` **does not hold on {', '.join(label for label, _ in failed)}**"
                f"{elsewhere}: " + " / ".join(sorted(messages)))
    if row.gone:
        return (f"- 🔎 `{row.claim}`: recorded as a known finding on "
                f"{', '.join(labels[i] for i in row.gone)}, but it held there in this run; "
                f"remove the record if it keeps holding")
    values = ", ".join(f"{label} {_cell(result)}" for label, result in
                       zip(labels, row.results, strict=True) if result is not None)
    return f"- ❌ `{row.claim}`: the structural value differs between backends: {values}"


def render_parity(parity: Parity) -> str:
    """The markdown: findings first, then the runs and the one claim table."""
    labels = parity.labels
    findings = parity.findings()
    lines = ["# Backend parity", ""]
    if findings:
        lines += [f"**{len(findings)} finding(s): a claim that does not hold on every backend, "
                  f"a structural value that differs between them, or a recorded backend "
                  f"finding that no longer shows.**", ""]
        lines += [_finding_line(row, labels) for row in findings]
    else:
        lines += ["**No finding: no claim fails on any backend, and every structural value "
                  "(parameter counts, shapes) is the same on all of them.**"]
    partly = [row.claim for row in parity.rows if row.holds == PARTLY]
    moved = [row for row in parity.rows if row.moved]
    lines += ["", f"{len(parity.rows)} claims · {len(partly)} not judged on every backend "
              f"(skipped, INFO or errored somewhere) · {len(moved)} trained value(s) beyond "
              f"noise of {labels[0]}'s (each backend is judged against its own baselines, so "
              f"a moved value is a difference, not a failure)", ""]
    lines += ["## Runs", "", "| backend | version | keras | device | run | wall time | claims |",
              "|---|---|---|---|---|---|---|"]
    for label, run in zip(labels, parity.runs, strict=True):
        env = run.environment
        lines.append(f"| {label} | {env.get('backend_version', '?')} | {env.get('keras', '?')} "
                     f"| {env.get('device', '?')} | `{run.run_id}` | {run.duration_s:.0f} s "
                     f"| {run.summary_line()} |")
    lines += ["", "## Claims", "",
              f"Value and status per backend; *holds everywhere*: the tutorial's claim holds on "
              f"every backend; *beyond noise of {labels[0]}*: the backends whose trained value "
              f"moved beyond noise from {labels[0]}'s.", "",
              "| claim | " + " | ".join(labels) + f" | holds everywhere | beyond noise of "
              f"{labels[0]} |", "|---" * (len(labels) + 3) + "|"]
    for row in parity.rows:
        holds = f"**{FAILS}**" if row.holds == FAILS else row.holds
        if row.structure_differs:
            holds += " (**value differs**)"
        lines.append(f"| `{row.claim}` | " + " | ".join(_cell(r) for r in row.results)
                     + f" | {holds} | {', '.join(row.moved)} |")
    return "\n".join(lines) + "\n"
