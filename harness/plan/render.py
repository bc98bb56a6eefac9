"""A plan as markdown for people, and as JSON for jobs that size a cluster."""

from __future__ import annotations

import json

from harness.plan import Plan
from harness.reporting.tables import markdown_table


def duration(seconds: float) -> str:
    """Seconds as a person reads them: 42 s, 7.5 min, 3.2 h."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _method(plan: Plan) -> str:
    processes = ("a fresh process per (recipe, seed) job (Ray gives each GPU task a fresh "
                 "worker), each paying the process start and any feature extraction"
                 if plan.fresh_process_per_job else
                 "one long-lived training process per device, which starts once and extracts "
                 "a recipe's features once")
    return (f"Timed on {plan.device} ({plan.backend}, Keras {plan.keras}), in a process set up "
            f"as a training worker (one thread on a CPU, one GPU), engine `{plan.engine}`. Per "
            f"recipe: its model built and compiled by the runner, {plan.warmup} warm-up steps, "
            f"then 2 epochs of {plan.steps} training steps and {plan.steps} validation batches "
            f"at the recipe's batch size through `model.fit`, and {plan.steps} evaluation "
            f"batches of 256, on random arrays of the real input shapes (the real data sets "
            f"are not read; a step's cost does not depend on the values). Augmentation layers "
            f"run inside the timed step; a frozen feature base (MobileNet, random weights: the "
            f"same cost as ImageNet's) is timed on {plan.steps} batches of 32 images. "
            f"Extrapolated: seeds × members × epochs × (steps per epoch × step + validation "
            f"batches × batch + the epoch's own cost), + per model its first calls (tracing) "
            f"and the end's evaluation, + the feature extraction. Not counted: loading the "
            f"data sets, and the extra seeds of a borderline verdict or a confirmation. Wall "
            f"times: the (recipe, seed) jobs list-scheduled longest first onto N devices, "
            f"{processes} ({duration(plan.start_s)} measured here).")


def render_markdown(plan: Plan) -> str:
    rows = [{"recipe": e.recipe,
             "seeds × members × epochs × steps": f"{e.seeds} × {e.members} × {e.epochs} × "
                                                 f"{e.steps_per_epoch:,}",
             "step ms": f"{e.times.train_step * 1e3:.1f}",
             "val batch ms": f"{e.times.val_step * 1e3:.1f}" if e.val_batches else "—",
             "train": duration(e.train_s),
             "val + eval + epochs": duration(e.validation_s + e.evaluation_s
                                             + e.epoch_overhead_s + e.features_s),
             "per seed": duration(e.per_seed_s), "all seeds": duration(e.total_s)}
            for e in sorted(plan.estimates, key=lambda e: e.total_s, reverse=True)]
    jobs = sum(e.seeds for e in plan.estimates)
    walls = [{"devices": str(n), "wall time": duration(seconds),
              "speed-up": f"{plan.wall_s[min(plan.wall_s)] / seconds:.1f}×"}
             for n, seconds in sorted(plan.wall_s.items())]
    return "\n".join([
        f"# Full-profile plan: {len(plan.estimates)} recipes, {jobs} (recipe, seed) jobs",
        "", _method(plan), "", markdown_table(rows), "",
        f"**Total: {duration(plan.total_s)} of device time** (every recipe's seeds, one "
        f"device). Writing the full baselines (`--update-baselines`, {plan.baseline_seeds} "
        f"seeds per recipe besides the check seeds) adds {duration(plan.baseline_write_s)}.",
        "", markdown_table(walls), ""])


def render_json(plan: Plan) -> str:
    return json.dumps({
        "device": plan.device, "backend": plan.backend, "keras": plan.keras,
        "engine": plan.engine, "steps": plan.steps, "warmup": plan.warmup,
        "start_s": plan.start_s, "fresh_process_per_job": plan.fresh_process_per_job,
        "recipes": [e.as_dict() for e in plan.estimates], "total_s": plan.total_s,
        "wall_s": {str(n): s for n, s in sorted(plan.wall_s.items())},
        "baseline_seeds": plan.baseline_seeds, "baseline_write_s": plan.baseline_write_s,
    }, indent=1) + "\n"
