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
# Linking dominates rebuilds: use mold for the native target when it is there. Decided when make
# starts, and a change of flags rebuilds everything: `build` runs in a sub-make, after `tools`
# may have installed it. The installs in `tools` get it through MOLD_LINK.
ifneq ($(shell command -v mold 2>/dev/null),)
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS := -C link-arg=-fuse-ld=mold
endif
MOLD_LINK = CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="$$(command -v mold >/dev/null && echo -C link-arg=-fuse-ld=mold)"

# The native crates, as `make build`, the tests and clippy all build them. Cargo gives the
# dependencies the features that dev-dependencies ask for only when it builds a target that
# uses them (tests, examples), so the tests compiled hyper, tower, axum, the Leptos crates and
# the app again. `--examples` (there are none) makes the server's build resolve features as
# `cargo test` does: the tests then reuse every dependency it compiled.
NATIVE_FEATURES := releasedesk-core/server,app/ssr
NATIVE := --release --no-default-features --package=releasedesk-core --package=app --package=server \
	--features=$(NATIVE_FEATURES)
# The same through cargo-leptos, which adds --package=server --bin=releasedesk --release
# --no-default-features.
LEPTOS_BIN_ARGS := $(addprefix --bin-cargo-args=,--package=releasedesk-core --package=app \
	--features=$(NATIVE_FEATURES) --examples)

# cargo-leptos's own release profile (fat LTO, one codegen unit) made its install the longest
# step of a cold `make test`; here it starts cargo, wasm-bindgen and wasm-opt, and splits and
# minifies a few megabytes. Unoptimised, it installed in 313 s against 690 s at opt-level 1 (on
# one machine, the same hour), and its own part of a build (splitting the wasm, minifying the
# JS) took a few seconds more: BENCHMARKS.md, *The twenty-second pass*. OpenSSL (for
# `cargo leptos new` only) from the system, not built.
CARGO_LEPTOS_INSTALL_ENV := CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
	CARGO_PROFILE_RELEASE_OPT_LEVEL=0

SERVER_BIN := $(CARGO_TARGET_DIR)/release/releasedesk
APT_UPDATED := $(HOME)/.cache/releasedesk/apt-updated

# The last site built (wasm, JS, CSS, public files), outside the clone, with the hash of what it
# was built from: while that hash holds, `make build` copies it to LEPTOS_SITE_ROOT instead of
# rerunning cargo, wasm-bindgen and wasm-opt (80-110 s) for the wasm. The server is always
# given to cargo, which finds what changed in it.
SITE_CACHE := $(CARGO_TARGET_DIR)/site-cache
# What the site is built from: every file git shows (tracked, or untracked and not ignored, so
# that local edits count) except the server's code, tests and docs; the tools; the settings.
# Outside a git checkout it changes on every call, so the site is always built.
SITE_INPUTS_HASH = { \
	git rev-parse --git-dir >/dev/null 2>&1 || date +%s%N; \
	git ls-files -z --cached --others --exclude-standard -- . ':!server/src' ':!server/tests' \
		':!end2end' ':!bench' ':!.ci' ':!*.md' | LC_ALL=C sort -zu | xargs -0 -r sha256sum -- 2>&1 || true; \
	rustc -vV; cargo leptos --version; wasm-bindgen --version; wasm-opt --version; node --version; \
	cat $(HOME)/.cargo/config.toml 2>/dev/null || true; \
	env | grep -E '^(LEPTOS_|RUSTFLAGS=|CARGO_ENCODED_RUSTFLAGS=|CARGO_BUILD_|CARGO_PROFILE_|CARGO_TARGET_WASM32)' \
		| grep -v '^LEPTOS_SITE_ADDR=' | LC_ALL=C sort || true; \
	} 2>&1 | sha256sum | cut -d' ' -f1
SITE_MANIFEST = (cd $(SITE_CACHE)/site && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum --)

.PHONY: help run build build-release lint lint-native lint-wasm test test-rust openapi test-e2e test-bench tools test-tools compile-tools \
	cargo-leptos wasm-bindgen downloads test-packages apt-install bench-tools bench clean

help:
	@echo "make run    build and serve ReleaseDesk with demo data on http://$(LEPTOS_SITE_ADDR)"
	@echo "make test   run every test (installs what is missing)"
	@echo "make bench  measure throughput, latency, bundle size and memory (BENCH_RELEASES=100000)"

## Build tools: the wasm target, cargo-leptos, wasm-bindgen-cli and an offline wasm-opt.
## mold and OpenSSL's headers first, which the installs compile with; then the installs
## (compiling: cargo-leptos beside wasm-bindgen-cli, so that one's serial tail leaves no core
## idle) at the same time as what only downloads: the project's crates, wasm-opt.
BUILD_TOOLS := cargo-leptos wasm-bindgen downloads
tools: compile-tools
	@$(MAKE) --no-print-directory -j $(BUILD_TOOLS)

## Test tools: the same, and Chromium, PostgreSQL's binaries and the browser tests' npm
## packages downloaded and installed meanwhile.
test-tools: compile-tools
	@$(MAKE) --no-print-directory -j $(BUILD_TOOLS) test-packages

compile-tools:
	@command -v mold >/dev/null || $(MAKE) --no-print-directory apt-install PACKAGES=mold || true
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@# The server (its webhooks' HTTPS, core/Cargo.toml) and cargo-leptos link the system's OpenSSL.
	@pkg-config --exists openssl 2>/dev/null || $(MAKE) --no-print-directory apt-install PACKAGES="libssl-dev pkg-config" || true

