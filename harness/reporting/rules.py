"""``python -m harness rules -m fast|full``: every trained claim's rules, how often each fails
unchanged code, and what it can catch, before a night is spent finding out.

For each trained claim of the profile: its rule against the tutorial and against the baseline,
each rule's false-FAIL rate and its MDE in units of the seed spread at the profile's seed
counts, and the claim's false-FAIL rate with both rules together (the union bound, or for a
relation the simulated gate of ``harness.verdicts.calibration``, which plays both). The one-run
rule's rate is exact by construction (``harness.verdicts.one_run``); the shift rule's is
simulated and scale-free; a relation's depends on its effect, so it is known only from a
stored baseline.
Reads the claim files and the baseline files only: no Keras, nothing trained.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.claims import Claim, claim_files, load_claims
from harness.measures.context import SeedPlan
from harness.reporting.tables import markdown_table
from harness.verdicts.calibration import calibrate_relation, shift_gate_in_sd
from harness.verdicts.one_run import MAX_FALSE_FAIL, TUTORIAL_ALPHA, interval_df, one_run_mde_in_sd
from harness.verdicts.stats import RELATION_ALPHA, SHIFT_ALPHA, looks_for, sample_sd

TRAINED = ("level", "paired", "curve")


@dataclass(frozen=True)
class ClaimRules:
    """One trained claim's two rules with their false-FAIL rates and MDEs (None: unknown)."""

    claim_id: str
    kind: str
    seeds: str
    tutorial_rule: str
    tutorial_false_fail: float | None
    tutorial_mde_sd: float | None
    baseline_rule: str
    baseline_false_alarm: float | None
    baseline_mde_sd: float | None
    false_fail: float | None  # the claim's, both rules together
    gating: bool = True
    why: str = ""


