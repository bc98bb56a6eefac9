"""The regeneration review: what a baseline rewrite (after a framework upgrade) changed.

``--regen-baselines`` rewrites every selected claim's baseline for the current environment. This
module writes ``reports/baseline-review.md`` beside the report: per claim the old baseline (this
environment's, or after an upgrade the newest one stored for the previous versions), the new
one and the tutorial's value side by side, whether the move is beyond noise, and first of all
every new baseline that contradicts the tutorial: a value nobody should sign off unread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.reporting.compare import shift
from harness.reporting.report import MARK, SHAPE_KINDS, RunRecord, format_value
from harness.reporting.tables import markdown_table
from harness.results import ClaimResult, Status

REVIEW_NAME = "baseline-review.md"
# Table order: what moved first, what cannot move (identical) last.
_ORDER = ("**beyond noise**", "differs", "no old baseline", "within noise",
          "within noise (identical seeds)", "identical")


def rewritten(run: RunRecord) -> list[ClaimResult]:
    """The results whose baseline this run wrote."""
    return [r for r in run.results if r.details.get("baseline_written")]


def contradicts_tutorial(result: ClaimResult) -> bool:
    """The new baseline is a value the tutorial's claim does not accept."""
    return result.status is Status.FAIL


def _old(result: ClaimResult) -> ClaimResult | None:
    """The previous baseline as a result of its own, so ``compare.shift`` can judge the move."""
    previous: Mapping[str, Any] | None = result.details.get("previous_baseline")
    if not previous:
        return None
    details = {**result.details, "values": previous.get("values") or []}
    return replace(result, measured=previous["value"], details=details)


def _versions(provenance: Mapping[str, Any]) -> str:
    parts = [f"Keras {provenance['keras']}" if provenance.get("keras") else "",
             str(provenance.get("backend", "")), str(provenance.get("written", ""))[:10]]
    return ", ".join(part for part in parts if part)


def _cell(result: ClaimResult, value: Any) -> str:
    return format_value(value, shape=result.kind in SHAPE_KINDS, limit=4).replace("|", "\\|")


def _row(result: ClaimResult) -> dict[str, str]:
    old = _old(result)
    previous = result.details.get("previous_baseline") or {}
    moved = shift(old, result) if old is not None else None
    noise = "no old baseline" if moved is None else moved.noise
    verdict = ("🚩 contradicts the tutorial" if contradicts_tutorial(result) else
               f"{MARK[result.status]} {result.status.value}")
    return {"claim": f"`{result.claim_id}`" + ("" if result.group == "structure"
                                                else f" ({result.profile})"),
            "tutorial": _cell(result, result.expected),
            "old baseline": _cell(result, previous.get("value")) if previous else "—",
            "old from": _versions(previous.get("provenance", {})) if previous else "—",
            "new baseline": _cell(result, result.measured),
            "Δ new − old": (f"{moved.delta:+.4g}" if moved and moved.delta is not None else "—"),
            "move": noise, "against the tutorial": verdict}


def render_review(run: RunRecord) -> str:
    """The review as markdown: flags first, then one side-by-side table, then provenance."""
    results = rewritten(run)
    env = run.environment
    flagged = [r for r in results if contradicts_tutorial(r)]
    rows = sorted((_row(r) for r in results), key=lambda row: _ORDER.index(row["move"]))
    moved = sum(row["move"] == "**beyond noise**" or row["move"] == "differs" for row in rows)
    fresh = sum(row["move"] == "no old baseline" for row in rows)
    reasons = sorted({str(r.details.get("baseline_reason", "")) for r in results} - {""})
    lines = ["# Baseline regeneration review", "",
             f"Run `{run.run_id}` rewrote **{len(results)} baselines** for Keras "
             f"{env.get('keras', '?')}, {env.get('backend', '?')} {env.get('backend_version', '?')}"
             f", {env.get('device_class', '?')} (commit {env.get('git_commit', '?')}): "
             f"**{len(flagged)} contradict the tutorial**, {moved} moved from the old baseline, "
             f"{fresh} had none. Command: `{run.command}`", ""]
    if reasons:
        lines += [f"Reason given: {'; '.join(reasons)}", ""]
    if flagged:
        lines += ["## 🚩 New baselines that contradict the tutorial", "",
                  "Do not commit these without a decision: the new environment measures a value "
                  "the tutorial's claim rejects.", ""]
        lines += [f"- `{r.claim_id}`: {r.message}" for r in flagged]
        lines.append("")
    shown = [row for row in rows
             if row["move"] != "identical" or "🚩" in row["against the tutorial"]]
    same = [row for row in rows if row not in shown]
    lines += ["## Old baseline, new baseline, tutorial", ""]
    if shown:
        lines += [markdown_table(shown), ""]
    if same:
        lines += [f"<details><summary>{len(same)} new baselines identical to the old "
                  f"ones</summary>", "",
                  markdown_table(same), "",
                  "</details>", ""]
    sources = sorted({(p["file"], _versions(p.get("provenance", {})),
                       str(p.get("provenance", {}).get("git_commit", "")),
                       str(p.get("provenance", {}).get("reason", "")))
                      for r in results if (p := r.details.get("previous_baseline"))})
    lines += ["## Provenance", "", "New baselines: written now with the environment above "
              "(each entry stores versions, device, data, commit, date, seeds and the reason).", ""]
    if sources:
        table = markdown_table([{"file": f, "versions, date": v, "commit": c, "reason": why}
                                for f, v, c, why in sources])
        lines += ["Old baselines came from:", "", table, ""]
    lines += ["Move: trained claims use the shift rule of the report (both sides' per-seed "
              "values); structural claims compare exactly.", ""]
    return "\n".join(lines)


def write_review(run: RunRecord, directory: Path | str) -> Path:
    """Write the review beside the report, and a copy in the run's folder."""
    directory = Path(directory)
    text = render_review(run)
    path = directory / REVIEW_NAME
    path.write_text(text, encoding="utf-8")
    history = directory / "runs" / run.run_id
    history.mkdir(parents=True, exist_ok=True)
    (history / REVIEW_NAME).write_text(text, encoding="utf-8")
    return path
