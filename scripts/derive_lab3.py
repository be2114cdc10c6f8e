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
  case's seed, in the order the fixture's origin names (the gradient check's
  fixed pair last: u = randn(n), v = u * (1 + 1e-6 * randn(n)), n the
  network's parameter count), and compares them with the fixture bit for
  bit;
- reads reference/data/digits/digits.csv (checking its SHA-256), divides by
  16, transposes, and compares the training cases' slices (train_x, train_y,
  test_x) bit for bit, and their grader-only `truth` too (the test labels
  for the three predictions, test_x for the reconstruction), checking that
  the test labels are not among the inputs;
- runs every graded item as the grader's adapter does and compares with the
  fixture's expected outputs: predictions (classes, argmax of a3 or of
  W x + b) exactly, counting those that differ; the gradient check's
  `numerical` (whose expected value is the true, analytic gradient: numpy's
  analytic one within 1e-7 relative, numpy's centred differences within the
  rubric's rtol 1e-6, atol 1e-8); its `diff` (gradient_diff of the fixed
  pair) and `diff_planted` (gradient_diff of numpy's centred differences and
  the same with the b1 and b2 entries multiplied by the batch size m) within
  the rubric's rtol 1e-3; the reconstruction sigma(W2 sigma(W1 x + b1) + b2)
  and other numbers within the rubric's tolerances (1e-7 relative; 1e-6 for
  training), printing the largest relative difference per item;
- computes what the grader measures against the truth, from numpy's run and
  from the fixture's answers: the classifier's and both softmax held-out
  accuracies, and the reconstruction's mean squared error per pixel (the
  rubric: numpy's accuracy at least the fixture's less 0.02, numpy's error
  within 0.1 % of the fixture's).

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


def gradient_diff(num, ana):
    return np.linalg.norm(num - ana) / np.linalg.norm(num + ana)


def biases_summed(g, i, h, o, m):
    """The gradient check's planted mistake: the flat gradient `g` with its
    b1 and b2 entries multiplied by the batch size (summed, not averaged)."""
    p = {k: v.copy() for k, v in unflatten(g, i, h, o).items()}
    p["b1"] *= m
    p["b2"] *= m
    return flatten(p)


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
    n = h * i + h + o * h + o
    u = rng.randn(n)
    noise = rng.randn(n)
    v = u * (1 + 1e-6 * noise)
    return {
        "network": {"w1": to_wire(w1), "b1": [float(v) for v in b1], "w2": to_wire(w2),
                    "b2": [float(v) for v in b2], "x": to_wire(x), "y": to_wire(y)},
        "autoencoder": {"w1": to_wire(aw1), "b1": [float(v) for v in ab1], "w2": to_wire(aw2),
                        "b2": [float(v) for v in ab2], "x": to_wire(ax)},
        "softmax": {"w": to_wire(sw), "b": [float(v) for v in sb], "x": to_wire(sx),
                    "labels": [int(v) for v in sy], "z": to_wire(z)},
        "gradient_check": {"u": [float(e) for e in u], "v": [float(e) for e in v]},
    }


def training_inputs(s, dx, dy):
    tr = slice(*s["train_rows"])
    te = slice(1347 + s["test_rows"][0], 1347 + s["test_rows"][1])
    tx, ty = to_wire(dx[te].T.copy()), [int(v) for v in dy[te]]
    data = {"train_x": to_wire(dx[tr].T.copy()), "train_y": [int(v) for v in dy[tr]], "test_x": tx}
    truth = {"train_classifier": {"test_predictions": ty},
             "train_autoencoder": {"test_reconstruction": tx},
             "softmax_features": {"raw_predictions": ty, "features_predictions": ty}}
    return data, truth


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
    pair = inp["gradient_check"]
    diff = gradient_diff(np.array(pair["u"], dtype=float), np.array(pair["v"], dtype=float))
    diff_planted = gradient_diff(num, biases_summed(num, i, h, o, x.shape[1]))
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
        # own centred differences must be within the rubric's tolerance of it
        # (and numpy's analytic gradient within the default one: main).
        "numerical_gradient": {"numerical": num},
        "gradient_diff": {"diff": diff, "diff_planted": diff_planted},
        "autoencoder_cost": {"cost": aj, "grad": ag},
        "encode": {"features": sigmoid(ap["w1"] @ ax + ap["b1"][:, None])},
        "softmax": {"probabilities": softmax(matrix(s["z"]))},
        "softmax_cost": {"cost": sj, "grad": sg},
        "softmax_predict": {"predictions": np.argmax(sw @ sx + sb[:, None], axis=0)},
        # The class of every column: the argmax of the network's output a3.
        "predict": {"predictions": np.argmax(a3, axis=0)},
    }


