#!/usr/bin/env python3
"""Re-derive the lab3 fixtures with numpy.

The lab (../shared/seeds/003_*) is backpropagation in a one-hidden-layer
sigmoid network, gradient checking, an autoencoder, a softmax classifier and
batch gradient descent; its sample code is not in the seed, so the functions
below follow the seed's equations with the handout's conventions (one example
per column, z = W x + b; J = (1/m) sum_i 1/2 ||a3_i - y_i||^2; delta3 =
(a3 - y) a3 (1 - a3), delta2 = W2^T delta3 a2 (1 - a2), gradients averaged
over the batch and flattened W1, b1, W2, b2 row-major; centred differences
with epsilon = 1e-4 and diff = ||num - ana|| / ||num + ana||; softmax by
column shifted by the maximum, average cross-entropy without weight decay,
gradient W then b; gradient descent from init_params (RandomState(seed),
uniform(-r, r) for W1 then W2, r = sqrt(6 / (fan_in + fan_out)), zero
biases), the history holding J before every step).

For each case of fixtures/lab3/ it
- re-draws the analytic cases' inputs with numpy's RandomState from the
  case's seed, in the order the fixture's origin names, and compares them
  with the fixture bit for bit;
- reads reference/data/digits/digits.csv (checking its SHA-256), divides by
  16, transposes, and compares the training cases' slices bit for bit;
- runs every graded item as the grader's adapter does and compares with the
  fixture's expected outputs: predictions exactly, the gradient check's diff
  against the rubric's threshold (1e-7, it is rounding noise), accuracies
  within the rubric's margin (0.02), other numbers within the rubric's
  tolerances (1e-7 relative; 1e-6 for training), printing the largest
  relative difference per item.

Optional (the Rust tests never need Python). Run from anywhere:
    python3 scripts/derive_lab3.py
Exit status 0 when every fixture agrees.
"""
import hashlib
import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "lab3"
DIGITS = ROOT / "reference" / "data" / "digits" / "digits.csv"
DIGITS_SHA256 = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8"
LARGE_INPUT = 2000.0
LARGE_SCORE = 800.0
EPSILON = 1e-4
CLASSES = 10

# The cases of reference/src/labs/lab3/mod.rs.
ANALYTIC = {
    "seed_network": dict(seed=1, network=(8, 5, 10), m=100, autoencoder=(8, 5), softmax=(8, 10)),
    "other_sizes": dict(seed=2, network=(6, 3, 4), m=7, autoencoder=(6, 4), softmax=(5, 4)),
    "wide_hidden": dict(seed=3, network=(5, 9, 3), m=13, autoencoder=(7, 3), softmax=(4, 6)),
}
TRAINING = {
    "digits": dict(train_rows=(0, 200), test_rows=(0, 100), hidden=16, seed=3, iterations=100,
                   learning_rate=2.0, autoencoder_hidden=16, autoencoder_learning_rate=2.0,
                   softmax_iterations=100, softmax_learning_rate=0.5),
    "digits_other_slice": dict(train_rows=(600, 750), test_rows=(200, 300), hidden=12, seed=7,
                               iterations=100, learning_rate=2.0, autoencoder_hidden=20,
                               autoencoder_learning_rate=2.0, softmax_iterations=100,
                               softmax_learning_rate=0.5),
}


# ---- the lab in numpy ----------------------------------------------------------

def sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def forward(p, x):
    z2 = p["w1"] @ x + p["b1"][:, None]
    a2 = sigmoid(z2)
    z3 = p["w2"] @ a2 + p["b2"][:, None]
    return z2, a2, z3, sigmoid(z3)


def cost(p, x, y):
    a3 = forward(p, x)[3]
    return 0.5 * np.sum((a3 - y) ** 2) / x.shape[1]


def flatten(p):
    return np.concatenate([p["w1"].ravel(), p["b1"], p["w2"].ravel(), p["b2"]])


def unflatten(t, i, h, o):
    n1, n2 = h * i, o * h
    return {"w1": t[:n1].reshape(h, i), "b1": t[n1:n1 + h],
            "w2": t[n1 + h:n1 + h + n2].reshape(o, h), "b2": t[n1 + h + n2:]}


