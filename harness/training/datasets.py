"""Which data a recipe trains on: the one rule shared by the session and its workers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.data import PROXY_SOURCES, load_real_dataset, proxy_dataset, smoke_dataset
from harness.errors import MeasurementSkipped

if TYPE_CHECKING:
    from harness.data import Dataset
    from harness.recipes import Recipe


@dataclass(frozen=True)
class DataChoice:
    """Where a recipe's data comes from: the data folder and the fast profile's data mode."""

    data_dir: Path | None = None
    fast_data: str = "proxy"  # proxy (hermetic, the default) | real (opt-in)


def dataset_for(recipe: Recipe, data: DataChoice) -> Dataset:
    """The data a recipe trains on (memoised by the data layer).

    The full profile states the tutorials' figures, so it runs on the real data set or is
    skipped with the fix. The fast profile and ``--smoke`` are hermetic: the offline proxies,
    whatever a data folder or the Keras cache holds, unless ``--fast-data real`` opts in (then
    the real data set, or skipped with the fix). A smoke run takes a generated stand-in where a
    data set has no proxy (cats vs dogs).
    """
    if recipe.profile == "full" or data.fast_data == "real":
        return load_real_dataset(recipe.data, recipe.num_words, data.data_dir)
    if recipe.data in PROXY_SOURCES:
        return proxy_dataset(recipe.data, recipe.num_words)
    if recipe.profile == "smoke":
        return smoke_dataset(recipe.data)
    raise MeasurementSkipped(f"{recipe.data} has no offline proxy: recipe {recipe.name} runs in "
                             f"the full profile, or here with --fast-data real and the data set "
                             f"in --data-dir")
