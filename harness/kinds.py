"""The claim kinds: what each measures, which arguments it takes, what its baseline depends on.

This table is pure data so that claim files can be validated without importing Keras; the
measurement functions it names are imported only when a claim of that kind runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Environment fields a baseline is keyed by. Parameter counts and shapes depend on the Keras
# version and backend only; anything trained also depends on the numeric stack, the device and
# the data it ran on.
STRUCTURE_SCOPE = ("keras", "backend")
DATA_SCOPE = ("keras", "backend", "data_source")

TRAINING_SCOPE = ("keras", "backend", "backend_version", "device_class", "data_source")
# Step times belong to the machine: stored per device, compared only on the same device.
TIMING_SCOPE = ("keras", "backend", "backend_version", "device")

GROUPS = ("structure", "training", "timing")
TIERS = ("fast", "full")


@dataclass(frozen=True)
class KindSpec:
    """One claim kind: its group (which test function runs it) and its measurement."""

    name: str
    group: str
    measure: str  # "module:function", imported lazily
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    scope: tuple[str, ...] = STRUCTURE_SCOPE
    recipe_args: tuple[str, ...] = ()  # args naming a recipe ("recipe" or "recipe.metric")
    judge: str = "comparator"  # harness.verdicts.judges.JUDGES: how the measurement is compared
    # which way the value is better: "metric" (its ``metric`` arg's declared direction, see
    # harness.metrics), "relation" (its ``direction`` arg), or fixed ("lower", "none")
    better: str = "none"
    value_label: str = ""  # what the value is, from the args, for reports and comparisons
    metric_args: tuple[str, ...] = ()  # args naming a history metric, checked on load

    def recipe_refs(self, args: dict[str, Any]) -> list[str]:
        """The recipe names a claim of this kind reads, for validation on load."""
        return [str(args[name]).split(".", 1)[0] for name in self.recipe_args
                if isinstance(args.get(name), str)]

    def metric_refs(self, args: dict[str, Any]) -> list[str]:
        """The runner metrics a claim of this kind reads, for validation on load."""
        named = [str(args[name]).split(".", 1)[1] for name in self.recipe_args
                 if isinstance(args.get(name), str) and "." in args[name]]
        direct = [str(args[name]) for name in self.metric_args if isinstance(args.get(name), str)]
        return named + direct + ([str(args["metric"])] if self.better == "metric" else [])

    def load_measure(self) -> Callable[..., Any]:
        """The measurement function, ``(Claim, MeasureContext) -> Measurement``."""
        module_name, _, attr = self.measure.partition(":")
        return getattr(importlib.import_module(module_name), attr)


def _structure(name: str, function: str, required: tuple[str, ...],
               optional: tuple[str, ...] = (), **extra: Any) -> KindSpec:
    return KindSpec(name=name, group="structure", measure=f"harness.measures.structure:{function}",
                    required=required, optional=optional, **extra)


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        _structure("param-count", "param_count", ("model",), ("layer", "part")),
        _structure("layer-params", "layer_params", ("model",)),
        _structure("output-shapes", "output_shapes", ("model",)),
        _structure("output-shape", "output_shape", ("model",), ("layer",)),
        _structure("param-share", "param_share", ("model", "layer")),
        _structure("layer-param-count", "layer_param_count", ("layer", "input_shape")),
        _structure("param-ratio-exceeds", "param_ratio_exceeds", ("a", "b", "factor")),
        _structure("sizing-formula", "sizing_formula", ("W", "F", "S", "P")),
        _structure("sizing-valid", "sizing_valid", ("W", "F", "S", "P")),
        _structure("sizing-grid", "sizing_grid", ("formula", "grid")),
        _structure("kernel-shape", "kernel_shape", ("model", "layer")),
        _structure("activation-shape", "activation_shape", ("model", "layer")),
        _structure("saved-weights-mib", "saved_weights_mib", ("model",)),
        _structure("saved-bytes-per-param", "saved_bytes_per_param", ("model",)),
        KindSpec("save-load-max-diff", group="structure",
                 measure="harness.measures.saving:save_load_max_diff", required=("model",),
                 optional=("route",)),
        KindSpec("save-load-compiled", group="structure",
                 measure="harness.measures.saving:save_load_compiled",
                 required=("model", "compile"), optional=("route",)),
        KindSpec("augmentation-max-shift", group="structure",
                 measure="harness.measures.augmentation:max_shift_pixels",
                 required=("recipe",), optional=("draws",), recipe_args=("recipe",)),
        _structure("split-sizes", "split_sizes", ("total", "test_size", "random_state")),
        _structure("dataset-shape", "dataset_shape", ("dataset", "split", "part"),
                   ("first", "pad_to", "num_words", "reshape", "categorical"),
                   scope=DATA_SCOPE),
        KindSpec("metric-level", group="training", measure="harness.measures.training:level",
                 required=("recipe", "metric"), scope=TRAINING_SCOPE,
                 recipe_args=("recipe",), judge="level", better="metric",
                 value_label="{metric}"),
        KindSpec("paired-difference", group="training",
                 measure="harness.measures.training:paired_difference",
                 required=("a", "b", "direction"), optional=("margin", "alpha"),
                 scope=TRAINING_SCOPE, recipe_args=("a", "b"), judge="paired",
                 better="relation", value_label="{a} − {b}"),
        KindSpec("step-time-ratio", group="timing",
                 measure="harness.measures.timing:step_time_ratio",
                 required=("a", "b", "batch_size"), optional=("rounds", "warmup"),
                 scope=TIMING_SCOPE, recipe_args=("a", "b"), judge="decades",
                 value_label="{a} / {b} step time"),
        KindSpec("step-time", group="timing", measure="harness.measures.timing:step_time",
                 required=("recipe", "batch_size"), optional=("rounds", "warmup"),
                 scope=TIMING_SCOPE, recipe_args=("recipe",), judge="device-time",
                 better="lower", value_label="{recipe} ms per step"),
        # a per-epoch history metric (e.g. val_accuracy) against the tutorial's logged list
        KindSpec("learning-curve", group="training",
                 measure="harness.measures.training:learning_curve",
                 required=("recipe", "metric"), scope=TRAINING_SCOPE,
                 recipe_args=("recipe",), judge="curve", better="metric",
                 value_label="{metric}"),
        # one number per seed from its logged history (harness/measures/curves.py)
        KindSpec("curve-statistic", group="training",
                 measure="harness.measures.curves:statistic",
                 required=("recipe", "metric", "statistic"),
                 scope=TRAINING_SCOPE, recipe_args=("recipe",), judge="level", better="metric",
                 value_label="{statistic} of {metric} over the epochs"),
        KindSpec("curve-gap", group="training", measure="harness.measures.curves:gap",
                 required=("recipe", "a", "b", "direction"), optional=("margin", "alpha"),
                 scope=TRAINING_SCOPE, recipe_args=("recipe",), judge="paired",
                 better="relation", value_label="{a} − {b} at the worst epoch",
                 metric_args=("a", "b")),
        KindSpec("divergence-epoch", group="training",
                 measure="harness.measures.curves:divergence",
                 required=("recipe", "metric", "versus", "threshold"),
                 scope=TRAINING_SCOPE, recipe_args=("recipe",), judge="level", better="none",
                 value_label="first epoch from which {metric} − {versus} stays above "
                             "{threshold}", metric_args=("metric", "versus")),
    )
}
