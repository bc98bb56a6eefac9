"""pytest-benchmark's own JSON, kept with the run that measured it.

The timing claims run their interleaved rounds under ``benchmark.pedantic``; the session keeps
each fixture's ``stats``, and this writes pytest-benchmark's complete JSON (machine info,
commit, every round) beside the claim report through the plugin's public hooks, whether or not
the user passed ``--benchmark-json``, so a run's step times can be read back later.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.atomic import write_text_atomically


def save_benchmark_json(config: pytest.Config, stats: list[Any], path: Path) -> Path | None:
    """Write pytest-benchmark's JSON for these benchmarks' stats to ``path``; None when none
    ran."""
    if not stats:
        return None
    hook = config.hook
    machine_info = hook.pytest_benchmark_generate_machine_info(config=config)
    hook.pytest_benchmark_update_machine_info(config=config, machine_info=machine_info)
    commit_info = hook.pytest_benchmark_generate_commit_info(config=config)
    hook.pytest_benchmark_update_commit_info(config=config, commit_info=commit_info)
    output = hook.pytest_benchmark_generate_json(
        config=config, benchmarks=stats, include_data=True, machine_info=machine_info,
        commit_info=commit_info)
    write_text_atomically(path, json.dumps(output, indent=2, default=str))
    return path
