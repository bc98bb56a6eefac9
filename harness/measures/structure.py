"""Structural measurements: what Keras actually builds, read off the real models and layers.

Nothing here trains. Every value comes from Keras itself (parameter counts, shapes, saved files,
layer outputs), so a claim checks the tutorial against the framework, not against arithmetic of
our own.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.errors import MeasurementSkipped
from harness.measures.context import MeasureContext, Measurement

if TYPE_CHECKING:
    import keras

    from harness.claims import Claim


def _model(claim: Claim, ctx: MeasureContext) -> keras.Model:
    return ctx.model(claim.models, claim.args["model"])


def _layer(model: keras.Model, index: int) -> keras.layers.Layer:
    if not -len(model.layers) <= index < len(model.layers):
        raise IndexError(f"layer index {index} out of range: the model has "
                         f"{len(model.layers)} layers")
    return model.layers[index]


def _shape(tensor_shape: Any) -> list[int | None]:
    return [None if dim is None else int(dim) for dim in tensor_shape]


def _weights_size(weights: list[Any]) -> int:
    return int(sum(np.prod(weight.shape) for weight in weights))


def param_count(claim: Claim, ctx: MeasureContext) -> Measurement:
    model = _model(claim, ctx)
    target = _layer(model, claim.args["layer"]) if "layer" in claim.args else model
    part = claim.args.get("part", "total")
    counts = {"total": lambda: target.count_params(),
              "trainable": lambda: _weights_size(target.trainable_weights),
              "non-trainable": lambda: _weights_size(target.non_trainable_weights)}
    if part not in counts:
        raise ValueError(f"part must be one of {', '.join(counts)}, got {part!r}")
    return Measurement(int(counts[part]()))


def layer_params(claim: Claim, ctx: MeasureContext) -> Measurement:
    model = _model(claim, ctx)
    return Measurement([int(layer.count_params()) for layer in model.layers],
                       details={"layers": [type(layer).__name__ for layer in model.layers]})


def output_shapes(claim: Claim, ctx: MeasureContext) -> Measurement:
    model = _model(claim, ctx)
    return Measurement([_shape(layer.output.shape[1:]) for layer in model.layers],
                       details={"layers": [type(layer).__name__ for layer in model.layers]})


def output_shape(claim: Claim, ctx: MeasureContext) -> Measurement:
    model = _model(claim, ctx)
    # a Sequential model has ``outputs`` but no ``output`` until it has been called
    target = (_layer(model, claim.args["layer"]).output if "layer" in claim.args
              else model.outputs[0])
    return Measurement(_shape(target.shape[1:]))


def param_share(claim: Claim, ctx: MeasureContext) -> Measurement:
    model = _model(claim, ctx)
    layer = _layer(model, claim.args["layer"])
    return Measurement(layer.count_params() / model.count_params(),
                       details={"layer_params": layer.count_params(),
                                "total_params": model.count_params()})


def _build_layer(spec: Mapping[str, Any], input_shape: list[int]) -> keras.layers.Layer:
    import keras

    options = dict(spec)
    class_name = options.pop("class", None)
    layer_class = getattr(keras.layers, str(class_name), None)
    if layer_class is None:
        raise ValueError(f"unknown keras layer class {class_name!r}")
    layer = layer_class(**options)
    layer.build((None, *input_shape))
    return layer


def layer_param_count(claim: Claim, ctx: MeasureContext) -> Measurement:
    layer = _build_layer(claim.args["layer"], claim.args["input_shape"])
    return Measurement(int(layer.count_params()))


def param_ratio_exceeds(claim: Claim, ctx: MeasureContext) -> Measurement:
    """Whether layer a has more than ``factor`` times the parameters of layer b, each built on
    its own input (e.g. a dense and a convolutional first layer on the same image)."""
    a, b = (_build_layer(claim.args[side]["layer"], claim.args[side]["input_shape"])
            for side in ("a", "b"))
    ratio = a.count_params() / b.count_params()
    return Measurement(bool(ratio > claim.args["factor"]),
                       details={"a_params": a.count_params(), "b_params": b.count_params(),
                                "ratio": ratio})


# --- the chapter's sizing formulas, checked against what Keras builds ------------------------

def _conv_formula(width: int, filter_size: int, stride: int, padding: int) -> float:
    return (width - filter_size + 2 * padding) / stride + 1


def _keras_conv(width: int, filter_size: int, stride: int, padding: int, depth: int,
                filters: int) -> keras.Model:
    """Zero padding P then a 'valid' convolution: the chapter's W, F, S, P set-up in Keras."""
    import keras

    inputs = keras.Input((width, width, depth))
    padded = keras.layers.ZeroPadding2D(padding)(inputs) if padding else inputs
    outputs = keras.layers.Conv2D(filters, filter_size, strides=stride, padding="valid")(padded)
    return keras.Model(inputs, outputs)