cargo-leptos:
	@cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)" || { \
		if pkg-config --exists openssl 2>/dev/null; then export OPENSSL_NO_VENDOR=1; fi; \
		$(MOLD_LINK) $(CARGO_LEPTOS_INSTALL_ENV) cargo install cargo-leptos --locked --version $(CARGO_LEPTOS_VERSION); }

## Without TLS (ring, rustls), which only its test runner could use: the build runs
## `wasm-bindgen` alone.
wasm-bindgen:
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" \
		|| $(MOLD_LINK) cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) \
			--no-default-features --bin wasm-bindgen

downloads:
	@wasm-opt --version 2>/dev/null | grep -q "version $(BINARYEN_VERSION)" \
		|| npm install --global --no-fund --no-audit binaryen@$(BINARYEN_VERSION)
	@cargo fetch --locked --quiet --target="$$(rustc -vV | sed -n "s/^host: //p")" \
		--target=wasm32-unknown-unknown

test-packages:
	@command -v chromium >/dev/null || $(MAKE) --no-print-directory apt-install PACKAGES="chromium chromium-driver"
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || $(MAKE) --no-print-directory apt-install PACKAGES=postgresql
	@cd end2end && { [ -d node_modules/@playwright/test ] && [ -d node_modules/@axe-core/playwright ] || npm ci --no-fund --no-audit; }

## Debian packages, installed once: `make apt-install PACKAGES="a b"`.
apt-install:
	@if [ ! -f $(APT_UPDATED) ]; then mkdir -p $(dir $(APT_UPDATED)); apt-get update -qq && touch $(APT_UPDATED); fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PACKAGES) >/dev/null

## Release build. `--split` puts the pages opened after the list (a release, the charts,
## registration, password) in wasm chunks that the browser loads when it first opens them.
## Then the site's files are compressed once (brotli and gzip, front/precompress.mjs): the server
## sends a browser the smallest variant it accepts.
build: tools
	@$(MAKE) --no-print-directory build-release

## The site from SITE_CACHE when its inputs have not changed (and its files are intact), else
## built and kept there; the hash is kept only if the inputs did not change during the build.
build-release:
	@inputs=$$($(SITE_INPUTS_HASH)); \
	if [ "$$inputs" = "$$(cat $(SITE_CACHE)/inputs.sha256 2>/dev/null)" ] \
		&& $(SITE_MANIFEST) 2>/dev/null | cmp -s - $(SITE_CACHE)/site.sha256; then \
		echo "Site unchanged since its last build: reusing $(SITE_CACHE)/site"; \
		diff -rq $(SITE_CACHE)/site $(LEPTOS_SITE_ROOT) >/dev/null 2>&1 || { rm -rf $(LEPTOS_SITE_ROOT); \
			mkdir -p $(dir $(LEPTOS_SITE_ROOT)); cp -a $(SITE_CACHE)/site $(LEPTOS_SITE_ROOT); }; \
		(set -x; cargo leptos build --release --split --server-only $(LEPTOS_BIN_ARGS)); \
	else \
		rm -f $(SITE_CACHE)/inputs.sha256; \
		(set -x; cargo leptos build --release --split $(LEPTOS_BIN_ARGS)); \
		node front/precompress.mjs $(LEPTOS_SITE_ROOT); \
		rm -rf $(SITE_CACHE); mkdir -p $(SITE_CACHE); cp -a $(LEPTOS_SITE_ROOT) $(SITE_CACHE)/site; \
		$(SITE_MANIFEST) > $(SITE_CACHE)/site.sha256; \
		if [ "$$inputs" = "$$($(SITE_INPUTS_HASH))" ]; then echo "$$inputs" > $(SITE_CACHE)/inputs.sha256; \
		else echo "Inputs changed during the build: the next build rebuilds the site"; fi; \
	fi

## Formatting, then clippy on the native crates as the tests build them and on the wasm, both
## at once (each one's last crates leave a core idle); each one's messages shown when it ends.
## In release and in cargo-leptos's target directory and profile, clippy reuses the builds'
## build scripts and proc macros, and adds one check of the dependencies. rust-toolchain.toml
## brings clippy, rustfmt and the wasm target.
lint:
	cargo fmt --all --check
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint-native lint-wasm

lint-native:
	cargo clippy $(NATIVE) --all-targets -- -D warnings

lint-wasm:
	cargo clippy --package=app --package=front --lib --no-default-features --features=hydrate --target=wasm32-unknown-unknown \
		--profile=wasm-release --target-dir=$(CARGO_TARGET_DIR)/front -- -D warnings

run: build
	@mkdir -p data
	$(SERVER_BIN) serve --demo

test: test-tools
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-bench

## Unit tests, database and server-function tests on SQLite and a throw-away PostgreSQL.
## In release: they reuse the dependencies `make build` compiled, and hash passwords fast.
## One invocation, as NATIVE (see above); `--tests`: unit and integration tests, no doctests.
## `api::the_openapi_document_is_served_and_checked_in` rewrites docs/openapi.json when the
## API changed: commit it with the change (`make openapi` does only that).
test-rust:
	cargo test $(NATIVE) --tests --no-fail-fast

openapi:
	cargo test $(NATIVE) --test desk -- the_openapi_document_is_served_and_checked_in

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
	for work in page search advances capture; do \
		AB_WORK=$$work AB_STREAMS=20 AB_RELEASES=500 AB_PAIRS=1 AB_SECONDS=1 bench/ab.sh $(SERVER_BIN) $(SERVER_BIN) || exit 1; \
	done

clean:
	rm -rf target data end2end/test-results
