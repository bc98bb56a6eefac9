"""The tutorial's figure as one run, from verdict to report: where it falls among today's
seeds, which way it is off (from the metric's declared direction), and an undecided figure
shown as INFO, never failing."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.baselines import BaselineEntry
from harness.claims import claim_files, load_claims
from harness.measures.context import Measurement
from harness.reporting.report import RunRecord, render_markdown
from harness.results import ClaimResult, Status
from harness.verdicts.comparators import Verdict
from harness.verdicts.evaluate import _fill, _verdict
from harness.verdicts.judges import JUDGES
from harness.verdicts.one_run import judge_one_run, printed_precision

pytestmark = pytest.mark.fast

CLAIMS = {claim.id: claim for claim in load_claims(
    claim_files(Path(__file__).resolve().parents[1] / "suites"))}
ACCURACY, LOSS = "mnist-intro/cnn/test-accuracy", "mnist-intro/cnn/test-loss"
STORED = BaselineEntry(1, 0.97, {}, values=(0.968, 0.970, 0.972, 0.969, 0.971, 0.970))


def _seeds(values: list[float]) -> Measurement:
    return Measurement(sum(values) / len(values), data_source="data-dir",
                       details={"values": values, "profile": "full"})


def test_the_figures_rank_percentile_and_interval_are_reported() -> None:
    run = judge_one_run([0.960, 0.970, 0.980], [], 0.9685)
    assert (run.below, run.n, run.df) == (1, 3, 2) and 0.4 < run.percentile < 0.5
    assert run.position().startswith("above 1 of 3 seeds, percentile 4")
    assert printed_precision(0.9685) == pytest.approx(0.00005)
    assert printed_precision(26) == 0.5


@pytest.mark.parametrize(("claim_id", "values", "way"), [
    (ACCURACY, [0.990, 0.991, 0.989], "better"),  # accuracy above the figure: better
    (LOSS, [0.150, 0.151, 0.149], "worse"),  # loss above the figure: worse
])
def test_which_way_a_figure_is_off_follows_the_metrics_direction(
        claim_id: str, values: list[float], way: str) -> None:
    claim = CLAIMS[claim_id]
    verdict = JUDGES["level"].against_tutorial(claim, _seeds(values), STORED)
    assert not verdict.ok and f"today's runs are {way} than the tutorial's" in verdict.detail


def _result(claim_id: str) -> ClaimResult:
    claim = CLAIMS[claim_id]
    return ClaimResult(claim_id=claim.id, tutorial=claim.tutorial, kind=claim.kind,
                       group="training", tiers=list(claim.tiers), profile="full",
                       quote=claim.quote, expected=claim.expected, status=Status.ERROR,
                       measured=0.97)


def test_an_undecided_figure_is_info_and_the_report_shows_where_it_falls() -> None:
    claim = CLAIMS[ACCURACY]
    one_seed = JUDGES["level"].against_tutorial(claim, _seeds([0.95]), None)
    assert one_seed.ok and one_seed.undecided
    result = _result(ACCURACY)
    entry = BaselineEntry(1, 0.95, {}, values=(0.95,))
    _fill(result, one_seed, entry, Verdict(True, 0.0, "shift"))
    status, message = _verdict(claim, result, one_seed, entry, True,
                               Verdict(True, 0.0, "shift"), "(cmd)")
    assert status is Status.INFO and not status.fails_test
    assert "one seed and no baseline" in message
    judged = JUDGES["level"].against_tutorial(claim, _seeds([0.966, 0.969, 0.971]), STORED)
    shown = _result(ACCURACY)
    _fill(shown, judged, STORED, Verdict(True, 0.0, "shift"))
    shown.status = Status.PASS
    markdown = render_markdown(RunRecord("r", "s", 1.0, "pytest -m full", {}, [shown]))
    assert "tutorial's figure among today's seeds" in markdown
    assert "above 1 of 3 seeds, percentile" in markdown and "one-run interval" in markdown
