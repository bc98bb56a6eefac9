"""The plugin's end of session: the regeneration review, and figures that can never cost the
report. Runs on the tiny pytester project of ``plugin_project.py`` (three cheap structural
claims)."""

from __future__ import annotations

import logging

import pytest
from plugin_project import Project

import harness.reporting.plots

pytestmark = pytest.mark.fast


def test_regen_baselines_writes_the_review_beside_the_report(baselined: Project) -> None:
    result = baselined.run("--regen-baselines", "--baseline-reason", "Keras 3.0.1")
    result.assert_outcomes(passed=3)
    review = (baselined.root / "reports" / "baseline-review.md").read_text(encoding="utf-8")
    assert "rewrote **3 baselines**" in review and "**0 contradict the tutorial**" in review
    assert "Reason given: Keras 3.0.1" in review
    assert "3 new baselines identical to the old ones" in review
    assert "`alpha-tut/data/split`" in review
    copies = (baselined.root / "reports" / "runs").glob("*/baseline-review.md")
    assert any(copy.read_text(encoding="utf-8") == review for copy in copies)
    result.stdout.fnmatch_lines(["baseline review: *baseline-review.md"])


def test_only_runs_that_write_baselines_write_a_review(baselined: Project) -> None:
    review = baselined.root / "reports" / "baseline-review.md"
    assert "rewrote **3 baselines**" in review.read_text(encoding="utf-8")  # --update-baselines
    review.unlink()
    baselined.run().assert_outcomes(passed=3)
    assert not review.exists()


def test_broken_figures_never_cost_the_report(baselined: Project, monkeypatch,
                                              caplog) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("no display")

    monkeypatch.setattr(harness.reporting.plots, "write_figures", broken)
    with caplog.at_level(logging.WARNING):
        baselined.run().assert_outcomes(passed=3)
    assert baselined.latest_json()["figures"] == []
    assert "# Tutorial claims report" in baselined.latest_md()
    assert "figures not drawn: RuntimeError: no display" in caplog.text