def sizing_formula(claim: Claim, ctx: MeasureContext) -> Measurement:
    args = claim.args
    return Measurement(_conv_formula(args["W"], args["F"], args["S"], args["P"]))


def sizing_valid(claim: Claim, ctx: MeasureContext) -> Measurement:
    """Valid means the formula gives a whole number and Keras builds exactly that size."""
    args = claim.args
    predicted = _conv_formula(args["W"], args["F"], args["S"], args["P"])
    built = _keras_conv(args["W"], args["F"], args["S"], args["P"], 1, 1).output.shape[1]
    return Measurement(predicted.is_integer() and built == predicted,
                       details={"formula": predicted, "keras_builds": built})


def _grid(grid: Mapping[str, list[int]]) -> Iterator[dict[str, int]]:
    defaults = {"W": [10], "F": [3], "S": [1], "P": [0], "D": [1], "K": [1]}
    axes = {name: list(grid.get(name, values)) for name, values in defaults.items()}
    for point in itertools.product(*axes.values()):
        yield dict(zip(axes, point, strict=True))


def _conv_output_agrees(p: dict[str, int]) -> bool:
    """Keras builds the formula's size; where the formula gives a fraction (the chapter's
    invalid architecture) Keras does not refuse it but builds the size rounded down, leaving
    the last (W − F + 2P) mod S input columns uncovered."""
    predicted = _conv_formula(p["W"], p["F"], p["S"], p["P"])
    built = _keras_conv(p["W"], p["F"], p["S"], p["P"], p["D"], p["K"]).output.shape[1]
    return built == math.floor(predicted)


def _pool_output_agrees(p: dict[str, int]) -> bool:
    """As the convolution: the formula's size, rounded down where it gives a fraction."""
    import keras

    predicted = (p["W"] - p["F"]) / p["S"] + 1
    pool = keras.layers.MaxPooling2D(pool_size=p["F"], strides=p["S"], padding="valid")
    return pool.compute_output_shape((None, p["W"], p["W"], p["D"]))[1] == math.floor(predicted)


# the output-size formulas, for counting the grid points where they give a fraction
_FRACTION_FORMULAS: dict[str, Callable[[dict[str, int]], float]] = {
    "conv-output": lambda p: _conv_formula(p["W"], p["F"], p["S"], p["P"]),
    "pool-output": lambda p: (p["W"] - p["F"]) / p["S"] + 1}


def _same_padding_agrees(p: dict[str, int]) -> bool | None:
    """P = (F - 1)/2 at stride 1 keeps the size, and so does Keras's padding='same'."""
    if p["S"] != 1 or p["F"] % 2 == 0:
        return None
    padding = (p["F"] - 1) // 2
    explicit = _keras_conv(p["W"], p["F"], 1, padding, p["D"], p["K"]).output.shape[1]
    import keras

    same = keras.layers.Conv2D(p["K"], p["F"], padding="same")
    same.build((None, p["W"], p["W"], p["D"]))
    keras_same = same.compute_output_shape((None, p["W"], p["W"], p["D"]))[1]
    return explicit == p["W"] == keras_same


def _conv_params_agree(p: dict[str, int]) -> bool | None:
    conv = _build_layer({"class": "Conv2D", "filters": p["K"], "kernel_size": p["F"]},
                        [max(p["W"], p["F"]), max(p["W"], p["F"]), p["D"]])
    return conv.count_params() == p["K"] * (p["F"] * p["F"] * p["D"] + 1)


def _conv_multiplications_agree(p: dict[str, int]) -> bool | None:
    """Count Keras's multiplications: with all-ones input and kernel and no bias, each output
    element is the number of products summed into it, so the outputs add up to the total."""
    import keras

    predicted = _conv_formula(p["W"], p["F"], p["S"], p["P"])
    if not predicted.is_integer():
        return None
    size = p["W"] + 2 * p["P"]  # the padded input: the formula counts products with padding too
    conv = keras.layers.Conv2D(p["K"], p["F"], strides=p["S"], use_bias=False,
                               kernel_initializer="ones")
    ones = np.ones((1, size, size, p["D"]), dtype="float32")
    counted = float(np.asarray(keras.ops.convert_to_numpy(conv(ones)), dtype="float64").sum())
    formula = p["F"] * p["F"] * p["D"] * predicted * predicted * p["K"]
    return counted == formula


