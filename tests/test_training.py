"""Training: the lecture's classic problems, optimizers, callbacks, early stopping, divergence, determinism."""
import numpy as np
import pytest

import pyffnn
from pyffnn import Network

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


def two_spirals(n_per_class=200, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.random(n_per_class)) * 3 * np.pi
    arm = np.c_[t * np.cos(t), t * np.sin(t)] / (3 * np.pi)
    X = np.r_[arm, -arm] + rng.normal(scale=noise / 3 * 0.3, size=(2 * n_per_class, 2))
    y = np.r_[np.zeros(n_per_class), np.ones(n_per_class)].astype(int)
    return X * 3, y


def test_xor_is_solved_by_a_2_2_1_network_per_example_backprop():
    # 2-2-1 has local minima on XOR (about half of random starts end in one); seed 2 starts in a good basin.
    net = Network("2-2tanh-1sigmoid", random_state=2)
    net.fit(XOR_X, XOR_Y, optimizer="sgd", lr=0.5, epochs=2000, batch_size=1)
    assert (net.predict_classes(XOR_X) == XOR_Y).all()


@pytest.mark.parametrize("optimizer,lr,batch", [("sgd", 0.5, 1), ("momentum", 0.1, 2), ("nesterov", 0.1, 4),
                                                 ("adam", 0.05, 4), ("rprop", None, None)])
def test_every_optimizer_solves_xor_2_4_1(optimizer, lr, batch):
    net = Network("2-4tanh-1sigmoid", random_state=1)
    hist = net.fit(XOR_X, XOR_Y, optimizer=optimizer, lr=lr, epochs=1500, batch_size=batch)
    assert hist.history["accuracy"][-1] == 1.0
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert (net.predict_classes(XOR_X) == XOR_Y).all()


def test_two_spirals_reach_98_percent():
    X, y = two_spirals()
    net = Network("2-24tanh-24tanh-1sigmoid", random_state=0)
    net.fit(X, y, optimizer="adam", lr=0.01, epochs=1500, batch_size=32)
    acc = np.mean(net.predict_classes(X) == y)
    assert acc >= 0.98, acc


def test_one_hidden_layer_fits_sine_universal_approximation():
    X = np.linspace(-np.pi, np.pi, 200).reshape(-1, 1)
    y = np.sin(X)
    net = Network("1-20tanh-1linear", random_state=0)
    net.fit(X, y, optimizer="adam", lr=0.01, epochs=3000, batch_size=20)
    mse = np.mean((net.predict(X) - y) ** 2)
    assert mse < 1e-3, mse


def test_multiclass_softmax_with_integer_labels_and_validation():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 3], [3, 0], [-3, -3]])
    y = rng.integers(0, 3, 300)
    X = centers[y] + rng.normal(size=(300, 2))
    net = Network("2-8relu-3softmax", random_state=0)
    hist = net.fit(X, y, epochs=60, batch_size=16, lr=0.01, validation_split=0.2)
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert len(hist.epoch) == 60
    assert hist.history["val_accuracy"][-1] > 0.9
    ev = net.evaluate(X, y)
    assert ev["accuracy"] > 0.9 and ev["loss"] == pytest.approx(net.loss(X, y))


def test_same_seed_gives_identical_training_runs():
    X, y = two_spirals(50)
    runs = []
    for _ in range(2):
        net = Network("2-8tanh-1sigmoid", random_state=11)
        h = net.fit(X, y, epochs=20, batch_size=7, validation_split=0.2)
        runs.append((net.params.copy(), h.history["loss"]))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_full_batch_is_gradient_descent_on_the_mean_loss():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.normal(size=(30, 1))
    net = Network("3-4tanh-1linear", random_state=0)
    p0 = net.params.copy()
    _, g = net.loss_and_grad(p0, X, y)
    net.fit(X, y, optimizer="sgd", lr=0.1, epochs=1, batch_size=None, shuffle=False)
    np.testing.assert_allclose(net.params, p0 - 0.1 * g, rtol=1e-12, atol=1e-14)


def test_l2_shrinks_weights_but_not_biases():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))
    a, b = Network("3-5tanh-1linear", random_state=0), Network("3-5tanh-1linear", random_state=0)
    a.fit(X, y, optimizer="sgd", lr=0.05, epochs=50, batch_size=10, random_state=0)
    b.fit(X, y, optimizer="sgd", lr=0.05, epochs=50, batch_size=10, random_state=0, l2=0.5)
    assert sum((w ** 2).sum() for w in b.weights) < sum((w ** 2).sum() for w in a.weights)
    zero = Network("3-5tanh-1linear", random_state=0)
    zero.params[:] = 0
    zero.biases[0][:] = 1.0
    _, g = zero.loss_and_grad(zero.params, X, np.zeros((40, 1)), l2=10.0)
    gw, gb = g[:15], g[15:20]
    assert np.all(gw == 0) and np.all(gb == 0)  # penalty acts on weights only


