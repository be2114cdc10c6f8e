#!/usr/bin/env python3
"""Cross-check the modular fixtures against a numpy implementation.

The lab (../shared/seeds/004_*, CMU 10-701 HW3 section 5) is PyTorch-like
modules in numpy; its hw3_lib.py is not in the seed, so the classes below are
the standard numpy modules with the lab's conventions (rows are examples,
Linear is x @ W.T + b with W of shape (out, in), d_weights = g.T @ x,
d_bias = g.sum(0); ReLU's derivative is 0 at 0; softmax + average
cross-entropy fused, shifted by each row's max, backward (probs - y) / B;
batch gradient descent in order, no shuffling, the last batch shorter;
statistics after each epoch's updates).

For each case of fixtures/modular/ it
- re-draws every module input with numpy's RandomState from the case's seed,
  in the order the fixture's origin names, and the training network with
  define_network's initialisation (RandomState(seed).uniform(-b, b, (out, in))
  per layer, b = sqrt(6 / (in + out)), zero biases), and compares them with
  the fixture bit for bit;
- reads reference/data/digits/digits.csv (checking its SHA-256), divides by
  16, and compares the fixture's training and test slices bit for bit;
- runs every graded item the way the grader's adapter does (forward then
  backward on each call, the last call's outputs; the optimizer's step; the
  training run) and compares with the fixture's expected outputs: labels and
  error rates exactly, other numbers within the rubric's tolerances, printing
  the largest relative difference per item.

Optional (the Rust tests never need Python). Run from anywhere:
    python3 scripts/derive_modular.py
Exit status 0 when every fixture agrees.
"""
import hashlib
import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "modular"
DIGITS = ROOT / "reference" / "data" / "digits" / "digits.csv"
DIGITS_SHA256 = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8"
SIGMOID_SPECIALS = [800.0, -800.0, 30.0, -30.0, 0.0]
LARGE_LOGIT = 800.0

# The scenarios of reference/src/labs/modular/mod.rs.
SCENARIOS = {
    "small_batches": dict(seed=1, linear=(5, 3, [2, 4]), activation=(5, [3, 4]),
                          loss=(3, [2, 4], True), optimizer=([4, 3, 2], "sigmoid", 0.1),
                          train=dict(hidden=[10], activation="sigmoid", init_seed=10701,
                                     train_rows=(0, 40), test_rows=(0, 16), epochs=3,
                                     lr=0.5, batch=16)),
    "single_example": dict(seed=2, linear=(4, 6, [3, 1]), activation=(6, [2, 1]),
                           loss=(10, [3, 1], False), optimizer=([6, 4, 3], "relu", 0.5),
                           train=dict(hidden=[8], activation="relu", init_seed=2,
                                      train_rows=(64, 96), test_rows=(32, 48), epochs=4,
                                      lr=0.2, batch=16)),
    "deep_relu": dict(seed=3, linear=(8, 5, [1, 7]), activation=(7, [1, 6]),
                      loss=(10, [1, 7], True), optimizer=([5, 4, 3, 2], "relu", 0.05),
                      train=dict(hidden=[12, 8], activation="relu", init_seed=3,
                                 train_rows=(300, 336), test_rows=(100, 116), epochs=3,
                                 lr=0.3, batch=16)),
    "tall_batch": dict(seed=4, linear=(3, 2, [5, 9]), activation=(5, [4, 9]),
                       loss=(4, [5, 9], True), optimizer=([3, 5, 4], "sigmoid", 1.0),
                       train=dict(hidden=[6], activation="sigmoid", init_seed=4,
                                  train_rows=(700, 730), test_rows=(200, 216), epochs=5,
                                  lr=1.0, batch=12)),
}


# ---- the lab's modules, in numpy ------------------------------------------

def sigmoid(x):
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