def reconstruct(p, x):
    """The adapter's own forward pass of the trained autoencoder, with its
    sigmoid 1 / (1 + e^-z) (the same numbers as `forward`'s a3, to rounding)."""
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))
    with np.errstate(over="ignore"):
        return sig(p["w2"] @ sig(p["w1"] @ x + p["b1"][:, None]) + p["b2"][:, None])


def mean_squared_error(answer, truth):
    return float(np.mean((np.asarray(answer, dtype=float) - np.asarray(truth, dtype=float)) ** 2))


def run_training(inp):
    d = inp["data"]
    x, lab, tx = matrix(d["train_x"]), np.array(d["train_y"]), matrix(d["test_x"])
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
        "train_classifier": {"loss_history": hist, "test_predictions": pred(net, tx)},
        "train_autoencoder": {"loss_history": ahist, "test_reconstruction": reconstruct(ae, tx)},
        "softmax_features": {
            "raw_loss_history": rhist, "features_loss_history": fhist,
            "raw_predictions": np.argmax(rw @ tx + rb[:, None], axis=0),
            "features_predictions": np.argmax(fw @ feats(tx) + fb[:, None], axis=0),
        },
    }


EXACT = {"predictions", "test_predictions", "raw_predictions", "features_predictions"}
DIFFS = {"diff", "diff_planted"}  # gradient_diff's values: the rubric's rtol 1e-3
DIFF_RTOL = 1e-3
RTOL = {"numerical_gradient": 1e-6, "gradient_diff": 1e-3, "train_classifier": 1e-6, "train_autoencoder": 1e-6,
        "softmax_features": 1e-6}  # the rubric's; the analytic items: the default 1e-7
ANALYTIC_RTOL = 1e-7  # numpy's analytic gradient against the `numerical` expected value
ACCURACY_MARGIN = 0.02  # the rubric's: at least the reference's accuracy less 0.02
MSE_RTOL = 1e-3  # the rubric's: within 0.1 % of the reference's reconstruction error
MEASURED = [("train_classifier", "test_predictions", "classifier"),
            ("softmax_features", "raw_predictions", "softmax on pixels"),
            ("softmax_features", "features_predictions", "softmax on features")]


def training_specs(s):
    return {"train_classifier": dict(hidden=s["hidden"], seed=s["seed"], iterations=s["iterations"],
                                     learning_rate=s["learning_rate"]),
            "train_autoencoder": dict(hidden=s["autoencoder_hidden"], seed=s["seed"],
                                      iterations=s["iterations"],
                                      learning_rate=s["autoencoder_learning_rate"]),
            "softmax_features": dict(hidden=s["autoencoder_hidden"], seed=s["seed"],
                                     autoencoder_iterations=s["iterations"],
                                     autoencoder_learning_rate=s["autoencoder_learning_rate"],
                                     softmax_iterations=s["softmax_iterations"],
                                     softmax_learning_rate=s["softmax_learning_rate"])}


def input_differences(case, fixture, dx, dy):
    """What of the fixture's inputs (and truth) differs from numpy's draws or
    the digits, by name; empty when everything is identical."""
    inputs = fixture["inputs"]
    if case in TRAINING:
        data, truth = training_inputs(TRAINING[case], dx, dy)
        drawn = dict(training_specs(TRAINING[case]), data=data)
        bad = ["inputs.data.%s" % k for k in sorted(set(data) | set(inputs.get("data", {})))
               if data.get(k) != inputs.get("data", {}).get(k)]
        bad += ["truth.%s.%s" % (item, name) for item in sorted(set(truth) | set(fixture.get("truth", {})))
                for name in sorted(set(truth.get(item, {})) | set(fixture.get("truth", {}).get(item, {})))
                if truth.get(item, {}).get(name) != fixture.get("truth", {}).get(item, {}).get(name)]
    else:
        drawn = analytic_inputs(ANALYTIC[case])
        bad = ["truth (an analytic case has none)"] if fixture.get("truth") is not None else []
    bad += ["inputs.%s" % k for k in sorted(set(drawn) | set(inputs))
            if k != "data" and drawn.get(k) != inputs.get(k)]
    return bad


def compare(item, name, want, mine):
    """(agrees, largest relative difference, differing entries or None)."""
    w, m = vec(want), np.asarray(mine, dtype=float).ravel()
    if w.shape != m.shape:
        return False, float("inf"), None
    if name in EXACT:
        differ = int(np.sum(w != m))
        return differ == 0, 0.0, differ
    rel = float(np.max(np.abs(w - m) / np.maximum(np.abs(w), 1e-300)))
    if name in DIFFS:
        return rel <= DIFF_RTOL, rel, None
    return bool(np.all(np.abs(w - m) <= 1e-8 + RTOL.get(item, 1e-7) * np.abs(w))), rel, None


