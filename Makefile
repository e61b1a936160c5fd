# mediawatch. Everything here works on a fresh clone with Go and (for the
# image and compose targets) Docker; nothing is pulled from an image registry.

GO          ?= go
FUZZTIME    ?= 30s
IMAGE       ?= mediawatch:local
NATS_IMAGE  ?= mediawatch/nats:local
E2E_FEEDS_IMAGE ?= mediawatch/e2e-feeds:local
STAGING     := deploy/bin
# The host's CA bundle (Debian/Ubuntu/Alpine, Fedora/RHEL, macOS), copied into the image.
CA_BUNDLE   ?= $(firstword $(wildcard /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem))
# Binaries for the Docker engine's OS/architecture (e.g. arm64 on Apple silicon).
DOCKER_OS   ?= $(shell docker version --format '{{.Server.Os}}' 2>/dev/null || echo linux)
DOCKER_ARCH ?= $(shell docker version --format '{{.Server.Arch}}' 2>/dev/null || $(GO) env GOARCH)
# Compose v2 plugin when present, else the standalone docker-compose.
COMPOSE     ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
DEMO_FILES  := -f docker-compose.yml -f deploy/compose.demo.yml
STATIC      := CGO_ENABLED=0 GOOS=$(DOCKER_OS) GOARCH=$(DOCKER_ARCH) $(GO) build -trimpath -ldflags='-s -w'
# The CPU profile the mediawatch binaries of build, bench and images are
# optimised with (profile-guided optimisation; `make pgo` takes it again).
# It is not named default.pgo, so go run and go test build without it.
PGO         ?= cmd/mediawatch/mediawatch.pgo

.PHONY: all build run demo test bench pgo gobench fuzz vet ci images e2e-images compose-up compose-down compose-logs compose-test e2e-compose clean

all: vet test

# The binary, with its module version, VCS revision and profile (mediawatch version).
build:
	$(GO) build -pgo=$(PGO) -o bin/mediawatch ./cmd/mediawatch

run: ## every stage in one process with the embedded NATS server
	$(GO) run ./cmd/mediawatch run

demo: ## same, plus the bundled sample feeds (no internet needed)
	$(GO) run ./cmd/mediawatch run --demo

test:
	$(GO) test -race ./...

# The whole pipeline against raw JetStream (a burst of 10,000 articles), then
# the latency at a steady 1,000 articles/s: the figures the README quotes.
bench:
	$(GO) build -pgo=$(PGO) -o $(STAGING)/mediawatch ./cmd/mediawatch
	$(STAGING)/mediawatch bench --articles 10000
	$(STAGING)/mediawatch bench --rate 1000 --duration 30s

# Takes $(PGO) again from a binary built without it: the CPU profiles of a
# burst of 30,000 articles and of a steady 1,000 articles/s, merged. Run it
# when the hot code has changed much; commit the file it writes.
pgo:
	mkdir -p $(STAGING)
	$(GO) build -pgo=off -o $(STAGING)/mediawatch-nopgo ./cmd/mediawatch
	$(STAGING)/mediawatch-nopgo bench --articles 30000 --cpuprofile $(STAGING)/burst.pprof
	$(STAGING)/mediawatch-nopgo bench --rate 1000 --duration 30s --cpuprofile $(STAGING)/rate.pprof
	$(GO) tool pprof -proto $(STAGING)/burst.pprof $(STAGING)/rate.pprof > $(STAGING)/merged.pgo
	mv $(STAGING)/merged.pgo $(PGO)

# Every Go benchmark: per stage handler, language detection, the matcher.
gobench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

vet:
	$(GO) vet ./...

# The gates .ci/run applies: gofmt, go vet, golangci-lint, go test -race.
ci:
	bash .ci/run

# Runs every fuzz target for FUZZTIME and prints each one's execution count.
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) bash .ci/fuzz

# Static binaries into staging directories, then FROM-scratch images built
# from those directories alone (no registry, no network).
images:
	@command -v docker >/dev/null || { echo "images: docker not found" >&2; exit 1; }
	@test -n "$(CA_BUNDLE)" && test -r "$(CA_BUNDLE)" || { echo "images: no CA certificate bundle found (set CA_BUNDLE=/path/to/ca-certificates.crt)" >&2; exit 1; }
	mkdir -p $(STAGING)/image/data $(STAGING)/image/tmp $(STAGING)/nats/data
	$(STATIC) -pgo=$(PGO) -tags timetzdata -o $(STAGING)/image/mediawatch ./cmd/mediawatch
	$(STATIC) -o $(STAGING)/nats/nats-server github.com/nats-io/nats-server/v2
	cp config/mediawatch.yaml $(STAGING)/image/mediawatch.yaml
	cp $(CA_BUNDLE) $(STAGING)/image/ca-certificates.crt
	docker build -f deploy/Dockerfile -t $(IMAGE) $(STAGING)/image
	docker build -f deploy/nats/Dockerfile -t $(NATS_IMAGE) $(STAGING)/nats

# The stack with the local images and the demo feeds; follow the alerts with
#   mediawatch alerts tail --nats nats://127.0.0.1:4222
compose-up: images
	NATS_IMAGE=$(NATS_IMAGE) MEDIAWATCH_IMAGE=$(IMAGE) $(COMPOSE) $(DEMO_FILES) up -d
	NATS_IMAGE=$(NATS_IMAGE) MEDIAWATCH_IMAGE=$(IMAGE) $(COMPOSE) $(DEMO_FILES) ps

compose-logs:
	NATS_IMAGE=$(NATS_IMAGE) MEDIAWATCH_IMAGE=$(IMAGE) $(COMPOSE) $(DEMO_FILES) logs --tail 100

compose-down:
	NATS_IMAGE=$(NATS_IMAGE) MEDIAWATCH_IMAGE=$(IMAGE) $(COMPOSE) $(DEMO_FILES) down

# Builds the images, runs the scaled demo stack under a throw-away project,
# waits for alerts, checks there are no duplicates, tears everything down.
compose-test:
	IMAGE=$(IMAGE) NATS_IMAGE=$(NATS_IMAGE) COMPOSE="$(COMPOSE)" deploy/compose-test.sh

# The feed server of the cluster end-to-end test, FROM scratch.
e2e-images:
	@command -v docker >/dev/null || { echo "e2e-images: docker not found" >&2; exit 1; }
	mkdir -p $(STAGING)/e2e
	$(STATIC) -o $(STAGING)/e2e/e2e ./deploy/e2e
	docker build -f deploy/e2e/Dockerfile -t $(E2E_FEEDS_IMAGE) $(STAGING)/e2e

# The three-node cluster stack under load: a NATS node killed and started
# again, a tagger killed, taggers scaled 3 -> 5; then the ledger (every
# expected alert exactly once, nothing pending, DLQ empty) and down -v.
e2e-compose:
	IMAGE=$(IMAGE) NATS_IMAGE=$(NATS_IMAGE) E2E_FEEDS_IMAGE=$(E2E_FEEDS_IMAGE) COMPOSE="$(COMPOSE)" GO=$(GO) deploy/e2e-compose.sh

clean:
	rm -rf $(STAGING) bin