_GRID_CHECKS: dict[str, Callable[[dict[str, int]], bool | None]] = {
    "conv-output": _conv_output_agrees,
    "pool-output": _pool_output_agrees,
    "same-padding": _same_padding_agrees,
    "conv-params": _conv_params_agree,
    "conv-multiplications": _conv_multiplications_agree,
}


def sizing_grid(claim: Claim, ctx: MeasureContext) -> Measurement:
    """Number of grid points where the chapter's formula disagrees with Keras (0 = holds)."""
    formula = claim.args["formula"]
    if formula not in _GRID_CHECKS:
        raise ValueError(f"unknown formula {formula!r}; known: {', '.join(_GRID_CHECKS)}")
    check = _GRID_CHECKS[formula]
    checked, fractional, disagreements = 0, 0, []
    for point in _grid(claim.args["grid"]):
        if point["F"] > point["W"] + 2 * point["P"]:
            continue
        agrees = check(point)
        if agrees is None:
            continue
        checked += 1
        size = _FRACTION_FORMULAS.get(formula)
        fractional += size is not None and not float(size(point)).is_integer()
        if not agrees:
            disagreements.append(point)
    if checked == 0:
        raise ValueError(f"the grid holds no point the {formula} formula applies to")
    return Measurement(len(disagreements),
                       details={"points_checked": checked, "fractional_points": fractional,
                                "disagreements": disagreements[:5]})


# --- weights, activations, saving ------------------------------------------------------------

def kernel_shape(claim: Claim, ctx: MeasureContext) -> Measurement:
    return Measurement(_shape(_layer(_model(claim, ctx), claim.args["layer"]).kernel.shape))


def sample_input(model: keras.Model, count: int) -> np.ndarray:
    """Deterministic inputs of the model's shape and dtype (token ids for integer inputs)."""
    rng = np.random.default_rng(0)
    shape = (count, *model.inputs[0].shape[1:])
    if "int" in str(model.inputs[0].dtype):
        return rng.integers(0, 100, size=shape).astype("int32")
    return rng.random(shape, dtype="float32")


def activation_shape(claim: Claim, ctx: MeasureContext) -> Measurement:
    import keras

    model = _model(claim, ctx)
    cut = keras.Model(model.inputs, _layer(model, claim.args["layer"]).output)
    activations = cut([sample_input(model, 1)], training=False)
    return Measurement(_shape(activations.shape))


def _saved_weights_bytes(claim: Claim, ctx: MeasureContext) -> int:
    def save() -> int:
        path = ctx.scratch / f"{claim.tutorial}-{claim.args['model']}.weights.h5"
        _model(claim, ctx).save_weights(path)
        size = path.stat().st_size
        path.unlink()
        return size

    return ctx.memo(("saved-weights", claim.tutorial, claim.args["model"]), save)


def saved_weights_mib(claim: Claim, ctx: MeasureContext) -> Measurement:
    size = _saved_weights_bytes(claim, ctx)
    return Measurement(size / 2**20, details={"bytes": size})


def saved_bytes_per_param(claim: Claim, ctx: MeasureContext) -> Measurement:
    size = _saved_weights_bytes(claim, ctx)
    params = _model(claim, ctx).count_params()
    return Measurement(size / params, details={"bytes": size, "params": params})


def split_sizes(claim: Claim, ctx: MeasureContext) -> Measurement:
    """The tutorial's train/validation split, done with the same scikit-learn call."""
    from sklearn.model_selection import train_test_split

    args = claim.args
    train, test = train_test_split(np.arange(args["total"]), test_size=args["test_size"],
                                   random_state=args["random_state"])
    return Measurement([len(train), len(test)])


def dataset_shape(claim: Claim, ctx: MeasureContext) -> Measurement:
    """The shape of the real data set as the tutorial prepares it."""
    from harness.data import load_real_dataset, prepared_shape

    args = claim.args
    if not ctx.real_data_claims:
        raise MeasurementSkipped(
            "hermetic by default: data-shape claims read the real data set only with "
            "--fast-data real (and the data in --data-dir or the Keras cache) or in a full-profile "
            "session (-m full)")
    dataset = load_real_dataset(args["dataset"], num_words=args.get("num_words"),
                                data_dir=ctx.data.data_dir)
    shape = prepared_shape(dataset, split=args["split"], part=args["part"],
                           first=args.get("first"), pad_to=args.get("pad_to"),
                           reshape=args.get("reshape"), categorical=args.get("categorical", False))
    return Measurement(shape, data_source=dataset.source, data_checksum=dataset.checksum)
