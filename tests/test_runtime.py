"""The process-wide core settings exposed in Python: thread count and SIMD level."""
import numpy as np
import pytest

import pyffnn


def test_threads_and_simd_round_trip_and_results_do_not_depend_on_threads():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 64)).astype(np.float32)
    y = rng.integers(0, 10, 600)
    params = []
    try:
        for threads in (1, 2):
            pyffnn.set_threads(threads)
            assert pyffnn.get_threads() == threads
            net = pyffnn.Network("64-256relu-128relu-10softmax", dtype="float32", random_state=0)
            net.fit(X, y, optimizer="sgd", lr=0.05, epochs=2, batch_size=300, random_state=0)
            params.append(net.params.copy())
    finally:
        pyffnn.set_threads(None)
    np.testing.assert_array_equal(params[0], params[1])


def test_simd_levels():
    best = pyffnn.get_simd()
    assert best in ("plain", "avx2", "avx512")
    try:
        pyffnn.set_simd("plain")
        assert pyffnn.get_simd() == "plain"
    finally:
        pyffnn.set_simd(None)
    assert pyffnn.get_simd() == best


@pytest.mark.parametrize("bad", [-1, 1.5, "two", True])
def test_bad_thread_counts(bad):
    with pytest.raises(pyffnn.FFNNError, match="threads"):
        pyffnn.set_threads(bad)


def test_bad_simd_level():
    with pytest.raises(pyffnn.FFNNError, match="unknown SIMD level"):
        pyffnn.set_simd("neon")
