"""``--isolate``: a crash, an out-of-memory or a timeout in a recipe's subprocess is that
recipe's ERROR, in one line, and the session goes on.

The children here run the small functions of ``isolation_targets.py`` (a spawned child imports
them by name), never TensorFlow, so each costs one interpreter start; the end-to-end case is
killed by a one-second limit before its child gets to import Keras.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pytest
from isolation_targets import broken, diverged, exit_with, hangs, killed, metrics, out_of_memory

from harness import isolation
from harness.baselines import BaselineStore
from harness.claims import claim_files, load_claims
from harness.data import local
from harness.environment import Environment
from harness.errors import TrainingFailed
from harness.evaluate import RunSettings, evaluate_claim
from harness.measures.context import MeasureContext
from harness.results import Status

pytestmark = pytest.mark.fast

WHAT = "recipe tiny/cnn (fast, seeds 0)"
ENVIRONMENT = Environment(keras="3.0.0", backend="fake", backend_version="0.0",
                          tensorflow="absent", python="3.11", device_class="cpu",
                          device="test cpu", platform="Test", git_commit="0")


def test_the_childs_value_comes_back() -> None:
    value = isolation.call_isolated(metrics, (3,), timeout=60, what=WHAT)
    assert value["seed"] == 3 and value["test_accuracy"] == 0.5


@pytest.mark.parametrize(("target", "args", "message"), [
    (exit_with, (3,), f"{WHAT}: its isolated subprocess exited with status 3 without a result"),
    (killed, (), f"{WHAT}: its isolated subprocess was killed by SIGKILL (out of memory? the "
                 "kernel's OOM killer sends SIGKILL)"),
    (out_of_memory, (), f"{WHAT}: its isolated subprocess ran out of memory (MemoryError)"),
    (broken, (), f"{WHAT}: its isolated subprocess crashed: ValueError: shapes (3, 4) and (5,) "
                 "differ"),
    (diverged, (), "training diverged (NaN loss) at epoch 2 of recipe tiny/cnn (seed 0)"),
], ids=["exit", "sigkill", "memory-error", "exception", "nan-loss"])
def test_a_failing_child_is_one_line_naming_the_recipe(target, args, message: str) -> None:
    with pytest.raises(TrainingFailed) as caught:
        isolation.call_isolated(target, args, timeout=60, what=WHAT)
    assert str(caught.value) == message


def test_a_hung_child_is_killed_at_the_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(TrainingFailed) as caught:
        isolation.call_isolated(hangs, (), timeout=1, what=WHAT)
    assert time.monotonic() - started < 5
    assert str(caught.value) == (f"{WHAT} timed out after 1 s in its isolated subprocess; raise "
                                 "--isolate-timeout or shrink the recipe")


def write_mnist_idx(folder: Path) -> None:
    """Blank MNIST IDX files: the child is stopped before it would train on them."""
    folder.mkdir(parents=True)
    shapes = {"x_train": (120, 28, 28), "y_train": (120,), "x_test": (60, 28, 28),
              "y_test": (60,)}
    for key, stem in local.MNIST_IDX.items():
        array = np.zeros(shapes[key], dtype=np.uint8)
        header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
            dim.to_bytes(4, "big") for dim in array.shape)
        (folder / stem).write_bytes(header + array.tobytes())


def test_claims_of_a_timed_out_recipe_are_errors_and_it_runs_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both claims reading the recipe get the ERROR; the recipe is not started a second time."""
    write_mnist_idx(tmp_path / "data" / "mnist")  # no keras.datasets, no Keras in this process
    claims = {c.id: c for c in load_claims(claim_files(Path("suites/claims")))
              if c.id.startswith("mnist-intro/cnn/test-")}
    recipe = dataclasses.replace(claims["mnist-intro/cnn/test-accuracy"].recipes[("cnn", "fast")],
                                 seeds=(0,), epochs=1, train_size=100, test_size=50)
    starts: list[str] = []
    call = isolation.call_isolated

    def counted(*args: object, **kwargs: object) -> object:
        starts.append(str(args[-1]))
        return call(*args, **kwargs)

    monkeypatch.setattr(isolation, "call_isolated", counted)
    context = MeasureContext(data_dir=tmp_path / "data", environment=ENVIRONMENT,
                             isolate_timeout=1)
    for claim in claims.values():
        claim = dataclasses.replace(claim, recipes={("cnn", "fast"): recipe})
        result = evaluate_claim(claim, context, BaselineStore(tmp_path / "baselines"),
                                ENVIRONMENT, RunSettings(profile="fast"), "-")
        assert result.status is Status.ERROR
        assert result.message == ("recipe mnist-intro/cnn (fast, seeds 0) timed out after 1 s "
                                  "in its isolated subprocess; raise --isolate-timeout or "
                                  "shrink the recipe")
    assert starts == ["recipe mnist-intro/cnn (fast, seeds 0)"]
