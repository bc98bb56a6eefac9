"""pytest-benchmark's own JSON, kept with the run that measured it.

The timing claims run their interleaved rounds under ``benchmark.pedantic``; this writes the
plugin's complete JSON (machine info, commit, every round) beside the claim report, whether or
not the user passed ``--benchmark-json``, so a run's step times can be read back later.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.atomic import write_text_atomically


def save_benchmark_json(config: pytest.Config, path: Path) -> Path | None:
    """Write pytest-benchmark's JSON for this session to ``path``; None when nothing ran."""
    session = getattr(config, "_benchmarksession", None)  # pytest-benchmark's session object
    if session is None or not session.benchmarks:
        return None
    commit_info = config.hook.pytest_benchmark_generate_commit_info(config=config)
    output = config.hook.pytest_benchmark_generate_json(
        config=config, benchmarks=session.benchmarks, include_data=True,
        machine_info=session.get_machine_info(), commit_info=commit_info)
    write_text_atomically(path, json.dumps(output, indent=2, default=str))
    return path
