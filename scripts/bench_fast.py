"""Benchmark the fast profile: its wall time split into training and harness time.

Runs ``pytest suites -m fast`` in this process and reads the run's JSON report, which lists every
trained recipe with its time in ``fit`` and with building and evaluation. With ``--raw`` it then
trains the same recipes again with bare Keras calls (seed, build, compile, fit), so the harness's
own cost can be set against raw ``model.fit``. It prints figures and asserts nothing.

    .venv/bin/python scripts/bench_fast.py [--raw] [pytest args...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_suite(extra: list[str]) -> tuple[float, dict]:
    import pytest

    reports = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    started = time.perf_counter()
    pytest.main(["suites", "-m", "fast", "-q", "-p", "no:cacheprovider",
                 "--reports-dir", str(reports), *extra])
    wall = time.perf_counter() - started
    return wall, json.loads((reports / "latest.json").read_text())


def raw_fit_seconds(training: list[dict]) -> float:
    """The same recipes, seeds and data, timed around a bare ``model.fit`` (no harness
    callbacks, no evaluation)."""
    import keras

    from harness.claims import claim_files, load_claims
    from harness.models import build_model
    from harness.training import dataset_for
    from harness.training.runner import compile_like, prepare

    recipes = {}
    for claim in load_claims(claim_files(ROOT / "suites" / "claims")):
        recipes.update({(claim.tutorial, name, profile): recipe
                        for (name, profile), recipe in claim.recipes.items()})
    total = 0.0
    for entry in training:
        recipe = recipes[(entry["tutorial"], entry["recipe"], entry["profile"])]
        dataset = dataset_for(recipe, None)
        for seed in recipe.seeds:
            for member in range(recipe.ensemble):
                keras.utils.set_random_seed(seed * 1000 + member if recipe.ensemble > 1 else seed)
                model = build_model(recipe.tutorial, recipe.model)
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
    wall, report = run_suite(extra)
    training = report.get("training", [])
    fit = sum(entry["fit_seconds"] for entry in training)
    trained = sum(entry["train_seconds"] for entry in training)
    structure = sum(r["duration_s"] for r in report["results"] if r["group"] == "structure")
    figures = report.get("figures_seconds", 0.0)
    harness = wall - trained - structure - figures
    print(f"\nfast suite: {wall:.1f} s wall, {len(report['results'])} claims, "
          f"{len(training)} recipes trained")
    print(f"  training : {trained:.1f} s ({fit:.1f} s in model.fit, "
          f"{trained - fit:.1f} s building and evaluating)")
    print(f"  structure: {structure:.1f} s (building models, saving weights, no training)")
    print(f"  harness  : {harness:.1f} s (start-up, claims, data, statistics, baselines, report)"
          f" = {harness / max(fit, 1e-9):.1%} of model.fit")
    print(f"  figures  : {figures:.1f} s ({len(report.get('figures', []))} PNGs for the report)"
          f" = {figures / max(fit, 1e-9):.1%} of model.fit")
    if args.raw:
        raw = raw_fit_seconds(training)
        print(f"  raw model.fit of the same recipes: {raw:.1f} s; fit inside the harness "
              f"{fit:.1f} s ({(fit - raw) / raw:+.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
