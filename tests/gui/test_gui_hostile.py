"""Hostile files opened through the real window: every one gives a message and keeps the previous data and network."""
import json

import numpy as np
import pytest



def _saved_arrays(window, tmp_path):
    path = tmp_path / "good.ffnnproj"
    assert window.save_project_file(str(path))
    with np.load(path) as z:
        return dict(z)


def _write(path, arrays, **meta_changes):
    meta = json.loads(str(arrays["meta"]))
    for key, value in meta_changes.items():
        meta[key] = value
    arrays = dict(arrays, meta=np.array(json.dumps(meta)))
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _state(window):
    return window.session.net.spec, window.session.net.params.copy(), window.session.data


def _assert_kept(window, before):
    spec, params, data = before
    assert window.session.net.spec == spec
    np.testing.assert_array_equal(window.session.net.params, params)
    assert window.session.data is data
    assert "Could not open project" in window.train_panel.status_label.text()


@pytest.mark.parametrize("changes", [
    {"epochs_done": "many"}, {"epochs_done": [1]}, {"epochs_done": -3}, {"epochs_done": 1e300},
    {"spec": 5}, {"settings": "x"}, {"settings": None}, {"version": "1"},
])
def test_project_with_bad_meta_values_keeps_everything(window, tmp_path, changes):
    arrays = _saved_arrays(window, tmp_path)
    path = tmp_path / "bad.ffnnproj"
    _write(path, arrays, **changes)
    before = _state(window)
    assert not window.open_project_file(str(path))
    _assert_kept(window, before)


@pytest.mark.parametrize("arrays_change", [
    {"params": np.array(["a", "b"])},
    {"params": np.zeros((2, 2))},
    {"params": np.full(3, np.nan)},
    {"history_loss": np.array(["x"])},
    {"history_loss": np.zeros((2, 2))},
    {"meta": np.array("[" * 100000 + "]" * 100000)},
    {"meta": np.array(3)},
])
def test_project_with_bad_arrays_keeps_everything(window, tmp_path, arrays_change):
    arrays = _saved_arrays(window, tmp_path)
    arrays.update(arrays_change)
    path = tmp_path / "bad.ffnnproj"
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    before = _state(window)
    assert not window.open_project_file(str(path))
    _assert_kept(window, before)


@pytest.mark.parametrize("optimizer", [{"class": "Adam", "hyper_parameters": "lr=1"},
                                       {"class": "Adam", "hyper_parameters": {}, "iterations": "x"},
                                       {"class": "Adam", "hyper_parameters": {"lr": "fast"}}])
def test_project_with_bad_optimizer_state_opens_with_a_note(window, tmp_path, optimizer):
    arrays = _saved_arrays(window, tmp_path)
    arrays["optimizer_state"] = np.zeros(2 * window.session.net.n_params)
    path = tmp_path / "bad.ffnnproj"
    _write(path, arrays, optimizer=optimizer)
    assert window.open_project_file(str(path))          # the weights are fine: only the optimizer restarts
    assert "optimizer" in window.train_panel.status_label.text().lower()


def test_project_directory_and_missing_file(window, tmp_path):
    before = _state(window)
    for path in (tmp_path, tmp_path / "missing.ffnnproj"):
        assert not window.open_project_file(str(path))
        _assert_kept(window, before)


@pytest.mark.parametrize("content", [
    b"", b"\x00\x01\x02garbage", "a,b,y\n1,2,0\n".encode("utf-16"), b"a,b,y\n1,2\n3,4,5,6\n",
    b"a,b,y\n" + b"1,2,0\n3,4,1\n" * 6 + b"1,x,0\n", b"a,b,y\n1,2,0\n", b"a,b,y\n" + b"1" * 200000 + b",2,0\n3,4,1\n",
    b"a,b,y\n1e400,2,0\n3,4,1\n", b"\xef\xbb\xbf\xff\xfe,;;\n\n",
])
def test_odd_csv_gives_message_and_keeps_network(window, tmp_path, content):
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    spec, params, data = _state(window)
    cfg = window.data_panel.config()
    cfg.source, cfg.csv_path = "csv", str(path)
    window.data_panel.set_config(cfg)
    assert not window.load_data()
    assert window.session.net.spec == spec
    np.testing.assert_array_equal(window.session.net.params, params)
    assert window.session.data is data
