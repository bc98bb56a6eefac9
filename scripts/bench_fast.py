"""Benchmark the fast profile: wall time, CPU use, and where the training time goes.

Runs ``pytest suites -m fast`` in this process and reads the run's JSON report, which lists every
trained recipe with its time in ``fit`` and with building and evaluation (summed over the
training workers, which run in parallel). CPU use is user + system time of this process and of
its worker processes over the wall time (200% = both cores of a 2-core machine busy). With
``--raw`` it then trains the same (recipe, seed) trainings again as bare Keras calls (seed,
build, compile, fit) in two single-threaded processes side by side, split longest first: the
floor a 2-core harness run is set against. It prints figures and asserts nothing.

    .venv/bin/python scripts/bench_fast.py [--raw] [pytest args...]
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished children."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_suite(extra: list[str]) -> tuple[float, float, dict, tuple[float, float]]:
    """(wall seconds, CPU seconds, the run's JSON report, its (start, end) in epoch seconds)."""
    import pytest

    reports = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    cpu, started, clock = _cpu_seconds(), time.perf_counter(), time.time()
    pytest.main(["suites", "-m", "fast", "-q", "-p", "no:cacheprovider",
                 "--reports-dir", str(reports), *extra])
    wall = time.perf_counter() - started
    return (wall, _cpu_seconds() - cpu, json.loads((reports / "latest.json").read_text()),
            (clock, time.time()))


def _raw_fits(entries: list[dict]) -> float:
    """Seconds in bare ``model.fit`` for these (tutorial, recipe, profile, seed) trainings, in
    this process (a single-threaded worker's settings): seed, build, compile as the harness
    does (augmentation layers included), fit, nothing else."""
    from harness.training.worker import configure_process

    configure_process(1)
    from harness.claims import claim_files, load_claims
    from harness.models import build_model
    from harness.training import dataset_for
    from harness.training.datasets import DataChoice
    from harness.training.runner import compiled_for_training, fresh_model, prepare

    recipes = {}
    for claim in load_claims(claim_files(ROOT / "suites")):
        recipes.update({(claim.tutorial, name, profile): recipe
                        for (name, profile), recipe in claim.recipes.items()})
    total = 0.0
    for entry in entries:
        recipe = recipes[(entry["tutorial"], entry["recipe"], entry["profile"])]
        dataset = dataset_for(recipe, DataChoice())
        seed, build = entry["seed"], functools.partial(build_model, recipe.models, recipe.model)
        for member in range(recipe.ensemble):
            member_seed = seed * 1000 + member if recipe.ensemble > 1 else seed
            core = fresh_model(member_seed, build)
            data = prepare(recipe, dataset, core)
            model, _ = compiled_for_training(recipe, core, member_seed)  # with its augmentation
            validation = None if data.x_val is None else (data.x_val, data.y_val)
            started = time.perf_counter()
            model.fit(data.x_train, data.y_train, batch_size=recipe.batch_size,
                      epochs=recipe.epochs, validation_data=validation, verbose=0)
            total += time.perf_counter() - started
    return total


def raw_floor(training: list[dict], processes: int = 2) -> tuple[float, float]:
    """The floor: the run's trainings as bare ``model.fit`` calls in ``processes``
    single-threaded processes side by side, split longest first by the run's own fit times.
    (the slowest process's seconds in fit, the processes' wall time)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    tasks = sorted(((entry["fit_seconds"] / len(entry["seeds"]),
                     {"tutorial": entry["tutorial"], "recipe": entry["recipe"],
                      "profile": entry["profile"], "seed": seed})
                    for entry in training for seed in entry["seeds"]),
                   key=lambda task: -task[0])
    shares: list[list[dict]] = [[] for _ in range(processes)]
    loads = [0.0] * processes
    for seconds, task in tasks:
        lightest = loads.index(min(loads))
        shares[lightest].append(task)
        loads[lightest] += seconds
    started = time.perf_counter()
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        fits = list(pool.map(_raw_fits, shares))
    return max(fits), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", action="store_true",
                        help="also time the floor: the same trainings as bare model.fit in two "
                             "single-threaded processes side by side")
    args, extra = parser.parse_known_args()
    wall, cpu, report, (began, ended) = run_suite(extra)
    training = report.get("training", [])
    fit = sum(entry["fit_seconds"] for entry in training)
    trained = sum(entry["train_seconds"] for entry in training)
    seeds = sum(len(entry["seeds"]) for entry in training)
    trained_claims = [r for r in report["results"] if r["group"] == "training"]
    per_verdict = [len(r["details"]["values"]) for r in trained_claims
                   if isinstance(r.get("details", {}).get("values"), list)]
    structure = sum(r["duration_s"] for r in report["results"] if r["group"] == "structure")
    figures = report.get("figures_seconds", 0.0)
    print(f"\nfast suite: {wall:.1f} s wall, CPU {cpu:.1f} s = {cpu / wall:.0%} of one core, "
          f"{len(report['results'])} claims, {len(training)} recipes, {seeds} seeds trained")
    if per_verdict:
        print(f"  trained verdicts: {len(per_verdict)}, seeds behind each: min "
              f"{min(per_verdict)}, mean {sum(per_verdict) / len(per_verdict):.1f}, max "
              f"{max(per_verdict)}")
    print(f"  training : {trained:.1f} s of worker time ({fit:.1f} s in model.fit, "
          f"{trained - fit:.1f} s building and evaluating), in parallel workers")
    print(f"  structure: {structure:.1f} s (building models, saving weights, no training)")
    print(f"  figures  : {figures:.1f} s ({len(report.get('figures', []))} PNGs for the report)"
          f" = {figures / max(fit, 1e-9):.1%} of model.fit")
    timeline = report.get("timeline") or {}
    if timeline.get("occupancy") is not None:
        before, after = timeline["start"] - began, ended - timeline["end"]
        print(f"  timeline : {timeline['trained']} trainings on {timeline['slots']} slots over "
              f"{timeline['span_s']:.1f} s, slots busy {timeline['occupancy']:.1%}; before the "
              f"first training {before:.1f} s, after the last {after:.1f} s: "
              f"{(before + after) / wall:.1%} of the wall time")
    cached = sum(entry.get("cached_seeds", 0) for entry in training)
    print(f"  cache    : {cached} of {seeds} seeds read from the train cache")
    if args.raw:
        floor, floor_wall = raw_floor(training)
        print(f"  floor    : the same trainings as bare model.fit in two single-threaded "
              f"processes side by side: {floor:.1f} s in fit (slowest process; {floor_wall:.1f}"
              f" s with their start-up, data and builds); harness wall {wall:.1f} s = "
              f"{wall / floor:.2f}x the floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