class Linear:
    def __init__(self, weights, bias):
        self.weights, self.bias = weights.copy(), bias.copy()
        self.d_weights = np.zeros_like(weights)
        self.d_bias = np.zeros_like(bias)
        self.x = None

    def forward(self, x):
        self.x = x
        return x @ self.weights.T + self.bias

    def backward(self, g):
        self.d_weights = g.T @ self.x
        self.d_bias = g.sum(axis=0)
        return g @ self.weights


class Sigmoid:
    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, g):
        return g * (self.out * (1.0 - self.out))


class ReLU:
    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, 0.0)

    def backward(self, g):
        return np.where(self.x > 0, g, 0.0)


class CrossEntropyLoss:
    def forward(self, logits, labels):
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        self.probs = exp / total
        self.labels = labels
        return float(-np.sum(labels * (shifted - np.log(total))) / logits.shape[0])

    def backward(self):
        return (self.probs - self.labels) / self.probs.shape[0]


class MultiLayerPerceptron:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, g):
        for layer in reversed(self.layers):
            g = layer.backward(g)
        return g


class GradientDescentOptimizer:
    def __init__(self, model, learning_rate):
        self.model, self.learning_rate = model, learning_rate

    def step(self):
        for layer in self.model.layers:
            if isinstance(layer, Linear):
                layer.weights -= self.learning_rate * layer.d_weights
                layer.bias -= self.learning_rate * layer.d_bias


def one_hot(labels, k):
    y = np.zeros((len(labels), k))
    y[np.arange(len(labels)), labels] = 1.0
    return y


def define_network(sizes, activation, seed):
    rng = np.random.RandomState(seed)
    layers = []
    for i in range(len(sizes) - 1):
        fan_in, fan_out = sizes[i], sizes[i + 1]
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        layers.append(Linear(rng.uniform(-bound, bound, size=(fan_out, fan_in)), np.zeros(fan_out)))
        if i + 2 < len(sizes):
            layers.append(Sigmoid() if activation == "sigmoid" else ReLU())
    return MultiLayerPerceptron(layers)


def train_network(model, data, num_epoch, learning_rate, batch_size):
    loss = CrossEntropyLoss()
    optimizer = GradientDescentOptimizer(model, learning_rate)
    n = data["train_x"].shape[0]
    h = {k: [] for k in ["train_losses", "test_losses", "train_errors", "test_errors"]}
    for _ in range(num_epoch):
        for start in range(0, n, batch_size):
            x = data["train_x"][start:start + batch_size]
            y = one_hot(data["train_y"][start:start + batch_size], 10)
            loss.forward(model.forward(x), y)
            model.backward(loss.backward())
            optimizer.step()
        for part in ["train", "test"]:
            x, labels = data[part + "_x"], data[part + "_y"]
            logits = model.forward(x)
            h[part + "_losses"].append(loss.forward(logits, one_hot(labels, 10)))
            predictions = logits.argmax(axis=1)
            h[part + "_errors"].append(float(np.mean(predictions != labels)))
            h[part + "_predictions"] = predictions.tolist()
    return h


# ---- fixtures ----------------------------------------------------------------

def matrix(v):
    return np.array(v["data"], dtype=float).reshape(v["shape"])


def to_wire(a):
    return {"shape": list(a.shape), "data": [float(x) for x in a.ravel()]}


