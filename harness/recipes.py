"""Training recipes as data, declared beside the claims in each tutorial's YAML file.

A recipe names the model, the data set and how the tutorial trains it. Keys at the top apply to
every profile; a ``fast:`` or ``full:`` mapping overrides them for that profile, so the full
profile can state the tutorial's exact recipe while the fast profile states a CPU-sized one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.data import DATASETS
from harness.errors import ClaimFileError
from harness.kinds import TIERS
from harness.models import ModelsModule

OPTIMIZERS = ("adam", "sgd", "rmsprop")
LOSSES = ("sparse_categorical_crossentropy", "binary_crossentropy",
          "binary_crossentropy_from_logits")
VALIDATION_MODES = ("none", "split", "holdout", "test")
_AUGMENTATIONS = ("rotation", "zoom", "shift", "horizontal_flip")
_REDUCE_LR = ("monitor", "patience", "factor", "min_lr")


@dataclass(frozen=True)
class Recipe:
    """One training recipe resolved for one profile."""

    name: str
    tutorial: str
    models: ModelsModule  # the module building the tutorial's models (the claim file's ``models:``)
    profile: str
    model: str
    data: str
    optimizer: str
    epochs: int
    batch_size: int
    seeds: tuple[int, ...]
    learning_rate: float | None = None
    momentum: float | None = None  # SGD only
    loss: str = "sparse_categorical_crossentropy"
    validation: str = "none"  # none | split (last fraction, as fit does) | holdout | test
    validation_fraction: float = 0.0
    validation_random_state: int = 0
    train_size: int | None = None  # keep the first N training samples
    test_size: int | None = None
    num_words: int | None = None  # IMDB vocabulary size
    augmentation: Mapping[str, float] = field(default_factory=dict)
    reduce_lr: Mapping[str, Any] = field(default_factory=dict)
    ensemble: int = 1
    evaluate_train: bool = True  # evaluate on the training set too (gap claims need it)
    features: str | None = None  # a frozen model of the tutorial whose outputs are the inputs
    feature_weights: str | None = None  # its weights: "imagenet" (from the Keras cache)

    def fingerprint(self) -> str:
        """A content hash of everything that shapes the training: not the seeds, and not the
        recipe's name or profile, so two names for the same training share one run; nor where
        the checkout lies: the models module is the tutorial's (the train cache hashes its
        source)."""
        data = asdict(self)
        for label in ("seeds", "name", "profile", "models"):
            data.pop(label)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def check_seeds(self, count: int, offset: int = 0) -> tuple[int, ...]:
        """The seeds a check run trains when a verdict needs ``count`` of them: the recipe's
        own list, then the integers after it, all shifted by ``offset`` (``--seed-offset``,
        the A/A self-test: another offset is another machine's draw)."""
        listed = [seed + offset for seed in self.seeds]
        after = max(self.seeds) + 1 + offset
        extra = range(after, after + max(count - len(listed), 0))
        return (*listed, *extra)[:count]

    def for_smoke(self) -> Recipe:
        """The same code path (model, optimizer, split, augmentation, callbacks, committee) for
        one epoch on a few hundred samples and one seed: proves the wiring, measures nothing."""
        def capped(size: int | None, cap: int) -> int:
            return cap if size is None else min(size, cap)

        return replace(self, epochs=1, seeds=self.seeds[:1],
                       train_size=capped(self.train_size, SMOKE_TRAIN_SIZE),
                       test_size=capped(self.test_size, SMOKE_TEST_SIZE),
                       ensemble=min(self.ensemble, SMOKE_MEMBERS), profile="smoke")


BASELINE_SEED_BASE = 10_000  # baseline seeds never meet check seeds: a check is a fresh draw
# a shift alarm is confirmed on the check seeds shifted by this: fixed in advance, and apart
# from both the check seeds and the baseline's for every --seed-offset below MAX_SEED_OFFSET
CONFIRMATION_SEED_SHIFT = 5_000
MAX_SEED_OFFSET = 4_000


def baseline_seeds(count: int) -> tuple[int, ...]:
    """The seeds a baseline is written from, the same for every recipe so relations pair."""
    return tuple(range(BASELINE_SEED_BASE, BASELINE_SEED_BASE + count))


SMOKE_TRAIN_SIZE = 128  # --smoke: a few steps on a few hundred samples prove the wiring
SMOKE_TEST_SIZE = 64
SMOKE_MEMBERS = 2  # a committee of two still averages, which is the code path to prove


_FIELDS = {name for name in Recipe.__dataclass_fields__
           if name not in ("name", "tutorial", "models", "profile")}


def _merged(raw: Mapping[str, Any], profile: str) -> dict[str, Any]:
    merged = {key: value for key, value in raw.items() if key not in TIERS}
    merged.update(raw.get(profile) or {})
    return merged


def _validate(values: dict[str, Any], fail: Any) -> None:
    for name in ("model", "data", "optimizer", "epochs", "batch_size", "seeds"):
        if name not in values:
            raise fail(name, "missing required recipe field")
    unknown = sorted(set(values) - _FIELDS)
    if unknown:
        raise fail(unknown[0], f"unknown recipe field; allowed: {', '.join(sorted(_FIELDS))}")
    choices = {"optimizer": OPTIMIZERS, "loss": LOSSES, "validation": VALIDATION_MODES,
               "data": DATASETS}
    for name, allowed in choices.items():
        if name in values and values[name] not in allowed:
            raise fail(name, f"{values[name]!r} is not one of {', '.join(allowed)}")
    for name in ("epochs", "batch_size", "ensemble", "train_size", "test_size", "num_words"):
        value = values.get(name)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise fail(name, f"must be a positive integer, got {value!r}")
    seeds = values["seeds"]
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) for s in seeds):
        raise fail("seeds", f"must be a non-empty list of integers, got {seeds!r}")
    unknown_aug = sorted(set(values.get("augmentation") or {}) - set(_AUGMENTATIONS))
    if unknown_aug:
        raise fail("augmentation", f"unknown augmentation {unknown_aug[0]!r}; known: "
                   f"{', '.join(_AUGMENTATIONS)}")
    unknown_lr = sorted(set(values.get("reduce_lr") or {}) - set(_REDUCE_LR))
    if unknown_lr:
        raise fail("reduce_lr", f"unknown option {unknown_lr[0]!r}; known: {', '.join(_REDUCE_LR)}")
    if values.get("validation", "none") in ("split", "holdout") and not (
            0 < values.get("validation_fraction", 0) < 1):
        raise fail("validation_fraction", "split and holdout validation need a fraction in (0, 1)")


def parse_recipes(raw: Any, tutorial: str, models: ModelsModule,
                  path: Path | str) -> dict[tuple[str, str], Recipe]:
    """Every recipe of a claim file, resolved per profile: {(name, profile): Recipe}."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ClaimFileError(path, "must map recipe names to recipes", field_name="recipes")
    recipes: dict[tuple[str, str], Recipe] = {}
    for name, body in raw.items():
        if not isinstance(body, dict):
            raise ClaimFileError(path, f"recipe {name!r} must be a mapping", field_name="recipes")
        for profile in TIERS:
            values = _merged(body, profile)

            def fail(field_name: str, message: str, _name: str = name,
                     _profile: str = profile) -> ClaimFileError:
                return ClaimFileError(path, f"{message} (profile {_profile})",
                                      claim=f"recipe {_name}", field_name=field_name)

            _validate(values, fail)
            values["seeds"] = tuple(values["seeds"])
            values["augmentation"] = dict(values.get("augmentation") or {})
            values["reduce_lr"] = dict(values.get("reduce_lr") or {})
            recipes[(name, profile)] = Recipe(name=name, tutorial=tutorial, models=models,
                                              profile=profile, **values)
    return recipes
