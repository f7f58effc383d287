# ./aula bench [--smoke]: benchmarks under bench/, against baselines measured in the same run.
. "$ROOT/infra/scripts/processes.sh"
ensure_services
ensure_database aula
ensure_dependencies_installed
cd "$ROOT"
export AULA_TEST_DATABASE_URL="$DATABASE_URL"
# Its own ports, so a running platform and the test stack are left alone.
export AULA_E2E_GATEWAY_PORT=19000 AULA_E2E_API_PORT=19001 AULA_E2E_WEB_PORT=19002
pnpm exec turbo run build --output-logs=errors-only || die "the build failed"
aula_cli env sync && aula_cli env build python || die "the python environment image did not build"
timeout 900 node --import tsx bench/src/main.ts "$@"