def main():
    raw = DIGITS.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DIGITS_SHA256:
        sys.exit("%s was altered (SHA-256 %s); restore it with git checkout" % (DIGITS, digest))
    table = np.loadtxt(DIGITS, delimiter=",", dtype=np.int64)
    dx, dy = table[:, :64] / 16.0, table[:, 64]
    failures = 0
    for case in list(ANALYTIC) + list(TRAINING):
        fixture = json.loads((FIXTURES / (case + ".json")).read_text())
        bad = input_differences(case, fixture, dx, dy)
        if bad:
            print("%s: differ from numpy's draws or the digits: %s" % (case, ", ".join(bad)))
            failures += 1
            continue
        inputs, expected = fixture["inputs"], fixture["expected"]
        got = (run_training if case in TRAINING else run_analytic)(inputs)
        names = lambda d: {(item, name) for item, outs in d.items() for name in outs}
        if names(expected) != names(got):
            print("%s: outputs %s in the fixture, %s in numpy's run" % (
                case, sorted(names(expected) - names(got)), sorted(names(got) - names(expected))))
            failures += 1
        worst = {}
        for item, outputs in expected.items():
            for name, want in outputs.items():
                if name not in got.get(item, {}):
                    continue
                ok, diff, differ = compare(item, name, want, got[item][name])
                worst[item] = max(worst.get(item, 0.0), diff)
                if not ok:
                    m = np.asarray(got[item][name], dtype=float).ravel()
                    print("%s %s %s: numpy %s, fixture %s%s" % (
                        case, item, name, m[:6], vec(want)[:6],
                        "" if differ is None else " (%d of %d differ)" % (differ, m.size)))
                    failures += 1
        print("%s: inputs%s identical to numpy's draws and the digits; largest relative "
              "differences: %s" % (case, " and truth" if case in TRAINING else "",
                                   ", ".join("%s %.1e" % kv for kv in worst.items())))
        if case in TRAINING:
            truth = fixture["truth"]
            g = got["train_classifier"]
            print("    classifier losses %r ... %r" % (float(g["loss_history"][0]), float(g["loss_history"][-1])))
            for item, name, what in MEASURED:
                labels = np.array(truth[item][name])
                mine, theirs = np.asarray(got[item][name]), np.array(expected[item][name])
                a, b = accuracy(mine, labels), accuracy(theirs, labels)
                print("    %s held-out accuracy: numpy %.2f (%d of %d right), fixture %.2f (%d of %d); "
                      "%d of %d predictions differ" % (
                          what, a, int(np.sum(mine == labels)), labels.size, b,
                          int(np.sum(theirs == labels)), labels.size, int(np.sum(mine != theirs)), labels.size))
                if a < b - ACCURACY_MARGIN:
                    print("%s %s %s: numpy's accuracy %.2f below the fixture's %.2f less %.2f" % (
                        case, item, name, a, b, ACCURACY_MARGIN))
                    failures += 1
            originals = matrix(truth["train_autoencoder"]["test_reconstruction"])
            mine = mean_squared_error(got["train_autoencoder"]["test_reconstruction"], originals)
            theirs = mean_squared_error(matrix(expected["train_autoencoder"]["test_reconstruction"]), originals)
            rel = abs(mine - theirs) / theirs
            print("    reconstruction mean squared error per pixel: numpy %r, fixture %r "
                  "(relative difference %.1e); pixel variance %.4f" % (mine, theirs, rel, float(np.var(originals))))
            if rel > MSE_RTOL:
                print("%s train_autoencoder: reconstruction error numpy %r, fixture %r" % (case, mine, theirs))
                failures += 1
        else:
            gc = {**got["numerical_gradient"], **got["gradient_diff"]}
            want = {**expected["numerical_gradient"], **expected["gradient_diff"]}
            # The `numerical` expected value is the reference's analytic
            # gradient: the same as its backprop grad, and numpy's within 1e-7.
            ok, ana, _ = compare("backprop", "grad", want["numerical"], got["backprop"]["grad"])
            same = want["numerical"] == expected["backprop"]["grad"]
            if not (ok and same and ana <= ANALYTIC_RTOL):
                print("%s numerical_gradient numerical: numpy's analytic gradient %.1e relative from it; "
                      "identical to the fixture's backprop grad: %s" % (case, ana, same))
                failures += 1
            num_rel = compare("numerical_gradient", "numerical", want["numerical"], gc["numerical"])[1]
            print("    cost %r; numerical: the fixture's backprop grad, numpy's analytic gradient %.1e "
                  "and numpy's centred differences %.1e relative from it" % (
                      float(got["cost"]["cost"]), ana, num_rel))
            for name, what in (("diff", "the fixed pair"), ("diff_planted", "the planted mistake")):
                print("    %s (%s): numpy %.10e, fixture %.10e, relative difference %.1e" % (
                    name, what, gc[name], want[name], abs(gc[name] - want[name]) / abs(want[name])))
    if failures:
        sys.exit("%d disagreement(s)" % failures)
    print("every fixture of the lab3 lab agrees with numpy %s" % np.__version__)


if __name__ == "__main__":
    main()
