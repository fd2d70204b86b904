"""Files on disk: one atomic writer (symlinks, devices, FIFOs, umask, stale temp files, messages) and one bounded
archive reader (every corrupt or crafted model file is a ModelFileError)."""
import io
import json
import os
import stat
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest

import pyffnn
from pyffnn import FFNNError, ModelFileError, Network
from pyffnn.fileio import atomic_path, atomic_write, check_writable

CLI = [sys.executable, "-m", "pyffnn.cli"]


def _net():
    return Network("2-3tanh-1sigmoid", random_state=0)


# ----- writing -----------------------------------------------------------------------------------------------------

def test_symlink_target_is_written_and_the_link_stays(tmp_path):
    target = tmp_path / "real.npz"
    _net().save(target)
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    net = Network("2-5tanh-1sigmoid", random_state=1)
    net.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert Network.load(target).spec == net.spec
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.npz", "real.npz"]


def test_devices_and_fifos_are_refused_as_targets(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in ("/dev/null", fifo):
        with pytest.raises(FFNNError, match="not a regular file"):
            _net().save(path)
        with pytest.raises(FFNNError, match="not a regular file"):
            check_writable(path)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(tmp_path):
    old = os.umask(0o027)
    try:
        _net().save(tmp_path / "new.npz")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.npz").st_mode) == 0o640
    kept = tmp_path / "kept.npz"
    _net().save(kept)
    os.chmod(kept, 0o604)
    _net().save(kept)
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o604


def _dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temp_files_of_dead_processes_are_cleaned_by_the_next_save(tmp_path):
    from pyffnn.fileio import _HOST, _TMP_TAG

    dead = tmp_path / f".m.npz{_TMP_TAG}{_HOST}-{_dead_pid()}-0123456789abcdef.npz"
    alive = tmp_path / f".m.npz{_TMP_TAG}{_HOST}-{os.getpid()}-0123456789abcdef.npz"
    other = tmp_path / f".other.npz{_TMP_TAG}{_HOST}-{_dead_pid()}-0123456789abcdef.npz"
    for p in (dead, alive, other):
        p.write_bytes(b"partial")
    _net().save(tmp_path / "m.npz")
    assert not dead.exists()
    assert alive.exists() and other.exists()  # a live writer's file, and another target's, are left alone


def test_a_failed_save_keeps_metadata_and_names_the_users_path(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    net = _net()
    net.save(path, metadata={"run": 1})
    original = path.read_bytes()

    def full_disk(file, **arrays):
        file.write(b"x")
        raise OSError(28, "No space left on device", getattr(file, "name", "?"))

    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.raises(OSError) as info:
        net.save(path, metadata={"run": 2})
    assert info.value.filename == str(path) and ".pyffnn-tmp" not in str(info.value)
    assert net.metadata == {"run": 1}
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_check_writable_leaves_nothing_and_says_what_is_wrong(tmp_path):
    check_writable(tmp_path / "fine.npz")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(IsADirectoryError, match="directory"):
        check_writable(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        check_writable(tmp_path / "no" / "x.npz")


def test_atomic_write_text_mode_and_interrupt_keep_the_old_file(tmp_path):
    path = tmp_path / "out.csv"
    atomic_write(path, lambda f: f.write("a,b\n"), mode="w", newline="")
    assert path.read_text() == "a,b\n"
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(path) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise KeyboardInterrupt
    assert path.read_text() == "a,b\n" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_public_names():
    assert pyffnn.atomic_write is atomic_write and pyffnn.check_writable is check_writable


# ----- the CLI's outputs and environment --------------------------------------------------------------------------

def _run(args, **kw):
    return subprocess.run(CLI + args, capture_output=True, text=True, timeout=120, **kw)


def test_cli_outputs_are_atomic_and_refuse_devices(tmp_path):
    out = tmp_path / "xor.csv"
    assert _run(["datasets", "xor", "--samples", "20", "-o", str(out)]).returncode == 0
    before = out.read_bytes()
    r = _run(["datasets", "xor", "--samples", "20", "-o", "/dev/null"])
    assert r.returncode == 2 and "not a regular file" in r.stderr and "Traceback" not in r.stderr
    r = _run(["train", "--dataset", "xor", "--epochs", "1", "-o", str(tmp_path / "missing" / "m.npz")])
    assert r.returncode == 2 and "does not exist" in r.stderr and "trained" not in r.stdout  # before training
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["xor.csv"]


def test_closed_stdout_closed_stderr_and_broken_pipe(tmp_path):
    r = subprocess.run(" ".join(CLI) + " datasets xor >&-", shell=True, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "standard output" in r.stderr and "internal error" not in r.stderr
    r = subprocess.run(" ".join(CLI) + " datasets xor --samples 0 2>&-", shell=True, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and r.stdout == ""
    r = subprocess.run(" ".join(CLI) + " datasets xor --samples 200000 | head -1", shell=True, capture_output=True,
                       text=True, timeout=60, executable="/bin/bash")
    assert r.stdout == "x1,x2,y\n" and r.stderr == ""


def test_info_on_non_models_and_on_a_crafted_huge_architecture(tmp_path):
    header = {"format": "pyffnn-model", "version": 1, "dtype": "float64", "metadata": {},
              "spec": "999-1000-2147482649-2147483647-2147483647-2147483647-2147483647-1"}
    crafted = tmp_path / "crafted.npz"
    np.savez(crafted, params=np.zeros(999), header=np.array(json.dumps(header)))
    assert crafted.stat().st_size < 10_000
    r = _run(["info", str(crafted)])
    assert r.returncode == 2 and "parameters" in r.stderr and len(r.stderr.splitlines()) == 1
    pickled = tmp_path / "obj.npz"
    with zipfile.ZipFile(pickled, "w") as z:
        buf = io.BytesIO()
        np.save(buf, np.array([{}], dtype=object), allow_pickle=True)
        z.writestr("header.npy", buf.getvalue())
    for path in (pickled, "/dev/zero"):
        r = _run(["info", str(path)])
        assert r.returncode == 2 and "allow_pickle" not in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr


# ----- reading: every corrupt model file is a ModelFileError -------------------------------------------------------

def _good(tmp_path, compressed=False):
    path = tmp_path / "good.npz"
    net = _net()
    header = np.array(json.dumps({"format": "pyffnn-model", "version": 1, "spec": net.spec, "dtype": "float64",
                                  "metadata": {}}))
    (np.savez_compressed if compressed else np.savez)(path, params=net.params, header=header)
    return path, path.read_bytes()


def _patch(data, signature, offset, value, size=2):
    out = bytearray(data)
    start = 0
    while (i := out.find(signature, start)) >= 0:
        out[i + offset:i + offset + size] = value.to_bytes(size, "little")
        start = i + 4
    return bytes(out)


def _with_params(raw, change):
    """The archive ``raw`` with its params.npy bytes changed (CRC and sizes consistent: only the content is bad)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            z.writestr(info.filename, change(data) if info.filename == "params.npy" else data)
    return buf.getvalue()


def _corruptions(tmp_path):
    path, raw = _good(tmp_path)
    _, deflated = _good(tmp_path, compressed=True)
    cases = {
        "encrypted": _patch(_patch(raw, b"PK\x03\x04", 6, 1), b"PK\x01\x02", 8, 1),
        "unknown compression": _patch(_patch(raw, b"PK\x03\x04", 8, 99), b"PK\x01\x02", 10, 99),
        "bzip2 compression": _patch(_patch(raw, b"PK\x03\x04", 8, 12), b"PK\x01\x02", 10, 12),
        "deflate error": deflated[:60] + bytes(b ^ 0x5A for b in deflated[60:120]) + deflated[120:],
        "malformed npy header": _with_params(raw, lambda b: b.replace(b"'descr'", b"'descr\"")),
        "literal_eval bait header": _with_params(raw, lambda b: b.replace(b"'<f8'", b"1+1 ")),
        "huge declared shape": _with_params(raw, lambda b: b.replace(f"({_net().n_params},)".encode(),
                                                                     b"(99999999999,)")[:len(b)]),
        "fortran order": _with_params(raw, lambda b: b.replace(b"False", b"True ")),
        "object dtype": _with_params(raw, lambda b: b.replace(b"'<f8'", b"'|O' ")),
        "truncated": raw[: len(raw) // 2],
        "empty": b"",
        "npy": raw[raw.find(b"\x93NUMPY"):],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name it is asked to write
        for name, extra in (("duplicate member", "params.npy"), ("params next to params.npy", "params"),
                            ("unexpected member", "evil.npy")):
            buf = io.BytesIO()
            with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(buf, "w") as z:
                for info in src.infolist():
                    z.writestr(info.filename, src.read(info))
                z.writestr(extra, src.read("params.npy").replace(b"\x00", b"\x01"))
            cases[name] = buf.getvalue()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("header.npy", zipfile.ZipFile(io.BytesIO(raw)).read("header.npy"))
        z.writestr("params.npy", b"\x93NUMPY\x01\x00" + b"v\x00" + b"{'descr': '<f8', 'fortran_order': False, "
                   b"'shape': (400000000,), }".ljust(117) + b"\n" + bytes(8 * 400_000))
    cases["size bomb"] = bomb.getvalue()
    return cases


def test_every_corrupt_model_file_is_a_model_file_error(tmp_path):
    cases = _corruptions(tmp_path)
    path, raw = _good(tmp_path)
    assert len(cases) >= 12 and all(data != raw for data in cases.values())
    for name, data in cases.items():
        bad = tmp_path / "bad.npz"
        bad.write_bytes(data)
        with pytest.raises(ModelFileError):
            Network.load(bad)
            pytest.fail(f"{name} loaded")
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero", tmp_path):
        with pytest.raises(ModelFileError, match="not a|directory"):
            Network.load(path)
