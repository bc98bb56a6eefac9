"""A shift alarm stands only when fresh seeds, fixed in advance, confirm it.

The measurement here is a stand-in that gives each seed a fixed value, so a test can put the
check seeds, the confirmation block and the baseline's seeds wherever it needs them; the rule
and the whole verdict path (``evaluate_claim``) are the real ones.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from harness.baselines import BaselineStore
from harness.claims import claim_files, load_claims
from harness.environment import Environment
from harness.kinds import KINDS
from harness.measures.context import MeasureContext, Measurement
from harness.recipes import BASELINE_SEED_BASE, CONFIRMATION_SEED_SHIFT
from harness.reporting.report import RunRecord, render_markdown
from harness.results import ClaimResult, Status
from harness.verdicts.evaluate import RunSettings, UpdateMode, evaluate_claim

pytestmark = pytest.mark.fast

SUITE = Path(__file__).parent.parent / "suites"
LEVEL = next(claim for claim in load_claims(claim_files(SUITE))
             if claim.id == "mnist-intro/cnn/test-accuracy")
ENVIRONMENT = Environment(keras="3.0.0", backend="torch", backend_version="0.0",
                          tensorflow="absent", python="3.11", device_class="cpu",
                          device="test cpu", platform="Test", git_commit="0")
SHIFTS = {"check": 0.0, "fresh": 0.0}  # how far each block of seeds sits from the baseline's


def _block(seed: int) -> str:
    if seed >= BASELINE_SEED_BASE:
        return "baseline"
    return "fresh" if seed >= CONFIRMATION_SEED_SHIFT else "check"


def seeded_level(claim, ctx: MeasureContext) -> Measurement:
    """Accuracy 0.8 with a fixed per-seed spread of 0.01, moved by the seed's block's shift."""
    seeds = ctx.seeds_for(claim.recipes[(claim.args["recipe"], ctx.profile)])
    values = [0.8 + 0.01 * float(np.random.default_rng(seed).standard_normal())
              + SHIFTS.get(_block(seed), 0.0) for seed in seeds]
    return Measurement(float(np.mean(values)), "proxy-test",
                       details={"values": values, "seeds": list(seeds)})


SEEDED = dataclasses.replace(LEVEL.spec, name="test-seeded-level",
                             measure=f"{__name__}:seeded_level")
CLAIM = dataclasses.replace(LEVEL, kind=SEEDED.name)


@pytest.fixture(autouse=True)
def _seeded_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(KINDS, SEEDED.name, SEEDED)


def _judged(tmp_path: Path, check: float, fresh: float) -> ClaimResult:
    store = BaselineStore(tmp_path)
    SHIFTS.update(check=0.0, fresh=0.0)
    evaluate_claim(CLAIM, MeasureContext(), store, ENVIRONMENT,
                   RunSettings(profile="fast", update=UpdateMode.MISSING_OR_FAILING), "-")
    SHIFTS.update(check=check, fresh=fresh)
    try:
        return evaluate_claim(CLAIM, MeasureContext(), store, ENVIRONMENT,
                              RunSettings(profile="fast"), "-")
    finally:
        SHIFTS.update(check=0.0, fresh=0.0)


def test_an_alarm_the_fresh_seeds_do_not_show_passes_and_says_so(tmp_path: Path) -> None:
    result = _judged(tmp_path, check=-0.05, fresh=0.0)
    assert result.status is Status.PASS
    confirmation = result.details["confirmation"]
    assert confirmation["confirmed"] is False
    assert confirmation["seeds"] == [CONFIRMATION_SEED_SHIFT + seed for seed in range(4)]
    assert result.message.startswith("the check seeds' alarm (Δ -0.04")
    assert f"not confirmed on fresh seeds {CONFIRMATION_SEED_SHIFT}–" in result.message
    run = RunRecord("r", "2026", 1.0, "pytest", {"backend": "torch"}, [result])
    markdown = render_markdown(run)
    assert "not confirmed" in markdown.split("## What needs attention")[1].split("\n## ")[0]
    assert " 4 of ≤8 (+4 fresh) vs 8 " in markdown  # the seeds column counts the fresh block


def test_a_shift_the_fresh_seeds_show_too_fails(tmp_path: Path) -> None:
    result = _judged(tmp_path, check=-0.05, fresh=-0.05)
    assert result.status is Status.REGRESSED and result.status.fails_test
    assert result.details["confirmation"]["confirmed"] is True
    assert f"confirmed on fresh seeds {CONFIRMATION_SEED_SHIFT}–" in result.message


def test_fresh_seeds_moved_the_other_way_do_not_confirm(tmp_path: Path) -> None:
    result = _judged(tmp_path, check=-0.05, fresh=+0.05)
    assert result.status is Status.PASS
    assert result.details["confirmation"]["confirmed"] is False


def test_no_alarm_trains_no_fresh_seeds(tmp_path: Path) -> None:
    result = _judged(tmp_path, check=0.0, fresh=-0.05)
    assert result.status is Status.PASS and "confirmation" not in result.details
