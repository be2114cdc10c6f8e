#!/usr/bin/env python3
"""Write reference/tests/data/rng_vectors.json: numpy legacy RandomState draws.

Each vector is a seed and a sequence of calls on ONE RandomState, so the tests
also cover how calls interact (the cached normal, the 624-word regeneration).
Floats are written with repr(), Python's shortest round-trip form, and read back
bit-exactly by serde_json's float_roundtrip.

Run on x86_64 Linux (glibc log) with numpy >= 1.17:
    python3 scripts/gen_rng_vectors.py
"""
import json
import pathlib
import platform

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "reference/tests/data/rng_vectors.json"


def run(seed, calls):
    rs = np.random.RandomState(seed)
    steps = []
    for call in calls:
        name, args = call[0], list(call[1:])
        if name == "randn":
            out = rs.randn(*args)
        elif name == "rand":
            out = rs.rand(*args)
        elif name == "standard_normal":
            out = rs.standard_normal()
        elif name == "random_sample":
            out = rs.random_sample()
        elif name == "randint":
            low, high, size = args
            out = rs.randint(low, high, size=size, dtype=np.int64)
        elif name == "permutation":
            out = rs.permutation(args[0])
        elif name == "shuffle":
            items = list(range(args[0]))
            rs.shuffle(items)
            out = items
        elif name == "shuffle_rows":
            # An array shuffled along its first axis draws like a list.
            rows = np.arange(args[0] * 3).reshape(args[0], 3)
            rs.shuffle(rows)
            out = rows[:, 0] // 3
        elif name == "choice":
            n, size, replace = args
            out = rs.choice(n, size=size, replace=replace)
        elif name == "raw_u32":
            out = rs.randint(0, 2**32, size=args[0], dtype=np.uint64)
        else:
            raise ValueError(name)
        arr = np.asarray(out)
        if arr.dtype.kind == "f":
            values = [float(v) for v in arr.ravel()]
        else:
            values = [int(v) for v in arr.ravel()]
        steps.append({"call": name, "args": args, "shape": list(arr.shape), "values": values})
    return {"seed": seed, "steps": steps}


VECTORS = [
    # The published figures.
    (0, [("randn", 5)]),
    (0, [("rand", 5)]),
    (1, [("randint", 0, 10, 10)]),
    (0, [("permutation", 10)]),
    (0, [("shuffle", 10)]),
    (42, [("randn", 2, 3)]),
    (0, [("randn", 3), ("rand", 2), ("randn", 2)]),
    # Where ports go wrong.
    (0, [("raw_u32", 5)]),  # a full 32-bit range is one raw draw each
    (5, [("randn", 1), ("randint", 0, 100, 3), ("standard_normal",), ("randn", 3)]),
    (6, [("randn", 1), ("permutation", 7), ("randn", 2)]),
    (7, [("randint", 5, 6, 4), ("rand", 2)]),  # one-value range: no draw
    (8, [("randint", -(2**40), 2**40, 6), ("randint", -3, 3, 6)]),  # 64-bit draws
    (9, [("randint", 0, 2**32 + 1, 4)]),  # just above 32 bits
    (10, [("randint", -(2**63), 2**63 - 1, 3)]),
    (11, [("shuffle", 1), ("shuffle", 2), ("shuffle", 1000), ("random_sample",)]),
    (12, [("shuffle_rows", 9), ("permutation", 9)]),
    (13, [("choice", 10, 6, True), ("choice", 10, 6, False), ("choice", 1, 3, True)]),
    (2**32 - 1, [("randn", 4), ("rand", 2)]),
    (123, [("randn", 700), ("rand", 400)]),  # crosses several regenerations
]
# Thousands of mixed draws per seed, including the extremes of the seed range.
BULK = [("randn", 1500), ("rand", 1000), ("randint", 0, 10, 500), ("randint", -(2**35), 2**33, 500),
        ("shuffle", 1000), ("randn", 1)]
VECTORS += [(seed, BULK) for seed in (0, 1, 42, 2**32 - 1)]
VECTORS += [
    (3, [("randn", 4, 5), ("rand", 3, 2), ("randint", 0, 7, 5), ("randn", 2, 2)]),
]


def main():
    data = {
        "generator": "scripts/gen_rng_vectors.py",
        "numpy": np.__version__,
        "machine": platform.machine(),
        "vectors": [run(seed, calls) for seed, calls in VECTORS],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({len(data['vectors'])} vectors, numpy {np.__version__})")


if __name__ == "__main__":
    main()
