"""``python -m harness plan``: a night's cost from a few timed steps (issue 21, item 4).

A tiny claim project in a temp folder (a small dense net, one single-model recipe and one
committee) is planned in a fresh process, as a user runs it; its estimate's arithmetic is
checked against the steps it timed. The scheduling and the split sizes are checked directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.data import Dataset
from harness.models import ModelsModule
from harness.plan.estimate import samples
from harness.plan.schedule import Job, wall_time
from harness.recipes import Recipe

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[1]

MODELS_MODULE = '''
"""The tiny planned tutorial's model."""

import keras
from keras import layers


def build_mlp() -> keras.Model:
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Flatten(),
                             layers.Dense(8, activation="relu"),
                             layers.Dense(10, activation="softmax")])


MODELS = {"mlp": build_mlp}
'''

CLAIM_FILE = '''
tutorial: tiny-plan
seed: tiny.txt
title: "A tiny tutorial to plan"
models: models.py
recipes:
  mlp:
    model: mlp
    data: mnist
    optimizer: adam
    batch_size: 32
    epochs: 3
    seeds: [0, 1]
    train_size: 640
    test_size: 200
    validation: test
  committee:
    model: mlp
    data: mnist
    optimizer: adam
    batch_size: 32
    epochs: 2
    seeds: [0]
    train_size: 640
    test_size: 200
    validation: holdout
    validation_fraction: 0.25
    ensemble: 2
claims:
  - id: mlp/test-accuracy
    quote: "the net reaches 0.9"
    kind: metric-level
    args: {recipe: mlp, metric: test_accuracy}
    expected: 0.9
    tiers: [full]
    version: 1
  - id: committee/test-accuracy
    quote: "the committee reaches 0.9"
    kind: metric-level
    args: {recipe: committee, metric: test_accuracy}
    expected: 0.9
    tiers: [full]
    version: 1
'''


def _plan(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m harness plan`` on the tiny project, in a fresh process."""
    claims = tmp_path / "suites"
    (claims / "tiny-plan").mkdir(parents=True, exist_ok=True)
    (claims / "tiny-plan" / "models.py").write_text(MODELS_MODULE, encoding="utf-8")
    (claims / "tiny-plan" / "claims.yaml").write_text(CLAIM_FILE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "harness", "plan", "-m", "full",
                           "--claims-dir", str(claims), "--log", str(tmp_path / "fw.log"), *args],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)


def test_plan_times_the_recipes_and_its_arithmetic_follows_the_timed_steps(tmp_path: Path) -> None:
    done = _plan(tmp_path, "--steps", "2", "--warmup", "1", "--devices", "1", "2",
                 "--json", str(tmp_path / "plan.json"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("plan: timed tiny-plan/") == 2  # one progress line per recipe
    assert "tensorflow" not in done.stderr.lower()  # the framework's lines went to the log
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    by_name = {entry["recipe"]: entry for entry in plan["recipes"]}
    single, committee = by_name["tiny-plan/mlp"], by_name["tiny-plan/committee"]
    assert (single["steps_per_epoch"], single["val_batches"]) == (20, 7)  # 640/32, 200/32
    assert (committee["steps_per_epoch"], committee["val_batches"]) == (15, 5)  # 480, 160
    for entry, seeds, members, epochs in ((single, 2, 1, 3), (committee, 1, 2, 2)):
        times = entry["times"]
        assert times["train_step"] > 0 and times["val_step"] > 0 and times["eval_step"] > 0
        assert (entry["seeds"], entry["members"], entry["epochs"]) == (seeds, members, epochs)
        models = seeds * members
        assert entry["train_s"] == pytest.approx(
            models * epochs * entry["steps_per_epoch"] * times["train_step"])
        assert entry["validation_s"] == pytest.approx(
            models * epochs * entry["val_batches"] * times["val_step"])
        assert entry["epoch_overhead_s"] == pytest.approx(
            models * epochs * times["epoch_overhead"])
        assert entry["evaluation_s"] > models * times["first_calls"]
        assert entry["total_s"] == pytest.approx(
            entry["train_s"] + entry["validation_s"] + entry["epoch_overhead_s"]
            + entry["evaluation_s"])
    assert plan["total_s"] == pytest.approx(single["total_s"] + committee["total_s"])
    walls = plan["wall_s"]
    assert walls["1"] == pytest.approx(plan["total_s"] + plan["start_s"])  # all in one process
    longest = max(single["per_seed_s"], committee["per_seed_s"]) + plan["start_s"]
    assert longest <= walls["2"] < walls["1"]
    markdown = done.stdout
    assert "| tiny-plan/mlp" in markdown and "2 × 1 × 3 × 20" in markdown
    assert "1 × 2 × 2 × 15" in markdown and "random arrays of the real input shapes" in markdown


def test_a_keyword_selecting_nothing_is_one_clear_line(tmp_path: Path) -> None:
    done = _plan(tmp_path, "-k", "no-such-claim")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "plan: no full trained claim matching -k 'no-such-claim': nothing to plan (list the "
        "claims with: pytest --collect-only -q suites -m full)"]


def test_list_scheduling_puts_the_longest_job_first_on_the_freest_device() -> None:
    work = [Job(name, seconds, 0.0) for name, seconds in
            (("a", 3), ("b", 3), ("c", 2), ("d", 2), ("e", 2))]
    assert wall_time(work, 1) == 12
    assert wall_time(work, 2) == 7  # 3+2+2 | 3+2: longest first (the optimum, 6, is not LPT's)
    assert wall_time(work, 8) == 3
    assert wall_time(work, 2, start_s=1.0) == 8  # each process starts once
    assert wall_time(work, 2, fresh_process_per_job=True, start_s=1.0) == 10  # 3 jobs × +1


def test_features_are_extracted_once_per_process_or_once_per_job_with_fresh_processes() -> None:
    work = [Job("transfer", 1.0, 5.0) for _ in range(3)]
    assert wall_time(work, 1) == 8  # one extraction, three seeds
    assert wall_time(work, 3) == 6
    assert wall_time(work, 1, fresh_process_per_job=True) == 18


def _recipe(validation: str, fraction: float = 0.0) -> Recipe:
    return Recipe(name="r", tutorial="t", models=ModelsModule.of("t", Path("models.py")),
                  profile="full", model="m", data="mnist",
                  optimizer="adam", epochs=1, batch_size=32, seeds=(0,), train_size=1001,
                  test_size=300, validation=validation, validation_fraction=fraction)


@pytest.mark.parametrize(("validation", "fraction"),
                         [("split", 0.2), ("holdout", 1 / 6), ("test", 0.0), ("none", 0.0)])
def test_the_planned_split_is_the_runners(validation: str, fraction: float) -> None:
    """samples() sizes a recipe's split without data; prepare() cuts real arrays: they agree."""
    import keras

    from harness.training.runner import prepare

    rng = np.random.default_rng(0)
    dataset = Dataset("mnist", "test", rng.integers(0, 255, (1200, 28, 28), dtype=np.uint8),
                      np.arange(1200) % 10, rng.integers(0, 255, (400, 28, 28), dtype=np.uint8),
                      np.arange(400) % 10)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten()])
    recipe = _recipe(validation, fraction)
    data = prepare(recipe, dataset, model)
    planned = samples(recipe)
    assert planned.train == len(data.x_train)
    assert planned.val == (0 if data.x_val is None else len(data.x_val))
    assert planned.test == len(data.x_test) == 300
