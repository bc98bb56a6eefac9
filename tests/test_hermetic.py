"""The fast profile is hermetic: proxies by default, real data only with --fast-data real.

A run on real data reports that source and uses (or asks for) that source's baseline. The
training here is one tiny recipe (one epoch, 200 digits) on MNIST IDX files written from the
offline digits, so it runs in seconds.
"""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import numpy as np
import pytest

from harness.baselines import BaselineStore
from harness.claims import Claim, claim_files, load_claims
from harness.data import local, proxy_dataset
from harness.environment import Environment
from harness.measures.context import MeasureContext, SeedPlan
from harness.results import Status
from harness.training import dataset_for
from harness.training.datasets import DataChoice
from harness.verdicts.evaluate import RunSettings, UpdateMode, evaluate_claim

pytestmark = [pytest.mark.fast, pytest.mark.training]

CLAIM_ID = "mnist-intro/cnn/test-accuracy"
CLAIMS = {claim.id: claim for claim in
          load_claims(claim_files(Path(__file__).resolve().parent.parent / "suites"))}
ENVIRONMENT = Environment(keras="3.0.0", backend="fake", backend_version="0.0",
                          tensorflow="absent", python="3.11", device_class="cpu",
                          device="test cpu", platform="Test", git_commit="0")


def _write_idx(folder: Path) -> None:
    """The four MNIST IDX files, gzipped, holding the offline digits."""
    digits = proxy_dataset("mnist")
    arrays = {"x_train": digits.x_train, "y_train": digits.y_train,
              "x_test": digits.x_test, "y_test": digits.y_test}
    folder.mkdir(parents=True)
    for key, stem in local.MNIST_IDX.items():
        array = np.asarray(arrays[key], dtype=np.uint8)
        header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
            int(dim).to_bytes(4, "big") for dim in array.shape)
        (folder / f"{stem}.gz").write_bytes(gzip.compress(header + array.tobytes()))


def _tiny(claim_id: str) -> Claim:
    claim = CLAIMS[claim_id]
    recipes = {key: dataclasses.replace(recipe, epochs=1, seeds=(0,), train_size=200,
                                        test_size=100)
               for key, recipe in claim.recipes.items()}
    return dataclasses.replace(claim, recipes=recipes)


def test_the_fast_profile_trains_on_proxies_whatever_the_data_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HARNESS_DATA_DIR and --data-dir hold real MNIST: the fast profile still takes the
    offline proxy, and data-shape claims say they need the opt-in."""
    _write_idx(tmp_path / "data" / "mnist")
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path / "data"))
    recipe = CLAIMS[CLAIM_ID].recipes[("cnn", "fast")]
    for data_dir in (None, tmp_path / "data"):
        assert dataset_for(recipe, DataChoice(data_dir)).source == "proxy-sklearn-digits"
        assert dataset_for(recipe, DataChoice(data_dir, "real")).source == "data-dir"
    shape = CLAIMS["mnist-intro/data/mnist-test-x"]
    skipped = evaluate_claim(shape, MeasureContext(data_dir=tmp_path / "data"),
                             BaselineStore(tmp_path / "baselines"), ENVIRONMENT,
                             RunSettings(profile="structure"), "-")
    assert skipped.status is Status.SKIPPED and "--fast-data real" in skipped.message
    opted_in = evaluate_claim(shape, MeasureContext(data_dir=tmp_path / "data",
                                                    real_data_claims=True),
                              BaselineStore(tmp_path / "baselines"), ENVIRONMENT,
                              RunSettings(profile="structure"), "-")
    assert opted_in.data_source == "data-dir" and opted_in.measured == [360, 28, 28]


def test_real_data_opted_in_shows_the_tutorials_figure_and_uses_its_own_baselines(
        tmp_path: Path) -> None:
    """--fast-data real: the source's own baseline file; a level is NEW until one is written
    and never judged against the tutorial's full-recipe figure; a relation is judged on
    today's seeds even before there is a baseline."""
    _write_idx(tmp_path / "data" / "mnist")
    context = MeasureContext(data_dir=tmp_path / "data", environment=ENVIRONMENT,
                             fast_data="real", seeds=SeedPlan(max_seeds=1, baseline_seeds=3))
    store = BaselineStore(tmp_path / "baselines")
    level, relation = _tiny(CLAIM_ID), _tiny("mnist-intro/lessons/wrong-predictions-less-confident")

    first = evaluate_claim(level, context, store, ENVIRONMENT, RunSettings(profile="fast"),
                           "pytest X --update-baselines")
    assert first.data_source == "data-dir" and "data-source-data-dir" in first.baseline_file
    assert first.status is Status.NEW and "pytest X --update-baselines" in first.message
    assert "not judged" in first.rule and first.delta_expected == first.measured - 0.9685

    judged = evaluate_claim(relation, context, store, ENVIRONMENT, RunSettings(profile="fast"),
                            "-")
    assert judged.status is Status.PASS and "judged on today's seeds alone" in judged.message

    written = evaluate_claim(level, context, store, ENVIRONMENT,
                             RunSettings(profile="fast", update=UpdateMode.MISSING_OR_FAILING),
                             "-")
    assert written.details["seeds"] == [10000, 10001, 10002]
    again = evaluate_claim(level, context, store, ENVIRONMENT, RunSettings(profile="fast"), "-")
    assert again.details["seeds"] == [0] and again.details["baseline_values"] == (
        written.details["values"])
    assert again.status is Status.PASS, again.message
