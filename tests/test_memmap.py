"""Data larger than memory: memory-mapped .npy files and folders of shards, trained without loading them whole."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pyffnn
from pyffnn import FFNNError, Network
from pyffnn.datasets import DataError, Shards, is_memmap, open_npy


def _xor(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.int64)


@pytest.fixture
def npy(tmp_path):
    X, y = _xor()
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    return tmp_path


def test_open_npy_maps_without_reading(npy):
    X, y = open_npy(npy / "X.npy", npy / "y.npy")
    assert is_memmap(X) and is_memmap(y) and X.shape == (400, 2) and not X.flags.writeable
    assert not is_memmap(np.zeros(3)) and is_memmap(X[10:20])


def test_fit_on_a_memmap_equals_fit_in_memory(npy):
    X, y = open_npy(npy / "X.npy", npy / "y.npy")
    a, b = Network("2-8tanh-1sigmoid", random_state=0), Network("2-8tanh-1sigmoid", random_state=0)
    ha = a.fit(X, y, epochs=5, lr=0.05, random_state=1)
    hb = b.fit(np.array(X), np.array(y), epochs=5, lr=0.05, random_state=1)
    np.testing.assert_array_equal(a.params, b.params)
    assert ha.history["loss"] == hb.history["loss"]


def test_block_shuffle_learns_and_is_seeded(npy):
    X, y = open_npy(npy / "X.npy", npy / "y.npy")
    runs = []
    for _ in range(2):
        net = Network("2-16tanh-1sigmoid", random_state=0)
        h = net.fit(X, y, epochs=60, lr=0.05, shuffle="blocks", random_state=3,
                    validation_data=(X[-100:], y[-100:]))
        runs.append(net.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert h.history["accuracy"][-1] > 0.9 and "val_loss" in h.history
    net = Network("2-16tanh-1sigmoid", random_state=0)
    net.fit(X, y, epochs=2, lr=0.05, shuffle="blocks", random_state=4)
    assert not np.array_equal(net.params, runs[0])


def test_block_order_is_a_permutation_of_contiguous_blocks():
    from pyffnn.training.loop import _block_shuffle
    order = np.empty(1000, dtype=np.int64)
    _block_shuffle(order, 64, np.random.default_rng(0))
    assert sorted(order) == list(range(1000))
    blocks = order // 64
    changes = np.flatnonzero(np.diff(blocks)) + 1
    runs = np.split(blocks, changes)
    assert len(runs) == 16 and all(len(set(r)) == 1 for r in runs)  # each block visited in one run
    assert not np.array_equal(order, np.arange(1000))


def test_shuffle_must_be_bool_or_blocks(npy):
    X, y = _xor()
    with pytest.raises(FFNNError, match="shuffle must be True or False, or 'blocks'"):
        Network("2-4tanh-1sigmoid").fit(X, y, epochs=1, shuffle="rows")


def test_memmap_errors_are_clear(tmp_path, npy):
    X, y = open_npy(npy / "X.npy", npy / "y.npy")
    with pytest.raises(FFNNError, match="validation_split would copy"):
        Network("2-4tanh-1sigmoid").fit(X, y, epochs=1, validation_split=0.2)
    np.save(tmp_path / "X32.npy", np.asarray(X, dtype=np.float32))
    X32, _ = open_npy(tmp_path / "X32.npy")
    with pytest.raises(FFNNError, match="dtype='float32'"):
        Network("2-4tanh-1sigmoid").fit(X32, y, epochs=1)
    Network("2-4tanh-1sigmoid", dtype="float32").fit(X32, y, epochs=1)  # no conversion: fine
    np.save(tmp_path / "s.npy", np.array([["a", "b"]]))
    with pytest.raises(DataError, match="must be numbers, got dtype <U1"):
        open_npy(tmp_path / "s.npy")
    np.save(tmp_path / "y3.npy", np.zeros(3))
    with pytest.raises(DataError, match="have 400 rows but the targets 3"):
        open_npy(npy / "X.npy", tmp_path / "y3.npy")
    np.save(tmp_path / "v.npy", np.zeros(5))
    with pytest.raises(DataError, match="must be a 2-D array"):
        open_npy(tmp_path / "v.npy")
    np.save(tmp_path / "o.npy", np.array([{}], dtype=object))
    with pytest.raises(DataError, match="cannot be memory-mapped"):
        open_npy(tmp_path / "o.npy")
    with pytest.raises(DataError, match="does not exist"):
        open_npy(tmp_path / "nope.npy")
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    with pytest.raises(DataError, match="not a .npy file"):
        open_npy(tmp_path / "bad.npy")


def _write_shards(folder, sizes=(150, 100, 150)):
    folder.mkdir()
    X, y = _xor(sum(sizes))
    start = 0
    for k, m in enumerate(sizes):
        np.save(folder / f"X_{k:03d}.npy", X[start:start + m])
        np.save(folder / f"y_{k:03d}.npy", y[start:start + m])
        start += m
    return X, y


def test_shards_train_shard_by_shard(tmp_path):
    X, y = _write_shards(tmp_path / "sh")
    shards = Shards(tmp_path / "sh")
    assert len(shards) == 3 and shards.n_samples == 400 and shards.n_features == 2
    assert shards.names == ["X_000.npy", "X_001.npy", "X_002.npy"]
    net = Network("2-16tanh-1sigmoid", random_state=0)
    h = net.fit(shards, None, epochs=60, lr=0.05, shuffle="blocks", random_state=0, validation_data=(X, y))
    assert h.history["accuracy"][-1] > 0.9 and h.history["val_accuracy"][-1] > 0.9
    # without shuffling, shards in order and full batches inside each: the same steps as the parts one by one
    a, b = Network("2-4tanh-1sigmoid", random_state=0), Network("2-4tanh-1sigmoid", random_state=0)
    a.fit(shards, None, epochs=1, optimizer=pyffnn.Adam(lr=0.1), shuffle=False, batch_size=50)
    opt = pyffnn.Adam(lr=0.1)  # one optimizer object: its state carries over the parts as in one fit
    for Xs, ys in shards:
        b.fit(Xs, ys, epochs=1, optimizer=opt, shuffle=False, batch_size=50)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12, atol=1e-12)


def test_shard_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist or is not a folder"):
        Shards(tmp_path / "none")
    (tmp_path / "e").mkdir()
    with pytest.raises(DataError, match="holds no X\\*.npy files"):
        Shards(tmp_path / "e")
    _write_shards(tmp_path / "m")
    os.remove(tmp_path / "m" / "y_001.npy")
    with pytest.raises(DataError, match="'X_001.npy' has no targets file 'y_001.npy'"):
        Shards(tmp_path / "m")
    _write_shards(tmp_path / "w")
    np.save(tmp_path / "w" / "X_001.npy", np.zeros((100, 3)))
    with pytest.raises(DataError, match="has 3 features of float64, but 'X_000.npy' has 2"):
        Shards(tmp_path / "w")
    _write_shards(tmp_path / "ok")
    shards = Shards(tmp_path / "ok")
    net = Network("2-4tanh-1sigmoid")
    with pytest.raises(FFNNError, match="pass y=None"):
        net.fit(shards, np.zeros(400), epochs=1)
    with pytest.raises(FFNNError, match="validation_split is not supported with Shards"):
        net.fit(shards, None, epochs=1, validation_split=0.1)
    with pytest.raises(FFNNError, match="L-BFGS needs the whole training set"):
        net.fit(shards, None, epochs=1, optimizer="lbfgs")
    with pytest.raises(FFNNError, match="shard 'X_000.npy': X has 2 features per sample but the network expects 3"):
        Network("3-4tanh-1sigmoid").fit(shards, None, epochs=1)


MEMORY_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import pyffnn

    def anon_kb():  # the process's own memory (heap, stacks), not the file pages the mapping reads in
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1])

    path, kind = sys.argv[1], sys.argv[2]
    if kind == "shards":
        data, y = pyffnn.datasets.Shards(path), None
    else:
        data, y = pyffnn.datasets.open_npy(path + "/X.npy", path + "/y.npy")
    net = pyffnn.Network("64-8tanh-1sigmoid", random_state=0)
    X0, y0 = data[0] if kind == "shards" else (data, y)
    net.fit(X0[:256], y0[:256], epochs=1)  # warm up: imports and first allocations are not the data's
    before, peak = anon_kb(), [0]

    def sample(*args):  # the largest growth while training (measured after fit, a copy would be gone)
        peak[0] = max(peak[0], anon_kb() - before)
    watch = pyffnn.LambdaCallback(on_chunk_end=sample, on_epoch_end=sample)
    net.fit(data, y, epochs=2, batch_size=256, shuffle="blocks", random_state=0, callbacks=[watch])
    print(peak[0])
""")


