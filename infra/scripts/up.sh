# ./aula up [--demo]: from a fresh Debian/Ubuntu machine to a running platform. Idempotent.
. "$ROOT/infra/scripts/processes.sh"

demo=0
for arg in "$@"; do
  case "$arg" in
    --demo) demo=1 ;;
    *) die "unknown option for up: $arg (did you mean --demo?)" ;;
  esac
done

need_root up
ensure_services
ensure_database aula
ensure_dependencies_installed

say "applying database migrations"
aula_cli migrate
aula_cli env sync

say "building the apps (turbo build)"
(cd "$ROOT" && pnpm exec turbo run build --output-logs=errors-only) || die "the build failed; run 'pnpm exec turbo run build' to see why"

# The first environment is built, smoke-tested and published before anyone can press Start:
# spawns never build or pull. Unchanged definitions are a no-op.
envs=(python)
[ "$demo" = 1 ] && envs=(python pytorch pytorch-nlp)
for env_name in "${envs[@]}"; do
  say "environment $env_name: build, smoke test, publish"
  aula_cli env build "$env_name" || die "environment $env_name did not build; the log above says why"
done

. "$ROOT/infra/scripts/firewall.sh"
install_firewall_rules

aula_cli bootstrap-admin

# A full disk must fill only that student's: each student gets a size-limited disk of their own
# when this machine can loop-mount one. AULA_VOLUME_MODE in .aula/env overrides the choice.
if [ -z "${AULA_VOLUME_MODE:-}" ]; then
  if [ -e /dev/loop-control ] && command -v mkfs.ext4 >/dev/null 2>&1 && losetup -f >/dev/null 2>&1; then
    export AULA_VOLUME_MODE=disk
    say "student disks: ${AULA_STUDENT_DISK_MB:-10240} MB each unless a course says otherwise (AULA_VOLUME_MODE=disk)"
  else
    export AULA_VOLUME_MODE=docker
    warn "no loop devices here: students' volumes have no size limit (see ./aula doctor)"
  fi
fi

mkdir -p "$AULA_DATA_DIR"
for app in worker api web gateway; do start_app "$app"; done
wait_for_health

[ "$demo" = 1 ] && aula_cli seed demo

echo
say "Aula is running at ${AULA_PUBLIC_URL}"
aula_cli print-credentials
echo "    ./aula status · ./aula logs · ./aula down"
