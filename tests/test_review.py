"""Regeneration after an upgrade: the replaced baseline is found and the review flags new
baselines that contradict the tutorial. Statuses: DRIFT and SMOKE semantics.

Claims are measured by a stand-in measurement (no Keras, no training), so the whole path from
``evaluate_claim`` to the review runs in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.baselines import BaselineStore
from harness.claims import Claim
from harness.environment import Environment
from harness.kinds import KindSpec
from harness.measures.context import MeasureContext, Measurement
from harness.reporting.report import RunRecord, render_markdown
from harness.reporting.review import render_review
from harness.results import Status
from harness.verdicts.comparators import Exact
from harness.verdicts.evaluate import RunSettings, UpdateMode, evaluate_claim

pytestmark = pytest.mark.fast


def environment(keras: str, tensorflow: str) -> Environment:
    return Environment(keras=keras, backend="tensorflow", backend_version=tensorflow,
                       tensorflow=tensorflow, python="3.11", device_class="cpu", device="cpu",
                       platform="Linux", git_commit="abc")


OLD, NEW = environment("3.12.4", "2.20.0"), environment("3.15.1", "2.21.0")


def claim(claim_id: str, kind: str, expected: Any, **args: Any) -> Claim:
    return Claim(id=f"tut/{claim_id}", tutorial="tut", quote="q", kind=kind, expected=expected,
                 comparator=Exact(), tiers=("fast",), version=1, args=args)


LEVEL = claim("cnn/test-accuracy", "metric-level", 0.96, recipe="cnn", metric="test_accuracy")
BEST_EPOCH = claim("cnn/best-epoch", "metric-level", None, recipe="cnn",
                   metric="val_loss_best_epoch")
WITHIN = claim("lessons/same", "paired-difference", None, a="x.test_accuracy",
               b="y.test_accuracy", direction="within", margin=0.5)
BEATS = claim("lessons/beats", "paired-difference", None, a="x.test_accuracy",
              b="y.test_accuracy", direction="greater")
PARAMS = claim("cnn/params", "param-count", 54410, model="cnn")


def measuring(values: list[float], proxy: bool = False) -> Callable[..., Measurement]:
    def measure(claim: Claim, ctx: MeasureContext) -> Measurement:
        if claim.kind == "param-count":
            return Measurement(int(values[0]))
        return Measurement(sum(values) / len(values), data_source="real",
                           details={"values": values, "n_test": 10000.0, "seeds": [0, 1, 2],
                                    "data_is_proxy": proxy})
    return measure


def evaluate(monkeypatch, tmp_path: Path, case: Claim, values: list[float], env: Environment,
             update: UpdateMode = UpdateMode.OFF):
    monkeypatch.setattr(KindSpec, "load_measure", lambda self: measuring(values))
    return evaluate_claim(case, MeasureContext(scratch=tmp_path), BaselineStore(tmp_path / "bl"),
                          env, RunSettings("fast", update, reason="upgrade"), "pytest x")


def upgrade(monkeypatch, tmp_path: Path, case: Claim, old: list[float], new: list[float]):
    """Baseline under the old versions, then regenerate under the new ones."""
    evaluate(monkeypatch, tmp_path, case, old, OLD, UpdateMode.ALL)
    return evaluate(monkeypatch, tmp_path, case, new, NEW, UpdateMode.ALL)


# --- DRIFT and SMOKE ---------------------------------------------------------------------------

def test_directionless_level_moving_beyond_noise_is_drift(monkeypatch, tmp_path: Path) -> None:
    evaluate(monkeypatch, tmp_path, BEST_EPOCH, [6.0, 6.0, 5.0], NEW, UpdateMode.ALL)
    result = evaluate(monkeypatch, tmp_path, BEST_EPOCH, [1.0, 1.0, 2.0], NEW)
    assert result.status is Status.DRIFT
    assert not result.status.fails_test and result.status.needs_attention


def test_equivalence_moving_beyond_noise_but_still_holding_is_drift(monkeypatch,
                                                                   tmp_path: Path) -> None:
    evaluate(monkeypatch, tmp_path, WITHIN, [0.0, 0.01, -0.01], NEW, UpdateMode.ALL)
    assert evaluate(monkeypatch, tmp_path, WITHIN, [0.2, 0.21, 0.19], NEW).status is Status.DRIFT


def test_directional_moves_stay_regressed_or_improved(monkeypatch, tmp_path: Path) -> None:
    evaluate(monkeypatch, tmp_path, BEATS, [0.30, 0.31, 0.29], NEW, UpdateMode.ALL)
    assert evaluate(monkeypatch, tmp_path, BEATS, [0.10, 0.11, 0.09], NEW).status \
        is Status.REGRESSED
    assert evaluate(monkeypatch, tmp_path, BEATS, [0.50, 0.51, 0.49], NEW).status \
        is Status.IMPROVED


def test_a_move_within_noise_is_a_pass(monkeypatch, tmp_path: Path) -> None:
    evaluate(monkeypatch, tmp_path, BEST_EPOCH, [6.0, 5.0, 6.0], NEW, UpdateMode.ALL)
    assert evaluate(monkeypatch, tmp_path, BEST_EPOCH, [6.0, 6.0, 5.0], NEW).status is Status.PASS


def test_drift_is_listed_as_needing_attention_and_smoke_passes() -> None:
    assert "real code path ran for a few steps" in Status.SMOKE.legend
    assert not Status.SMOKE.fails_test and not Status.SMOKE.needs_attention
    assert "neither way is better" in Status.DRIFT.legend


def test_drift_shows_in_the_report_attention_section(monkeypatch, tmp_path: Path) -> None:
    evaluate(monkeypatch, tmp_path, BEST_EPOCH, [6.0, 6.0, 5.0], NEW, UpdateMode.ALL)
    result = evaluate(monkeypatch, tmp_path, BEST_EPOCH, [1.0, 1.0, 2.0], NEW)
    markdown = render_markdown(RunRecord("r", "s", 0.0, "c", {}, [result]))
    assert "- 〰️ **DRIFT** `tut/cnn/best-epoch`" in markdown


# --- regeneration after an upgrade --------------------------------------------------------------

def test_regeneration_records_the_previous_versions_baseline(monkeypatch,
                                                             tmp_path: Path) -> None:
    result = upgrade(monkeypatch, tmp_path, LEVEL, [0.95, 0.96, 0.97], [0.94, 0.95, 0.96])
    previous = result.details["previous_baseline"]
    assert previous["value"] == pytest.approx(0.96)
    assert previous["values"] == [0.95, 0.96, 0.97]
    assert previous["provenance"]["keras"] == "3.12.4"
    assert "keras-3.12.4" in previous["file"]
    assert "keras-3.15.1" in result.baseline_file
    assert result.details["baseline_values"] == [0.94, 0.95, 0.96]
    stored = BaselineStore(tmp_path / "bl").stored_claim_ids()["tut/cnn/test-accuracy"]
    assert len(stored) == 2  # the old versions' file is kept beside the new one


def test_provenance_keeps_versions_date_commit_seeds_and_reason(monkeypatch,
                                                                tmp_path: Path) -> None:
    upgrade(monkeypatch, tmp_path, LEVEL, [0.95, 0.96, 0.97], [0.94, 0.95, 0.96])
    result = evaluate(monkeypatch, tmp_path, LEVEL, [0.94, 0.95, 0.96], NEW, UpdateMode.ALL)
    provenance = result.details["previous_baseline"]["provenance"]
    assert {"keras": "3.15.1", "tensorflow": "2.21.0", "git_commit": "abc", "seeds": [0, 1, 2],
            "reason": "upgrade"}.items() <= provenance.items()
    assert provenance["written"][:2] == "20"


def test_review_flags_a_new_baseline_that_contradicts_the_tutorial(monkeypatch,
                                                                   tmp_path: Path) -> None:
    fine = upgrade(monkeypatch, tmp_path, LEVEL, [0.95, 0.96, 0.97], [0.955, 0.96, 0.965])
    broken = upgrade(monkeypatch, tmp_path, PARAMS, [54410], [54411])
    assert broken.status is Status.FAIL
    review = render_review(RunRecord("r1", "s", 0.0, "pytest --regen-baselines",
                                     NEW.as_dict(), [fine, broken]))
    assert "**1 contradict the tutorial**" in review
    flags = review[review.index("## 🚩"):review.index("## Old baseline")]
    assert "`tut/cnn/params`" in flags and "test-accuracy" not in flags
    params = next(line for line in review.splitlines() if line.startswith("| `tut/cnn/params`"))
    assert "54,410" in params and "54,411" in params and "🚩 contradicts" in params
    assert "Keras 3.12.4" in params
    accuracy = next(line for line in review.splitlines() if "`tut/cnn/test-accuracy`" in line)
    assert "within noise" in accuracy and "0.96" in accuracy
    assert "Reason given: upgrade" in review


def test_a_baseline_of_other_data_under_the_same_source_name_is_not_comparable(
        monkeypatch, tmp_path: Path) -> None:
    """A regenerated proxy keeps its source name but not its checksum: its old baselines are
    never compared with the new data."""
    def measuring_on(checksum: str) -> Callable[..., Measurement]:
        def measure(claim: Claim, ctx: MeasureContext) -> Measurement:
            return Measurement(0.5, data_source="proxy-x", data_checksum=checksum,
                               details={"values": [0.5, 0.51, 0.49], "data_is_proxy": True})
        return measure

    settings = RunSettings("fast", UpdateMode.ALL, reason="r")
    monkeypatch.setattr(KindSpec, "load_measure", lambda self: measuring_on("aaaa"))
    evaluate_claim(LEVEL, MeasureContext(scratch=tmp_path), BaselineStore(tmp_path / "bl"), NEW,
                   settings, "x")
    monkeypatch.setattr(KindSpec, "load_measure", lambda self: measuring_on("bbbb"))
    result = evaluate_claim(LEVEL, MeasureContext(scratch=tmp_path),
                            BaselineStore(tmp_path / "bl"), NEW, RunSettings("fast"), "x")
    assert result.status is Status.NOT_COMPARABLE
    assert "measured on data with checksum aaaa, this run's proxy-x has checksum bbbb" in (
        result.message)
