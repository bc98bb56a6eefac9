"""Every metric the runner produces is declared once, with its direction (harness/metrics.py),
and claim files may name only declared metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from suite_tutorials import copy_tutorial

from harness.claims import ClaimFileError, claim_files, load_claim_file, load_claims
from harness.metrics import METRICS

pytestmark = pytest.mark.fast

SUITE = Path(__file__).resolve().parents[1] / "suites"


@pytest.mark.training
def test_a_committee_run_produces_only_declared_metrics() -> None:
    """The committee recipe at smoke scale (a single net's metrics are checked by the
    learning-rate replay test in test_curves_and_schedules.py)."""
    from harness.data import proxy_dataset
    from harness.models import build_model
    from harness.training.runner import train_seed

    claims = {claim.id: claim for claim in load_claims(claim_files(SUITE))}
    recipe = claims["mnist-workflow/lessons/committee-beats-mean-member"].recipes[
        ("committee", "fast")].for_smoke()
    run = train_seed(recipe, proxy_dataset("mnist"), 0,
                     lambda: build_model(recipe.models, recipe.model))
    produced = set(run.metrics) | set(run.history)
    assert {"committee_gain", "nll_gain", "member_best_accuracy", "member_best_nll"} <= produced
    assert run.metrics["member_best_nll"] <= run.metrics["member_mean_nll"]
    assert produced - set(METRICS) == set()


def test_an_undeclared_history_metric_of_a_curve_claim_is_caught_on_load(
        tmp_path: Path) -> None:
    document = yaml.safe_load((SUITE / "mnist-intro" / "claims.yaml").read_text(encoding="utf-8"))
    claim = next(c for c in document["claims"]
                 if c["id"] == "lessons/train-accuracy-below-validation-every-epoch")
    claim["args"]["a"] = "val_acc"  # Keras 2's name, not what the runner logs
    path = copy_tutorial("mnist-intro", tmp_path)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(ClaimFileError, match="unknown metric 'val_acc'"):
        load_claim_file(path)


def test_an_undeclared_metric_is_caught_on_load(tmp_path: Path) -> None:
    document = yaml.safe_load((SUITE / "mnist-intro" / "claims.yaml").read_text(encoding="utf-8"))
    claim = next(c for c in document["claims"] if c["id"] == "cnn/test-accuracy")
    claim["args"]["metric"] = "test_acuracy"
    path = copy_tutorial("mnist-intro", tmp_path)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(ClaimFileError, match="unknown metric 'test_acuracy'") as caught:
        load_claim_file(path)
    assert (caught.value.claim, caught.value.field) == ("mnist-intro/cnn/test-accuracy", "args")
