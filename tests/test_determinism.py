"""The determinism probe: the same seed twice on this machine, compared bit for bit."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from harness.claims import claim_files, load_claims
from harness.determinism import cheapest, compare, describe, probe
from harness.environment import Environment
from harness.reporting.report import RunRecord, render_markdown
from harness.training import InlineEngine, SeedBank
from harness.training.datasets import DataChoice
from harness.training.runner import RecipeRun, SeedRun

pytestmark = pytest.mark.fast
ENVIRONMENT = Environment(keras="3.0.0", backend="fake", backend_version="0.0",
                          tensorflow="absent", python="3.11", device_class="cpu",
                          device="test cpu", platform="Test", git_commit="0")


def seed_run(accuracy: float, seconds: float = 1.0) -> SeedRun:
    return SeedRun(0, {"test_accuracy": accuracy, "top_prob_wrong": math.nan},
                   {"loss": [2.0, 1.5]}, total_seconds=seconds)


def test_identical_runs_compare_equal_nan_included() -> None:
    assert compare(seed_run(0.5), seed_run(0.5)) == (True, 0.0)


def test_one_ulp_is_not_bit_identical() -> None:
    identical, largest = compare(seed_run(0.5), seed_run(math.nextafter(0.5, 1.0)))
    assert not identical and 0 < largest < 1e-15


def test_a_missing_value_is_not_identical() -> None:
    other = seed_run(0.5)
    other.history["loss"] = [2.0]
    assert compare(seed_run(0.5), other) == (False, math.inf)


def test_the_line_says_which_comparison_applies() -> None:
    result = {"recipe": "mnist-intro/cnn", "profile": "fast", "seed": 0, "seconds": 3.21,
              "bit_identical": True, "max_abs_diff": 0.0}
    assert describe(result) == ("bit-identical on this machine: exact comparison applies "
                                "(recipe mnist-intro/cnn (fast), seed 0, trained twice in 3.2 s)")
    result.update(bit_identical=False, max_abs_diff=2.5e-7)
    assert describe(result).startswith("not bit-identical on this machine (largest difference "
                                       "2.5e-07): tolerant comparison applies")
    assert describe({"error": "no recipe"}) == "determinism probe: no recipe"


def test_the_report_has_the_line_and_the_json_the_fields() -> None:
    result = {"error": "no recipe was trained in this session, nothing to probe"}
    run = RunRecord(run_id="r", started="s", duration_s=1.0, command="pytest", environment={},
                    results=[], determinism=result)
    assert "## Determinism\n\ndeterminism probe: no recipe was trained" in render_markdown(run)
    assert run.as_json()["determinism"] == result
    run.determinism = None
    assert "## Determinism" not in render_markdown(run)


def test_probe_trains_the_first_seed_of_the_cheapest_recipe_twice() -> None:
    claims = load_claims(claim_files(Path(__file__).parent.parent / "suites"))
    recipe = next(c for c in claims if c.id == "mnist-intro/cnn/test-accuracy").recipes[
        ("cnn", "fast")]
    small = dataclasses.replace(recipe, seeds=(4, 5), epochs=1, train_size=64, test_size=32)
    bank = SeedBank(InlineEngine(), DataChoice(), ENVIRONMENT)
    checksum = bank.dataset(small).checksum
    runs = [RecipeRun(recipe, "proxy", checksum, "", [seed_run(0.5, seconds=1e9)]),
            bank.run(small, (4, 5))]
    assert cheapest(runs) is runs[1]
    result = probe(runs[1], bank)
    assert {key: result[key] for key in ("recipe", "profile", "seed")} == {
        "recipe": "mnist-intro/cnn", "profile": "fast", "seed": 4}
    assert isinstance(result["bit_identical"], bool)
    assert (result["max_abs_diff"] == 0.0) if result["bit_identical"] else (
        result["max_abs_diff"] > 0)
    print(describe(result))
