"""Trained measurements: a metric of one recipe, or the seed-paired difference of two.

Both return the mean as the value and every seed's value in ``details["values"]``; the judges
in ``harness.verdicts.judges`` decide with those (``harness.verdicts.stats``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.measures.context import MeasureContext, Measurement

if TYPE_CHECKING:
    from harness.claims import Claim
    from harness.recipes import Recipe
    from harness.training.runner import RecipeRun


def recipes_of(claim: Claim, profile: str) -> list[Recipe]:
    """The recipes a trained claim reads in a profile."""
    names = [str(claim.args[side]).partition(".")[0] for side in ("recipe", "a", "b")
             if isinstance(claim.args.get(side), str)]
    return [claim.recipes[(name, profile)] for name in dict.fromkeys(names)
            if (name, profile) in claim.recipes]


def run_of(claim: Claim, ctx: MeasureContext, recipe_name: str) -> RecipeRun:
    """The trained seeds of one of the claim's recipes, in the context's profile."""
    recipe = claim.recipes[(recipe_name, ctx.profile)]
    recipe = recipe.for_smoke() if ctx.smoke else recipe
    return ctx.bank.run(recipe, ctx.seeds_for(recipe))


def _provenance(run: RecipeRun) -> dict[str, Any]:
    return {"recipe": run.recipe.name, "profile": run.recipe.profile,
            "seeds": [r.seed for r in run.runs],
            "data": run.data_description, "n_test": run.runs[0].metrics.get("n_test"),
            "fit_seconds": [round(r.fit_seconds, 3) for r in run.runs],
            "train_seconds": [round(r.total_seconds, 3) for r in run.runs],
            "history": [r.history for r in run.runs]}


def seed_values(run: RecipeRun, values: list[float]) -> Measurement:
    """One value per seed of a run: their mean, each seed's, and where they came from."""
    return Measurement(sum(values) / len(values), data_source=run.data_source,
                       data_checksum=run.data_checksum,
                       details={"values": values, "data_is_proxy": run.data_source.startswith(
                           "proxy"), **_provenance(run)})


def level(claim: Claim, ctx: MeasureContext) -> Measurement:
    """One metric of one recipe, per seed."""
    run = run_of(claim, ctx, claim.args["recipe"])
    return seed_values(run, run.values(claim.args["metric"]))


def _side(claim: Claim, ctx: MeasureContext,
          reference: Any) -> tuple[dict[int, float] | float, RecipeRun | None]:
    """A side of a relation: {seed: value} of 'recipe.metric', or a constant."""
    if not isinstance(reference, str):
        return float(reference), None
    recipe_name, _, metric = reference.partition(".")
    if not metric:
        raise ValueError(f"{reference!r} must be 'recipe.metric' or a number")
    run = run_of(claim, ctx, recipe_name)
    return dict(zip((r.seed for r in run.runs), run.values(metric), strict=True)), run


def paired_difference(claim: Claim, ctx: MeasureContext) -> Measurement:
    """d_i = a_i − b_i over the seeds both sides share (same seed, same data, same test set)."""
    a_side, a_run = _side(claim, ctx, claim.args["a"])
    b_side, b_run = _side(claim, ctx, claim.args["b"])
    if a_run is None:
        raise ValueError(f"side a must be 'recipe.metric', got {claim.args['a']!r}")
    assert isinstance(a_side, dict)
    if b_run is not None and a_run.data_checksum != b_run.data_checksum:
        raise ValueError(f"{claim.args['a']} and {claim.args['b']} ran on different data")
    seeds = [seed for seed in a_side if not isinstance(b_side, dict) or seed in b_side]
    if not seeds:
        raise ValueError(f"{claim.args['a']} and {claim.args['b']} share no seed to pair")
    a_values = [a_side[seed] for seed in seeds]
    b_values = [b_side[seed] if isinstance(b_side, dict) else b_side for seed in seeds]
    differences = [a - b for a, b in zip(a_values, b_values, strict=True)]
    return Measurement(sum(differences) / len(differences), data_source=a_run.data_source,
                       data_checksum=a_run.data_checksum,
                       details={"values": differences, "paired_seeds": seeds,
                                "a_values": a_values, "b_values": b_values,
                                "data_is_proxy": a_run.data_source.startswith("proxy"),
                                **_provenance(a_run)})


def learning_curve(claim: Claim, ctx: MeasureContext) -> Measurement:
    """One logged history metric of a recipe, epoch by epoch (issue 14): the value is the
    per-epoch mean over seeds, ``details["values"]`` every seed's curve."""
    run = run_of(claim, ctx, claim.args["recipe"])
    metric = claim.args["metric"]
    missing = [r.seed for r in run.runs if metric not in r.history]
    if missing:
        raise KeyError(f"recipe {run.recipe.name!r} logs no {metric!r} history; it logs: "
                       f"{', '.join(sorted(run.runs[0].history))}")
    curves = [[float(value) for value in r.history[metric]] for r in run.runs]
    mean = [sum(epoch) / len(epoch) for epoch in zip(*curves, strict=True)]
    return Measurement(mean, data_source=run.data_source, data_checksum=run.data_checksum,
                       details={"values": curves, "data_is_proxy": run.data_source.startswith(
                           "proxy"), **_provenance(run)})
