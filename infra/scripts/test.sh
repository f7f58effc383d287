# ./aula test [--faults]: makes sure every service is installed and running, then runs all
# tests: typecheck and lint, unit and integration (real PostgreSQL, Redis, Docker), browser,
# benchmark smoke run, and the fault suite (faults/: workers, Redis, PostgreSQL, api/gateway and
# dockerd broken under load). --faults runs only the fault suite, after building what it starts.
. "$ROOT/infra/scripts/processes.sh"

faults=0
for arg in "$@"; do
  case "$arg" in
    --faults) faults=1 ;;
    *) die "unknown option for test: $arg" ;;
  esac
done

ensure_services
ensure_packages chromium
ensure_database aula
ensure_dependencies_installed
aula_cli migrate >/dev/null

cd "$ROOT"
export AULA_TEST_DATABASE_URL="$DATABASE_URL" AULA_REDIS_PREFIX=aula-test NODE_ENV=test
results="$AULA_STATE/test-results"
rm -rf "$results" && mkdir -p "$results"

if [ "$faults" = 1 ]; then
  say "build the apps the fault suite starts"
  pnpm exec turbo run build --filter=@aula/api --filter=@aula/gateway --filter=@aula/worker --output-logs=errors-only || die "build failed"
else
  say "typecheck, lint and build"
  pnpm exec turbo run typecheck lint build --output-logs=errors-only || die "typecheck, lint or build failed"
fi

say "test environment image (python): build once, reused while its definition is unchanged"
aula_cli env sync && aula_cli env build python || die "the python environment image did not build"

# The fault suite runs last in a full run: its Docker daemon restart must not land in the
# middle of the other suites' containers.
run_faults() {
  say "fault tests (private Redis and PostgreSQL; restarts the Docker daemon once)"
  pnpm exec vitest run --config tooling/test/faults.config.ts --reporter=default --reporter=json --outputFile.json="$results/faults.json" || status=1
}

status=0
if [ "$faults" = 1 ]; then
  run_faults
  node "$ROOT/infra/scripts/summarise-tests.mjs" "$results/faults.json" || status=1
  exit $status
fi

say "unit and integration tests"
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$results/unit.json" || status=1

say "browser tests (Chromium)"
pnpm exec vitest run --config e2e/vitest.config.ts --reporter=default --reporter=json --outputFile.json="$results/e2e.json" || status=1

say "benchmark harness smoke run (one run per scenario; figures are not judged here)"
AULA_E2E_GATEWAY_PORT=19000 AULA_E2E_API_PORT=19001 AULA_E2E_WEB_PORT=19002 \
  timeout 600 node --import tsx bench/src/main.ts --smoke || { warn "the benchmark harness failed"; status=1; }

run_faults

node "$ROOT/infra/scripts/summarise-tests.mjs" "$results"/*.json || status=1
exit $status
