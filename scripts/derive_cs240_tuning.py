#!/usr/bin/env python3
"""Re-derive CS240's tuning case (fixtures/cs240/digits_tuning.json) with numpy.

Section 1.2 of the lab (../shared/seeds/000_*) trains the lab's network with
the student's hyperparameters and measures accuracy on held-out digits. This
script
- reads reference/data/digits/digits.csv (checking its SHA-256) and checks
  that the case's inputs are its first 1,347 rows (pixels as the file's
  integers, and labels) and the last 450 rows' pixels, and that the expected
  output is exactly those 450 rows' labels (the probe is never given them);
- trains the lab's network as the Python lab does it (np.random.seed(0), then
  biases [randn(y, 1)] and weights [randn(x, y)], z = w.T a + b, sigmoid,
  quadratic cost; each epoch np.random.shuffle, then mini-batches whose
  summed back-propagated gradients step by eta / len(batch)) with the
  solution's choice ([64, 24, 10], eta 1.5, mini-batches of 10, 40 epochs)
  and with the handout's ([64, 8, 8, 10], eta 3, 10, 30 epochs), classifies
  the 450 test images (np.argmax: the first of equal outputs) and prints the
  accuracies, which tests/tuning.rs and docs/LABS.md quote.

numpy's matrix products sum in another order than ndarray's, so after
thousands of steps a prediction near a tie could differ; the figures printed
are numpy's own.

Optional (the Rust tests never need Python). Run from anywhere:
    python3 scripts/derive_cs240_tuning.py
Exit status 0 when the case agrees with the data and the solution's choice
is above the lab's "excellent" bound (92 %).
"""
import hashlib
import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
DIGITS = ROOT / "reference/data/digits/digits.csv"
SHA256 = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8"
CASE = ROOT / "fixtures/cs240/digits_tuning.json"
TRAIN_ROWS = 1347


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


class Network:
    """The Python lab's NeuralNetwork, as the Rust handout mirrors it."""

    def __init__(self, sizes, seed):
        np.random.seed(seed)
        self.sizes = sizes
        self.biases = [np.random.randn(y, 1) for y in sizes[1:]]
        self.weights = [np.random.randn(x, y) for x, y in zip(sizes[:-1], sizes[1:])]

    def forward_pass(self, a):
        for w, b in zip(self.weights, self.biases):
            a = sigmoid(w.T @ a + b)
        return a

    def back_propagation(self, x, y):
        activations, zs = [x], []
        for w, b in zip(self.weights, self.biases):
            z = w.T @ activations[-1] + b
            zs.append(z)
            activations.append(sigmoid(z))
        layers = len(self.weights)
        dc_db, dc_dw = [None] * layers, [None] * layers
        delta = (activations[-1] - y) * sigmoid_prime(zs[-1])
        for l in range(layers - 1, -1, -1):
            dc_db[l] = delta
            dc_dw[l] = activations[l] @ delta.T
            if l > 0:
                delta = (self.weights[l] @ delta) * sigmoid_prime(zs[l - 1])
        return dc_db, dc_dw

    def mini_batch_gd(self, training_data, epochs, mini_batch_size, eta):
        for _ in range(epochs):
            np.random.shuffle(training_data)
            for k in range(0, len(training_data), mini_batch_size):
                batch = training_data[k : k + mini_batch_size]
                sum_db = [np.zeros(b.shape) for b in self.biases]
                sum_dw = [np.zeros(w.shape) for w in self.weights]
                for x, y in batch:
                    db, dw = self.back_propagation(x, y)
                    sum_db = [s + d for s, d in zip(sum_db, db)]
                    sum_dw = [s + d for s, d in zip(sum_dw, dw)]
                step = eta / len(batch)
                self.biases = [b - step * s for b, s in zip(self.biases, sum_db)]
                self.weights = [w - step * s for w, s in zip(self.weights, sum_dw)]


def accuracy(pixels, labels, test_pixels, test_labels, hidden, eta, batch, epochs):
    training = []
    for row, label in zip(pixels, labels):
        y = np.zeros((10, 1))
        y[label, 0] = 1.0
        training.append((row.reshape(64, 1) / 16.0, y))
    net = Network([64, *hidden, 10], 0)
    net.mini_batch_gd(training, epochs, batch, eta)
    right = sum(
        int(np.argmax(net.forward_pass(row.reshape(64, 1) / 16.0)) == label)
        for row, label in zip(test_pixels, test_labels)
    )
    return right


def main():
    raw = DIGITS.read_bytes()
    if hashlib.sha256(raw).hexdigest() != SHA256:
        sys.exit(f"{DIGITS}: not the shipped file (SHA-256 differs)")
    data = np.loadtxt(DIGITS, delimiter=",", dtype=np.int64)
    pixels, labels = data[:, :64], data[:, 64]
    case = json.loads(CASE.read_text())
    inputs = case["inputs"]
    ok = True
    checks = [
        ("train_pixels", pixels[:TRAIN_ROWS].ravel().tolist()),
        ("train_labels", labels[:TRAIN_ROWS].tolist()),
        ("test_pixels", pixels[TRAIN_ROWS:].ravel().tolist()),
    ]
    for key, want in checks:
        same = inputs[key] == want
        ok &= same
        print(f"{key}: {'same' if same else 'DIFFERENT'} ({len(want)} numbers)")
    if any("label" in k and k != "train_labels" for k in inputs):
        ok = False
        print("the inputs carry more labels than the training set's")
    expected = case["expected"]["tuning"]["predicted"]
    same = expected == labels[TRAIN_ROWS:].tolist()
    ok &= same
    print(f"expected output = the test rows' labels: {'yes' if same else 'NO'}")
    test_pixels, test_labels = pixels[TRAIN_ROWS:], labels[TRAIN_ROWS:]
    for name, hidden, eta, batch, epochs in [
        ("solution", [24], 1.5, 10, 40),
        ("handout", [8, 8], 3.0, 10, 30),
    ]:
        right = accuracy(
            pixels[:TRAIN_ROWS], labels[:TRAIN_ROWS], test_pixels, test_labels,
            hidden, eta, batch, epochs,
        )
        share = right / len(test_labels)
        print(f"{name} {hidden} eta {eta} batch {batch} epochs {epochs}: "
              f"{right} of {len(test_labels)} right = {100 * share:.2f} %")
        if name == "solution" and not share > 0.92:
            ok = False
            print("the solution's choice is not above 92 %")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
