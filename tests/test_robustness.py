"""Silent wrong results, threads and odd environments (issue 10 items 4-6): each is a clear error or exact."""
import threading

import numpy as np
import pytest

import pyffnn
from pyffnn import FFNNError, Network, TrainingDiverged


@pytest.fixture
def xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 8, dtype=float)
    return X, (X[:, 0] != X[:, 1]).astype(float)


def test_assigning_params_copies_into_the_buffer_or_raises(xor):
    net = Network("2-4tanh-1sigmoid", random_state=0)
    buf = net.params
    new = np.random.default_rng(1).normal(size=net.n_params)
    net.params = new
    assert net.params is buf
    np.testing.assert_array_equal(net.params, new)
    ref = Network("2-4tanh-1sigmoid", random_state=0)
    ref.params[:] = new
    np.testing.assert_array_equal(net.predict(xor[0]), ref.predict(xor[0]))  # predict sees the new weights
    assert net.evaluate(*xor) == ref.evaluate(*xor)
    for bad in (np.zeros(3), np.full(net.n_params, np.nan), "x", np.zeros((net.n_params, 1))):
        with pytest.raises(FFNNError):
            net.params = bad
    np.testing.assert_array_equal(net.params, new)
    net.grads = np.ones(net.n_params)
    assert (net.grads == 1).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_divergence_always_leaves_truly_finite_weights(xor, dtype):
    lr = 1e38 if dtype == "float32" else 1e300
    for opt in ("sgd", "momentum", "adam"):
        net = Network("2-8relu-1linear", dtype=dtype, random_state=0)
        X, y = xor
        try:
            net.fit(X * 1e3, y * 1e3, optimizer=opt, lr=lr, epochs=20, batch_size=4)
        except TrainingDiverged:
            pass
        assert np.isfinite(net.params).all(), opt  # either it diverged and was restored, or it stayed finite
        assert np.isfinite(net.predict(X)).all()


def test_a_last_update_that_breaks_the_weights_raises(xor):
    net = Network("2-3linear-1linear", random_state=0)
    X, y = xor
    with pytest.raises(TrainingDiverged, match="NaN or infinite"):
        net.fit(X, y * 1e200, optimizer="sgd", lr=1e150, epochs=1, batch_size=None)
    assert np.isfinite(net.params).all()
    net.params[0] = np.nan  # through a view: fit refuses to start instead of training NaN
    with pytest.raises(FFNNError, match="weights contain NaN"):
        net.fit(X, y, epochs=1)


@pytest.mark.parametrize("make, match", [
    (lambda: pyffnn.Adam(beta2=0.9999999999), "rounds to 1.0"),
    (lambda: pyffnn.Adam(beta1=0.99999999999), "rounds to 1.0"),
    (lambda: pyffnn.SGD(lr=1e39), "too large for float32"),
    (lambda: pyffnn.SGD(lr=1e-50), "too small for float32"),
    (lambda: pyffnn.SGD(lr=0.1, momentum=0.999999999), "rounds to 1.0"),
    (lambda: pyffnn.Adam(eps=1e-60), "too small"),
    (lambda: pyffnn.RPROP(step_max=1e39), "too large"),
])
def test_float32_hyper_parameters_that_change_meaning_are_refused(xor, make, match):
    net = Network("2-3tanh-1sigmoid", dtype="float32", random_state=0)
    with pytest.raises(FFNNError, match=match):
        net.fit(*xor, optimizer=make(), epochs=1)
    Network("2-3tanh-1sigmoid", dtype="float64", random_state=0).fit(*xor, optimizer=make(), epochs=1)


def test_sample_weights_that_underflow_or_overflow_are_refused(xor):
    X, y = xor
    net = Network("2-3tanh-1sigmoid", dtype="float32", random_state=0)
    for w in (np.full(len(y), 1e-39), np.full(len(y), 3e38)):
        with pytest.raises(FFNNError, match="rescale"):
            net.fit(X, y, sample_weight=w, epochs=1)
    net.fit(X, y, sample_weight=np.full(len(y), 1e-30), epochs=1)
    with pytest.raises(FFNNError, match="rescale"):
        Network("2-3tanh-1sigmoid", random_state=0).fit(X, y, sample_weight=np.full(len(y), 1e308), epochs=1)


def test_one_network_from_two_threads_is_a_clear_error(xor):
    X, y = xor
    X = np.repeat(X, 500, axis=0)
    y = np.repeat(y, 500)
    net = Network("2-64tanh-64tanh-1sigmoid", random_state=0)
    started, errors = threading.Event(), []

    class Signal(pyffnn.Callback):
        def on_chunk_end(self, step, logs):
            started.set()
            threading.Event().wait(0.05)  # hold the run long enough for the other thread

    t = threading.Thread(target=lambda: net.fit(X, y, epochs=3, batch_size=8, callbacks=[Signal()]))
    t.start()
    assert started.wait(60)
    for call in (lambda: net.fit(X, y, epochs=1), lambda: net.compute_grads(X, y),
                 lambda: net.reinitialize(0), lambda: setattr(net, "params", np.zeros(net.n_params))):
        try:
            call()
        except FFNNError as exc:
            errors.append(str(exc))
    t.join()
    assert len(errors) == 4 and all("busy" in e and "fit" in e for e in errors), errors
    assert np.isfinite(net.predict(X[:4])).all()
    net.fit(X[:8], y[:8], epochs=1)  # free again afterwards


def test_a_fit_inside_a_callback_keeps_the_outer_stop_request(xor):
    X, y = xor
    net = Network("2-4tanh-1sigmoid", random_state=0)

    class StopThenRefit(pyffnn.Callback):
        def on_epoch_end(self, epoch, logs):
            self.network.stop_training = True
            self.network.fit(X, y, epochs=1)  # e.g. a nested fine-tuning step

    history = net.fit(X, y, epochs=50, callbacks=[StopThenRefit()])
    assert len(history.epoch) == 1 and history.stopped_early
    assert not net.stop_training


def test_set_threads_accepts_numpy_integers_and_refuses_huge_counts():
    before = pyffnn.get_threads()
    try:
        pyffnn.set_threads(np.int64(2))
        assert pyffnn.get_threads() == 2
        for bad in (2**40, -1, 2.0, True, "2"):
            with pytest.raises(FFNNError, match="threads"):
                pyffnn.set_threads(bad)
    finally:
        pyffnn.set_threads(None)
    assert pyffnn.get_threads() == before


def test_sizes_that_would_overflow_are_refused_before_the_core():
    with pytest.raises(FFNNError, match="parameters"):
        Network("999-1000-2147482649-2147483647-2147483647-2147483647-2147483647-1")
    with pytest.raises(FFNNError):
        Network([3, pyffnn.Maxout(2**30, pieces=2), pyffnn.Dense(1)])


def test_csv_integer_labels_beyond_2_53_are_refused_not_merged(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("a,b,y\n1,2,100000000000000000000\n3,4,100000000000000000001\n5,6,3\n")
    with pytest.raises(pyffnn.datasets.DataError, match="2\\^53"):
        pyffnn.datasets.load_csv(path, task="classification")
    path.write_text("a,b,y\n1,2,9007199254740991\n3,4,9007199254740990\n5,6,3\n")
    ds = pyffnn.datasets.load_csv(path, task="classification")  # just below 2^53: exact
    assert sorted(ds.classes.tolist()) == [3, 9007199254740990, 9007199254740991]
