"""The core's worker pool: the same bits for any thread count at the sizes where the pool splits work (mid-size
training steps, one-sample and batched forward), several Python threads calling in at once (each with its own
network) give what sequential calls give, and a forked child gets a working pool of its own."""
import multiprocessing
import threading

import numpy as np
import pytest

import pyffnn
from pyffnn._core import lib


@pytest.fixture(autouse=True)
def restore_threads():
    yield
    assert lib.ffnn_set_threads(0) == lib.FFNN_OK


def _digits_like(n, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n_in)), rng.integers(0, n_out, n)


def _train(spec, dtype, threads, optimizer, batch, X, y, epochs=2):
    assert lib.ffnn_set_threads(threads) == lib.FFNN_OK
    net = pyffnn.Network(spec, dtype=dtype, random_state=5)
    hist = net.fit(X, y, optimizer=optimizer, lr=1e-3 if optimizer == "adam" else 0.01, epochs=epochs,
                   batch_size=batch, random_state=0)
    loss, grad = net.loss_and_grad(net.params, X, y)
    return [net.params.copy(), np.asarray(hist.history["loss"]), loss, grad, net.forward(X), net.forward(X[0]),
            net.forward(X[:1]), net.forward(X[:7])]


# the mid size (64-256relu-256relu-10softmax, Adam, batch 32) and neighbours whose products are just above
# and below the split threshold, one with a width that is not a multiple of the 32-wide chunks
MID = [("64-256relu-256relu-10softmax", "adam", 32), ("64-128relu-64relu-10softmax", "adam", 32),
       ("64-100tanh-70relu-10softmax", "sgd", 17), ("64-512relu-10softmax", "momentum", 8),
       ("784-256relu-10softmax", "adam", 1)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec,optimizer,batch", MID)
def test_mid_sizes_give_the_same_bits_for_any_thread_count(spec, optimizer, batch, dtype):
    n_in, n_out = int(spec.split("-")[0]), int(spec.split("-")[-1].rstrip("softmax"))
    X, y = _digits_like(64 if batch == 1 else 300, n_in, n_out, 1)
    one = _train(spec, dtype, 1, optimizer, batch, X, y, epochs=1 if batch == 1 else 2)
    for threads in (2, 3):
        other = _train(spec, dtype, threads, optimizer, batch, X, y, epochs=1 if batch == 1 else 2)
        for a, b in zip(one, other):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(one[0], pyffnn.Network(spec, dtype=dtype, random_state=5).params)  # it trained


# different networks, some big enough to take the pool, some tiny; each thread owns its network
CONCURRENT = ["64-256relu-256relu-10softmax", "2-8tanh-8tanh-1sigmoid", "64-128relu-64relu-10softmax",
              "300-200tanh-10softmax"]


def _job(spec, seed):
    net = pyffnn.Network(spec, dtype="float32", random_state=seed)
    n_in, n_out = net.n_inputs, max(2, net.n_outputs)
    X, y = _digits_like(256, n_in, n_out, seed)
    net.fit(X, y, optimizer="adam", lr=1e-3, epochs=3, batch_size=32, random_state=seed)
    return net.params.copy(), net.forward(X), net.forward(X[3])


def test_python_threads_training_different_networks_at_once_match_sequential_runs():
    assert lib.ffnn_set_threads(2) == lib.FFNN_OK
    jobs = [(spec, seed) for seed in range(2) for spec in CONCURRENT]
    expected = [_job(*j) for j in jobs]
    results = [None] * len(jobs)
    errors = []
    start = threading.Barrier(len(jobs))

    def run(i):
        try:
            start.wait()
            for _ in range(2):  # twice: the pool is taken and given back many times while others want it
                results[i] = _job(*jobs[i])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors
    for got, want in zip(results, expected):
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


def _child(queue):
    queue.put(_job("64-256relu-256relu-10softmax", 0)[0])


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")
def test_a_forked_child_has_a_working_pool():
    assert lib.ffnn_set_threads(2) == lib.FFNN_OK
    expected = _job("64-256relu-256relu-10softmax", 0)[0]  # the parent's pool has workers now
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue,))
    proc.start()
    got = queue.get(timeout=120)
    proc.join(timeout=60)
    assert proc.exitcode == 0
    np.testing.assert_array_equal(got, expected)


def _compile_and_run_pool_test(tmp_path, flags):
    import glob
    import os
    import shutil
    import subprocess

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    exe = str(tmp_path / "test_pool")
    sources = sorted(glob.glob(os.path.join(root, "csrc", "*.c"))) + [os.path.join(root, "tests", "c", "test_pool.c")]
    build = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fopenmp-simd", *flags, "-I",
                            os.path.join(root, "csrc"), *sources, "-o", exe, "-lm", "-lpthread"],
                           capture_output=True, text=True)
    if build.returncode != 0 and "-fsanitize=thread" in flags:
        pytest.skip("no ThreadSanitizer: " + build.stderr[-200:])
    assert build.returncode == 0, build.stderr
    res = subprocess.run([exe], capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, TSAN_OPTIONS="halt_on_error=1"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 failed" in res.stdout


@pytest.mark.parametrize("flags", [["-O2"], ["-O1", "-g", "-fsanitize=thread"]], ids=["plain", "tsan"])
def test_c_callers_sharing_the_pool(tmp_path, flags):
    """Several C threads training at once with 2 threads each: no data race (ThreadSanitizer), the same bits."""
    _compile_and_run_pool_test(tmp_path, flags)
