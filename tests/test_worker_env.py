"""A training process's settings: one thread, op determinism and TensorFlow's oneDNN kernels
unless the user chose otherwise, and the train cache's key names what the worker will use."""

from __future__ import annotations

import pytest

from harness.training.worker import process_env, thread_settings

pytestmark = pytest.mark.fast


def test_a_worker_gets_one_thread_determinism_and_onednn() -> None:
    env = process_env(1, base={})
    assert env["TF_NUM_INTRAOP_THREADS"] == env["TF_NUM_INTEROP_THREADS"] == "1"
    assert env["TF_DETERMINISTIC_OPS"] == "1"
    assert env["TF_ENABLE_ONEDNN_OPTS"] == "1"


def test_the_users_kernel_choice_is_kept() -> None:
    assert process_env(1, base={"TF_ENABLE_ONEDNN_OPTS": "0"})["TF_ENABLE_ONEDNN_OPTS"] == "0"


@pytest.mark.parametrize("chosen", [None, "0", "1"])
def test_the_cache_key_names_the_workers_kernel_path(monkeypatch, chosen: str | None) -> None:
    if chosen is None:
        monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    else:
        monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", chosen)
    assert thread_settings(1)["TF_ENABLE_ONEDNN_OPTS"] == (chosen or "1")
    assert thread_settings(1)["TF_ENABLE_ONEDNN_OPTS"] == process_env(1)["TF_ENABLE_ONEDNN_OPTS"]
