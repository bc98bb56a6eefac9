"""Saving and reloading a model the way its tutorial does, and what survives the round trip.

Each route is the tutorial's own calls in their Keras 3 spelling: ``model.save`` to a ``.keras``
or legacy ``.h5`` file and ``load_model``; or ``to_json()`` plus ``save_weights()``, read back
with ``model_from_json`` and ``load_weights``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.measures.context import MeasureContext, Measurement
from harness.measures.structure import sample_input

if TYPE_CHECKING:
    import keras

    from harness.claims import Claim


def _whole_model(extension: str) -> Callable[[keras.Model, Path], keras.Model]:
    """``model.save`` to a file of this extension, then ``load_model``."""
    def save_and_load(model: keras.Model, stem: Path) -> keras.Model:
        import keras

        path = stem.with_suffix(extension)
        model.save(path)
        try:
            return keras.models.load_model(path)
        finally:
            path.unlink()
    return save_and_load


def _json_and_weights(model: keras.Model, stem: Path) -> keras.Model:
    """The architecture as JSON, the weights in HDF5 (Keras 3 insists on ``.weights.h5``)."""
    import keras

    weights = stem.with_suffix(".weights.h5")
    architecture = model.to_json()
    model.save_weights(weights)
    try:
        reloaded = keras.models.model_from_json(architecture)
        reloaded.load_weights(weights)
    finally:
        weights.unlink()
    return reloaded


# the same weights on the same inputs: only kernel selection on an accelerator may differ
PREDICTION_TOLERANCE = 1e-6

ROUTES: dict[str, Callable[[keras.Model, Path], keras.Model]] = {
    "keras": _whole_model(".keras"), "h5": _whole_model(".h5"),
    "json-weights": _json_and_weights}


def round_trip(model: keras.Model, route: str, stem: Path) -> keras.Model:
    """Save the model by the route and read it back."""
    if route not in ROUTES:
        raise ValueError(f"route must be one of {', '.join(ROUTES)}, got {route!r}")
    return ROUTES[route](model, stem)


def _max_prediction_diff(before: keras.Model, after: keras.Model) -> float:
    import keras

    inputs = sample_input(before, 8)
    return float(np.max(np.abs(keras.ops.convert_to_numpy(before(inputs, training=False))
                               - keras.ops.convert_to_numpy(after(inputs, training=False)))))


def save_load_max_diff(claim: Claim, ctx: MeasureContext) -> Measurement:
    """Save the model by the tutorial's route (``route``, default the Keras format), reload it
    and compare predictions."""
    model = ctx.model(claim.models, claim.args["model"])
    route = claim.args.get("route", "keras")
    reloaded = round_trip(model, route, ctx.scratch / f"{claim.tutorial}-{claim.args['model']}")
    return Measurement(_max_prediction_diff(model, reloaded), details={"route": route})


def _loss_name(loss: Any) -> str:
    """A compiled loss by name: compile's string and load_model's function are one loss."""
    import keras

    loss = keras.losses.get(loss) if isinstance(loss, str) else loss
    return str(getattr(loss, "__name__", None) or getattr(loss, "name", None) or repr(loss))


def _compiled_state(model: keras.Model) -> dict[str, Any]:
    """What compile() set: the optimizer's class, configuration and variables, the loss, and
    the metrics' names."""
    optimizer = model.optimizer
    return {"optimizer": type(optimizer).__name__,
            "optimizer_config": {key: value for key, value in optimizer.get_config().items()
                                 if key != "name"},
            "optimizer_variables": [np.asarray(v) for v in optimizer.variables],
            "loss": _loss_name(model.loss), "metrics": sorted(m.name for m in model.metrics)}


def _differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    different = [key for key in ("optimizer", "optimizer_config", "loss", "metrics")
                 if before[key] != after[key]]
    variables = before["optimizer_variables"], after["optimizer_variables"]
    if len(variables[0]) != len(variables[1]) or any(
            not np.array_equal(a, b) for a, b in zip(*variables, strict=False)):
        different.append("optimizer_variables")
    return different


def save_load_compiled(claim: Claim, ctx: MeasureContext) -> Measurement:
    """Whether the reloaded model is the compiled model it was: compile the model as the tutorial
    does, take one training step so the optimizer has state, save by the route, reload, and
    list what differs (the compiled state, the weights, the predictions); [] holds."""
    import keras

    from harness.models import build_model

    args = claim.args
    model = build_model(claim.models, args["model"])  # compiled and trained: not the shared one
    model.compile(**args["compile"])
    inputs = sample_input(model, 8)
    classes = int(model.outputs[0].shape[-1])
    targets = keras.utils.to_categorical(np.arange(len(inputs)) % classes, classes)
    model.train_on_batch(inputs, targets)
    reloaded = round_trip(model, args.get("route", "keras"),
                          ctx.scratch / f"{claim.tutorial}-{args['model']}-compiled")
    if reloaded.optimizer is None or not reloaded.compiled:
        return Measurement(["compiled"], details={"reloaded": "not compiled"})
    before, after = _compiled_state(model), _compiled_state(reloaded)
    different = _differences(before, after)
    if any(not np.array_equal(a, b) for a, b in zip(model.get_weights(), reloaded.get_weights(),
                                                    strict=True)):
        different.append("weights")
    prediction_diff = _max_prediction_diff(model, reloaded)
    if prediction_diff > PREDICTION_TOLERANCE:
        different.append("predictions")
    return Measurement(different, details={
        "optimizer": [before["optimizer"], after["optimizer"]],
        "loss": [before["loss"], after["loss"]],
        "metrics": [before["metrics"], after["metrics"]],
        "optimizer_variables": [len(before["optimizer_variables"]),
                                len(after["optimizer_variables"])],
        "max_prediction_diff": prediction_diff})
