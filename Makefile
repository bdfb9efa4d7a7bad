# Two commands on a fresh machine with Node 20+: `make run` and `make test`.
.PHONY: install build run test lint format generate bench clean

NPM_STAMP := node_modules/.package-lock.json

# npm ci only when the lockfile changed since the last install.
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

install: $(NPM_STAMP)

# The web console, served at /ui. npm ci builds it (the prepare script); this rebuilds it
# when it is missing (make clean) or its sources changed.
UI_STAMP := dist/ui/index.html
$(UI_STAMP): $(NPM_STAMP) $(shell find src/ui src/admin gen -type f 2>/dev/null)
	npm run build:ui

build: install $(UI_STAMP)
	npm run build

# Starts the gateway on http://localhost:4000 with the demo config (no API key needed).
# Pass flags with ARGS, e.g. make run ARGS="--config my.yaml --port 8080".
# V8's young generation at 8 MiB a semi-space (16 by default): see src/server/heap-tuning.ts.
NODE_FLAGS := --max-semi-space-size=8

run: build
	node $(NODE_FLAGS) dist/src/main.js $(ARGS)

test: install $(UI_STAMP)
	npm test

lint: install
	npm run lint

format: install
	npm run format

# TypeScript into gen/; Python and Go into clients/ with Debian's plugins (see buf.gen.clients.yaml).
# The client folders also hold hand-written code, so only their generated folders are replaced.
generate: install
	npx buf generate
	rm -rf clients/python/switchyard clients/go/switchyard/v1
	npx buf generate --template buf.gen.clients.yaml

bench: build
	npm run bench

clean:
	rm -rf dist .switchyard

# The gateway image (Dockerfile) with Postgres and Redis behind a small proxy (settings from .env; see .env.example).
.PHONY: docker-up docker-down docker-logs

docker-up:
	docker compose up -d --build --wait

docker-down:
	docker compose down

docker-logs:
	docker compose logs -f switchyard
