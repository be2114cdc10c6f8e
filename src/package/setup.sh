#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
# It installs Rust, builds `grade`, pre-builds every dependency the probe
# links (so no submission compiles them again), creates the account student
# code runs under, and makes the rubric and fixtures readable by root only.
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source/grade"
LAB="@LAB@"
export GRADE_CACHE_DIR="$ROOT/cache"

apt-get update -qq
# gcc links the probe; util-linux provides unshare and setpriv.
apt-get install -y -qq curl ca-certificates gcc libc6-dev util-linux

if ! command -v cargo >/dev/null 2>&1; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --profile minimal --default-toolchain stable
fi
# shellcheck source=/dev/null
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

if ! id grade-sandbox >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin grade-sandbox
fi

cd "$SOURCE"
cargo build --release --locked
./target/release/grade prepare --lab "$LAB"

# Golden outputs and hidden cases: root only (the sandbox's Landlock rules
# deny them too; this holds even on a kernel without Landlock).
chmod -R go-rwx "$ROOT/source"
