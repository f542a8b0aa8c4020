# Konnect: the two commands a new machine needs are `make run` and `make test`.
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
BIN := bin/$(CONFIG)/net10.0
# Folders `make run` serves as one: the cluster quick start, and the loopback stand-ins for what a cluster provides.
MANIFESTS ?= samples/quickstart samples/platform samples/local
# The image tag is the app's version (src/Konnect/Konnect.csproj), which is also the chart's appVersion.
VERSION := $(shell sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/Konnect/Konnect.csproj)
IMAGE ?= ghcr.io/konnect-dev/konnect:$(VERSION)
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: build run test crds fmt bench reliability image e2e clean

build:
	$(DOTNET) build Konnect.sln -c $(CONFIG) -v q -nologo

# Starts six echo upstreams (orders-v1 :9101, orders-v2 :9102, legacy :9103, the model stand-in behind /ai on :9104, and
# the platform sample's catalog-v1 :9105 and catalog-v2 :9106) and Konnect on the quick start and the platform sample
# (samples/quickstart and samples/platform with samples/local): traffic on :8080, admin on :9090, the developer portal on
# http://127.0.0.1:8081. Ctrl-C stops all of them.
run:
	$(DOTNET) build src/Konnect/Konnect.csproj -c $(CONFIG) -v q -nologo
	$(DOTNET) build src/Konnect.Echo/Konnect.Echo.csproj -c $(CONFIG) -v q -nologo
	@trap 'kill $$(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT INT TERM; \
	for spec in orders-v1:9101 orders-v2:9102 legacy:9103 model:9104 catalog-v1:9105 catalog-v2:9106; do \
	  src/Konnect.Echo/$(BIN)/konnect-echo --urls http://127.0.0.1:$${spec#*:} --name $${spec%%:*} & \
	done; \
	src/Konnect/$(BIN)/konnect run $(addprefix --manifests ,$(MANIFESTS)) --portal-listen http://127.0.0.1:8081

# Ends with one summary line over every test project, "N passed, N failed", after each failed test's name and the
# first lines of its message (repeated from above, so that the tail of a CI log always names what failed).
test:
	$(DOTNET) build Konnect.sln -c $(CONFIG) -v q -nologo
	@set -o pipefail; log=$$(mktemp); \
	$(DOTNET) test Konnect.sln -c $(CONFIG) --no-build --logger "console;verbosity=minimal" | tee $$log; status=$$?; \
	awk '/^  Failed [^ ]/ { n = 12 } n > 0 { print; n-- }' $$log | sed 's/^/FAILED> /'; \
	grep -E '^(Passed|Failed)!' $$log | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+).*/\1 \2/' \
	  | awk '{ f += $$1; p += $$2 } END { printf "%d passed, %d failed\n", p, f }'; \
	rm -f $$log; exit $$status

# The reliability suite (issue #22) at full size: churn under load, open streams across reloads, an API server outage,
# hostile manifests, hostile HTTP, soak (44 minutes with the soak's 30; about 20 with SOAK_MINUTES=5; 30 is
# the issue's figure). The same tests run quick in `test`. Ends with one table of every figure (part, figure, value,
# verdict), also left in tests/Konnect.Reliability.Tests/bin/figures.tsv. The parts run one after another, so none measures
# another's load.
RELIABILITY_OUT := $(CURDIR)/tests/Konnect.Reliability.Tests/bin/figures.tsv
reliability:
	$(DOTNET) build tests/Konnect.Reliability.Tests -c $(CONFIG) -v q -nologo
	@mkdir -p $(dir $(RELIABILITY_OUT)); : > $(RELIABILITY_OUT); \
	KONNECT_RELIABILITY=full KONNECT_RELIABILITY_OUT=$(RELIABILITY_OUT) \
	  $(DOTNET) test tests/Konnect.Reliability.Tests -c $(CONFIG) --no-build --logger "console;verbosity=minimal" \
	    -- xUnit.ParallelizeTestCollections=false; status=$$?; \
	printf 'part\tfigure\tvalue\tverdict\n' | cat - $(RELIABILITY_OUT) | column -t -s "$$(printf '\t')"; exit $$status

