"""Project files are validated field by field before anything is applied: every bad value (NaN, inf, 1e30, a wrong
type, an unknown field, a value the panels cannot show) and every corrupt archive leaves the window as it was and
shows a message; the headless app exits 2 instead of aborting."""
import io
import json
import math
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from pyffnn_gui.project_io import ProjectFileError, load_project


def _saved(window, tmp_path):
    path = tmp_path / "good.ffnnproj"
    assert window.save_project_file(str(path))
    with np.load(path) as z:
        return path, dict(z)


def _write(path, arrays, settings_change=None):
    meta = json.loads(str(arrays["meta"]))
    if settings_change is not None:
        settings_change(meta["settings"])
    with open(path, "wb") as fh:
        np.savez(fh, **dict(arrays, meta=np.array(json.dumps(meta))))


BAD_VALUES = [math.nan, math.inf, -math.inf, 1e30, -1e30, "3", None, [1], {"a": 1}, True, 2**70, 0.5]
FIELDS = [("train", "lr"), ("train", "epochs"), ("train", "batch_size"), ("train", "l2"), ("train", "seed"),
          ("data", "n_samples"), ("data", "noise"), ("data", "seed"), ("data", "val"), ("data", "test"),
          ("data", "target")]


def _is_valid(section, field, value):
    """The few BAD_VALUES that are legitimate for a field (e.g. 0.5 is a fine learning rate)."""
    return isinstance(value, float) and value == 0.5 and (section, field) in {("train", "lr"), ("train", "l2"),
                                                                               ("data", "noise"), ("data", "val"),
                                                                               ("data", "test")}


def test_every_bad_settings_value_is_refused_before_anything_is_applied(window, tmp_path):
    _, arrays = _saved(window, tmp_path)
    before = (window.session.net.spec, window.session.net.params.copy(), window.session.data,
              window.train_panel.lr_spin.value())
    tried = 0
    for section, field in FIELDS:
        for value in BAD_VALUES:
            if _is_valid(section, field, value):
                continue
            path = tmp_path / "bad.ffnnproj"
            _write(path, arrays, lambda s: s[section].__setitem__(field, value))
            with pytest.raises(ProjectFileError, match=f"{section}.{field}|ratios"):
                load_project(str(path))
            tried += 1
    # and through the window (a sample: each runs the whole open path)
    for change in (lambda s: s["train"].__setitem__("epochs", 10**12),
                   lambda s: s["network"]["hidden"][0].__setitem__("units", 10**6),
                   lambda s: s["network"].__setitem__("typo", 1),
                   lambda s: s.__setitem__("extra", {}),
                   lambda s: s["data"].update(source="csv", csv_path="/dev/zero")):
        path = tmp_path / "bad.ffnnproj"
        _write(path, arrays, change)
        assert not window.open_project_file(str(path))
        assert "Could not open project" in window.train_panel.status_label.text()
        tried += 1
    assert tried > 100
    spec, params, data, lr = before
    assert window.session.net.spec == spec and window.session.data is data
    np.testing.assert_array_equal(window.session.net.params, params)
    assert window.train_panel.lr_spin.value() == lr


def test_corrupt_project_archives_are_project_file_errors(window, tmp_path):
    path, arrays = _saved(window, tmp_path)
    raw = path.read_bytes()
    encrypted = bytearray(raw)
    encrypted[6] = 1
    dup = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(dup, "w") as z:
        for info in src.infolist():
            z.writestr(info.filename, src.read(info))
        z.writestr("params", src.read("params.npy"))
    nan_params = dict(arrays, params=np.full_like(arrays["params"], np.nan))
    cases = {"encrypted": bytes(encrypted), "truncated": raw[:len(raw) // 2], "params next to params.npy":
             dup.getvalue()}
    for name, data in cases.items():
        bad = tmp_path / f"{name}.ffnnproj"
        bad.write_bytes(data)
        with pytest.raises(ProjectFileError):
            load_project(str(bad))
    _write(tmp_path / "nan.ffnnproj", nan_params)
    with pytest.raises(ProjectFileError, match="NaN"):
        load_project(str(tmp_path / "nan.ffnnproj"))
    fifo = tmp_path / "fifo.ffnnproj"
    os.mkfifo(fifo)
    for p in (fifo, "/dev/zero"):
        with pytest.raises(ProjectFileError, match="not a"):
            load_project(str(p))


def test_headless_app_with_a_bad_project_exits_2_without_aborting(window, tmp_path):
    _, arrays = _saved(window, tmp_path)
    path = tmp_path / "bad.ffnnproj"
    _write(path, arrays, lambda s: s["train"].__setitem__("epochs", math.nan))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-m", "pyffnn_gui", "--project", str(path), "--screenshot",
                        str(tmp_path / "x.png"), "--epochs", "1"], capture_output=True, text=True, timeout=120,
                       env=env)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "train.epochs" in r.stderr and "Traceback" not in r.stderr


def test_saving_a_plot_or_project_to_a_device_is_a_message(window, tmp_path):
    assert not window.save_plot_png(next(iter(window.plots)), "/dev/null")
    assert "not a regular file" in window.train_panel.status_label.text()
    assert not window.save_project_file("/dev/null")
    assert "not a regular file" in window.train_panel.status_label.text()
