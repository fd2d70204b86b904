"""Network construction, forward pass against numpy, views, seeds, files and pickling."""
import pickle

import numpy as np
import pytest

from pyffnn import Dense, Maxout, Network
from reference import forward as np_forward


@pytest.mark.parametrize("spec", ["2-8tanh-8tanh-1sigmoid", "5-7relu-6maxout3-4softmax", "3-4softplus-2linear",
                                  "1-3sigmoid-3", "4-2maxout1-3tanh-2sigmoid"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_forward_matches_numpy(spec, dtype):
    net = Network(spec, dtype=dtype, random_state=7)
    X = np.random.default_rng(1).normal(size=(3000, net.n_inputs))  # > one internal chunk
    out = net.forward(X)
    assert out.shape == (3000, net.n_outputs) and out.dtype == np.dtype(dtype)
    tol = 1e-12 if dtype == "float64" else 2e-5
    np.testing.assert_allclose(out, np_forward(net, X), atol=tol, rtol=tol * 10)


def test_layer_list_and_string_agree():
    a = Network([2, Dense(8, "tanh"), Maxout(4, pieces=3), Dense(3, "softmax")], random_state=0)
    b = Network("2-8tanh-4maxout3-3softmax", random_state=0)
    assert a.spec == b.spec == "2-8tanh-4maxout3-3softmax"
    np.testing.assert_array_equal(a.params, b.params)
    assert [w.shape for w in a.weights] == [(8, 2), (12, 8), (3, 4)]
    assert [bb.shape for bb in a.biases] == [(8,), (12,), (3,)]


def test_parameter_count_matches_the_corrected_lecture_formula():
    # one hidden layer of S units on I inputs: S(I+1) + (S+1), not (N+1)(I+1)
    for I, S in [(2, 3), (10, 7), (1, 1)]:
        assert Network(f"{I}-{S}sigmoid-1sigmoid").n_params == S * (I + 1) + (S + 1)


def test_views_are_zero_copy_into_params():
    net = Network("3-4tanh-2linear", random_state=0)
    net.weights[0][1, 2] = 42.0
    net.biases[1][0] = -3.0
    assert net.params[1 * 3 + 2] == 42.0
    assert net.params[4 * 3 + 4 + 0 * 4 + 2 * 4] == -3.0
    net.params[0] = 9.0
    assert net.weights[0][0, 0] == 9.0


def test_single_sample_and_predict_classes():
    net = Network("2-4tanh-3softmax", random_state=0)
    x = np.array([0.3, -0.2])
    assert net.predict(x).shape == (3,)
    assert net.predict_classes(x) == int(np.argmax(net.predict(x)))
    assert net.predict_classes(np.zeros((5, 2))).shape == (5,)


def test_hidden_activations_match_numpy():
    net = Network("2-5tanh-4maxout2-1sigmoid", random_state=0)
    X = np.random.default_rng(0).normal(size=(10, 2))
    acts = net.hidden_activations(X)
    assert [a.shape for a in acts] == [(10, 5), (10, 4), (10, 1)]
    np.testing.assert_allclose(acts[-1], net.predict(X))
    np.testing.assert_allclose(acts[0], np.tanh(X @ net.weights[0].T + net.biases[0]))


def test_same_seed_same_weights_different_seed_different():
    a, b, c = (Network("3-10relu-2softmax", random_state=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)
    a.reinitialize(1)
    np.testing.assert_array_equal(a.params, b.params)


def test_initialisation_scales():
    net = Network("400-300relu-300tanh-10softmax", random_state=0)
    w_relu, w_tanh = net.weights[0], net.weights[1]
    assert abs(np.abs(w_relu).max() - np.sqrt(6 / 400)) < 0.01 * np.sqrt(6 / 400)  # He uniform
    assert abs(np.abs(w_tanh).max() - np.sqrt(6 / 600)) < 0.01 * np.sqrt(6 / 600)  # Glorot uniform
    assert np.all(net.biases[0] == 0)


def test_summary_lists_layers_and_total():
    text = Network("2-8tanh-4maxout3-1sigmoid").summary()
    assert "maxout(k=3)" in text and "tanh" in text and str(24 + 12 * 8 + 12 + 5) in text


def test_save_load_round_trip(tmp_path):
    net = Network("3-6relu-4maxout2-3softmax", dtype="float32", random_state=3)
    path = tmp_path / "model.npz"
    net.save(path, metadata={"classes": ["a", "b", "c"]})
    back = Network.load(path)
    assert back.spec == net.spec and back.dtype == net.dtype
    assert back.metadata == {"classes": ["a", "b", "c"]}
    X = np.random.default_rng(0).normal(size=(50, 3))
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_pickle_and_copy_round_trip():
    net = Network("2-5tanh-1sigmoid", random_state=3)
    X = np.random.default_rng(0).normal(size=(8, 2))
    for other in (pickle.loads(pickle.dumps(net)), net.copy()):
        np.testing.assert_array_equal(other.predict(X), net.predict(X))
        other.params[0] += 1
        assert net.params[0] != other.params[0]


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    net = Network("2-3tanh-1sigmoid", random_state=0)
    net.save(path)
    original = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError):
        Network("2-9tanh-1sigmoid").save(path)
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_predict_from_another_thread_while_training_is_safe():
    import threading

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    net = Network("2-16tanh-16tanh-1sigmoid", random_state=0)
    reference = net.copy()
    results = []
    done = threading.Event()

    def predictor():
        while not done.is_set():
            results.append(net.predict(X[:50]).shape)

    t = threading.Thread(target=predictor)
    t.start()
    net.fit(X, y, epochs=30, batch_size=8, random_state=1)
    done.set()
    t.join()
    reference.fit(X, y, epochs=30, batch_size=8, random_state=1)
    np.testing.assert_array_equal(net.params, reference.params)  # the concurrent predictions changed nothing
    assert results and all(s == (50, 1) for s in results)
