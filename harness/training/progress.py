"""How far the session's training is: trainings done of those asked for, how many came from
the cache, and the time left, estimated from the seeds finished so far.

Seeds finish in the engine's dispatcher thread; the terminal is written from the pytest
thread only (while a claim waits for its seeds, and between tests), through a ``Display``: on
a terminal one line rewritten in place, in a CI log one line per finished recipe.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from harness.recipes import Recipe
    from harness.training.runner import SeedRun

_TICK_S = 1.0


class Display(Protocol):
    """Where progress goes: ``live`` says whether a line can be rewritten in place."""

    live: bool

    def rewrite(self, text: str) -> None: ...

    def line(self, text: str) -> None: ...

    def clear(self) -> None: ...


def _label(recipe: Recipe) -> str:
    return f"{recipe.tutorial}/{recipe.name} ({recipe.profile})"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


class Progress:
    """Counts of a session's trainings; ``slots``: how many train at once (for the estimate)."""

    def __init__(self, display: Display | None = None, slots: int = 1) -> None:
        self.display = display
        self.slots = max(1, slots)
        self._lock = threading.Lock()
        self._asked: Counter[str] = Counter()  # recipe label → seeds asked (trained or cached)
        self._done: Counter[str] = Counter()
        self._cached: Counter[str] = Counter()
        self._seconds: dict[str, list[float]] = {}  # recipe label → trained seeds' durations
        self._pending_lines: list[str] = []
        self.notes: list[str] = []  # what went wrong under the training and was handled
        self._pending_notes: list[str] = []
        self._shown = False

    def note(self, text: str) -> None:
        """An event the session handled (a task lost with its Ray node, run again): shown at
        the next flush on any display, and kept for the summary and the report."""
        with self._lock:
            self.notes.append(text)
            self._pending_notes.append(text)

    def asked(self, recipe: Recipe, seeds: int) -> None:
        """``seeds`` more seeds of a recipe are wanted (trained or read from the cache)."""
        with self._lock:
            self._asked[_label(recipe)] += seeds

    def failed(self, recipe: Recipe) -> None:
        with self._lock:
            self._done[_label(recipe)] += 1
            self._recipe_done(_label(recipe))

    def finished(self, recipe: Recipe, run: SeedRun) -> None:
        label = _label(recipe)
        with self._lock:
            if run.from_cache:
                self._cached[label] += 1
            elif run.ended_at > run.started_at:
                self._seconds.setdefault(label, []).append(run.ended_at - run.started_at)
            self._done[label] += 1
            self._recipe_done(label)

    def _recipe_done(self, label: str) -> None:
        if self._done[label] == self._asked[label]:
            cached = f", {self._cached[label]} from the cache" if self._cached[label] else ""
            self._pending_lines.append(f"{label}: {self._done[label]} seed(s) done{cached}")

    def counts(self) -> tuple[int, int, int]:
        """(seeds done, seeds asked for, seeds that came from the cache)."""
        with self._lock:
            return (sum(self._done.values()), sum(self._asked.values()),
                    sum(self._cached.values()))

    def remaining_seconds(self) -> float | None:
        """Work left over the slots: each unfinished seed at its recipe's mean duration so
        far (the mean of all trained seeds where its recipe has none); None before any."""
        with self._lock:
            durations = [d for values in self._seconds.values() for d in values]
            if not durations:
                return None
            overall = sum(durations) / len(durations)
            left = 0.0
            for label, asked in self._asked.items():
                own = self._seconds.get(label)
                left += (asked - self._done[label]) * (sum(own) / len(own) if own else overall)
        return left / self.slots

    def summary(self) -> str:
        done, asked, cached = self.counts()
        text = f"training: {done}/{asked} seeds done, {cached} from the cache"
        if done < asked and (left := self.remaining_seconds()) is not None:
            text += f", about {_duration(left)} left"
        return text

    def flush(self) -> None:
        """Write the notes and the lines of recipes finished since the last call (a CI log's
        progress)."""
        with self._lock:
            lines, self._pending_lines = self._pending_lines, []
            notes, self._pending_notes = self._pending_notes, []
        if self.display is None:
            return
        if notes and self._shown:
            self.display.clear()
            self._shown = False
        for text in notes:
            self.display.line(text)
        if self.display.live:
            return
        for text in lines:
            self.display.line(f"{text}; {self.summary()}")

    def wait(self, future: Future) -> Any:
        """The future's result, showing progress while it is not there yet."""
        try:
            while True:
                try:
                    return future.result(timeout=_TICK_S)
                except FutureTimeout:
                    self._tick()
        finally:
            self.flush()
            if self._shown and self.display is not None:
                self.display.clear()
                self._shown = False

    def _tick(self) -> None:
        self.flush()
        if self.display is not None and self.display.live:
            self.display.rewrite(self.summary())
            self._shown = True
