import os
import sys

# Let tests import the helper module `reference` that sits next to them.
sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path, monkeypatch):
    """Every test records runs into its own store, never the user's ($PYFFNN_RUNS_DB is inherited by children)."""
    monkeypatch.setenv("PYFFNN_RUNS_DB", str(tmp_path / "runs.sqlite"))
