"""Shared set-up for the harness's own tests.

``pytester`` lets ``test_plugin.py`` run the harness plugin end to end on a tiny throw-away
project; it is registered here because only a conftest may load it for the whole folder.
"""

pytest_plugins = ["pytester"]
