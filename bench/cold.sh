#!/usr/bin/env bash
# Times a cold `make test` as a fresh machine runs it: a fresh clone of this repository's HEAD
# with HOME, CARGO_HOME and the build cache empty (no registry cache, no cargo-leptos, no
# wasm-bindgen). Rust's toolchain (RUSTUP_HOME) and Debian's packages stay as installed.
# Usage: bench/cold.sh [DIR]   (default /tmp/releasedesk-cold); phase times go to DIR/phases.
set -u
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cold=${1:-/tmp/releasedesk-cold}
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
rm -rf "$cold"; mkdir -p "$cold/.cargo/bin"
for tool in cargo cargo-clippy cargo-fmt clippy-driver rustc rustdoc rustfmt rustup; do
  cp -a "$HOME/.cargo/bin/$tool" "$cold/.cargo/bin/"
done
git clone -q "$repo" "$cold/clone"
cd "$cold/clone" || exit 1
export HOME=$cold CARGO_HOME=$cold/.cargo RUSTUP_HOME=$rustup_home
export PATH=$cold/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
started=$(date +%s)
# The phases of `make test`, in its order, each timed.
for phase in test-tools lint build test-rust test-e2e test-bench; do
  phase_started=$(date +%s)
  make --no-print-directory "$phase" >> "$cold/make-test.log" 2>&1
  status=$?
  echo "$phase exit $status $(( $(date +%s) - phase_started )) s" | tee -a "$cold/phases"
  [ "$status" = 0 ] || break
done
echo "total $(( $(date +%s) - started )) s" | tee -a "$cold/phases"
