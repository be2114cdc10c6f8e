#!/usr/bin/env bash
# The hand-made peer a Rust TA would write, for the labs mse2 and twolayernet: copy the student's lib.rs
# into a persistent grading crate (warm target dir), `cargo test`, map pass/fail to the rubric's points.
# usage: peer_grade.sh LAB SUBMISSION_DIR FIXTURES_DIR OUT_JSON [debug|release]
set -u
LAB=$1; SUB=$2; FIX=$3; OUT=$4; PROFILE=${5:-debug}
HERE=$(cd "$(dirname "$0")" && pwd)
[ -f "$HERE/$LAB/tests/grading.rs" ] || { echo "no peer for lab $LAB" >&2; exit 2; }
W=${PEER_WORK:-${TMPDIR:-/tmp}/cargo-test-peer-$LAB}
if [ ! -d "$W" ]; then mkdir -p "$W/src" && cp -r "$HERE/$LAB/." "$W/" && cp "$SUB/src/network.rs" "$SUB/src/rng.rs" "$W/src/"; fi
cp "$SUB/src/lib.rs" "$W/src/lib.rs"; touch "$W/src/lib.rs"
flag=""; [ "$PROFILE" = release ] && flag="--release"
( cd "$W" && FIXTURES="$FIX" timeout 600 cargo test -q $flag --test grading --no-fail-fast -- --test-threads=2 ) > "$W/test.log" 2>&1
python3 - "$LAB" "$W/test.log" "$OUT" <<'PY'
import json, re, sys
log = open(sys.argv[2]).read()
points = {"mse2": {"t1_sigmoid": 10, "t2_forward_propagation": 20, "t3_1_back_propagation_loss": 10, "t3_2_back_propagation_w1": 20,
                   "t3_3_back_propagation_b1": 15, "t3_4_back_propagation_w2": 15, "t3_5_back_propagation_b2": 10},
          "twolayernet": {"t1_scores": 15, "t2_loss": 15, "t3_1_gradient_w1": 10, "t3_2_gradient_b1": 5, "t3_3_gradient_w2": 10,
                          "t3_4_gradient_b2": 5, "t3_5_gradient_check": 10, "t4_train": 20, "t5_predict": 10}}[sys.argv[1]]
failed = set(re.findall(r"^\s*(t[0-9_a-z]+)$", log, re.M)) | set(re.findall(r"---- (t[0-9_a-z]+) stdout", log))
compiled = "test result" in log
tests = [{"name": n, "max_score": p, "score": (p if compiled and n not in failed else 0)} for n, p in points.items()]
json.dump({"score": sum(t["score"] for t in tests), "tests": tests}, open(sys.argv[3], "w"))
print(sum(t["score"] for t in tests))
PY
