"""Step times: one training step of a tutorial's model, timed the way benchmarks should be.

The models of a claim are timed in one process, interleaved round by round (so a slow spell of
the machine hits every model alike), after warm-up, each step synchronized (``train_on_batch``
hands back the loss as a host value, which waits for the device). The first step, which traces
and compiles, is reported on its own. Inputs are random tensors of the model's input shape:
a step's cost does not depend on the pixel values.

When pytest-benchmark's fixture is given, the interleaved rounds run under
``benchmark.pedantic``, so its statistics and JSON hold the same rounds the claim judges.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from harness.measures.context import MeasureContext, Measurement

if TYPE_CHECKING:
    import keras

    from harness.claims import Claim

DEFAULT_ROUNDS = 20
DEFAULT_WARMUP = 3
SMOKE_ROUNDS = 2
TOKEN_RANGE = 1_000  # token ids drawn for models that embed words


@dataclass
class StepTimes:
    """One model's timings: the first (tracing) step and every timed round, in seconds."""

    first_step_s: float
    rounds_s: list[float]
    batch_size: int

    @property
    def median_s(self) -> float:
        return float(np.median(self.rounds_s))

    def summary(self) -> dict[str, float]:
        return {"first_step_ms": round(self.first_step_s * 1e3, 3),
                "ms_per_batch": round(self.median_s * 1e3, 4),
                "us_per_sample": round(self.median_s / self.batch_size * 1e6, 3),
                "batch_size": self.batch_size, "rounds": len(self.rounds_s)}


def _batch(model: keras.Model, batch_size: int, loss: str, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:
    shape = (batch_size, *(int(d) for d in model.inputs[0].shape[1:]))
    if "int" in str(model.inputs[0].dtype):
        x = rng.integers(1, TOKEN_RANGE, size=shape).astype("int32")
    else:
        x = rng.random(shape, dtype=np.float32)
    classes = int(model.outputs[0].shape[-1])
    if loss.startswith("binary") or classes == 1:
        return x, rng.integers(0, 2, size=(batch_size, 1)).astype("float32")
    return x, rng.integers(0, classes, size=(batch_size,)).astype("int32")


def _step(model: keras.Model, x: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        model.train_on_batch(x, y)  # returns host values: the step has finished on the device
        return time.perf_counter() - started
    return run


def time_models(claim: Claim, recipe_names: list[str], ctx: MeasureContext
                ) -> dict[str, StepTimes]:
    """Build, compile and time each recipe's model at the claim's batch size, interleaved."""
    import keras

    from harness.models import build_model
    from harness.training.runner import compile_like

    batch_size = int(claim.args["batch_size"])
    rounds = SMOKE_ROUNDS if ctx.smoke else int(claim.args.get("rounds", DEFAULT_ROUNDS))
    warmup = 1 if ctx.smoke else int(claim.args.get("warmup", DEFAULT_WARMUP))
    rng = np.random.default_rng(0)
    steps: dict[str, Callable[[], float]] = {}
    times: dict[str, StepTimes] = {}
    for name in recipe_names:
        recipe = claim.recipes[(name, "full")]  # the tutorial's optimizer and loss
        keras.utils.set_random_seed(0)
        model = build_model(recipe.models, recipe.model)
        compile_like(recipe, model)
        steps[name] = _step(model, *_batch(model, batch_size, recipe.loss, rng))
        times[name] = StepTimes(first_step_s=steps[name](), rounds_s=[], batch_size=batch_size)
        for _ in range(warmup):
            steps[name]()

    def one_round() -> None:
        for name, step in steps.items():
            times[name].rounds_s.append(step())

    benchmark = ctx.benchmark
    if benchmark is not None:
        benchmark.extra_info["models"] = recipe_names
        benchmark.pedantic(one_round, rounds=rounds, iterations=1)
        benchmark.extra_info.update({name: t.summary() for name, t in times.items()})
    else:
        for _ in range(rounds):
            one_round()
    return times


def step_time_ratio(claim: Claim, ctx: MeasureContext) -> Measurement:
    """How many times longer a step of model a takes than a step of model b, per round."""
    a, b = claim.args["a"], claim.args["b"]
    times = time_models(claim, [a, b], ctx)
    per_round = [math.log10(ta / tb) for ta, tb in
                 zip(times[a].rounds_s, times[b].rounds_s, strict=True)]
    ratio = times[a].median_s / times[b].median_s
    return Measurement(round(ratio, 2), details={
        "values": per_round, "unit": "ratio", a: times[a].summary(), b: times[b].summary(),
        "device": ctx.environment.device if ctx.environment else ""})


def step_time(claim: Claim, ctx: MeasureContext) -> Measurement:
    """Milliseconds per training step (one batch) of one recipe's model, median of rounds."""
    name = claim.args["recipe"]
    times = time_models(claim, [name], ctx)[name]
    return Measurement(round(times.median_s * 1e3, 3), details={
        "values": [math.log10(t * 1e3) for t in times.rounds_s], "unit": "ms per step",
        name: times.summary(), "device": ctx.environment.device if ctx.environment else ""})
