"""Shared set-up for the harness's own tests.

``pytester`` lets the plugin tests run the harness end to end on a tiny throw-away project
(``plugin_project.py``); it is registered here because only a conftest may load it for the
whole folder, and the fixtures that build that project live here so every test module shares
them.
"""

from __future__ import annotations

import importlib
import tempfile

import pytest
from plugin_project import FAKE_ENVIRONMENT, PRELOAD, Project

import harness.environment

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def _preloaded() -> None:
    for name in PRELOAD:
        importlib.import_module(name)


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
            _preloaded: None) -> Project:
    """A fresh project with claims and no baselines yet."""
    monkeypatch.setattr(harness.environment, "current_environment",
                        lambda root=".": FAKE_ENVIRONMENT)
    # each session's measurement scratch folder lands in the test's own directory
    monkeypatch.setattr(tempfile, "tempdir", str(pytester.path))
    return Project(pytester)


@pytest.fixture
def baselined(project: Project) -> Project:
    """The project after a first ``--update-baselines`` run: everything passes."""
    project.run("--update-baselines").assert_outcomes(passed=3)
    return project
