"""Registers the harness's pytest plugin for the whole project."""

pytest_plugins = ["harness.plugin"]
