"""Known backend findings: a claim that fails on one backend, recorded in its claim file, is
KNOWN-FINDING there (reported, not failing); where it holds again the result says so."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from suite_tutorials import copy_tutorial

from harness.baselines import BaselineStore
from harness.claims import ClaimFileError, claim_files, load_claim_file, load_claims
from harness.environment import Environment
from harness.measures.context import MeasureContext
from harness.reporting.parity import FAILS, build_parity, render_parity
from harness.reporting.report import RunRecord, render_markdown
from harness.results import Status
from harness.session import KnownFindingGone, outcome
from harness.verdicts.evaluate import RunSettings, UpdateMode, evaluate_claim

pytestmark = pytest.mark.fast

SUITE = Path(__file__).parent.parent / "suites"
TORCH = Environment(keras="3.0.0", backend="torch", backend_version="0.0", tensorflow="absent",
                    python="3.11", device_class="cpu", device="test cpu", platform="Test",
                    git_commit="0")
PARAMS = next(claim for claim in load_claims(claim_files(SUITE))
              if claim.id == "mnist-intro/cnn/params")


def evaluate(expected: int, findings: dict[str, str], tmp_path: Path,
             environment: Environment = TORCH):
    """The claim's result, with its baseline written (so a claim that holds is a PASS)."""
    claim = dataclasses.replace(PARAMS, expected=expected, known_backend_findings=findings)
    return evaluate_claim(claim, MeasureContext(), BaselineStore(tmp_path), environment,
                          RunSettings(profile="structure", update=UpdateMode.MISSING_OR_FAILING),
                          "-")


def test_a_recorded_fail_is_a_known_finding_that_passes_the_test(tmp_path: Path) -> None:
    result = evaluate(1, {"torch": "torch's schedule fires more often"}, tmp_path)
    assert result.status is Status.KNOWN_FINDING
    assert result.message.startswith("known torch finding (torch's schedule fires more often): "
                                      "measured ")
    assert not result.status.fails_test and result.status.needs_attention
    with pytest.raises(pytest.xfail.Exception, match="known torch finding"):
        outcome(result)
    run = RunRecord("r", "2026", 1.0, "pytest", {"backend": "torch"}, [result])
    assert "🔎 **KNOWN-FINDING** `mnist-intro/cnn/params`" in render_markdown(run)


def test_another_backend_fails_as_before(tmp_path: Path) -> None:
    tensorflow = dataclasses.replace(TORCH, backend="tensorflow")
    result = evaluate(1, {"torch": "why"}, tmp_path, tensorflow)
    assert result.status is Status.FAIL and "known_finding" not in result.details


def test_strict_a_recorded_finding_that_holds_says_so(tmp_path: Path) -> None:
    result = evaluate(PARAMS.expected, {"torch": "why"}, tmp_path)
    assert result.status is Status.PASS
    assert result.details["known_finding"] == {"backend": "torch", "why": "why", "shows": False}
    assert "did not show: the claim held (PASS)" in result.message
    assert "remove known_backend_findings.torch" in result.message
    with pytest.warns(KnownFindingGone, match="did not show"):
        outcome(result)
    run = RunRecord("r", "2026", 1.0, "pytest", {"backend": "torch"}, [result])
    assert "did not show" in render_markdown(run).split("## mnist-intro")[0]
    other = dataclasses.replace(result, details={})
    parity = build_parity([
        RunRecord("t", "2026", 1.0, "pytest", {"backend": "tensorflow"}, [other]),
        RunRecord("p", "2026", 1.0, "pytest", {"backend": "torch"}, [result])])
    assert "recorded as a known finding on torch, but it held" in render_parity(parity)


def test_parity_counts_a_known_finding_as_not_holding(tmp_path: Path) -> None:
    known = evaluate(1, {"torch": "why"}, tmp_path)
    held = dataclasses.replace(known, status=Status.PASS, message="", details={})
    parity = build_parity([RunRecord("t", "2026", 1.0, "pytest", {"backend": "tensorflow"},
                                     [held]),
                           RunRecord("p", "2026", 1.0, "pytest", {"backend": "torch"}, [known])])
    assert parity.rows[0].holds == FAILS
    assert "a known finding on torch, recorded in the claim file" in render_parity(parity)


@pytest.mark.parametrize("findings", [{"tf": "why"}, {"torch": ""}, ["torch"], {"jax": 1}])
def test_a_bad_record_names_the_field(findings: object, tmp_path: Path) -> None:
    document = yaml.safe_load((SUITE / "mnist-intro" / "claims.yaml").read_text(encoding="utf-8"))
    document["claims"][0]["known_backend_findings"] = findings
    path = copy_tutorial("mnist-intro", tmp_path)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ClaimFileError, match="known_backend_findings"):
        load_claim_file(path)
