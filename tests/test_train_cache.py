"""The train cache: entries read back whole or not at all, are pruned when superseded, and a
session re-judges from them, retraining only what an edit changed.

The unit tests write entries by hand (no Keras). The end-to-end test runs a throw-away project
of two tutorials, each with its own models module and one tiny recipe, three times in
subprocesses: cold (both train), unchanged (both from the cache), and after an edit of one
tutorial's models module (only that one trains). It also checks the terminal of each run: no
framework log line, and a progress line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from suite_tutorials import models_of

from harness.recipes import Recipe
from harness.training import cache as cache_module
from harness.training.cache import TrainCache, entry_key
from harness.training.runner import SeedRun

pytestmark = pytest.mark.fast

REPO = Path(__file__).resolve().parent.parent


def _recipe(name: str = "cnn", epochs: int = 1) -> Recipe:
    return Recipe(name=name, tutorial="mnist-intro", models=models_of("mnist-intro"),
                  profile="fast", model="cnn", data="mnist", optimizer="adam", epochs=epochs,
                  batch_size=32, seeds=(0,))


def _run(seed: int = 0, artifacts: bool = True) -> SeedRun:
    return SeedRun(seed=seed, metrics={"test_accuracy": 0.5, "nll": float("nan")},
                   history={"loss": [1.0, 0.5]}, fit_seconds=1.5, total_seconds=2.0,
                   artifacts={"class_names": ["a", "b"], "top_probability": np.arange(4.0),
                              "correct": np.array([True, False, True, True]),
                              "misclassified": {"images": None, "true": np.array([1])},
                              "samples": [{"index": 3, "probabilities": np.ones(2) / 2}]}
                   if artifacts else None)


def test_an_entry_reads_back_with_its_arrays(tmp_path: Path) -> None:
    cache = TrainCache(tmp_path)
    cache.store("k1", _recipe(), "r1", _run())
    loaded = cache.load("k1", _recipe(), "r1", want_artifacts=True)
    assert loaded is not None and loaded.from_cache and cache.hits == 1
    assert loaded.metrics["test_accuracy"] == 0.5 and np.isnan(loaded.metrics["nll"])
    assert loaded.history == {"loss": [1.0, 0.5]}
    np.testing.assert_array_equal(loaded.artifacts["top_probability"], np.arange(4.0))
    assert loaded.artifacts["correct"].dtype == bool
    assert loaded.artifacts["misclassified"]["images"] is None
    np.testing.assert_array_equal(loaded.artifacts["samples"][0]["probabilities"], [0.5, 0.5])
    assert not cache.problems


def test_arrays_are_read_without_pickle(tmp_path: Path) -> None:
    """An object array (which only pickle can load) makes the entry unreadable, not code."""
    cache = TrainCache(tmp_path)
    run = _run()
    run.artifacts["class_names"] = np.array([{"evil": 1}], dtype=object)
    cache.store("k1", _recipe(), "r1", run)
    assert cache.load("k1", _recipe(), "r1", want_artifacts=True) is None
    assert len(cache.problems) == 1 and "unreadable" in cache.problems[0]


@pytest.mark.parametrize("damage", ["torn-json", "bad-digest", "missing-arrays", "wrong-key"])
def test_a_damaged_entry_is_retrained_with_one_line(tmp_path: Path, damage: str) -> None:
    cache = TrainCache(tmp_path)
    cache.store("k1", _recipe(), "r1", _run())
    entry = tmp_path / "k1.json"
    [arrays] = tmp_path.glob("k1.*.npz")
    if damage == "torn-json":
        entry.write_text(entry.read_text()[:40])
    elif damage == "bad-digest":
        arrays.write_bytes(arrays.read_bytes()[:-10] + b"0123456789")
    elif damage == "missing-arrays":
        arrays.unlink()
    else:
        entry.rename(tmp_path / "k2.json")
        entry = tmp_path / "k2.json"
    assert cache.load(entry.stem, _recipe(), "r1", want_artifacts=True) is None
    [problem] = cache.problems
    assert problem.startswith(f"train cache: entry {entry.name} for mnist-intro/cnn/fast is "
                              f"unreadable") and problem.endswith("retrained")


def _write_many(directory: str) -> None:
    cache = TrainCache(Path(directory))
    for _ in range(30):
        cache.store("k1", _recipe(), "r1", _run())


def test_two_runs_writing_one_entry_leave_it_whole(tmp_path: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(str(tmp_path),)) for _ in range(2)]
    for writer in writers:
        writer.start()
    reader = TrainCache(tmp_path)
    while any(writer.is_alive() for writer in writers):  # read while they write
        if (tmp_path / "k1.json").exists():
            assert reader.load("k1", _recipe(), "r1", want_artifacts=True) is not None, (
                reader.problems)
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    assert reader.load("k1", _recipe(), "r1", want_artifacts=True) is not None
    assert not reader.problems


def test_a_later_seed_without_arrays_is_not_used_where_figures_need_them(tmp_path: Path) -> None:
    cache = TrainCache(tmp_path)
    cache.store("k1", _recipe(), "r1", _run(artifacts=False))
    assert cache.load("k1", _recipe(), "r1", want_artifacts=False) is not None
    assert cache.load("k1", _recipe(), "r1", want_artifacts=True) is None
    assert not cache.problems


def test_prune_removes_superseded_stale_and_orphaned_files_only(tmp_path: Path) -> None:
    old = TrainCache(tmp_path)
    old.store("old", _recipe(), "r-old", _run())
    old.store("other", _recipe("dense"), "r-dense", _run())
    old.store("stale", _recipe("gone"), "r-gone", _run(artifacts=False))
    stale_time = time.time() - (cache_module.STALE_DAYS + 1) * 86400
    os.utime(tmp_path / "stale.json", (stale_time, stale_time))
    orphan = tmp_path / "lost.0123456789abcdef.npz"
    orphan.write_bytes(b"x")
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    fresh_orphan = tmp_path / "writing.0123456789abcdef.npz"
    fresh_orphan.write_bytes(b"x")

    session = TrainCache(tmp_path)  # a session that used only the cnn slot, with a new key
    assert session.load("new", _recipe(), "r-new", want_artifacts=False) is None
    session.store("new", _recipe(), "r-new", _run())
    assert session.prune() == 4  # old.json, its arrays, stale.json, the old orphan
    names = sorted(path.name for path in tmp_path.iterdir())
    assert "old.json" not in names and "stale.json" not in names and orphan.name not in names
    assert {"new.json", "other.json", fresh_orphan.name} <= set(names)


def test_clear_removes_every_entry(tmp_path: Path) -> None:
    cache = TrainCache(tmp_path / "cache")
    cache.store("k1", _recipe(), "r1", _run())
    assert cache_module.describe(tmp_path / "cache")[0] == 1
    assert cache_module.clear(tmp_path / "cache") == 2
    assert not (tmp_path / "cache").exists()


def test_the_key_covers_the_seed_and_the_recipe() -> None:
    assert entry_key("r1", 0) != entry_key("r1", 1) != entry_key("r2", 1)
    assert _recipe(epochs=1).fingerprint() != _recipe(epochs=2).fingerprint()


# --- end to end: three sessions of a two-tutorial project ---------------------------------

MODELS_MODULE = '''\
"""{name}'s models: a small conv net."""