def backprop(p, x, y):
    _, a2, _, a3 = forward(p, x)
    m = x.shape[1]
    d3 = (a3 - y) * a3 * (1 - a3)
    d2 = (p["w2"].T @ d3) * a2 * (1 - a2)
    g = {"w1": d2 @ x.T / m, "b1": d2.sum(1) / m, "w2": d3 @ a2.T / m, "b2": d3.sum(1) / m}
    return 0.5 * np.sum((a3 - y) ** 2) / m, d3, d2, flatten(g)


def numerical_gradient(f, theta, eps):
    g = np.zeros_like(theta)
    for i in range(theta.size):
        t = theta.copy()
        t[i] += eps
        plus = f(t)
        t[i] = theta[i] - eps
        g[i] = (plus - f(t)) / (2 * eps)
    return g


def softmax(z):
    e = np.exp(z - z.max(0))
    return e / e.sum(0)


def one_hot(labels, k):
    y = np.zeros((k, len(labels)))
    y[labels, np.arange(len(labels))] = 1.0
    return y


def softmax_cost(w, b, x, labels):
    z = w @ x + b[:, None]
    m = x.shape[1]
    shifted = z - z.max(0)
    logp = shifted - np.log(np.exp(shifted).sum(0))
    delta = softmax(z) - one_hot(labels, z.shape[0])
    return -logp[labels, np.arange(m)].sum() / m, np.concatenate([(delta @ x.T / m).ravel(), delta.sum(1) / m])


def init_params(i, h, o, seed):
    rng = np.random.RandomState(seed)
    r1 = np.sqrt(6.0 / (h + i))
    w1 = rng.uniform(-r1, r1, size=(h, i))
    r2 = np.sqrt(6.0 / (o + h))
    w2 = rng.uniform(-r2, r2, size=(o, h))
    return {"w1": w1, "b1": np.zeros(h), "w2": w2, "b2": np.zeros(o)}


def gradient_descent(f, theta, iterations, rate):
    history = []
    for _ in range(iterations):
        j, g = f(theta)
        history.append(j)
        theta = theta - rate * g
    return theta, history


def train_network(x, y, i, h, o, seed, iterations, rate):
    theta = flatten(init_params(i, h, o, seed))
    theta, history = gradient_descent(
        lambda t: (lambda b: (b[0], b[3]))(backprop(unflatten(t, i, h, o), x, y)), theta, iterations, rate)
    return unflatten(theta, i, h, o), history


def train_softmax(x, labels, iterations, rate):
    f = x.shape[0]
    theta, history = gradient_descent(
        lambda t: softmax_cost(t[:CLASSES * f].reshape(CLASSES, f), t[CLASSES * f:], x, labels),
        np.zeros(CLASSES * f + CLASSES), iterations, rate)
    return theta[:CLASSES * f].reshape(CLASSES, f), theta[CLASSES * f:], history


def accuracy(pred, labels):
    return float(np.mean(np.asarray(pred) == np.asarray(labels)))


# ---- fixtures ----------------------------------------------------------------

def matrix(v):
    return np.array(v["data"], dtype=float).reshape(v["shape"])


def to_wire(a):
    return {"shape": list(a.shape), "data": [float(x) for x in a.ravel()]}


def layer(rng, fan_in, fan_out):
    w = rng.randn(fan_out, fan_in) * 0.5
    return w, rng.randn(fan_out) * 0.1


def analytic_inputs(s):
    rng = np.random.RandomState(s["seed"])
    i, h, o = s["network"]
    m = s["m"]
    w1, b1 = layer(rng, i, h)
    w2, b2 = layer(rng, h, o)
    x = rng.randn(i, m)
    x[:, 0] = [LARGE_INPUT if r % 2 == 0 else -LARGE_INPUT for r in range(i)]
    y = one_hot(rng.randint(0, o, size=m), o)
    ai, ah = s["autoencoder"]
    aw1, ab1 = layer(rng, ai, ah)
    aw2, ab2 = layer(rng, ah, ai)
    ax = rng.rand(ai, m)
    f, k = s["softmax"]
    sw, sb = layer(rng, f, k)
    sx = rng.randn(f, m)
    sy = rng.randint(0, k, size=m)
    z = rng.randn(k, m) * 3.0
    z[:, 0::2] += LARGE_SCORE
    z[:, 1::2] -= LARGE_SCORE
    return {
        "network": {"w1": to_wire(w1), "b1": [float(v) for v in b1], "w2": to_wire(w2),
                    "b2": [float(v) for v in b2], "x": to_wire(x), "y": to_wire(y)},
        "autoencoder": {"w1": to_wire(aw1), "b1": [float(v) for v in ab1], "w2": to_wire(aw2),
                        "b2": [float(v) for v in ab2], "x": to_wire(ax)},
        "softmax": {"w": to_wire(sw), "b": [float(v) for v in sb], "x": to_wire(sx),
                    "labels": [int(v) for v in sy], "z": to_wire(z)},
    }


