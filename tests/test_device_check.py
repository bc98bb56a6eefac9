"""scripts/device_check.sh's arguments (issue 21, item 6): it says how to call it, and it stops
in one line where no GPU is visible unless told ``--allow-cpu``. Nothing is trained here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "device_check.sh"
USAGE = "usage: scripts/device_check.sh [--allow-cpu] [-k EXPR] OUTDIR"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHON": sys.executable, **env})


@pytest.mark.parametrize("args", [(), ("--allow-cpu",), ("-k",), ("a", "b")])
def test_without_one_outdir_it_prints_its_usage(args: tuple[str, ...]) -> None:
    done = _run(*args)
    assert (done.returncode, done.stdout, done.stderr.strip()) == (2, "", USAGE)


def test_an_unknown_option_is_named() -> None:
    done = _run("--gpu", "out")
    assert done.returncode == 2
    assert done.stderr.strip() == f"device_check: unknown option --gpu; {USAGE}"


def test_without_a_gpu_it_stops_in_one_line_and_runs_nothing(tmp_path: Path) -> None:
    outdir = tmp_path / "check"
    done = _run(str(outdir), CUDA_VISIBLE_DEVICES="")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "device_check: no GPU visible (nvidia-smi lists none, or CUDA_VISIBLE_DEVICES hides "
        "them); run it on a GPU machine, or pass --allow-cpu to run on this CPU"]
    assert not outdir.exists()
