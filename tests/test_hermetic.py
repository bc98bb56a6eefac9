"""A claim run on a --data-dir reports that source and uses (or asks for) that source's baseline.

Trains one tiny recipe (one seed, one epoch, 200 digits) on MNIST IDX files written from the
offline digits, so it runs in seconds.
"""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import numpy as np
import pytest

from harness.baselines import BaselineStore
from harness.claims import claim_files, load_claims
from harness.data import local, proxy_dataset
from harness.evaluate import RunSettings, UpdateMode, evaluate_claim
from harness.measures.context import MeasureContext
from harness.results import Status

pytestmark = [pytest.mark.fast, pytest.mark.training]

CLAIM_ID = "mnist-intro/cnn/test-accuracy"


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


def test_claims_run_on_the_data_dir_and_use_its_baselines(tmp_path: Path,
                                                           harness_state) -> None:
    _write_idx(tmp_path / "data" / "mnist")
    claim = next(c for c in load_claims(claim_files(Path("suites/claims"))) if c.id == CLAIM_ID)
    recipes = dict(claim.recipes)
    recipes[("cnn", "fast")] = dataclasses.replace(recipes[("cnn", "fast")], epochs=1,
                                                   seeds=(0,), train_size=200, test_size=100)
    claim = dataclasses.replace(claim, recipes=recipes)
    context = MeasureContext(data_dir=tmp_path / "data", environment=harness_state.environment)
    store = BaselineStore(tmp_path / "baselines")

    first = evaluate_claim(claim, context, store, harness_state.environment,
                           RunSettings(profile="fast"), "pytest X --update-baselines")
    assert first.data_source == "data-dir"
    assert "data-source-data-dir" in first.baseline_file
    # no baseline for this source yet: the message gives the command that creates it (the
    # status is FAIL instead of NEW when the tutorial's figure is missed too, as here after one
    # epoch on 200 digits)
    assert first.status in (Status.NEW, Status.FAIL)
    assert "pytest X --update-baselines" in first.message

    evaluate_claim(claim, context, store, harness_state.environment,
                   RunSettings(profile="fast", update=UpdateMode.MISSING_OR_FAILING), "-")
    again = evaluate_claim(claim, context, store, harness_state.environment,
                           RunSettings(profile="fast"), "-")
    assert again.baseline == again.measured and again.delta_baseline == 0
    # real-format data is not a proxy: the tutorial's figure is judged, not just shown
    assert again.status is not Status.PROXY
