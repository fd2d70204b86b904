import os
import sys

# Let tests import the helper module `reference` that sits next to them.
sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path_factory, monkeypatch):
    """Every test records runs into its own store, never the user's ($PYFFNN_RUNS_DB is inherited by children).
    The store sits in a folder of its own, so a test's tmp_path holds only what the test wrote (the app records
    every run, and saves the run's model beside the store)."""
    monkeypatch.setenv("PYFFNN_RUNS_DB", str(tmp_path_factory.mktemp("store") / "runs.sqlite"))
