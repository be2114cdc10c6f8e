#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image
# (from /autograder/source/, with a bare environment). It installs Rust,
# builds `grade`, pre-builds every dependency the probe links (so no
# submission compiles them again), records where the toolchain is (so that
# run_autograder, which starts with the image's default PATH, finds it),
# creates the account student code runs under, and makes the rubric and
# fixtures readable by root only.
set -euo pipefail

# This script is ROOT/source/setup.sh; ROOT is /autograder on Gradescope.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOURCE="$ROOT/source/grade"
LAB="@LAB@"
export GRADE_CACHE_DIR="$ROOT/cache"
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
# gcc links the probe; util-linux provides unshare and setpriv.
apt-get install -y -qq curl ca-certificates gcc libc6-dev util-linux

if [ -f "$HOME/.cargo/env" ]; then
    # shellcheck source=/dev/null
    . "$HOME/.cargo/env"
fi
if ! command -v cargo >/dev/null 2>&1; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --profile minimal --default-toolchain stable
    # shellcheck source=/dev/null
    . "$HOME/.cargo/env"
fi
# The compiler itself, past rustup's proxies, which need this shell's
# environment: run_autograder reads these absolute paths.
SYSROOT="$(rustc --print sysroot)"
cat >"$ROOT/source/toolchain.env" <<TOOLCHAIN
export RUSTC="$SYSROOT/bin/rustc"
export CARGO="$SYSROOT/bin/cargo"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
TOOLCHAIN
# shellcheck source=/dev/null
. "$ROOT/source/toolchain.env"

if ! id grade-sandbox >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin grade-sandbox
fi

cd "$SOURCE"
# Grading needs no reference solution: build without them.
"$CARGO" build --release --locked --no-default-features
./target/release/grade prepare --lab "$LAB"

# Golden outputs and hidden cases: root only (the sandbox's Landlock rules
# deny them too; this holds even on a kernel without Landlock).
chmod -R go-rwx "$ROOT/source"
