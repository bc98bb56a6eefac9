"""The harness's lines in pytest's terminal: progress rewritten in place on a terminal, one
line per event in a CI log, never in the middle of pytest's own line.

Progress is written while a test waits for its seeds, when pytest captures the test's output,
so every write goes through the capture manager's ``global_and_fixture_disabled``, as pytest's
own debugger hooks do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest


class TerminalDisplay:
    """A ``harness.training.progress.Display`` over pytest's terminal reporter."""

    def __init__(self, config: pytest.Config, reporter: pytest.TerminalReporter) -> None:
        self._capture = config.pluginmanager.getplugin("capturemanager")
        self._writer = reporter._tw  # pytest's TerminalWriter: the one that owns the line
        self.live = bool(getattr(reporter, "isatty", False))
        self._rewriting = False

    @contextlib.contextmanager
    def _uncaptured(self) -> Iterator[None]:
        if self._capture is None:
            yield
            return
        with self._capture.global_and_fixture_disabled():
            yield

    def _own_line(self) -> None:
        """Start on a fresh line unless pytest's current one is empty."""
        if self._writer.width_of_current_line and not self._rewriting:
            self._writer.line()

    def _width(self) -> int:
        return max(self._writer.fullwidth - 1, 20)

    def rewrite(self, text: str) -> None:
        with self._uncaptured():
            self._own_line()
            self._writer.write("\r" + text[:self._width()].ljust(self._width()), flush=True)
            self._rewriting = True

    def line(self, text: str) -> None:
        with self._uncaptured():
            self._own_line()
            self._writer.line(text)
            self._writer.flush()

    def clear(self) -> None:
        if self._rewriting:
            with self._uncaptured():
                self._writer.write("\r" + " " * self._width() + "\r", flush=True)
            self._rewriting = False


def display_for(config: pytest.Config) -> TerminalDisplay | None:
    """The session's display, or None where pytest writes no terminal (``-p no:terminal``)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    return TerminalDisplay(config, reporter) if reporter is not None else None
