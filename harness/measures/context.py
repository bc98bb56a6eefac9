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


class MeasurementSkipped(Exception):
    """The claim cannot be measured here (no data set, no GPU); the message says how to fix it."""


@dataclass(frozen=True)
class Measurement:
    """A measured value and where it came from."""

    value: Any
    data_source: str = "none"
    data_checksum: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class MeasureContext:
    """Session-wide shared state: built models are reused by every claim that reads them."""

    def __init__(self, scratch: Path | None = None, data_dir: Path | None = None,
                 train_cache: Path | None = None, environment: Environment | None = None,
                 smoke: bool = False, isolate_timeout: float | None = None) -> None:
        self.profile = "structure"
        self.environment = environment
        self.scratch = scratch or Path(tempfile.mkdtemp(prefix="harness-"))
        self.data_dir = data_dir  # --data-dir / HARNESS_DATA_DIR: local copies of the data sets
        self.train_cache = train_cache  # --train-cache: measured metrics kept across sessions
        self.smoke = smoke  # --smoke: every recipe shrunk to a few steps (Recipe.for_smoke)
        self.benchmark: Any = None  # pytest-benchmark's fixture, for timing claims
        self.isolate_timeout = isolate_timeout  # --isolate: train each recipe in a subprocess
        self._memo: dict[Hashable, Any] = {}

    def for_profile(self, profile: str) -> MeasureContext:
        """A view of this context for one profile; it shares the session's memo."""
        view = copy.copy(self)
        view.profile = profile
        return view

    def with_benchmark(self, benchmark: Any) -> MeasureContext:
        """A view for one timing claim, carrying pytest-benchmark's fixture."""
        view = copy.copy(self)
        view.benchmark = benchmark
        return view

    def memoized(self, kind: str) -> list[Any]:
        """Every value memoised under keys starting with ``kind`` (e.g. the recipe runs)."""
        return [value for key, value in self._memo.items()
                if isinstance(key, tuple) and key and key[0] == kind]

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Compute once per session and share: several claims read one saved file or one run."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def model(self, tutorial: str, name: str) -> keras.Model:
        """The tutorial's model, built once per session (structure claims never mutate it)."""
        from harness.models import build_model

        return self.memo(("model", tutorial, name), lambda: build_model(tutorial, name))
