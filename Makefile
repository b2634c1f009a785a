# readiness — build, audit the sample, test.
GO        ?= go
BIN       := bin/readiness
VERSION   := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    := $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
SAMPLE    := fixtures/sample/train.parquet

.PHONY: all build audit test vet fmt-check fixtures docs bench bench-compare bench-data bench-formats bench-go pgo clean

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

# Performance (issue 6; docs/performance.md). The harness is its own Go
# module under bench/ so that the main module never depends on DuckDB.
# `make bench` times the audit and decode-only floors on generated 1M- and
# 10M-row Parquet files (bench/data/, git-ignored, generated once), each in
# three layouts: every column PLAIN as the fixtures generator writes it
# (1m, 10m); dictionary-encoded as most writers do (1m-dict, 10m-dict); and
# so with the four label-like string columns stored as Arrow dictionaries,
# as pyarrow writes pandas' category columns (1m-cat, 10m-cat); the last
# two rewritten from the first by bench/cmd/relayout;
# `make bench-compare` also times DuckDB computing the same statistics and
# fails if its counts disagree with report.json (needs cgo). Neither runs
# in CI. Narrow it with e.g. `make bench BENCH_SIZES=1m BENCH_RUNS=5`. An
# audit run that takes longer than BENCH_AUDIT_TIMEOUT is stopped and
# reported as a lower bound (0: never stop). BENCH_MEMORY_LIMIT passes
# --memory-limit to the audit (default: the audit's own). BENCH_MEASURE
# picks the measurements: decode is the floor read through the audit's own
# reader, arrowgo every column decoded by arrow-go alone (issue 6's floor as
# it measured it, bench/cmd/benchrun/arrowgo.go); add dedup for the floor of
# an exact duplicate-row count done the audit's way (dedup.go).
BENCH_SIZES ?= 1m 10m 1m-dict 10m-dict 1m-cat 10m-cat
BENCH_RUNS  ?= 3
BENCH_AUDIT_TIMEOUT ?= 10m
BENCH_MEMORY_LIMIT ?=
BENCH_MEASURE ?= audit,decode,arrowgo
BENCH_FILES := $(foreach s,$(BENCH_SIZES),bench/data/$(s)/train.parquet)

bench: build bench-data
	cd bench && $(GO) build -o ../bin/benchrun ./cmd/benchrun
	bin/benchrun -bin $(BIN) -n $(BENCH_RUNS) -audit-timeout $(BENCH_AUDIT_TIMEOUT) -memory-limit "$(BENCH_MEMORY_LIMIT)" -measure $(BENCH_MEASURE) $(BENCH_FILES)

bench-compare: build bench-data
	cd bench && CGO_ENABLED=1 $(GO) build -tags duckdb -o ../bin/benchrun-duckdb ./cmd/benchrun
	bin/benchrun-duckdb -bin $(BIN) -n $(BENCH_RUNS) -audit-timeout $(BENCH_AUDIT_TIMEOUT) -memory-limit "$(BENCH_MEMORY_LIMIT)" -measure $(BENCH_MEASURE) -compare $(BENCH_FILES)

bench-data: $(BENCH_FILES)

# `make bench-formats` times the audit and its own decode floor on the
# benchmark's rows as an Arrow IPC file and stream, CSV and NDJSON, and CSV
# compressed with gzip (generated once into
# bench/data/<size>-{ipc,ipcs,csv,ndjson,csvgz}/; the last with the gzip
# command), read in units since docs/performance.md sections zb and zc.
# arrow-go's floor and DuckDB's queries read Parquet only, so they are not
# run here.
BENCH_FORMAT_SIZES ?= 1m 10m
BENCH_FORMAT_FILES := $(foreach s,$(BENCH_FORMAT_SIZES),bench/data/$(s)-ipc/train.arrow bench/data/$(s)-ipcs/train.arrows bench/data/$(s)-csv/train.csv bench/data/$(s)-ndjson/train.ndjson bench/data/$(s)-csvgz/train.csv.gz)

bench-formats: build $(BENCH_FORMAT_FILES)
	cd bench && $(GO) build -o ../bin/benchrun ./cmd/benchrun
	bin/benchrun -bin $(BIN) -n $(BENCH_RUNS) -audit-timeout $(BENCH_AUDIT_TIMEOUT) -memory-limit "$(BENCH_MEMORY_LIMIT)" -measure audit,decode $(BENCH_FORMAT_FILES)

# bench/data/<n>m-ipc/train.arrow: the Parquet file's rows as an Arrow IPC
# file, a record batch a row group. The Parquet file made on the way is
# kept (make would delete it as an intermediate).
.PRECIOUS: bench/data/%/train.parquet
bench/data/%-ipc/train.arrow: bench/data/%/train.parquet
	cd bench && $(GO) run ./cmd/relayout -in data/$*/train.parquet -out data/$*-ipc/train.arrow -format ipc
