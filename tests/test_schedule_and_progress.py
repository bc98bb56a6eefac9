"""The schedule (longest training first, from learned durations), the progress line and the
timeline's slot occupancy: bookkeeping, tested without training."""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
from suite_tutorials import models_of

from harness.recipes import Recipe
from harness.training.durations import Durations, store
from harness.training.pool import Job, QueuedEngine
from harness.training.progress import Progress
from harness.training.runner import SeedRun
from harness.training.timeline import occupancy, write_timeline

pytestmark = pytest.mark.fast


def _recipe(name: str, epochs: int = 1, train_size: int = 100) -> Recipe:
    return Recipe(name=name, tutorial="t", models=models_of("mnist-intro"), profile="fast",
                  model="cnn", data="mnist", optimizer="adam", epochs=epochs, batch_size=32,
                  seeds=(0,), train_size=train_size)


def _entry(recipe: str, worker: str, start: float, end: float, cached: bool = False) -> dict:
    return {"tutorial": "t", "recipe": recipe, "profile": "fast", "seed": 0, "worker": worker,
            "start": start, "end": end, "cached": cached}


def test_learned_durations_win_over_the_size_estimate(tmp_path: Path) -> None:
    small, big = _recipe("small", epochs=1), _recipe("big", epochs=50)
    durations = Durations([tmp_path / "none.json"])
    assert durations.estimate(big) > durations.estimate(small)  # by size, before any run
    learned = durations.learn([_entry("small", "w1", 10, 40), _entry("small", "w2", 10, 30),
                               _entry("big", "w1", 40, 41), _entry("big", "w1", 0, 0, True)])
    assert learned == {"t/small/fast": 25.0, "t/big/fast": 1.0}
    store(tmp_path / "durations.json", learned)
    store(tmp_path / "durations.json", {"t/other/fast": 3.0})  # merged, not replaced
    stored = json.loads((tmp_path / "durations.json").read_text())["seconds_per_seed"]
    assert stored == {"t/big/fast": 1.0, "t/other/fast": 3.0, "t/small/fast": 25.0}
    first, second = tmp_path / "cache.json", tmp_path / "durations.json"
    store(first, {"t/small/fast": 2.0})
    assert Durations([first, second]).estimate(small) == 2.0  # the first file that knows wins
    assert Durations([first, second]).estimate(big) == 1.0


def test_an_unreadable_durations_file_only_costs_the_order(tmp_path: Path) -> None:
    (tmp_path / "durations.json").write_text("{torn")
    assert Durations([tmp_path / "durations.json"]).known == {}


class _HeldEngine(QueuedEngine):
    """A queue whose dispatcher never runs a job: the order is all there is to see."""

    def _dispatch(self) -> None:
        threading.Event().wait(0)


def test_urgent_and_promoted_jobs_go_ahead_of_the_queue() -> None:
    engine = _HeldEngine()
    futures = {name: engine.submit(Job(print, (), name)) for name in ("a", "b", "c")}
    engine.submit(Job(print, (), "urgent"), urgent=True)
    engine.promote([futures["c"]])
    assert [job.what for job, _ in engine._queue] == ["c", "urgent", "a", "b"]
    engine.close()
    assert all(future.cancelled() for future in futures.values())


def _run(start: float, end: float, cached: bool = False) -> SeedRun:
    return SeedRun(0, {}, started_at=start, ended_at=end, from_cache=cached)


class _Lines:
    live = False

    def __init__(self) -> None:
        self.lines: list[str] = []

    def rewrite(self, text: str) -> None:
        raise AssertionError("a CI log gets whole lines only")

    def line(self, text: str) -> None:
        self.lines.append(text)

    def clear(self) -> None:
        pass


def test_progress_counts_cached_seeds_and_estimates_the_time_left() -> None:
    display = _Lines()
    progress = Progress(display, slots=2)
    slow, fast = _recipe("slow"), _recipe("fast")
    progress.asked(slow, 3)
    progress.asked(fast, 2)
    progress.finished(fast, _run(0, 0, cached=True))
    progress.finished(fast, _run(0, 0, cached=True))
    progress.finished(slow, _run(0, 10))
    assert progress.counts() == (3, 5, 2)
    assert progress.remaining_seconds() == pytest.approx(2 * 10 / 2)
    progress.flush()
    assert display.lines == ["t/fast (fast): 2 seed(s) done, 2 from the cache; training: 3/5 "
                             "seeds done, 2 from the cache, about 10 s left"]
    future: Future = Future()
    future.set_result("value")
    assert progress.wait(future) == "value"


def test_occupancy_is_busy_slot_time_over_the_training_phase(tmp_path: Path) -> None:
    entries = [_entry("a", "w1", 100, 160), _entry("b", "w2", 100, 150),
               _entry("c", "w2", 150, 160), _entry("d", "cache", 0, 0, cached=True)]
    summary = occupancy(entries, slots=2)
    assert summary["span_s"] == 60 and summary["busy_s"] == 120 and summary["occupancy"] == 1.0
    assert summary["cached"] == 1 and summary["workers"] == 2
    assert occupancy(entries[:1], slots=2)["occupancy"] == 0.5
    written = write_timeline(entries, 2, tmp_path / "timeline.json")
    assert json.loads((tmp_path / "timeline.json").read_text())["summary"] == written
    assert occupancy([], 2)["occupancy"] is None


class _Config:
    """The options HarnessState reads, for a session in ``root``."""

    def __init__(self, root: Path) -> None:
        self.rootpath = root
        self._options = {"--baselines-dir": None, "--reports-dir": None, "--resume": None,
                         "--no-train-cache": False, "--train-cache": str(root / "cache")}

    def getoption(self, name: str) -> object:
        return self._options[name]


def test_structure_claims_run_first_then_the_longest_trainings(tmp_path: Path) -> None:
    from harness.claims import claim_files, load_claims
    from harness.session import ClaimCase, HarnessState

    claims = {claim.id: claim for claim in load_claims(claim_files(
        Path(__file__).parent.parent / "suites"))}
    short = claims["mnist-intro/cnn/test-accuracy"]
    long_ = claims["mnist-workflow/dense/test-accuracy"]
    structure = next(claim for claim in claims.values() if claim.group == "structure")
    store(tmp_path / "baselines" / "durations.json",
          {"mnist-intro/cnn/fast": 1.0, "mnist-workflow/dense/fast": 9.0})
    state = HarnessState(_Config(tmp_path))
    cases = [ClaimCase(short, "fast"), "not a claim", ClaimCase(long_, "fast"),
             ClaimCase(structure, "structure")]
    assert state.schedule(cases) == [1, 3, 2, 0]
    store(tmp_path / "cache" / "durations.json", {"mnist-intro/cnn/fast": 20.0})
    assert HarnessState(_Config(tmp_path)).schedule(cases) == [1, 3, 0, 2]  # the cache knows
