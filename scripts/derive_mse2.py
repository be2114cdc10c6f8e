#!/usr/bin/env python3
"""Cross-check the mse2 fixtures against the lab's own numpy code.

Re-draws every case's inputs with numpy from the seeds the fixture's "origin"
names, runs the notebook's forward_propagation / back_propagation on them
(copied verbatim from ../shared/seeds/002_*, part 1), and compares with
fixtures/mse2/*.json: inputs exactly, outputs to 1e-12 relative. Also prints
the notebook's numbers at full precision, which tests/mse2.rs quotes.

Optional (the Rust tests never need Python). Run from anywhere:
    python3 scripts/derive_mse2.py
"""
import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "mse2"

# (id, seed, inputs, hidden, points, biased): as in reference/src/labs/mse2.rs.
CASES = [
    ("lab_seed0_n1000", 0, 2, 3, 1000, False),
    ("biased_seed1_n50", 1, 2, 3, 50, True),
    ("biased_seed2_n1", 2, 2, 3, 1, True),
    ("wide_seed3_4_5_1_n20", 3, 4, 5, 20, True),
]


# ---- the notebook's code, verbatim --------------------------------------
def sigmoid(z):
    return 1/(1 + np.exp(-z))


def forward_propagation(X, weights):
    Z1 = np.dot(X, weights['W1'].T) + weights['b1']
    H = sigmoid(Z1)

    Z2 = np.dot(H, weights['W2'].T) + weights['b2']
    Y = sigmoid(Z2)

    return Y, Z2, H, Z1


def back_propagation(X, Y_T, weights):
    N_points = X.shape[0]

    # forward propagation
    Y, Z2, H, Z1 = forward_propagation(X, weights)
    L = (1/(2*N_points)) * np.sum(np.square(Y - Y_T))

    # back propagation
    dLdY = 1/N_points * (Y - Y_T)
    dLdZ2 = np.multiply(dLdY, (sigmoid(Z2)*(1-sigmoid(Z2))))
    dLdW2 = np.dot(H.T, dLdZ2)

    dLdb2 = np.sum(dLdZ2, axis = 0)
    dldH = np.dot(dLdZ2.reshape(-1,1), weights['W2'].reshape(1,-1))
    dldZ1 = np.multiply(dldH, (sigmoid(Z1)*(1-sigmoid(Z1))))
    dLdW1 = np.dot(dldZ1.T, X)
    dLdb1 = np.sum(dldZ1, axis = 0)

    gradients = {
        'W1': dLdW1,
        'b1': dLdb1,
        'W2': dLdW2,
        'b2': dLdb2,
    }

    return gradients, L
# --------------------------------------------------------------------------


def draw(seed, inputs, hidden, points, biased):
    np.random.seed(seed)
    weights = {
        'W1': np.random.randn(hidden, inputs),
        'b1': np.zeros(hidden),
        'W2': np.random.randn(hidden),
        'b2': 0,
    }
    X = np.random.rand(points, inputs)
    Y = np.random.randint(low=0, high=2, size=(points,))
    rs = np.random.RandomState(1000 + seed)
    if biased:
        weights['b1'] = rs.randn(hidden)
        weights['b2'] = rs.randn()
    z = 4 * rs.randn(4, 6)
    z[0, :5] = [800, -800, 30, -30, 0]
    return weights, X, Y, z


def matrix(v):
    return np.array(v["data"], dtype=float).reshape(v["shape"])


failures = []


def same(what, got, want, rtol=1e-12, atol=1e-15):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol):
        failures.append(what)
        print(f"  MISMATCH {what}: fixture {got!r} numpy {want!r}")


for case, seed, inputs, hidden, points, biased in CASES:
    fx = json.loads((FIXTURES / f"{case}.json").read_text())
    weights, X, Y, z = draw(seed, inputs, hidden, points, biased)
    ins = fx["inputs"]
    # Inputs: bit for bit.
    same(f"{case} X", matrix(ins["X"]), X, rtol=0, atol=0)
    same(f"{case} Y_T", ins["Y_T"], Y, rtol=0, atol=0)
    same(f"{case} W1", matrix(ins["weights"]["W1"]), weights['W1'], rtol=0, atol=0)
    same(f"{case} b1", ins["weights"]["b1"], weights['b1'], rtol=0, atol=0)
    same(f"{case} W2", ins["weights"]["W2"], weights['W2'], rtol=0, atol=0)
    same(f"{case} b2", ins["weights"]["b2"], weights['b2'], rtol=0, atol=0)
    same(f"{case} z", matrix(ins["z"]), z, rtol=0, atol=0)
    # Outputs.
    ex = fx["expected"]
    with np.errstate(over="ignore"):
        same(f"{case} sigmoid", matrix(ex["sigmoid"]["value"]), sigmoid(z))
    Yp, Z2, H, Z1 = forward_propagation(X, weights)
    fp = ex["forward_propagation"]
    same(f"{case} Y", fp["Y"], Yp)
    same(f"{case} Z2", fp["Z2"], Z2)
    same(f"{case} H", matrix(fp["H"]), H)
    same(f"{case} Z1", matrix(fp["Z1"]), Z1)
    g, L = back_propagation(X, Y, weights)
    bp = ex["back_propagation"]
    same(f"{case} L", bp["L"], L)
    same(f"{case} dW1", matrix(bp["W1"]), g['W1'])
    same(f"{case} db1", bp["b1"], g['b1'])
    same(f"{case} dW2", bp["W2"], g['W2'])
    same(f"{case} db2", bp["b2"], g['b2'])
    if case == "lab_seed0_n1000":
        print("notebook: L =", repr(float(L)))
        for k in ("W1", "b1", "W2"):
            print(f"notebook: {k} =", [float(v) for v in np.ravel(g[k])])
        print("notebook: b2 =", repr(float(g["b2"])))
    print(f"{case}: checked")

if failures:
    print(f"{len(failures)} mismatches")
    sys.exit(1)
print("all mse2 fixtures agree with the notebook's numpy code")