bench/data/%-ipcs/train.arrows: bench/data/%/train.parquet
	cd bench && $(GO) run ./cmd/relayout -in data/$*/train.parquet -out data/$*-ipcs/train.arrows -format ipc-stream

# bench/data/<n>m-{csv,ndjson}/: the same rows (seed 7) as the generator
# writes them in text.
bench/data/%-csv/train.csv:
	$(GO) run ./fixtures/cmd/genfixtures -rows $(patsubst %m,%000000,$*) -seed 7 -out bench/data/$*-csv -formats csv -truth none
bench/data/%-ndjson/train.ndjson:
	$(GO) run ./fixtures/cmd/genfixtures -rows $(patsubst %m,%000000,$*) -seed 7 -out bench/data/$*-ndjson -formats ndjson -truth none
.PRECIOUS: bench/data/%-csv/train.csv
bench/data/%-csvgz/train.csv.gz: bench/data/%-csv/train.csv
	mkdir -p $(@D) && gzip -1 -c $< > $@.tmp && mv $@.tmp $@

# bench/data/<n>m/train.parquet: n million rows, seed 7, counts-only truth.
bench/data/%/train.parquet:
	$(GO) run ./fixtures/cmd/genfixtures -rows $(patsubst %m,%000000,$*) -seed 7 -out bench/data/$* -formats parquet -truth counts

# bench/data/<n>m-dict/train.parquet: the same rows dictionary-encoded, as
# arrow-go's writer (like pyarrow's) lays them out by default.
bench/data/%-dict/train.parquet: bench/data/%/train.parquet
	cd bench && $(GO) run ./cmd/relayout -in data/$*/train.parquet -out data/$*-dict/train.parquet

# bench/data/<n>m-cat/train.parquet: so, with category, region, label and
# annotator stored as dictionaries of strings (pandas' category dtype).
bench/data/%-cat/train.parquet: bench/data/%/train.parquet
	cd bench && $(GO) run ./cmd/relayout -in data/$*/train.parquet -out data/$*-cat/train.parquet -categorical category,region,label,annotator

# bench/data/wide/train.parquet: 1M rows x 203 columns (bench/cmd/widegen),
# for `make bench BENCH_FILES=bench/data/wide/train.parquet`.
bench/data/wide/train.parquet:
	cd bench && $(GO) run ./cmd/widegen -rows 1000000 -features 200 -out data/wide/train.parquet

# bench/data/wide1000/train.parquet: 200,000 rows x 1,003 columns, the
# widest file of the scale envelope (docs/performance.md, 2026-11-28 o).
bench/data/wide1000/train.parquet:
	cd bench && $(GO) run ./cmd/widegen -rows 200000 -features 1000 -out data/wide1000/train.parquet

# cmd/readiness/default.pgo is the CPU profile `go build` optimises the
# binary with (profile-guided optimisation: hot calls inlined, interface
# calls devirtualised; docs/performance.md, 2026-11-28 u). `make pgo`
# records it again from audits of the 10M- and 1M-row bench files and of a
# 1M-row CSV and NDJSON file (bench/data/pgo/, generated once), and merges
# the four profiles. Record it again when the hot loops change a lot: a
# stale profile still builds, it just helps less.
PGO_DIR := bench/data/pgo
pgo: build bench/data/10m/train.parquet bench/data/1m/train.parquet $(PGO_DIR)/train.csv $(PGO_DIR)/train.ndjson
	rm -rf $(PGO_DIR)/run && mkdir -p $(PGO_DIR)/run
	$(BIN) audit bench/data/10m/train.parquet -q --out $(PGO_DIR)/run/10m --cpuprofile $(PGO_DIR)/run/10m.prof > $(PGO_DIR)/run/10m.txt
	$(BIN) audit bench/data/1m/train.parquet -q --out $(PGO_DIR)/run/1m --cpuprofile $(PGO_DIR)/run/1m.prof > $(PGO_DIR)/run/1m.txt
	$(BIN) audit $(PGO_DIR)/train.csv -q --out $(PGO_DIR)/run/csv --cpuprofile $(PGO_DIR)/run/csv.prof > $(PGO_DIR)/run/csv.txt
	$(BIN) audit $(PGO_DIR)/train.ndjson -q --out $(PGO_DIR)/run/ndjson --cpuprofile $(PGO_DIR)/run/ndjson.prof > $(PGO_DIR)/run/ndjson.txt
	$(GO) tool pprof -proto $(PGO_DIR)/run/*.prof > cmd/readiness/default.pgo.tmp
	mv cmd/readiness/default.pgo.tmp cmd/readiness/default.pgo

# One run writes both files; either missing writes them again.
$(PGO_DIR)/train.csv $(PGO_DIR)/train.ndjson:
	$(GO) run ./fixtures/cmd/genfixtures -rows 1000000 -seed 11 -out $(PGO_DIR) -formats csv,ndjson -truth none

# The Go micro-benchmarks of the hot loops.
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin out
