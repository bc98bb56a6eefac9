"""Benchmark the fast profile: wall time, CPU use, and where the training time goes.

Runs ``pytest suites -m fast`` in this process and reads the run's JSON report, which lists every
trained recipe with its time in ``fit`` and with building and evaluation (summed over the
training workers, which run in parallel). CPU use is user + system time of this process and of
its worker processes over the wall time (200% = both cores of a 2-core machine busy). With
``--raw`` it then trains the same recipes again with bare Keras calls (seed, build, compile,
fit) in this process, so the harness's own cost can be set against raw ``model.fit``. It prints
figures and asserts nothing.

    .venv/bin/python scripts/bench_fast.py [--raw] [pytest args...]
"""

from __future__ import annotations

import argparse
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


def run_suite(extra: list[str]) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds, the run's JSON report)."""
    import pytest

    reports = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    cpu, started = _cpu_seconds(), time.perf_counter()
    pytest.main(["suites", "-m", "fast", "-q", "-p", "no:cacheprovider",
                 "--reports-dir", str(reports), *extra])
    wall = time.perf_counter() - started
    return wall, _cpu_seconds() - cpu, json.loads((reports / "latest.json").read_text())


def raw_fit_seconds(training: list[dict]) -> float:
    """The same recipes, seeds and data, timed around a bare ``model.fit`` (no harness
    callbacks, no evaluation)."""
    import keras

    from harness.claims import claim_files, load_claims
    from harness.models import build_model
    from harness.training import dataset_for
    from harness.training.datasets import DataChoice
    from harness.training.runner import compile_like, prepare

    recipes = {}
    for claim in load_claims(claim_files(ROOT / "suites" / "claims")):
        recipes.update({(claim.tutorial, name, profile): recipe
                        for (name, profile), recipe in claim.recipes.items()})
    total = 0.0
    for entry in training:
        recipe = recipes[(entry["tutorial"], entry["recipe"], entry["profile"])]
        dataset = dataset_for(recipe, DataChoice())
        for seed in entry["seeds"]:
            for member in range(recipe.ensemble):
                keras.utils.set_random_seed(seed * 1000 + member if recipe.ensemble > 1 else seed)
                model = build_model(recipe.models, recipe.model)
                data = prepare(recipe, dataset, model)
                compile_like(recipe, model)
                validation = None if data.x_val is None else (data.x_val, data.y_val)
                started = time.perf_counter()
                model.fit(data.x_train, data.y_train, batch_size=recipe.batch_size,
                          epochs=recipe.epochs, validation_data=validation, verbose=0)
                total += time.perf_counter() - started
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", action="store_true",
                        help="also time raw model.fit for the same recipes (doubles the time)")
    args, extra = parser.parse_known_args()
    wall, cpu, report = run_suite(extra)
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
    if args.raw:
        raw = raw_fit_seconds(training)
        print(f"  raw model.fit of the same recipes: {raw:.1f} s; fit inside the harness "
              f"{fit:.1f} s ({(fit - raw) / raw:+.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
