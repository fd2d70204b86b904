"""A first pyffnn run: learn the two-spirals problem and the lecture's XOR, print what happened."""
import numpy as np

import pyffnn


def two_spirals(n_per_class=250, seed=0):
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.random(n_per_class)) * 3 * np.pi
    arm = np.c_[t * np.cos(t), t * np.sin(t)] / np.pi
    X = np.r_[arm, -arm] + rng.normal(scale=0.05, size=(2 * n_per_class, 2))
    return X, np.r_[np.zeros(n_per_class), np.ones(n_per_class)].astype(int)


def main():
    X, y = two_spirals()
    net = pyffnn.Network("2-24tanh-24tanh-1sigmoid", random_state=0)
    print(net.summary())
    history = net.fit(X, y, optimizer="adam", lr=0.01, epochs=1000, batch_size=32)
    print(f"two spirals: loss {history['loss'][0]:.3f} -> {history['loss'][-1]:.4f}, "
          f"accuracy {np.mean(net.predict_classes(X) == y):.1%}")

    xor_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    xor = pyffnn.Network("2-4tanh-1sigmoid", random_state=1)
    xor.fit(xor_X, [0, 1, 1, 0], optimizer="sgd", lr=0.5, epochs=2000, batch_size=1)
    print("XOR outputs:", np.round(xor.predict(xor_X).ravel(), 3))

    perceptron = pyffnn.Perceptron().fit(xor_X, [0, 0, 0, 1])
    print(f"perceptron learned AND in {perceptron.n_epochs_} epochs ({perceptron.n_updates_} updates)")


if __name__ == "__main__":
    main()