def training_inputs(s, dx, dy):
    tr = slice(*s["train_rows"])
    te = slice(1347 + s["test_rows"][0], 1347 + s["test_rows"][1])
    return {"train_x": to_wire(dx[tr].T.copy()), "train_y": [int(v) for v in dy[tr]],
            "test_x": to_wire(dx[te].T.copy()), "test_y": [int(v) for v in dy[te]]}


def params(spec):
    return {"w1": matrix(spec["w1"]), "b1": np.array(spec["b1"], dtype=float),
            "w2": matrix(spec["w2"]), "b2": np.array(spec["b2"], dtype=float)}


def vec(v):
    return np.array(v["data"] if isinstance(v, dict) else v, dtype=float).ravel()


def run_analytic(inp):
    n = inp["network"]
    p, x, y = params(n), matrix(n["x"]), matrix(n["y"])
    z2, a2, z3, a3 = forward(p, x)
    j, d3, d2, g = backprop(p, x, y)
    i, h, o = p["w1"].shape[1], p["w1"].shape[0], p["w2"].shape[0]
    num = numerical_gradient(lambda t: cost(unflatten(t, i, h, o), x, y), flatten(p), EPSILON)
    diff = np.linalg.norm(num - g) / np.linalg.norm(num + g)
    a = inp["autoencoder"]
    ap, ax = params(a), matrix(a["x"])
    aj, _, _, ag = backprop(ap, ax, ax)
    s = inp["softmax"]
    sw, sb, sx, sl = matrix(s["w"]), np.array(s["b"], dtype=float), matrix(s["x"]), np.array(s["labels"])
    sj, sg = softmax_cost(sw, sb, sx, sl)
    return {
        "forward": {"z2": z2, "a2": a2, "z3": z3, "a3": a3},
        "cost": {"cost": cost(p, x, y)},
        "backprop": {"cost": j, "delta3": d3, "delta2": d2, "grad": g},
        # numerical: the expected value is the true (analytic) gradient; numpy's
        # own centred differences must be within the rubric's tolerance of it.
        "gradient_check": {"numerical": num, "diff": diff},
        "autoencoder": {"cost": aj, "grad": ag, "features": sigmoid(ap["w1"] @ ax + ap["b1"][:, None])},
        "softmax": {"probabilities": softmax(matrix(s["z"])), "cost": sj, "grad": sg,
                    "predictions": np.argmax(sw @ sx + sb[:, None], axis=0)},
    }


def run_training(inp):
    d = inp["data"]
    x, lab, tx, tl = matrix(d["train_x"]), np.array(d["train_y"]), matrix(d["test_x"]), np.array(d["test_y"])
    c = inp["train_classifier"]
    net, hist = train_network(x, one_hot(lab, CLASSES), x.shape[0], c["hidden"], CLASSES, c["seed"],
                              c["iterations"], c["learning_rate"])
    pred = lambda p, v: np.argmax(forward(p, v)[3], axis=0)
    a = inp["train_autoencoder"]
    ae, ahist = train_network(x, x, x.shape[0], a["hidden"], x.shape[0], a["seed"], a["iterations"],
                              a["learning_rate"])
    s = inp["softmax_features"]
    rw, rb, rhist = train_softmax(x, lab, s["softmax_iterations"], s["softmax_learning_rate"])
    enc, _ = train_network(x, x, x.shape[0], s["hidden"], x.shape[0], s["seed"],
                           s["autoencoder_iterations"], s["autoencoder_learning_rate"])
    feats = lambda v: sigmoid(enc["w1"] @ v + enc["b1"][:, None])
    fw, fb, fhist = train_softmax(feats(x), lab, s["softmax_iterations"], s["softmax_learning_rate"])
    return {
        "train_classifier": {"loss_history": hist, "train_accuracy": accuracy(pred(net, x), lab),
                             "test_accuracy": accuracy(pred(net, tx), tl)},
        "train_autoencoder": {"loss_history": ahist, "test_reconstruction_error": cost(ae, tx, tx)},
        "softmax_features": {
            "raw_loss_history": rhist, "features_loss_history": fhist,
            "raw_accuracy": accuracy(np.argmax(rw @ tx + rb[:, None], axis=0), tl),
            "features_accuracy": accuracy(np.argmax(fw @ feats(tx) + fb[:, None], axis=0), tl),
        },
    }


