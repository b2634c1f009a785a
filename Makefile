# readiness — build, audit the sample, test.
GO        ?= go
BIN       := bin/readiness
VERSION   := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    := $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
SAMPLE    := fixtures/sample/train.parquet

.PHONY: all build audit test vet fmt-check fixtures docs bench clean

all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/readiness

# Audit the sample dataset shipped in fixtures/ with the embedded default
# policy; the report lands in out/sample/report.json. --as-of is the instant
# the sample was generated against (fixtures/sample/truth.json), so the
# report is the same on every machine and every day.
audit: build
	$(BIN) audit $(SAMPLE) --as-of 2026-01-01 --out out/sample

test: vet fmt-check
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Regenerate the committed sample datasets and their truth files.
fixtures:
	$(GO) run ./fixtures/cmd/genfixtures -rows 2000 -seed 1 -out fixtures/sample -formats parquet,arrow,csv,ndjson
	$(GO) run ./fixtures/cmd/genfixtures -rows 500 -seed 2 -nan -out fixtures/sample-nan -formats parquet,arrow,csv
	$(GO) run ./fixtures/cmd/genfixtures -rows 1000 -seed 3 -partitioned -out fixtures/sample-partitioned -formats parquet,csv

# Regenerate docs/checks.md, the reference of every check and finding code.
docs: build
	mkdir -p docs
	$(BIN) checks --markdown > docs/checks.md.tmp && mv docs/checks.md.tmp docs/checks.md

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin out