# crds/ (and the chart's copy) and docs/reference/api.md, all from the types in src/Konnect.Api; tests fail when they drift.
crds:
	$(DOTNET) run --project src/Konnect/Konnect.csproj -c $(CONFIG) -- crds --output $(CURDIR)/crds --reference $(CURDIR)/docs/reference/api.md
	rm -f charts/konnect/crds/*.yaml && cp crds/*.yaml charts/konnect/crds/  # Helm's crds/ folder; a test checks they match

fmt:
	$(DOTNET) format Konnect.sln

# Throughput and latency side by side with nginx (needs the wrk and nginx packages; about 7 minutes), then the scale
# part: propagation, memory and start-up at 100 / 1,000 / 10,000 routes (about 5 minutes; settings in
# tests/bench/Konnect.Bench.Scale/Program.cs, e.g. SIZES=100,1000 CHANGES=5 for a quick run), then the AI part: AI calls
# through Konnect against the same calls straight to konnect-echo's model stand-in, added p99 and time to first token
# against 1 ms (with a quota that has room, and one close to its limit where every prompt is counted first), every
# stream event forwarded, o200k's cost per 1,000 prompt tokens (about 2.5 minutes; settings in
# tests/bench/Konnect.Bench.Ai/Program.cs), then the portal part: the developer portal's pages with 1,000 listed APIs
# (p99 against 50 ms) and the CPU per proxied request with call analytics on and off, in alternating rounds (about 1.5
# minutes; settings in tests/bench/Konnect.Bench.Portal/Program.cs). Not part of `test`.
# All three measure what the image ships: konnect published ReadyToRun for this machine, as src/Konnect/Dockerfile does.
BENCH_BIN := $(CURDIR)/src/Konnect/bin/$(CONFIG)/bench-publish
bench:
	$(DOTNET) publish src/Konnect/Konnect.csproj -c $(CONFIG) -o $(BENCH_BIN) --use-current-runtime --self-contained false \
	  -p:PublishReadyToRun=true -v q -nologo
	KONNECT_BIN=$(BENCH_BIN)/konnect CONFIG=$(CONFIG) tests/bench/run.sh \
	  && KONNECT_BIN=$(BENCH_BIN)/konnect CONFIG=$(CONFIG) $(DOTNET) run -c $(CONFIG) --project tests/bench/Konnect.Bench.Scale \
	  && KONNECT_BIN=$(BENCH_BIN)/konnect CONFIG=$(CONFIG) $(DOTNET) run -c $(CONFIG) --project tests/bench/Konnect.Bench.Ai \
	  && KONNECT_BIN=$(BENCH_BIN)/konnect CONFIG=$(CONFIG) $(DOTNET) run -c $(CONFIG) --project tests/bench/Konnect.Bench.Portal

# The container image (src/Konnect/Dockerfile, built from the repository root). Without docker, or with a docker
# command but no daemon to talk to, it says "skipped" and succeeds; a build that fails fails.
image:
	@if ! command -v docker >/dev/null 2>&1; then echo "make image: skipped: docker not found"; exit 0; fi; \
	if ! docker info >/dev/null 2>&1; then echo "make image: skipped: docker found but its daemon is not reachable (docker info failed)"; exit 0; fi; \
	docker build -f src/Konnect/Dockerfile -t $(IMAGE) .

# k3d cluster, image, chart, samples, curl checks, teardown (tests/e2e/run.sh). Says "skipped" without docker, k3d,
# helm or kubectl; "make e2e: passed" only when every check passed.
e2e:
	@tests/e2e/run.sh

clean:
	$(DOTNET) clean Konnect.sln -v q -nologo
	rm -rf src/Konnect/bin/*/bench-publish
