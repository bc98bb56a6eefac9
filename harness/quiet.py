"""Framework log lines go to a log file, not to the terminal a person reads.

TensorFlow's C++ runtime and absl write to file descriptor 2 directly (``I0000 ... oneDNN
custom operations are on``, ``All log messages before absl::InitializeLog()``), so only a
redirect of the descriptor itself keeps them off the terminal; Python-level redirects do not.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

# TensorFlow's own switch for its C++ info and warning lines, read when it is imported
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2"}


@contextlib.contextmanager
def output_to(log: Path | None) -> Iterator[None]:
    """Send descriptors 1 and 2 to ``log`` (appended) while the block runs; None: leave them."""
    if log is None:
        yield
        return
    log.parent.mkdir(parents=True, exist_ok=True)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.flush()
    saved = [os.dup(1), os.dup(2)]
    target = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(target, 1)
        os.dup2(target, 2)
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, ValueError, OSError):
                stream.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for descriptor in (*saved, target):
            os.close(descriptor)
        with contextlib.suppress(OSError):
            if log.stat().st_size == 0:  # nothing was said: no empty log in the run folder
                log.unlink()
