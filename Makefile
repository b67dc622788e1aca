# ReleaseDesk — two commands on a fresh machine:
#   make run    install what is missing, build in release, serve the demo on 127.0.0.1:3000
#   make test   install what is missing, run every test (unit, database on SQLite and
#               PostgreSQL, server functions over HTTP, browser, the benchmark once, tiny)
#   make bench  measure a release build at BENCH_RELEASES releases on both databases
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO_LEPTOS_VERSION := 0.3.10
# Must equal the `wasm-bindgen` version pinned in Cargo.toml.
WASM_BINDGEN_VERSION := 0.2.130
BINARYEN_VERSION := 132

export PATH := $(HOME)/.cargo/bin:$(PATH)
# Build outside the clone so that a fresh clone (as CI makes) reuses earlier artifacts.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/releasedesk/target
# The server finds its site (wasm, CSS, public files) through these.
export LEPTOS_OUTPUT_NAME := releasedesk
export LEPTOS_SITE_ROOT := target/site
export LEPTOS_SITE_PKG_DIR := pkg
export LEPTOS_SITE_ADDR ?= 127.0.0.1:3000
export LEPTOS_ENV := PROD
export DATABASE_URL ?= data/releasedesk.db
# Linking dominates rebuilds: use mold for the native target when it is there.
ifneq ($(shell command -v mold 2>/dev/null),)
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS := -C link-arg=-fuse-ld=mold
endif

SERVER_BIN := $(CARGO_TARGET_DIR)/release/releasedesk
APT_UPDATED := $(HOME)/.cache/releasedesk/apt-updated

.PHONY: help run build test test-rust test-e2e test-bench tools test-tools bench-tools bench clean

help:
	@echo "make run    build and serve ReleaseDesk with demo data on http://$(LEPTOS_SITE_ADDR)"
	@echo "make test   run every test (installs what is missing)"
	@echo "make bench  measure throughput, latency, bundle size and memory (BENCH_RELEASES=100000)"

## Build tools: the wasm target, cargo-leptos, wasm-bindgen-cli and an offline wasm-opt.
tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)" \
		|| cargo install cargo-leptos --locked --version $(CARGO_LEPTOS_VERSION)
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" \
		|| cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@wasm-opt --version 2>/dev/null | grep -q "version $(BINARYEN_VERSION)" \
		|| npm install --global --no-fund --no-audit binaryen@$(BINARYEN_VERSION)
	@command -v mold >/dev/null || $(MAKE) --no-print-directory apt-install PACKAGES=mold || true

## Debian packages, installed once: `make apt-install PACKAGES="a b"`.
apt-install:
	@if [ ! -f $(APT_UPDATED) ]; then mkdir -p $(dir $(APT_UPDATED)); apt-get update -qq && touch $(APT_UPDATED); fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PACKAGES) >/dev/null

## Test tools: Chromium, PostgreSQL binaries, the browser-test npm packages.
test-tools: tools
	@command -v chromium >/dev/null || $(MAKE) --no-print-directory apt-install PACKAGES="chromium chromium-driver"
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || $(MAKE) --no-print-directory apt-install PACKAGES=postgresql
	@cd end2end && { [ -d node_modules/@playwright/test ] && [ -d node_modules/@axe-core/playwright ] || npm ci --no-fund --no-audit; }

## Release build. `--split` puts the pages opened after the list (a release, the charts,
## registration, password) in wasm chunks that the browser loads when it first opens them.
build: tools
	cargo leptos build --release --split

run: build
	@mkdir -p data
	$(SERVER_BIN) serve --demo

test: test-tools
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-bench

## Unit tests, database and server-function tests on SQLite and a throw-away PostgreSQL.
## In release: they reuse the dependencies `make build` compiled, and hash passwords fast.
test-rust:
	cargo test --release -p app --features ssr --lib
	cargo test --release -p server --no-fail-fast

## Browser tests against a release build serving a fresh demo database.
test-e2e:
	cd end2end && SERVER_BIN=$(SERVER_BIN) npx playwright test

## The load generator and the report's JSON tool, beside the test tools (Chromium, PostgreSQL).
bench-tools: test-tools
	@command -v wrk >/dev/null && command -v jq >/dev/null || $(MAKE) --no-print-directory apt-install PACKAGES="wrk jq"

## Speed, size and memory of a release build on SQLite and PostgreSQL: target/bench/report.json.
bench: bench-tools
	$(MAKE) --no-print-directory build
	SERVER_BIN=$(SERVER_BIN) bench/run.sh

## The benchmark's code, run once on a tiny database so that it cannot rot; no figure is checked.
test-bench: bench-tools
	SERVER_BIN=$(SERVER_BIN) BENCH_RELEASES=500 BENCH_SECONDS=1 BENCH_HYDRATION_RUNS=1 bench/run.sh

clean:
	rm -rf target data end2end/test-results
