"""The backend parity table (``python -m harness parity``), on small hand-built runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.__main__ import main
from harness.reporting.parity import FAILS, HOLDS, PARTLY, build_parity, render_parity
from harness.reporting.report import RunRecord, write_reports
from harness.results import ClaimResult, Status

pytestmark = pytest.mark.fast


def trained(claim_id: str, values: list[float], status: Status = Status.PASS,
            message: str = "") -> ClaimResult:
    return ClaimResult(
        claim_id=claim_id, tutorial="tut", kind="paired-difference", group="training",
        tiers=["fast"], profile="fast", quote="conv beats dense", expected="a > b",
        status=status, message=message, measured=sum(values) / len(values),
        data_source="proxy-digits", data_checksum="c0ffee",
        details={"values": values, "better": "higher", "metric": "a − b"})


def structural(claim_id: str, measured: Any, status: Status = Status.PASS) -> ClaimResult:
    return ClaimResult(claim_id=claim_id, tutorial="tut", kind="param-count", group="structure",
                       tiers=["fast"], profile="structure", quote="54,410", expected=54410,
                       status=status, measured=measured)


def run(backend: str, results: list[ClaimResult], duration: float = 100.0) -> RunRecord:
    return RunRecord(run_id=f"run-{backend}", started="2026-01-01T00:00:00+00:00",
                     duration_s=duration, command="pytest suites -m fast",
                     environment={"backend": backend, "backend_version": "1.0",
                                  "keras": "3.15.1", "device": "cpu"}, results=results)


@pytest.fixture
def runs() -> list[RunRecord]:
    """Three backends: the lesson fails on jax only, the params agree, torch's gain is far
    from TensorFlow's, and one claim was skipped on torch."""
    return [
        run("tensorflow", [trained("tut/lessons/gain", [0.10, 0.11, 0.09, 0.10]),
                           structural("tut/cnn/params", 54410),
                           trained("tut/lessons/other", [0.05, 0.04, 0.06, 0.05])]),
        run("torch", [trained("tut/lessons/gain", [0.30, 0.31, 0.29, 0.30]),
                      structural("tut/cnn/params", 54410),
                      trained("tut/lessons/other", [0.05, 0.04, 0.06, 0.05], Status.SKIPPED)]),
        run("jax", [trained("tut/lessons/gain", [-0.02, -0.01, -0.03, -0.02], Status.FAIL,
                            "measured -0.02 but the tutorial says a > b; rule: one-sided t"),
                    structural("tut/cnn/params", 54410),
                    trained("tut/lessons/other", [0.05, 0.04, 0.06, 0.05])]),
    ]


def test_a_lesson_failing_on_one_backend_is_a_finding_at_the_top(runs) -> None:
    parity = build_parity(runs)
    rows = {row.claim: row for row in parity.rows}
    assert rows["tut/lessons/gain@fast"].holds == FAILS
    assert rows["tut/cnn/params"].holds == HOLDS
    assert rows["tut/lessons/other@fast"].holds == PARTLY
    assert [row.claim for row in parity.findings()] == ["tut/lessons/gain@fast"]
    text = render_parity(parity)
    head = text.split("## Runs")[0]
    assert "1 finding(s)" in head
    assert "`tut/lessons/gain@fast` **does not hold on jax**; it holds on tensorflow, torch" in head
    assert "rule:" not in head  # the message up to its rule, not the whole of it


def test_values_beyond_noise_of_the_first_backend_are_named(runs) -> None:
    rows = {row.claim: row for row in build_parity(runs).rows}
    assert rows["tut/lessons/gain@fast"].moved == ("torch", "jax")
    assert rows["tut/lessons/other@fast"].moved == ()


def test_a_structural_value_differing_between_backends_is_a_finding(runs) -> None:
    runs[2].results[1] = structural("tut/cnn/params", 54411)
    parity = build_parity(runs)
    assert {row.claim for row in parity.findings()} == {"tut/lessons/gain@fast",
                                                        "tut/cnn/params"}
    assert "the structural value differs between backends" in render_parity(parity)


def test_agreement_says_so_and_the_table_has_one_column_per_backend(runs) -> None:
    runs[2].results[0] = trained("tut/lessons/gain", [0.10, 0.11, 0.09, 0.10])
    text = render_parity(build_parity(runs))
    assert "**No finding" in text
    assert "| claim | tensorflow | torch | jax | holds everywhere |" in text
    assert "| torch | 1.0 | 3.15.1 | cpu | `run-torch` | 100 s |" in text


def test_a_claim_missing_from_a_run_is_not_judged_there(runs) -> None:
    del runs[1].results[0]
    row = build_parity(runs).rows[0]
    assert row.results[1] is None and row.holds == FAILS  # still failing on jax
    assert "— (not run)" in render_parity(build_parity(runs))


def test_one_run_is_not_a_parity_table(runs) -> None:
    with pytest.raises(ValueError, match="at least two runs"):
        build_parity(runs[:1])


def test_command_writes_the_table_and_can_fail_on_a_finding(runs, tmp_path: Path,
                                                            capsys) -> None:
    folders = []
    for record in runs:
        folder = tmp_path / record.environment["backend"]
        write_reports(record, folder)
        folders.append(str(folder))
    out = tmp_path / "parity.md"
    assert main(["parity", *folders, "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# Backend parity")
    assert main(["parity", *folders, "--fail-on-finding"]) == 1
    assert "does not hold on jax" in capsys.readouterr().out
