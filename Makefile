# VoiceShop developer entry points. CI runs `make test` (through .ci/run) in a fresh clone.
#   make setup | models | nlu-model | build | release | generate | check-generated | test | test-interop | test-gateway | test-data | test-deploy | run | bench | lint | clean
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# Prerequisites run in the order written (setup before anything that needs its packages).
.NOTPARALLEL:
.DEFAULT_GOAL := build

SWIFT ?= swift
# Extra flags for every swift build (warnings already fail library and executable targets: Package.swift).
SWIFT_BUILD_FLAGS ?=
VENV ?= .voiceshop/venv
PYTHON := $(VENV)/bin/python
PYTEST_FLAGS ?= -q
# What proto/generate.sh writes; check-generated fails if regenerating changes any of it.
GENERATED := Sources/CProtos Sources/Protos/Generated

.PHONY: help setup models nlu-model build release generate check-generated test test-swift test-interop test-gateway test-data test-deploy run bench bench-rpc bench-embeddings bench-nlu bench-rec bench-asr bench-gateway lint clean distclean

help:
	@sed -n '1,2p' Makefile

setup:
	@scripts/setup

# The sentence encoder's model (all-MiniLM-L6-v2) under .voiceshop/models, or $VOICESHOP_MODELS_DIR:
# downloaded and converted once, then only verified. The Embeddings tests and rec-svc need it.
models: setup
	@scripts/fetch-models

# nlu-svc's model, trained from services/nlu-svc/data by the debug build (about a second;
# deterministic, so it equals any other build's): a build product, not kept in git.
NLU_MODEL := services/nlu-svc/model/nlu.model
nlu-model:
	$(SWIFT) build --product nlu-svc $(SWIFT_BUILD_FLAGS)
	"$$($(SWIFT) build --show-bin-path $(SWIFT_BUILD_FLAGS))/nlu-svc" train --out $(NLU_MODEL) >/dev/null

build:
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release:
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

generate:
	@test -f proto/generate.sh || { echo "make: proto/generate.sh does not exist yet" >&2; exit 1; }
	bash proto/generate.sh

check-generated: generate
	@if ! git diff --exit-code --stat -- $(GENERATED) \
	    || [ -n "$$(git status --porcelain --untracked-files=all -- $(GENERATED))" ]; then \
	    git status --short -- $(GENERATED); \
	    echo "make: generated code is out of date: run 'make generate' and commit the result" >&2; \
	    exit 1; \
	fi
	@echo "generated code is up to date"

# Everything: unit, integration and interop tests, the demo data check and the deployment files. Benchmarks are not part of it (make bench).
test: setup models check-generated test-swift test-interop test-gateway test-data test-deploy

# Three passes, so CPU-heavy suites do not share the two cores with the transport's deadline
# and keepalive tests (which measure wall-clock time): first the RPC layer and the light
# suites, then the services with models and databases (encoder, vector graphs, training),
# then speech recognition (about two minutes of decoding on both cores).
HEAVY_SUITES := RecServiceTests|NLUServiceTests|EmbeddingsTests
test-swift: nlu-model
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test $(SWIFT_BUILD_FLAGS) --skip '$(HEAVY_SUITES)|ASRServiceTests'
	$(SWIFT) test $(SWIFT_BUILD_FLAGS) --filter '$(HEAVY_SUITES)'
	$(SWIFT) test $(SWIFT_BUILD_FLAGS) --filter ASRServiceTests

# A stock grpcio client against the Swift test server (.build/debug/voiceshop-testserver).
# INTEROP_SERVER=python runs the same tests against tests/interop/py_server.py instead.
test-interop: setup models nlu-model
ifeq ($(INTEROP_SERVER)$(INTEROP_TARGET),)
	$(SWIFT) build --product voiceshop-testserver $(SWIFT_BUILD_FLAGS)
endif
	$(PYTHON) -m pytest $(PYTEST_FLAGS) tests/interop

# The gateway end to end: real rec-svc (demo shop on a private PostgreSQL), nlu-svc, asr-svc and
# gateway processes from .build/debug (built by test-swift), schemathesis, headless Chromium.
test-gateway: setup models nlu-model
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)
	$(PYTHON) -m pytest $(PYTEST_FLAGS) tests/gateway

# The committed demo data: valid, consistent, and equal to a fresh generator run (no build needed).
test-data: setup
	$(PYTHON) -m pytest $(PYTEST_FLAGS) tests/data

# The deployment files (no build needed, no network, under a minute): hadolint on each
# services/<svc>/Dockerfile, every kustomization under k8s/ rendered with kubectl kustomize and
# validated against the Kubernetes schemas, and the policy tests (tests/deploy, docs/deploy.md).
# hadolint, kubectl and the schemas are pinned PyPI wheels in the venv (tests/deploy/requirements.txt).
test-deploy: setup
	$(PYTHON) -m pytest $(PYTEST_FLAGS) tests/deploy

run: setup models release
	.build/release/nlu-svc train --out $(NLU_MODEL) >/dev/null
	scripts/run-local

bench: bench-rpc bench-embeddings bench-nlu bench-rec bench-asr bench-gateway

bench-rpc:
	bench/rpc/run

bench-nlu: setup
	bench/nlu/run

bench-rec: setup models
	bench/rec/run

bench-embeddings: setup models
	bench/embeddings/run

# asr-svc against pocketsphinx_continuous: WER by voice and noise, RTF, streaming latency, memory.
bench-asr: setup
	bench/asr/run

bench-gateway: setup models release
	bench/gateway/run

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests

clean:
	rm -rf .build .pytest_cache tests/interop/__pycache__ tests/data/__pycache__ tests/data/.pytest_cache tests/gateway/__pycache__ tests/gateway/.pytest_cache tests/deploy/__pycache__ tests/deploy/.pytest_cache

# Also removes .voiceshop/ (the Python venv and any local PostgreSQL data).
distclean: clean
	rm -rf .voiceshop
