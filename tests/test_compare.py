"""Run-to-run comparison and the ``python -m harness`` commands, on hand-built runs."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from suite_tutorials import models_of

from harness.__main__ import main
from harness.reporting.compare import compare_runs, render_comparison
from harness.reporting.report import RunRecord, read_run, write_reports
from harness.results import ClaimResult, Status

pytestmark = pytest.mark.fast

OLD_ENV = {"keras": "3.12.4", "backend": "tensorflow", "backend_version": "2.20.0",
           "device_class": "cpu", "git_commit": "aaa"}
NEW_ENV = {**OLD_ENV, "keras": "3.15.1", "backend_version": "2.21.0", "git_commit": "bbb"}


def trained(claim_id: str, values: list[float], status: Status = Status.PASS,
            metric: str = "test_accuracy", better: str = "higher", **fields: Any) -> ClaimResult:
    return ClaimResult(
        claim_id=claim_id, tutorial=claim_id.split("/", 1)[0], kind="metric-level",
        group="training", tiers=["fast"], profile="fast", quote="Test accuracy: 0.9685",
        expected=0.9685, status=status, measured=sum(values) / len(values),
        data_source="proxy-digits", data_checksum="c0ffee",
        details={"values": values, "n_test": 360.0, "metric": metric, "better": better,
                 "recipe": "cnn", "seeds": [0, 1, 2]}, **fields)


def structural(claim_id: str, measured: Any, status: Status = Status.PASS) -> ClaimResult:
    return ClaimResult(claim_id=claim_id, tutorial=claim_id.split("/", 1)[0], kind="param-count",
                       group="structure", tiers=["fast"], profile="structure", quote="54,410",
                       expected=54410, status=status, measured=measured, baseline=54410)


def run(run_id: str, environment: dict[str, str], results: list[ClaimResult]) -> RunRecord:
    return RunRecord(run_id=run_id, started="2026-01-01T00:00:00+00:00", duration_s=1.0,
                     command="pytest -m fast", environment=environment, results=results)


@pytest.fixture
def runs() -> tuple[RunRecord, RunRecord]:
    """Before/after an upgrade: one claim regressed beyond noise, one barely moved, one
    structural claim changed, one directionless level drifted."""
    before = run("A", OLD_ENV, [
        trained("tut/cnn/test-accuracy", [0.60, 0.58, 0.59]),
        trained("tut/cnn/test-loss", [1.30, 1.32, 1.31], metric="test_loss", better="lower"),
        trained("tut/cnn/best-epoch", [6.0, 6.0, 6.0], metric="val_loss_best_epoch",
                better="none"),
        structural("tut/cnn/params", 54410),
        structural("tut/cnn/only-before", 1),
    ])
    after = run("B", NEW_ENV, [
        trained("tut/cnn/test-accuracy", [0.40, 0.38, 0.41], Status.REGRESSED),
        trained("tut/cnn/test-loss", [1.305, 1.315, 1.31], metric="test_loss", better="lower"),
        trained("tut/cnn/best-epoch", [3.0, 3.0, 3.0], Status.DRIFT,
                metric="val_loss_best_epoch", better="none"),
        structural("tut/cnn/params", 54411, Status.REGRESSED),
    ])
    return before, after


def verdicts(before: RunRecord, after: RunRecord) -> dict[str, str]:
    return {c.claim: c.verdict for c in compare_runs(before, after).changes}


def test_planted_shift_is_regressed_and_untouched_claim_within_noise(runs) -> None:
    assert verdicts(*runs) == {"tut/cnn/test-accuracy@fast": "REGRESSED",
                               "tut/cnn/test-loss@fast": "within noise",
                               "tut/cnn/best-epoch@fast": "DRIFT",
                               "tut/cnn/params": "CHANGED"}


def test_lower_is_better_move_down_is_improved(runs) -> None:
    before, after = runs
    after.results[1] = trained("tut/cnn/test-loss", [0.50, 0.52, 0.51], metric="test_loss",
                               better="lower")
    assert verdicts(before, after)["tut/cnn/test-loss@fast"] == "IMPROVED"


def test_different_data_is_not_comparable(runs) -> None:
    before, after = runs
    after.results[1] = replace(after.results[1], data_checksum="other")
    assert verdicts(before, after)["tut/cnn/test-loss@fast"] == "NOT-COMPARABLE"


def test_markdown_has_summary_first_then_tables_and_environment(runs) -> None:
    markdown = render_comparison(compare_runs(*runs))
    summary = markdown.index("## Summary")
    assert summary < markdown.index("## What needs attention") < markdown.index("## tut")
    assert ("**4 claims in both runs: 1 REGRESSED, 1 CHANGED, 1 DRIFT, 1 within noise.** "
            "3 changed status") in markdown
    accuracy = next(line for line in markdown.splitlines()
                    if line.startswith("| `cnn/test-accuracy@fast`"))
    assert "0.59 (3 seeds)" in accuracy and "0.3967 (3 seeds)" in accuracy
    assert "-0.1933" in accuracy and "**beyond noise**" in accuracy
    assert "✅ PASS → 📉 REGRESSED" in accuracy
    loss = next(line for line in markdown.splitlines() if line.startswith("| `cnn/test-loss@"))
    assert "within noise" in loss and "beyond" not in loss
    environment = markdown[markdown.index("## Environment differences"):]
    assert "| keras" in environment and "3.12.4" in environment and "3.15.1" in environment
    assert "| backend_version" in environment and "| backend " not in environment
    assert "## Only in A" in markdown and "`tut/cnn/only-before`" in markdown


def test_cli_compare_reads_report_folders_and_json(runs, tmp_path: Path, capsys) -> None:
    before, after = runs
    write_reports(before, tmp_path / "a")
    write_reports(after, tmp_path / "b")
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b" / "latest.json")]) == 0
    assert "**REGRESSED** `tut/cnn/test-accuracy@fast`" in capsys.readouterr().out
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"),
                 "--fail-on-regression", "-o", str(tmp_path / "c.md")]) == 1
    assert (tmp_path / "c.md").read_text(encoding="utf-8").startswith("# Run comparison")


def test_read_run_round_trips_and_ignores_unknown_fields(runs, tmp_path: Path) -> None:
    before, _ = runs
    write_reports(before, tmp_path)
    document = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    document["results"][0]["determinism"] = {"added": "by a later version"}
    (tmp_path / "latest.json").write_text(json.dumps(document), encoding="utf-8")
    again = read_run(tmp_path)
    assert [r.claim_id for r in again.results] == [r.claim_id for r in before.results]
    assert again.results[0].status is Status.PASS
    assert again.results[0].details["values"] == [0.60, 0.58, 0.59]


CLAIM_FILE = {
    "tutorial": "tut", "seed": "tut.txt", "title": "A tutorial",
    "models": "models.py",
    "claims": [
        {"id": "cnn/params", "quote": "54,410", "kind": "param-count", "args": {"model": "cnn"},
         "expected": 54410, "tiers": ["fast", "full"], "version": 1},
        {"id": "sizing/out", "quote": "30", "kind": "sizing-formula",
         "args": {"W": 32, "F": 3, "S": 1, "P": 0}, "expected": 30, "tiers": ["full"],
         "version": 1},
    ],
}


def test_cli_claims_lists_ids_kinds_tiers_and_last_status(runs, tmp_path: Path,
                                                          capsys) -> None:
    import yaml

    claims = tmp_path / "suites"
    (claims / "tut").mkdir(parents=True)
    (claims / "tut" / "claims.yaml").write_text(yaml.safe_dump(CLAIM_FILE), encoding="utf-8")
    shutil.copy(models_of("mnist-intro").path, claims / "tut" / "models.py")
    _, after = runs
    write_reports(after, tmp_path / "reports")
    assert main(["claims", "--claims-dir", str(claims),
                 "--report", str(tmp_path / "reports" / "latest.json")]) == 0
    out = capsys.readouterr().out
    params = next(line for line in out.splitlines() if "tut/cnn/params" in line)
    assert "param-count" in params and "fast, full" in params and "REGRESSED" in params
    sizing = next(line for line in out.splitlines() if "tut/sizing/out" in line)
    assert "sizing-formula" in sizing and "—" in sizing
    assert out.startswith("2 claims")


def test_bit_identical_seeds_are_within_noise_and_say_so(runs) -> None:
    before, _ = runs
    markdown = render_comparison(compare_runs(before, before))
    accuracy = next(line for line in markdown.splitlines()
                    if line.startswith("| `cnn/test-accuracy@fast`"))
    assert "within noise (identical seeds)" in accuracy


def test_step_times_move_beyond_noise_only_past_the_timing_drift_floor() -> None:
    from harness.reporting.compare import shift

    def timing(log_ms: list[float]) -> ClaimResult:
        return replace(trained("convnets-part1/timing/imdb-conv1d-step", log_ms),
                       kind="step-time", group="timing")

    rounds = [2.0 + 0.001 * index for index in range(20)]
    assert not shift(timing(rounds), timing([v + 0.05 for v in rounds])).beyond_noise
    slower = shift(timing(rounds), timing([v + 0.3 for v in rounds]))  # twice as slow
    assert slower.beyond_noise and slower.delta == pytest.approx(0.3)
    assert "20 rounds" in render_comparison(compare_runs(
        run("a", OLD_ENV, [timing(rounds)]), run("b", NEW_ENV, [timing(rounds)])))
