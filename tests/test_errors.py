"""Every kind of bad input raises a clear pyffnn exception naming the problem."""
import numpy as np
import pytest

import pyffnn
from pyffnn import Dense, FFNNError, Maxout, ModelFileError, Network


@pytest.mark.parametrize("spec,match", [
    ("2-8foo-1sigmoid", "unknown activation"),
    ("2-0tanh-1sigmoid", "positive integer"),
    ("0-3tanh-1sigmoid", "positive integer"),
    ("2-3softmax-1sigmoid", "softmax is only allowed on the output"),
    ("2-3tanh-2maxout2", "maxout is only allowed on hidden"),
    ("2", "at least one layer"),
    ("", "non-empty"),
    ("x-3tanh", "number of inputs"),
    ("2-3tanh4", "only maxout takes a piece count"),
])
def test_bad_architecture_strings(spec, match):
    with pytest.raises(FFNNError, match=match):
        Network(spec)


def test_bad_layer_objects():
    with pytest.raises(FFNNError, match="positive integer"):
        Dense(-3, "tanh")
    with pytest.raises(FFNNError, match="unknown activation"):
        Dense(3, "swish")
    with pytest.raises(FFNNError, match="pieces"):
        Maxout(3, pieces=0)
    with pytest.raises(FFNNError, match="Dense or Maxout"):
        Network([2, "tanh"])
    with pytest.raises(FFNNError, match="float32 or float64"):
        Network("2-1", dtype="int32")


@pytest.fixture
def net():
    return Network("2-4tanh-3softmax", random_state=0)


def test_wrong_input_shapes_and_values(net):
    with pytest.raises(FFNNError, match="3 features per sample but the network expects 2"):
        net.predict(np.zeros((4, 3)))
    with pytest.raises(FFNNError, match="NaN or infinite"):
        net.predict(np.array([[0.0, np.nan]]))
    with pytest.raises(FFNNError, match="NaN or infinite"):
        net.fit(np.array([[np.inf, 0.0]]), [0])
    with pytest.raises(FFNNError, match="numeric"):
        net.predict([["a", "b"]])
    with pytest.raises(FFNNError, match="2-D"):
        net.predict(np.zeros((2, 2, 2)))
    with pytest.raises(FFNNError, match="no samples"):
        net.predict(np.zeros((0, 2)))


def test_label_problems(net):
    X = np.zeros((4, 2))
    with pytest.raises(FFNNError, match=r"class labels must be in \[0, 2\]"):
        net.fit(X, [0, 1, 2, 3], epochs=1)
    with pytest.raises(FFNNError, match="y has 3 samples but X has 4"):
        net.fit(X, [0, 1, 2], epochs=1)
    with pytest.raises(FFNNError, match="2 columns but the output layer has 3 units"):
        net.fit(X, np.zeros((4, 2)), epochs=1)
    with pytest.raises(FFNNError, match="integer class labels"):
        net.fit(X, [0.5, 1, 2, 0], epochs=1)
    sig = Network("2-3tanh-1sigmoid")
    with pytest.raises(FFNNError, match=r"must lie in \[0, 1\]"):
        sig.fit(X, [0, 1, 2, 1], epochs=1)
    with pytest.raises(FFNNError, match="NaN or infinite"):
        sig.fit(X, [0, np.nan, 1, 1], epochs=1)


def test_bad_training_settings(net):
    X, y = np.zeros((4, 2)), [0, 1, 2, 0]
    for kwargs, match in [({"epochs": -1}, "epochs"), ({"batch_size": 0}, "batch_size"),
                          ({"optimizer": "bfgs"}, "unknown optimizer"), ({"lr": -1, "optimizer": "sgd"},
                                                                          "learning rate"),
                          ({"loss": "hinge"}, "unknown loss"), ({"validation_split": 1.5}, "validation_split"),
                          ({"l2": -1}, "l2"), ({"optimizer": pyffnn.Adam(), "lr": 0.1}, "lr is set inside"),
                          ({"callbacks": [print]}, "Callback")]:
        with pytest.raises(FFNNError, match=match):
            net.fit(X, y, **kwargs)
    with pytest.raises(FFNNError, match="needs a sigmoid output layer"):
        Network("2-3tanh-1linear").fit(X, [0, 1, 1, 0], loss="bce")
    with pytest.raises(FFNNError, match="momentum"):
        pyffnn.SGD(momentum=1.5)


def test_flat_params_shape_is_checked(net):
    with pytest.raises(FFNNError, match=f"shape \\({net.n_params},\\)"):
        net.loss_and_grad(np.zeros(3), np.zeros((1, 2)), [0])


def test_corrupt_truncated_and_foreign_model_files(tmp_path):
    good = tmp_path / "good.npz"
    Network("2-3tanh-1sigmoid").save(good)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, something=np.arange(3))
    for path in (truncated, garbage, foreign):
        with pytest.raises(ModelFileError, match="not a"):
            Network.load(path)
    with pytest.raises(FileNotFoundError):
        Network.load(tmp_path / "missing.npz")


def test_model_file_with_wrong_parameter_count(tmp_path):
    import json

    path = tmp_path / "bad.npz"
    header = {"format": "pyffnn-model", "version": 1, "spec": "2-3tanh-1sigmoid", "dtype": "float64"}
    np.savez(path, params=np.zeros(5), header=np.array(json.dumps(header)))
    with pytest.raises(ModelFileError, match="expected"):
        Network.load(path)
