"""Bounded fuzzing (hypothesis) of the file loaders: whatever bytes a model or project file holds, loading gives the
network/project or exactly one ModelFileError / ProjectFileError, in bounded time and memory."""
import io
import json
import os
import tempfile
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyffnn import ModelFileError, Network

EXAMPLES = int(os.environ.get("PYFFNN_FUZZ_EXAMPLES", "200"))  # set it higher (and random) for a long hunt
FUZZ = settings(derandomize="PYFFNN_FUZZ_EXAMPLES" not in os.environ, max_examples=EXAMPLES, deadline=None,
                suppress_health_check=list(HealthCheck))


def _model_bytes(compressed):
    net = Network("2-3tanh-2softmax", random_state=0)
    header = json.dumps({"format": "pyffnn-model", "version": 1, "spec": net.spec, "dtype": "float64",
                         "metadata": {"a": 1}})
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, params=net.params, header=np.array(header))
    return buf.getvalue()


GOOD = {False: _model_bytes(False), True: _model_bytes(True)}

# an edit: (position as a fraction of the file, kind, payload)
EDITS = st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["flip", "insert", "delete", "truncate"]),
                           st.binary(min_size=1, max_size=8)), min_size=1, max_size=4)


def _mutate(data, edits):
    out = bytearray(data)
    for where, kind, payload in edits:
        i = min(int(where * len(out)), max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[i:i + len(payload)] = bytes(a ^ (b | 1) for a, b in zip(out[i:i + len(payload)], payload))
        elif kind == "insert":
            out[i:i] = payload
        elif kind == "delete":
            del out[i:i + len(payload)]
        else:
            del out[i:]
    return bytes(out)


def _load_or_error(data, load, error, suffix):
    """``load`` of a file holding ``data``: the result, or None when it raised ``error`` (anything else fails)."""
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(data)
        f.flush()
        try:
            return load(f.name)
        except error:
            return None


def _load(data):
    net = _load_or_error(data, Network.load, ModelFileError, ".npz")
    assert net is None or np.isfinite(net.params).all()


@FUZZ
@given(st.booleans(), EDITS)
def test_fuzzed_model_bytes_load_or_raise_model_file_error(compressed, edits):
    _load(_mutate(GOOD[compressed], edits))


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                max_size=4), max_leaves=12)


@FUZZ
@given(st.sampled_from(["format", "version", "spec", "dtype", "metadata", "n_params"]), JSON)
def test_fuzzed_model_headers_load_or_raise_model_file_error(key, value):
    net = Network("2-3tanh-2softmax", random_state=0)
    header = {"format": "pyffnn-model", "version": 1, "spec": net.spec, "dtype": "float64", "metadata": {}}
    header[key] = value
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, arr in (("header", np.array(json.dumps(header))), ("params", net.params)):
            member = io.BytesIO()
            np.save(member, arr)
            z.writestr(f"{name}.npy", member.getvalue())
    _load(buf.getvalue())


# ----- the app's project loader (headless) -------------------------------------------------------------------------

project_io = pytest.importorskip("pyffnn_gui.project_io")


def _project_bytes():
    from pyffnn_gui.config import ExperimentConfig

    net = Network("2-16tanh-16tanh-1sigmoid", random_state=0)
    with tempfile.TemporaryDirectory() as d:
        path = f"{d}/p.ffnnproj"
        project_io.save_project(path, ExperimentConfig(), net.params, {"loss": np.array([0.5, 0.4])}, 2, net.spec)
        with open(path, "rb") as f:
            return f.read()


GOOD_PROJECT = _project_bytes()


def _load_project(data):
    project = _load_or_error(data, project_io.load_project, project_io.ProjectFileError, ".ffnnproj")
    if project is not None:
        project.config.validate()
        assert np.isfinite(project.params).all()


@FUZZ
@given(EDITS)
def test_fuzzed_project_bytes_load_or_raise_project_file_error(edits):
    _load_project(_mutate(GOOD_PROJECT, edits))


@FUZZ
@given(st.sampled_from(["network", "data", "train"]), st.text(max_size=12), JSON)
def test_fuzzed_project_settings_load_or_raise_project_file_error(section, key, value):
    with zipfile.ZipFile(io.BytesIO(GOOD_PROJECT)) as z:
        arrays = {name[:-4]: np.load(io.BytesIO(z.read(name))) for name in z.namelist()}
    meta = json.loads(str(arrays["meta"]))
    fields = list(meta["settings"][section]) + [key]
    meta["settings"][section][fields[len(key) % len(fields)]] = value
    buf = io.BytesIO()
    np.savez(buf, **dict(arrays, meta=np.array(json.dumps(meta))))
    _load_project(buf.getvalue())