def stored_values(baselines: Path, claim: Claim, profile: str, backend: str) -> list[Any]:
    """The per-seed values of the claim's stored baseline with the most seeds (any environment
    of this profile and backend, written for the claim's version); empty when there is none."""
    best: list[Any] = []
    for path in sorted((baselines / claim.tutorial / profile).glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("key", {}).get("backend", backend) != backend:
            continue
        entry = document.get("claims", {}).get(claim.id)
        if entry and entry.get("claim_version") == claim.version and len(
                entry.get("values", ())) > len(best):
            best = list(entry["values"])
    return best


def _looks(claim: Claim, profile: str) -> tuple[int, ...]:
    """The seed counts a verdict looks at in this profile, as the session plans them."""
    first = max(len(claim.recipes[(name, profile)].seeds)
                for name in claim.spec.recipe_refs(claim.args))
    return looks_for(first, SeedPlan().cap(profile, first))


def _has_figure(claim: Claim) -> bool:
    if claim.spec.judge == "curve":
        return isinstance(claim.expected, list) and bool(claim.expected)
    return isinstance(claim.expected, int | float) and not isinstance(claim.expected, bool)


def _one_run_rule(claim: Claim, profile: str, n: int,
                  baseline_n: int) -> tuple[str, float, float | None]:
    """The rule against the tutorial of a level or a curve: (words, false-FAIL rate, MDE)."""
    if profile != "full":
        return "not judged: the fast budget's figure is shown beside the tutorial's", 0.0, None
    if not _has_figure(claim):
        return "no figure to compare", 0.0, None
    df = interval_df(n, baseline_n)
    if df == 0:
        return "cannot judge one run from one seed (INFO, never failing)", 0.0, None
    epochs = len(claim.expected) if claim.spec.judge == "curve" else 1
    alpha = TUTORIAL_ALPHA / epochs
    shared = f", α shared by {epochs} epochs" if epochs > 1 else ""
    allowance = (f" + allowance {claim.reproduction_allowance:g}"
                 if claim.reproduction_allowance else "")
    return (f"one run: figure within x̄ ± t(1−{alpha:.2g}/2, {df} df)·s·√(1+1/{n}) + printed "
            f"precision{allowance}{shared}", TUTORIAL_ALPHA, one_run_mde_in_sd(n, baseline_n,
                                                                               alpha))


def claim_rules(claim: Claim, profile: str, stored: Sequence[Any]) -> ClaimRules:
    """One trained claim's rules at the profile's seed counts, from its stored seeds (the
    default baseline seed count when none are stored: the claim is NEW until they are)."""
    looks = _looks(claim, profile)
    n = looks[-1]
    baseline_n = len(stored) or SeedPlan().baseline_seeds
    seeds = f"{looks[0]}" + (f"–{n}" if n > looks[0] else "") + (
        f" vs {baseline_n} stored" if stored else f" vs {baseline_n} (when written)")
    shift_rate, shift_mde = shift_gate_in_sd(looks, baseline_n)
    shift_words = f"shift rule, two-sided {SHIFT_ALPHA:g}, confirmed on fresh seeds"
    if claim.spec.judge == "curve":
        epochs = len(stored[0]) if stored else len(claim.expected or ()) or 1
        return _rules(claim, seeds, *_one_run_rule(claim, profile, n, baseline_n),
                      f"{shift_words}, α shared by {epochs} epochs", SHIFT_ALPHA, None)
    if claim.spec.judge == "level":
        return _rules(claim, seeds, *_one_run_rule(claim, profile, n, baseline_n), shift_words,
                      shift_rate, shift_mde)
    direction, margin = claim.args["direction"], float(claim.args.get("margin", 0.0))
    alpha = float(claim.args.get("alpha", RELATION_ALPHA))
    relation = f"{direction} {margin:g}, one-sided bound at {alpha:g}, spread pooled"
    if len(stored) < 2 or sample_sd(stored) == 0:
        return ClaimRules(claim.id, claim.kind, seeds, relation, None, None, shift_words,
                          shift_rate, shift_mde, None,
                          why="unknown: no stored effect to simulate the relation from")
    gate = calibrate_relation([float(v) for v in stored], looks, direction, margin, alpha)
    spread = sample_sd(stored)
    return ClaimRules(claim.id, claim.kind, seeds, relation, gate.false_alarm,
                      None if gate.mde is None else gate.mde / spread, shift_words, shift_rate,
                      shift_mde, gate.false_alarm, gate.gating, gate.reason)


def _rules(claim: Claim, seeds: str, rule: str, rate: float, mde: float | None,
           baseline_rule: str, baseline_rate: float, baseline_mde: float | None) -> ClaimRules:
    """A level's or a curve's rules; the claim fails unchanged code at most the sum."""
    return ClaimRules(claim.id, claim.kind, seeds, rule, rate, mde, baseline_rule,
                      baseline_rate, baseline_mde, round(min(1.0, rate + baseline_rate), 6))


def profile_rules(claims_dir: Path, baselines: Path, profile: str, backend: str = "tensorflow",
                  tutorial: str | None = None) -> list[ClaimRules]:
    """Every trained claim of the profile, with its rules from this backend's baselines."""
    return [claim_rules(claim, profile, stored_values(baselines, claim, profile, backend))
            for claim in load_claims(claim_files(claims_dir))
            if claim.spec.judge in TRAINED and profile in claim.tiers
            and (tutorial is None or claim.tutorial == tutorial)]


def too_strict(rows: Sequence[ClaimRules], max_false_fail: float) -> list[ClaimRules]:
    """The gating claims that fail more unchanged runs than ``max_false_fail``."""
    return [row for row in rows if row.gating and row.false_fail is not None
            and row.false_fail > max_false_fail]


def _rate(rate: float | None) -> str:
    return "unknown" if rate is None else f"{rate:.2%}"


def _mde(mde: float | None) -> str:
    return "—" if mde is None else f"{mde:.2f} sd"


def render_rules(rows: Sequence[ClaimRules], profile: str, max_false_fail: float) -> str:
    """The markdown table and the summary line a CI job reads."""
    gating = [row for row in rows if row.gating]
    known = [row.false_fail for row in gating if row.false_fail is not None]
    strict = too_strict(rows, max_false_fail)
    summary = (f"{len(rows)} trained claims in the {profile} profile, {len(gating)} gating; "
               f"their false-FAIL rate max {_rate(max(known) if known else None)}, "
               f"{len(gating) - len(known)} unknown; {len(strict)} above "
               f"{max_false_fail:.2%}")
    table = markdown_table([{
        "claim": f"`{row.claim_id}`", "kind": row.kind, "seeds": row.seeds,
        "against the tutorial": row.tutorial_rule,
        "its false FAIL": _rate(row.tutorial_false_fail), "its MDE": _mde(row.tutorial_mde_sd),
        "against the baseline": row.baseline_rule,
        "its false alarm": _rate(row.baseline_false_alarm),
        "its MDE (shift)": _mde(row.baseline_mde_sd),
        "claim false FAIL": _rate(row.false_fail) + ("" if row.gating else " (not gated)"),
        "why": row.why} for row in rows])
    lines = [f"# Rules of the {profile} profile", "", summary, "", table, "",
             f"A level's or a curve's false-FAIL rate is at most the sum of its two rules' "
             f"(the tutorial's {TUTORIAL_ALPHA:.1%} + the baseline's); the limit per claim is "
             f"{MAX_FALSE_FAIL:.0%}. MDE: the smallest gap (from the figure, or shift from "
             f"the baseline) caught in 80% of nights, in units of the seed spread.", ""]
    lines += [f"- too strict: `{row.claim_id}` fails {_rate(row.false_fail)} of unchanged "
              f"runs: {row.why or row.tutorial_rule}" for row in strict]
    return "\n".join(lines) + "\n"