def test_callbacks_receive_events_and_can_stop():
    events = []

    class Recorder(pyffnn.Callback):
        def on_train_begin(self, logs):
            events.append("begin")

        def on_chunk_end(self, step, logs):
            events.append(("chunk", logs["epoch"]))

        def on_epoch_end(self, epoch, logs):
            events.append(("epoch", epoch, round(logs["loss"], 12)))
            if epoch == 4:
                self.network.stop_training = True

        def on_train_end(self, logs):
            events.append("end")

    net = Network("2-4tanh-1sigmoid", random_state=0)
    hist = net.fit(XOR_X, XOR_Y, epochs=100, batch_size=2, callbacks=[Recorder()])
    assert events[0] == "begin" and events[-1] == "end"
    assert len(hist.epoch) == 5 and hist.stopped_early
    assert [e[1] for e in events if e[0] == "epoch"] == [0, 1, 2, 3, 4]
    assert any(e[0] == "chunk" for e in events if isinstance(e, tuple))


def test_lambda_callback_and_stop_mid_epoch_from_chunk():
    X = np.random.default_rng(0).normal(size=(100000, 2))
    y = (X[:, 0] > 0).astype(int)
    net = Network("2-64tanh-64tanh-1sigmoid", random_state=0)
    chunks = []

    def on_chunk(step, logs):
        chunks.append(logs["samples"])
        net.stop_training = True

    hist = net.fit(X, y, epochs=3, batch_size=32, callbacks=pyffnn.LambdaCallback(on_chunk_end=on_chunk))
    assert len(chunks) == 1 and chunks[0] < 100000  # an epoch is split into several core calls
    assert hist.epoch == [] and hist.stopped_early


def test_early_stopping_restores_best_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    y = rng.normal(size=60)  # pure noise: validation loss soon rises
    Xv, yv = rng.normal(size=(60, 5)), rng.normal(size=60)
    net = Network("5-64tanh-1linear", random_state=0)
    best = {}

    class Track(pyffnn.Callback):
        def on_epoch_end(self, epoch, logs):
            best.setdefault("losses", []).append(logs["val_loss"])
            best.setdefault("params", []).append(self.network.params.copy())

    es = pyffnn.EarlyStopping(patience=5)
    hist = net.fit(X, y, optimizer="adam", lr=0.01, epochs=500, batch_size=10, validation_data=(Xv, yv),
                   callbacks=[Track(), es])
    assert hist.stopped_early and len(hist.epoch) < 500
    i = int(np.argmin(best["losses"]))
    np.testing.assert_array_equal(net.params, best["params"][i])


def test_divergence_raises_and_keeps_finite_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2)) * 100
    y = rng.normal(size=50) * 1e3
    net = Network("2-30relu-30relu-1linear", random_state=0)
    with pytest.raises(pyffnn.TrainingDiverged, match="diverged"):
        net.fit(X, y, optimizer="sgd", lr=10.0, epochs=50, batch_size=5)
    assert np.isfinite(net.params).all()


def test_optimizer_object_keeps_state_between_fits():
    opt = pyffnn.Adam(lr=0.01)
    net = Network("2-4tanh-1sigmoid", random_state=0)
    net.fit(XOR_X, XOR_Y, optimizer=opt, epochs=3, batch_size=2)
    assert opt.iterations == 6
    net.fit(XOR_X, XOR_Y, optimizer=opt, epochs=1, batch_size=2)
    assert opt.iterations == 8


def test_float32_training_works():
    X, y = two_spirals(100)
    net = Network("2-16tanh-16tanh-1sigmoid", dtype="float32", random_state=0)
    hist = net.fit(X, y, optimizer="adam", lr=0.01, epochs=300, batch_size=16)
    assert net.params.dtype == np.float32
    assert hist.history["accuracy"][-1] > 0.9


@pytest.mark.parametrize("make", [lambda: pyffnn.Adam(lr=0.01), lambda: pyffnn.RPROP(),
                                  lambda: pyffnn.SGD(lr=0.1, momentum=0.9, nesterov=True)])
def test_optimizer_state_can_be_saved_and_restored_to_resume_exactly(make):
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    straight, opt = Network("2-6tanh-1sigmoid", random_state=0), make()
    straight.fit(X, y, optimizer=opt, epochs=10, batch_size=8, random_state=1)
    straight.fit(X, y, optimizer=opt, epochs=5, batch_size=8, random_state=2)

    first, opt1 = Network("2-6tanh-1sigmoid", random_state=0), make()
    first.fit(X, y, optimizer=opt1, epochs=10, batch_size=8, random_state=1)
    saved_params, saved_state, saved_t = first.params.copy(), opt1.state.copy(), opt1.iterations
    resumed, opt2 = Network("2-6tanh-1sigmoid", random_state=5), make()
    resumed.params[:] = saved_params
    opt2.load_state(saved_state, saved_t)
    resumed.fit(X, y, optimizer=opt2, epochs=5, batch_size=8, random_state=2)
    np.testing.assert_array_equal(resumed.params, straight.params)
    assert opt2.iterations == opt.iterations


def test_bad_optimizer_state():
    with pytest.raises(pyffnn.FFNNError, match="iterations"):
        pyffnn.Adam().iterations = -1
    with pytest.raises(pyffnn.FFNNError, match="1-D"):
        pyffnn.Adam().load_state(np.zeros((2, 2)), 0)
