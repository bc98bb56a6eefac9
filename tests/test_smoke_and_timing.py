"""The full profile's wiring (--smoke), its data rule, step-time judging and GPU pinning."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from harness.baselines import BaselineEntry, BaselineStore
from harness.claims import claim_files, load_claims
from harness.devices import gpu_for_worker
from harness.errors import MeasurementSkipped
from harness.measures.context import MeasureContext, Measurement
from harness.recipes import SMOKE_MEMBERS, SMOKE_TEST_SIZE, SMOKE_TRAIN_SIZE
from harness.results import Status
from harness.training import dataset_for
from harness.training.datasets import DataChoice
from harness.verdicts.evaluate import RunSettings, evaluate_claim
from harness.verdicts.judges import DecadesJudge, DeviceTimeJudge

pytestmark = pytest.mark.fast

CLAIMS = {claim.id: claim for claim in
          load_claims(claim_files(Path(__file__).parent.parent / "suites"))}


def test_smoke_recipe_keeps_the_code_path_and_shrinks_the_budget() -> None:
    full = CLAIMS["mnist-workflow/committee/test-accuracy"].recipes[("committee", "full")]
    smoke = full.for_smoke()
    assert (smoke.epochs, smoke.seeds, smoke.profile) == (1, full.seeds[:1], "smoke")
    assert (smoke.train_size, smoke.test_size) == (SMOKE_TRAIN_SIZE, SMOKE_TEST_SIZE)
    assert smoke.ensemble == SMOKE_MEMBERS
    same = ("model", "optimizer", "learning_rate", "augmentation", "reduce_lr", "validation",
            "validation_fraction", "loss", "batch_size")
    assert all(getattr(smoke, name) == getattr(full, name) for name in same)


def test_full_profile_never_trains_on_a_proxy(tmp_path: Path) -> None:
    recipe = CLAIMS["convnets-part1/transfer/val-accuracy"].recipes[("transfer", "full")]
    with pytest.raises(MeasurementSkipped, match="cats_and_dogs_filtered"):
        dataset_for(recipe, DataChoice(tmp_path))
    stand_in = dataset_for(recipe.for_smoke(), DataChoice(tmp_path))
    assert stand_in.source.startswith("smoke-") and stand_in.x_train.shape[1:] == (160, 160, 3)


def test_smoke_runs_a_training_claim_and_compares_nothing(tmp_path: Path) -> None:
    claim = CLAIMS["mnist-intro/cnn/test-accuracy"]
    environment = _environment()
    context = MeasureContext(smoke=True, environment=environment).for_profile("full")
    result = evaluate_claim(claim, context, BaselineStore(tmp_path), environment,
                            RunSettings(profile="full", smoke=True), "(test)")
    assert result.status is Status.SMOKE, result.message
    assert 0.0 <= result.measured <= 1.0
    assert result.details["recipe"] == "cnn" and result.details["seeds"] == [0]
    assert not list(tmp_path.iterdir()), "a smoke run must not write baselines"


def _environment():
    from harness.environment import current_environment

    return current_environment()


def _timing(ratio: float, rounds: list[float]) -> Measurement:
    figures = {"ms_per_batch": 10.0, "us_per_sample": 78.0, "first_step_ms": 400.0}
    return Measurement(ratio, details={"values": rounds, "cnn": figures})


@pytest.mark.parametrize(("ratio", "holds"), [(100, True), (40, True), (300, True),
                                              (19.3, False), (1000, False)])
def test_step_time_ratio_is_judged_in_decades(ratio: float, holds: bool) -> None:
    claim = CLAIMS["convnets-part1/timing/cnn-vs-dense-step"]
    verdict = DecadesJudge().against_tutorial(claim, _timing(ratio, [math.log10(ratio)]), None)
    assert verdict.ok is holds
    assert "µs/sample" in verdict.rule and "first step" in verdict.rule


def test_step_times_move_beyond_noise_only_past_the_drift_floor() -> None:
    claim = CLAIMS["convnets-part1/timing/imdb-conv1d-step"]
    stored = [math.log10(200 + i) for i in range(10)]
    entry = BaselineEntry(1, 205.0, {}, values=tuple(stored))
    judge = DeviceTimeJudge()
    assert judge.against_baseline(claim, _timing(210.0, stored), entry).ok
    slower = [value + math.log10(2) for value in stored]  # twice as slow
    verdict = judge.against_baseline(claim, _timing(410.0, slower), entry)
    assert not verdict.ok and not verdict.improved
    assert not judge.against_tutorial(claim, _timing(210.0, stored), None).judged


def test_timing_claims_are_stored_per_device() -> None:
    claim = CLAIMS["convnets-part1/timing/cnn-vs-dense-step"]
    assert "device" in claim.spec.scope and claim.group == "timing"
    assert dataclasses.asdict(claim.recipes[("cifar-cnn", "full")])["batch_size"] == 128


def test_each_training_worker_gets_its_own_gpu() -> None:
    assert [gpu_for_worker(index, ["0", "1"]) for index in range(3)] == ["0", "1", "0"]
    assert gpu_for_worker(0, []) is None