def inputs_for(s, digits_x, digits_y):
    rng = np.random.RandomState(s["seed"])
    fan_in, fan_out, batches = s["linear"]
    w = rng.randn(fan_out, fan_in) * 0.5
    b = rng.randn(fan_out)
    linear_calls = []
    for bsz in batches:
        x = rng.randn(bsz, fan_in) * 2.0
        g = rng.randn(bsz, fan_out)
        linear_calls.append({"x": to_wire(x), "grad_output": to_wire(g)})
    width, batches = s["activation"]
    sigmoid_calls = []
    for bsz in batches:
        x = rng.randn(bsz, width) * 4.0
        k = min(x.size, len(SIGMOID_SPECIALS))
        x.flat[:k] = SIGMOID_SPECIALS[:k]
        g = rng.randn(bsz, width)
        sigmoid_calls.append({"x": to_wire(x), "grad_output": to_wire(g)})
    relu_calls = []
    for bsz in batches:
        x = rng.randn(bsz, width)
        x.flat[::3] = 0.0
        g = rng.randn(bsz, width)
        relu_calls.append({"x": to_wire(x), "grad_output": to_wire(g)})
    classes, batches, large = s["loss"]
    loss_calls = []
    for bsz in batches:
        logits = rng.randn(bsz, classes) * 3.0
        if large:
            logits[0::2] += LARGE_LOGIT
            logits[1::2] -= LARGE_LOGIT
        labels = rng.randint(0, classes, size=bsz)
        loss_calls.append({"logits": to_wire(logits), "labels": to_wire(one_hot(labels, classes))})
    sizes, activation, lr = s["optimizer"]
    layers = []
    for i in range(len(sizes) - 1):
        a, c = sizes[i], sizes[i + 1]
        layers.append({"kind": "linear", "weights": to_wire(rng.randn(c, a)),
                       "bias": [float(v) for v in rng.randn(c)],
                       "d_weights": to_wire(rng.randn(c, a)),
                       "d_bias": [float(v) for v in rng.randn(c)]})
        if i + 2 < len(sizes):
            layers.append({"kind": activation})
    t = s["train"]
    model = define_network([64] + t["hidden"] + [10], t["activation"], t["init_seed"])
    train_layers = []
    for layer in model.layers:
        if isinstance(layer, Linear):
            train_layers.append({"kind": "linear", "weights": to_wire(layer.weights),
                                 "bias": [float(v) for v in layer.bias]})
        else:
            train_layers.append({"kind": "sigmoid" if isinstance(layer, Sigmoid) else "relu"})
    (a, z), (c, d) = t["train_rows"], t["test_rows"]
    train_x, train_y = digits_x[:1347][a:z], digits_y[:1347][a:z]
    test_x, test_y = digits_x[1347:][c:d], digits_y[1347:][c:d]
    return {
        "linear": {"weights": to_wire(w), "bias": [float(v) for v in b], "calls": linear_calls},
        "sigmoid": {"calls": sigmoid_calls},
        "relu": {"calls": relu_calls},
        "cross_entropy": {"calls": loss_calls},
        "optimizer": {"learning_rate": lr, "layers": layers},
        "train_network": {"layers": train_layers, "train_x": to_wire(train_x),
                          "train_y": [int(v) for v in train_y], "test_x": to_wire(test_x),
                          "test_y": [int(v) for v in test_y], "num_epochs": t["epochs"],
                          "learning_rate": t["lr"], "batch_size": t["batch"]},
    }


def build_network(layers, gradients):
    out = []
    for l in layers:
        if l["kind"] == "linear":
            m = Linear(matrix(l["weights"]), np.array(l["bias"], dtype=float))
            if gradients:
                m.d_weights = matrix(l["d_weights"])
                m.d_bias = np.array(l["d_bias"], dtype=float)
            out.append(m)
        else:
            out.append(Sigmoid() if l["kind"] == "sigmoid" else ReLU())
    return MultiLayerPerceptron(out)


