#!/usr/bin/env python3
"""Cross-check the modular lab's written answers with numpy.

Reads the questions' data from fixtures/modular/written_published.json and
written.json (their "inputs"), works every answer out again with numpy, the
way a student answering the seed lab (../shared/seeds/004_*, sections 1, 3,
4) would, and compares with the fixtures' "expected" values of the item
`written`: to 1e-12 relative for numbers, exactly for classes and choices.
Section 5.6's accuracies need the digits training and are checked by the
code fixtures' script (derive_modular.py), not here.

Optional (the Rust tests never need Python). Run from anywhere:
    python3 scripts/derive_modular_written.py
"""
import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "modular"


def matrix(v):
    rows, cols = v["shape"]
    return np.array(v["data"], dtype=float).reshape(rows, cols)


def vector(v):
    return np.array(v["data"] if isinstance(v, dict) else v, dtype=float).reshape(-1)


def softmax(b):
    e = np.exp(b - b.max())
    return e / e.sum()


def sigma(a):
    return 1 / (1 + np.exp(-a))


def section1(q):
    alpha, beta = matrix(q["alpha"]), matrix(q["beta"])
    x = np.r_[1.0, vector(q["x"])]
    y = np.zeros(beta.shape[0])
    y[q["class"] - 1] = 1

    def forward(A, B):
        a = A @ x
        z = sigma(a)
        zb = np.r_[1.0, z]
        b = B @ zb
        yh = softmax(b)
        return a, z, zb, b, yh, -np.sum(y * np.log(yh))

    def step(A, B):
        a, z, zb, b, yh, _ = forward(A, B)
        db = yh - y
        dz = B[:, 1:].T @ db
        da = z * (1 - z) * dz
        eta = q["learning_rate"]
        return A - eta * np.outer(da, x), B - eta * np.outer(db, zb)

    return alpha, beta, forward, step


def answers(inputs):
    out = {}
    if "q1" in inputs:
        q = inputs["q1"]
        alpha, beta, forward, step = section1(q)
        if "q5_6" in inputs:
            a, z, zb, b, yh, loss = forward(alpha, beta)
            out.update(q1_3_a1=a[0], q1_3_z1=z[0], q1_3_b2=b[1], q1_3_yhat2=yh[1],
                       q1_3_class=int(yh.argmax()) + 1, q1_3_loss=loss)
        else:
            A, B = step(alpha, beta)
            out.update(q1_4_beta21=B[1, 1], q1_4_beta10=B[0, 0], q1_4_alpha34=A[2, 4])
            A, B = alpha, beta
            for _ in range(q["iterations_for_many"]):
                A, B = step(A, B)
            out["q1_4_class_after_many"] = int(forward(A, B)[4].argmax()) + 1
            reg = (alpha[:, 1:] ** 2).sum() + (beta[:, 1:] ** 2).sum()
            out["q1_5b_regularised_loss"] = forward(alpha, beta)[5] + q["lambda"] * reg
    if "q3" in inputs:
        q = inputs["q3"]
        X, Y = matrix(q["x"]), vector(q["y"])
        W1, b1, w2, b2 = matrix(q["w1"]), vector(q["b1"]), vector(q["w2"]), q["b2"]
        acts = {"relu": lambda t: np.maximum(t, 0), "tanh": np.tanh,
                "sigmoid": sigma, "linear": lambda t: t}

        def mse(W, c, v, d, act):
            return np.mean((acts[act.lower()](X @ W.T + c) @ v + d - Y) ** 2)

        out["q3_1_loss"] = mse(W1, b1, w2, b2, "ReLU")
        out["q3_2_activation"] = min(q["activations"], key=lambda a: mse(W1, b1, w2, b2, a))

        def after(eta):
            W, c, v, d = W1.copy(), b1.copy(), w2.copy(), b2
            for _ in range(q["more_iterations"]):
                pre = X @ W.T + c
                h = np.maximum(pre, 0)
                g = 2 * (h @ v + d - Y) / len(Y)
                dh = np.outer(g, v) * (pre > 0)
                W, c, v, d = W - eta * dh.T @ X, c - eta * dh.sum(0), v - eta * h.T @ g, d - eta * g.sum()
            return mse(W, c, v, d, "ReLU")

        out["q3_3_learning_rate"] = min(q["learning_rates"], key=after)
    if "q4" in inputs:
        q = inputs["q4"]
        image, f = matrix(q["image"]), matrix(q["filter"])
        k = f.shape[0] // 2
        p = np.pad(image, k)
        r, c = q["row"] - 1, q["column"] - 1
        out["q4_4_j"] = float((p[r:r + f.shape[0], c:c + f.shape[1]] * f).sum())
    return out


def main():
    bad = 0
    for case in ["written_published", "written"]:
        fixture = json.loads((FIXTURES / f"{case}.json").read_text())
        expected = fixture["expected"]["written"]
        mine = answers(fixture["inputs"])
        for key, value in sorted(mine.items()):
            want = expected.get(key)
            if isinstance(value, str) or isinstance(value, int) and not isinstance(value, bool):
                ok = want == value
            else:
                ok = want is not None and abs(want - value) <= 1e-12 * max(1.0, abs(value))
            print(f"{'ok ' if ok else 'BAD'} {case}: {key} = {value!r} (fixture {want!r})")
            bad += not ok
        for key in sorted(set(expected) - set(mine)):
            if not key.startswith("q5_6"):
                print(f"BAD {case}: {key} is in the fixture but not derived here")
                bad += 1
    print("all written answers agree" if not bad else f"{bad} disagreements")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