EXACT = {"predictions"}
ACCURACY = {"train_accuracy", "test_accuracy", "raw_accuracy", "features_accuracy"}
RTOL = {"gradient_check": 1e-6, "train_classifier": 1e-6, "train_autoencoder": 1e-6,
        "softmax_features": 1e-6}  # the rubric's; the analytic items: the default 1e-7


def main():
    raw = DIGITS.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DIGITS_SHA256:
        sys.exit("%s was altered (SHA-256 %s); restore it with git checkout" % (DIGITS, digest))
    table = np.loadtxt(DIGITS, delimiter=",", dtype=np.int64)
    dx, dy = table[:, :64] / 16.0, table[:, 64]
    failures = 0
    cases = [(c, analytic_inputs(s), run_analytic) for c, s in ANALYTIC.items()]
    cases += [(c, None, run_training) for c in TRAINING]
    for case, drawn, run in cases:
        fixture = json.loads((FIXTURES / (case + ".json")).read_text())
        inputs = fixture["inputs"]
        if drawn is None:
            drawn = training_inputs(TRAINING[case], dx, dy)
            ok = drawn == inputs["data"]
            for item in ("train_classifier", "train_autoencoder", "softmax_features"):
                s = TRAINING[case]
                want = {"train_classifier": dict(hidden=s["hidden"], seed=s["seed"], iterations=s["iterations"],
                                                 learning_rate=s["learning_rate"]),
                        "train_autoencoder": dict(hidden=s["autoencoder_hidden"], seed=s["seed"],
                                                  iterations=s["iterations"],
                                                  learning_rate=s["autoencoder_learning_rate"]),
                        "softmax_features": dict(hidden=s["autoencoder_hidden"], seed=s["seed"],
                                                 autoencoder_iterations=s["iterations"],
                                                 autoencoder_learning_rate=s["autoencoder_learning_rate"],
                                                 softmax_iterations=s["softmax_iterations"],
                                                 softmax_learning_rate=s["softmax_learning_rate"])}[item]
                ok = ok and inputs[item] == want
        else:
            ok = drawn == inputs
        if not ok:
            print("%s: inputs differ from numpy's draws or the digits" % case)
            failures += 1
            continue
        got = run(inputs)
        worst = {}
        for item, outputs in fixture["expected"].items():
            rtol = RTOL.get(item, 1e-7)
            for name, want in outputs.items():
                w, m = vec(want), np.asarray(got[item][name], dtype=float).ravel()
                if w.shape != m.shape:
                    print("%s %s %s: shape %s, numpy %s" % (case, item, name, w.shape, m.shape))
                    failures += 1
                    continue
                if name in EXACT:
                    ok, diff = np.array_equal(w, m), 0.0
                elif name in ACCURACY:
                    ok, diff = abs(w[0] - m[0]) <= 0.02, abs(w[0] - m[0])
                elif item == "gradient_check" and name == "diff":
                    ok, diff = m[0] <= 1e-7 and w[0] <= 1e-7, 0.0
                else:
                    diff = float(np.max(np.abs(w - m) / np.maximum(np.abs(w), 1e-300)))
                    ok = bool(np.all(np.abs(w - m) <= 1e-8 + rtol * np.abs(w)))
                worst[item] = max(worst.get(item, 0.0), diff)
                if not ok:
                    print("%s %s %s: numpy %s, fixture %s" % (case, item, name, m[:6], w[:6]))
                    failures += 1
        print("%s: inputs identical to numpy's draws and the digits; largest relative "
              "differences: %s" % (case, ", ".join("%s %.1e" % kv for kv in worst.items())))
        if "train_classifier" in got:
            g = got["train_classifier"]
            print("    classifier losses %r ... %r, test accuracy %r" % (
                float(g["loss_history"][0]), float(g["loss_history"][-1]), g["test_accuracy"]))
        else:
            print("    cost %r, diff %.2e" % (float(got["cost"]["cost"]), got["gradient_check"]["diff"]))
    if failures:
        sys.exit("%d disagreement(s)" % failures)
    print("every fixture of the lab3 lab agrees with numpy %s" % np.__version__)


if __name__ == "__main__":
    main()