def run_items(inp):
    out = {}
    spec = inp["linear"]
    m = Linear(matrix(spec["weights"]), np.array(spec["bias"], dtype=float))
    for c in spec["calls"]:
        o = m.forward(matrix(c["x"]))
        gi = m.backward(matrix(c["grad_output"]))
    out["linear"] = {"output": o, "grad_input": gi, "d_weights": m.d_weights, "d_bias": m.d_bias}
    m = Sigmoid()
    for c in inp["sigmoid"]["calls"]:
        x = matrix(c["x"])
        o = m.forward(x)
        gi = m.backward(matrix(c["grad_output"]))
    out["sigmoid"] = {"sigmoid": sigmoid(x), "output": o, "grad_input": gi}
    m = ReLU()
    for c in inp["relu"]["calls"]:
        o = m.forward(matrix(c["x"]))
        gi = m.backward(matrix(c["grad_output"]))
    out["relu"] = {"output": o, "grad_input": gi}
    m = CrossEntropyLoss()
    for c in inp["cross_entropy"]["calls"]:
        loss = m.forward(matrix(c["logits"]), matrix(c["labels"]))
        g = m.backward()
    out["cross_entropy"] = {"loss": loss, "grad_logits": g}
    spec = inp["optimizer"]
    model = build_network(spec["layers"], True)
    GradientDescentOptimizer(model, spec["learning_rate"]).step()
    res, k = {}, 0
    for layer in model.layers:
        if isinstance(layer, Linear):
            k += 1
            res["weights %d" % k] = layer.weights
            res["bias %d" % k] = layer.bias
    out["optimizer"] = res
    spec = inp["train_network"]
    data = {"train_x": matrix(spec["train_x"]), "train_y": np.array(spec["train_y"]),
            "test_x": matrix(spec["test_x"]), "test_y": np.array(spec["test_y"])}
    out["train_network"] = train_network(build_network(spec["layers"], False), data,
                                         spec["num_epochs"], spec["learning_rate"],
                                         spec["batch_size"])
    return out


EXACT = {"train_predictions", "test_predictions", "train_errors", "test_errors"}
TOLERANCE = {"train_network": 1e-6}  # rubric rtol; modules: the default 1e-7


def numbers(v):
    if isinstance(v, dict):
        return np.array(v["data"], dtype=float)
    return np.array(v, dtype=float).ravel()


def main():
    raw = DIGITS.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DIGITS_SHA256:
        sys.exit("%s was altered (SHA-256 %s); restore it with git checkout" % (DIGITS, digest))
    table = np.loadtxt(DIGITS, delimiter=",", dtype=np.int64)
    digits_x, digits_y = table[:, :64] / 16.0, table[:, 64]
    failures = 0
    for case, s in SCENARIOS.items():
        fixture = json.loads((FIXTURES / (case + ".json")).read_text())
        drawn = inputs_for(s, digits_x, digits_y)
        if drawn != fixture["inputs"]:
            bad = [k for k in drawn if drawn[k] != fixture["inputs"].get(k)]
            print("%s: inputs differ from numpy's draws in %s" % (case, bad))
            failures += 1
            continue
        got = run_items(fixture["inputs"])
        worst = {}
        for item, outputs in fixture["expected"].items():
            rtol = TOLERANCE.get(item, 1e-7)
            for name, want in outputs.items():
                mine = got[item][name]
                w, m = numbers(want), np.asarray(mine, dtype=float).ravel()
                if w.shape != m.shape:
                    print("%s %s %s: shape %s, numpy %s" % (case, item, name, w.shape, m.shape))
                    failures += 1
                    continue
                if name in EXACT:
                    ok = np.array_equal(w, m)
                    diff = 0.0 if ok else float("inf")
                else:
                    diff = float(np.max(np.abs(w - m) / np.maximum(np.abs(w), 1e-300))) if w.size else 0.0
                    ok = bool(np.all(np.abs(w - m) <= 1e-12 + rtol * np.abs(w)))
                worst[item] = max(worst.get(item, 0.0), diff)
                if not ok:
                    print("%s %s %s: numpy %s, fixture %s" % (case, item, name, m[:6], w[:6]))
                    failures += 1
        h = got["train_network"]
        print("%s: inputs identical to numpy's draws and the digits; largest relative "
              "differences: %s" % (case, ", ".join("%s %.1e" % kv for kv in worst.items())))
        print("    train losses %s" % [repr(x) for x in h["train_losses"]])
        print("    test errors %s, cross-entropy loss %r" % (h["test_errors"], got["cross_entropy"]["loss"]))
    if failures:
        sys.exit("%d disagreement(s)" % failures)
    print("every fixture of the modular lab agrees with numpy %s" % np.__version__)


if __name__ == "__main__":
    main()