@pytest.mark.parametrize("kind", ["npy", "shards"])
def test_training_on_a_file_far_larger_than_the_memory_it_uses(tmp_path, kind):
    n, d = 262_144, 64  # 128 MiB of float64 features
    rng = np.random.default_rng(0)
    folder = tmp_path / "data"
    folder.mkdir()
    parts = 1 if kind == "npy" else 4
    for k in range(parts):
        name = ("X.npy", "y.npy") if kind == "npy" else (f"X_{k}.npy", f"y_{k}.npy")
        X = np.lib.format.open_memmap(folder / name[0], mode="w+", dtype=np.float64, shape=(n // parts, d))
        for start in range(0, n // parts, 16384):
            X[start:start + 16384] = rng.standard_normal((min(16384, n // parts - start), d))
        X.flush()
        del X
        np.save(folder / name[1], (rng.random(n // parts) > 0.5).astype(np.int64))
    file_kb = n * d * 8 // 1024
    out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(folder), kind], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    growth_kb = int(out.stdout.strip())
    # the targets as float64 (2 MiB) and bookkeeping; loading the features would add 128 MiB
    assert growth_kb < file_kb / 8, (growth_kb, file_kb)


# ----- the command line ----------------------------------------------------------------------------------------

def _cli(capsys, *argv):
    from pyffnn.cli import main
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_trains_on_npy_and_records_the_run(capsys, npy, tmp_path):
    X, y = _xor(100, seed=1)
    np.save(tmp_path / "Xv.npy", X)
    np.save(tmp_path / "yv.npy", y)
    code, out, err = _cli(capsys, "train", "--npy", npy / "X.npy", "--npy-target", npy / "y.npy", "--npy-val",
                          tmp_path / "Xv.npy", "--npy-val-target", tmp_path / "yv.npy", "--layers", "16tanh",
                          "--epochs", "80", "--lr", "0.05", "--quiet", "-o", tmp_path / "m.npz")
    assert code == 0, err
    assert "trained 2-16tanh-1sigmoid for 80 epochs on 400 memory-mapped samples (binary" in out
    val_acc = float(out.split("val_accuracy=")[1].split()[0])
    assert val_acc > 0.85
    net = Network.load(tmp_path / "m.npz")
    assert net.metadata["source"]["npy"] == str(npy / "X.npy")
    from pyffnn.experiments import RunStore
    with RunStore() as store:
        run_ = store.list_runs()[0]
    assert run_.config["data"]["source"]["npy"] == str(npy / "X.npy") and run_.config["fit"]["shuffle"] == "blocks"


def test_cli_trains_on_a_shard_folder(capsys, tmp_path):
    _write_shards(tmp_path / "sh")
    code, out, err = _cli(capsys, "train", "--npy", tmp_path / "sh", "--epochs", "3", "--quiet", "--no-record",
                          "-o", tmp_path / "m.npz")
    assert code == 0, err
    assert "on 400 memory-mapped samples (binary, 2 features)" in out


@pytest.mark.parametrize("extra, message", [
    ([], "--npy X.npy needs --npy-target y.npy"),
    (["--npy-target", "Y", "--target", "y"], "--target does not apply to --npy"),
    (["--npy-target", "Y", "--npy-val", "Y"], "give --npy-val and --npy-val-target together"),
    (["--npy-target", "Y", "--patience", "3"], "--patience needs validation rows"),
    (["--npy-target", "BAD"], "have 400 rows but the targets 3"),
])
def test_cli_npy_errors(capsys, npy, extra, message):
    np.save(npy / "bad.npy", np.zeros(3))
    extra = [str(npy / "y.npy") if e == "Y" else str(npy / "bad.npy") if e == "BAD" else e for e in extra]
    code, out, err = _cli(capsys, "train", "--npy", npy / "X.npy", *extra, "--epochs", "1", "--quiet",
                          "-o", npy / "m.npz")
    assert code == 2 and message in err and "Traceback" not in err


def test_cli_npy_and_another_source_is_a_usage_error(capsys, npy):
    with pytest.raises(SystemExit) as exc:
        _cli(capsys, "train", "--npy", npy / "X.npy", "--dataset", "xor")
    assert exc.value.code == 2 and "give the data once" in capsys.readouterr().err


def test_shards_and_blocks_are_for_one_process(tmp_path):
    _write_shards(tmp_path / "sh")
    net = Network("2-4tanh-1sigmoid")
    with pytest.raises(FFNNError, match="Shards and shuffle='blocks' are for one process"):
        net.fit(Shards(tmp_path / "sh"), None, epochs=1, comm=object())
    X, y = _xor()
    with pytest.raises(FFNNError, match="Shards and shuffle='blocks' are for one process"):
        net.fit(X, y, epochs=1, shuffle="blocks", comm=object())