import keras
from keras import layers


def build_cnn() -> keras.Model:
    return keras.Sequential([keras.Input(shape=(28, 28, 1)),
                             layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),
                             layers.Flatten(), layers.Dense(10, activation="softmax")])


MODELS = {{"cnn": build_cnn}}
'''
RECIPE = {"model": "cnn", "data": "mnist", "optimizer": "adam", "batch_size": 32, "epochs": 1,
          "train_size": 96, "test_size": 64, "seeds": [0]}


def _claims(tutorial: str) -> dict:
    return {"tutorial": tutorial, "seed": f"{tutorial}.txt", "title": tutorial,
            "models": "models.py",
            "claims": [{"id": "cnn/test-accuracy", "quote": "0.9", "kind": "metric-level",
                        "args": {"recipe": "cnn", "metric": "test_accuracy"}, "expected": 0.9,
                        "tiers": ["fast"], "version": 1}],
            "recipes": {"cnn": RECIPE}}


def _project(root: Path) -> None:
    for tutorial in ("alpha-tut", "beta-tut"):
        (root / "suites" / tutorial).mkdir(parents=True)
        (root / "suites" / tutorial / "claims.yaml").write_text(
            yaml.safe_dump(_claims(tutorial), sort_keys=False), encoding="utf-8")
        (root / "suites" / tutorial / "models.py").write_text(
            MODELS_MODULE.format(name=tutorial), encoding="utf-8")
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = suites\n", encoding="utf-8")


def _session(root: Path, *args: str) -> tuple[str, dict[str, int]]:
    """One session (one worker process, one seed per verdict): its terminal, and how many
    seeds of each tutorial came from the cache."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "CUDA_VISIBLE_DEVICES": ""}
    environment.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the harness must quiet the framework itself
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--workers", "1", "--max-seeds", "1", *args],
                          cwd=root, env=environment, capture_output=True, text=True,
                          timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    report = json.loads((root / "reports" / "latest.json").read_text(encoding="utf-8"))
    return output, {entry["tutorial"]: entry["cached_seeds"] for entry in report["training"]}


def test_an_unchanged_run_reads_every_seed_and_an_edit_retrains_its_tutorial_only(
        tmp_path: Path) -> None:
    _project(tmp_path)
    output, cached = _session(tmp_path, "--update-baselines", "--baseline-seeds", "3")
    assert cached == {"alpha-tut": 0, "beta-tut": 0}
    noise = [line for line in output.splitlines()
             if re.search(r"^[IWE]\d{4} |absl|WARNING:tensorflow|oneDNN", line)]
    assert not noise, noise
    assert re.search(r"^alpha-tut/cnn \(fast\): 4 seed\(s\) done; training: \d/\d seeds done",
                     output, re.M), output
    assert "training: 8/8 seeds done, 0 from the cache" in output
    assert (tmp_path / ".harness-cache" / "durations.json").is_file()
    [run] = (tmp_path / "reports" / "runs").iterdir()
    assert (run / "timeline.json").is_file() and list((run / "workers").glob("worker-*.log"))

    output, cached = _session(tmp_path)
    assert cached == {"alpha-tut": 1, "beta-tut": 1}, output
    assert "training: 2/2 seeds done, 2 from the cache" in output

    module = tmp_path / "suites" / "beta-tut" / "models.py"
    module.write_text(module.read_text() + "# edited\n", encoding="utf-8")
    output, cached = _session(tmp_path)
    assert cached == {"alpha-tut": 1, "beta-tut": 0}, output


def test_the_cache_command_reports_and_clears(tmp_path: Path, capsys) -> None:
    from harness.__main__ import main

    TrainCache(tmp_path / "c").store("k1", _recipe(), "r1", _run())
    assert main(["cache", "info", "--dir", str(tmp_path / "c")]) == 0
    assert "1 entries" in capsys.readouterr().out
    assert main(["cache", "clear", "--dir", str(tmp_path / "c")]) == 0
    assert "2 files removed" in capsys.readouterr().out
    assert not (tmp_path / "c").exists()


class _NoEngine:
    """An engine that must not be asked to train."""

    def submit(self, job, urgent: bool = False):
        raise AssertionError(f"trained although cached: {job.what}")

    def promote(self, futures) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_committees_first_seed_is_read_back_though_it_keeps_no_figure_arrays(
        tmp_path: Path) -> None:
    """A committee trains no single model whose figures could be drawn, so its first seed's
    entry has no arrays, and a warm run must still read it."""
    import dataclasses

    from plugin_project import FAKE_ENVIRONMENT

    from harness.training import SeedBank
    from harness.training.datasets import DataChoice

    committee = dataclasses.replace(_recipe(), ensemble=3, train_size=64, test_size=32)
    cold = SeedBank(_NoEngine(), DataChoice(), FAKE_ENVIRONMENT, TrainCache(tmp_path), 1)
    dataset = cold.dataset(committee)
    shared = cold._cache_key(committee, dataset)
    cold.cache.store(entry_key(shared, 0), committee, shared, _run(artifacts=False))
    warm = SeedBank(_NoEngine(), DataChoice(), FAKE_ENVIRONMENT, TrainCache(tmp_path), 1)
    [run] = warm.run(committee, (0,)).runs
    assert run.from_cache and warm.progress.counts() == (1, 1, 1)
