"""What a measurement gets to work with, and what it hands back."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras

    from harness.environment import Environment
    from harness.models import ModelsModule
    from harness.recipes import Recipe
    from harness.training import SeedBank


@dataclass(frozen=True)
class Measurement:
    """A measured value and where it came from."""

    value: Any
    data_source: str = "none"
    data_checksum: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SeedPlan:
    """Which seeds a session trains: check seeds shifted by ``offset`` (``--seed-offset``), at
    most ``max_seeds`` per verdict (``--max-seeds``; None: 8 in the fast profile, the recipe's
    own list in the full one), and ``baseline_seeds`` when a baseline is written."""

    offset: int = 0
    max_seeds: int | None = None
    baseline_seeds: int = 8

    def cap(self, profile: str, first: int) -> int:
        if self.max_seeds is not None:
            return max(self.max_seeds, first)
        return max(FAST_SEED_CAP, first) if profile == "fast" else first


FAST_SEED_CAP = 8


class MeasureContext:
    """Session-wide shared state: built models and trained seeds are reused by every claim
    that reads them."""

    def __init__(self, scratch: Path | None = None, data_dir: Path | None = None,
                 environment: Environment | None = None, smoke: bool = False,
                 fast_data: str = "proxy", bank: SeedBank | None = None,
                 seeds: SeedPlan | None = None, real_data_claims: bool = False) -> None:
        from harness.training.datasets import DataChoice

        self.profile = "structure"
        self.environment = environment
        self.scratch = scratch or Path(tempfile.mkdtemp(prefix="harness-"))
        # --data-dir / HARNESS_DATA_DIR, and --fast-data: where data sets come from
        self.data = DataChoice(data_dir, fast_data)
        self.smoke = smoke  # --smoke: every recipe shrunk to a few steps (Recipe.for_smoke)
        self.benchmark: Any = None  # pytest-benchmark's fixture, for timing claims
        self._bank = bank
        self.seeds = seeds or SeedPlan()
        self.seed_count: int | None = None  # this view's seeds per recipe (None: its list)
        self.for_baseline = False  # this view trains the baseline seeds
        self.confirming = False  # this view trains the confirmation block of the check seeds
        # data-shape claims read the real data sets only when real data is opted in
        self.real_data_claims = real_data_claims
        self._memo: dict[Hashable, Any] = {}

    @property
    def bank(self) -> SeedBank:
        """The session's trained seeds (trained in this process unless a pool was given)."""
        if self._bank is None:
            from harness.training import InlineEngine, SeedBank

            self._bank = SeedBank(InlineEngine(), self.data, self.environment)
        return self._bank

    def for_profile(self, profile: str) -> MeasureContext:
        """A view of this context for one profile; it shares the session's memo."""
        view = copy.copy(self)
        view.profile = profile
        return view

    def with_seed_count(self, count: int) -> MeasureContext:
        """A view whose trained claims read ``count`` check seeds of each recipe."""
        view = copy.copy(self)
        view.seed_count, view.for_baseline, view.confirming = count, False, False
        return view

    def confirmation_view(self, count: int) -> MeasureContext:
        """A view whose trained claims read ``count`` seeds of the confirmation block: the
        check seeds shifted by ``CONFIRMATION_SEED_SHIFT``, fresh seeds fixed in advance."""
        view = self.with_seed_count(count)
        view.confirming = True
        return view

    def baseline_view(self) -> MeasureContext:
        """A view whose trained claims read the baseline seeds."""
        view = copy.copy(self)
        view.for_baseline = True
        return view

    def seeds_for(self, recipe: Recipe) -> tuple[int, ...]:
        """The seeds this view trains of a recipe."""
        from harness.recipes import CONFIRMATION_SEED_SHIFT, baseline_seeds

        if self.smoke:
            return recipe.seeds
        if self.for_baseline:
            return baseline_seeds(self.seeds.baseline_seeds)
        offset = self.seeds.offset + (CONFIRMATION_SEED_SHIFT if self.confirming else 0)
        return recipe.check_seeds(self.seed_count or len(recipe.seeds), offset)

    def with_benchmark(self, benchmark: Any) -> MeasureContext:
        """A view for one timing claim, carrying pytest-benchmark's fixture."""
        view = copy.copy(self)
        view.benchmark = benchmark
        return view

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Compute once per session and share: several claims read one saved file or one run."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def model(self, module: ModelsModule, name: str) -> keras.Model:
        """A tutorial's model, built once per session (structure claims never mutate it)."""
        from harness.models import build_model

        return self.memo(("model", module, name), lambda: build_model(module, name))
